// `tributary reset <module>`: the command-line face of runtime/ops/application-reset.ts. Prints, per input partition,
// the committed offset before and after, the internal topics deleted and the state directory wiped.
import type { Topology } from '../../operators/graph/topology.js';
import { type ResetTarget, resetApplication } from '../ops/application-reset.js';
import { ConfigError, type ResolvedConfig } from './config.js';

/** --to-earliest | --to-latest | --to-offset N | --to-timestamp T (exactly one; earliest when none). */
export function parseResetTarget(opts: {
  toEarliest?: boolean;
  toLatest?: boolean;
  toOffset?: string;
  toTimestamp?: string;
}): ResetTarget {
  const given = [opts.toEarliest, opts.toLatest, opts.toOffset, opts.toTimestamp].filter(
    (o) => o !== undefined,
  );
  if (given.length > 1)
    throw new ConfigError('choose one of --to-earliest, --to-latest, --to-offset, --to-timestamp');
  if (opts.toLatest) return { to: 'latest' };
  if (opts.toOffset !== undefined) {
    const offset = Number(opts.toOffset);
    if (!Number.isSafeInteger(offset) || offset < 0)
      throw new ConfigError(`--to-offset: expected a non-negative integer, got '${opts.toOffset}'`);
    return { to: 'offset', offset };
  }
  if (opts.toTimestamp !== undefined) {
    const raw = opts.toTimestamp.trim();
    const timestamp = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
    if (!Number.isSafeInteger(timestamp) || timestamp < 0)
      throw new ConfigError(
        `--to-timestamp: expected ms since the epoch or an ISO 8601 time (2026-11-28T12:00:00Z), got '${opts.toTimestamp}'`,
      );
    return { to: 'timestamp', timestamp };
  }
  return { to: 'earliest' };
}

export interface ResetCommandOptions {
  readonly config: ResolvedConfig;
  readonly topology: Topology;
  readonly target: ResetTarget;
  readonly inputTopics?: readonly string[];
  readonly deleteInternalTopics: boolean;
  readonly wipeLocalState: boolean;
  readonly dryRun: boolean;
  readonly out: (text: string) => void;
}

export async function resetCommand(options: ResetCommandOptions): Promise<void> {
  const s = options.config.streams;
  const applicationId = s.applicationId as string;
  const bootstrapServers = (s.bootstrapServers as string | undefined) ?? process.env.KAFKA_BOOTSTRAP_SERVERS;
  if (!bootstrapServers)
    throw new ConfigError('no bootstrap servers: pass --bootstrap-servers or set KAFKA_BOOTSTRAP_SERVERS');
  const stateDir = s.stateDir as string | undefined;
  if (options.wipeLocalState && stateDir === undefined)
    throw new ConfigError(
      '--wipe-local-state needs the state directory: pass --state-dir (or set it in the config)',
    );
  const plan = await resetApplication({
    bootstrapServers,
    ...(s.admin !== undefined ? { overrides: s.admin as Record<string, string> } : {}),
    applicationId,
    topology: options.topology,
    target: options.target,
    ...(options.inputTopics !== undefined ? { inputTopics: options.inputTopics } : {}),
    deleteInternalTopics: options.deleteInternalTopics,
    ...(options.wipeLocalState && stateDir !== undefined ? { wipeLocalStateDir: stateDir } : {}),
    dryRun: options.dryRun,
  });
  const lines = [`${options.dryRun ? 'dry run: ' : ''}reset of application ${applicationId}`];
  for (const o of plan.offsets)
    lines.push(`  ${o.topic}-${o.partition}: committed offset ${o.previous ?? 'none'} -> ${o.offset}`);
  lines.push(
    plan.deletedTopics.length > 0
      ? `  ${options.dryRun ? 'would delete' : 'deleted'} internal topics: ${plan.deletedTopics.join(', ')}`
      : '  no internal topics to delete',
  );
  if (plan.wipedStateDir)
    lines.push(`  ${options.dryRun ? 'would wipe' : 'wiped'} local state in ${plan.wipedStateDir}`);
  options.out(`${lines.join('\n')}\n`);
}
