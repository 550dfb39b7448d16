import { pino } from 'pino';

/**
 * Tributary's logger. TRIBUTARY_LOG_LEVEL sets the level (default `info`; `error` under tests so their output stays
 * readable). Components log through children: `logger.child({ component: 'task', taskId })`.
 */
export const logger = pino({
  name: 'tributary',
  level: process.env.TRIBUTARY_LOG_LEVEL ?? (process.env.VITEST ? 'error' : 'info'),
});

export type Logger = typeof logger;
