import { type Alert, alertSchema } from './alert.js';
import { MONITORING_NAMESPACE } from './namespace.js';

/**
 * One notification of one alert state change on one channel (`slack`, `pagerduty`, `email`, ...), published to the
 * `notifications` topic by the notification topology: what channel senders deliver, and the log of what was sent.
 */
export interface Notification {
  /**
   * `<fingerprint>:<state>:<alert timestamp>:<channel>`: the same for every delivery attempt of this notification,
   * so receivers can drop repeats (webhooks send it as the Idempotency-Key header).
   */
  readonly id: string;
  readonly channel: string;
  /** One line: `[FIRING:warning] HighCPUUsage`. */
  readonly title: string;
  /** For humans: the series, the value against the threshold, and the reason when there is one. */
  readonly text: string;
  /** The alert state change this notification is about. */
  readonly alert: Alert;
}

export const notificationSchema = {
  type: 'record',
  name: 'Notification',
  namespace: MONITORING_NAMESPACE,
  doc: 'One alert state change routed to one channel (notifications topic).',
  fields: [
    { name: 'id', type: 'string', doc: 'fingerprint:state:alert timestamp:channel; stable across retries.' },
    { name: 'channel', type: 'string', doc: 'Channel name, e.g. slack, pagerduty, email.' },
    { name: 'title', type: 'string' },
    { name: 'text', type: 'string' },
    { name: 'alert', type: alertSchema, doc: 'The alert state change.' },
  ],
} as const;
