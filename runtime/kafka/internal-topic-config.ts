/**
 * The topic configs of internal topics, as Kafka Streams sets them (InternalTopicManager / *InternalTopicConfig):
 * - repartition: `delete` policy with infinite retention; the runtime purges what it consumed and committed with
 *   deleteRecords, so retention never drops unprocessed records;
 * - changelog of a key-value store: `compact` (the latest value per key is the state);
 * - changelog of a window/session store: `compact,delete` with retention = store retention + a safety margin, so
 *   expired windows leave the changelog as they leave the store.
 */

export type InternalTopicType = 'repartition' | 'changelog' | 'windowed-changelog';

export interface InternalTopicSpec {
  /** Full topic name (`<applicationId>-<name>-repartition` / `-changelog`). */
  readonly name: string;
  readonly partitions: number;
  readonly type: InternalTopicType;
  /** Window/session stores: how long the store keeps windows (ms). Required for 'windowed-changelog'. */
  readonly retentionMs?: number;
  /** Added to retentionMs for the changelog (Kafka Streams' windowstore.changelog.additional.retention.ms). */
  readonly additionalRetentionMs?: number;
  readonly replicationFactor?: number;
  /** Topic configs that win over the defaults (user-provided `Materialized.withLoggingEnabled(config)`). */
  readonly config?: Readonly<Record<string, string>>;
}

/** Kafka Streams' default for windowstore.changelog.additional.retention.ms: one day. */
export const DEFAULT_ADDITIONAL_RETENTION_MS = 86_400_000;

export function internalTopicConfig(spec: InternalTopicSpec): Record<string, string> {
  const base: Record<string, string> = { 'message.timestamp.type': 'CreateTime' };
  switch (spec.type) {
    case 'repartition':
      Object.assign(base, { 'cleanup.policy': 'delete', 'retention.ms': '-1', 'segment.bytes': '52428800' });
      break;
    case 'changelog':
      base['cleanup.policy'] = 'compact';
      break;
    case 'windowed-changelog': {
      if (spec.retentionMs === undefined || !Number.isFinite(spec.retentionMs) || spec.retentionMs < 0) {
        throw new Error(
          `windowed changelog ${spec.name} needs retentionMs (the store's retention), got ${spec.retentionMs}`,
        );
      }
      const retention = spec.retentionMs + (spec.additionalRetentionMs ?? DEFAULT_ADDITIONAL_RETENTION_MS);
      Object.assign(base, { 'cleanup.policy': 'compact,delete', 'retention.ms': String(retention) });
      break;
    }
  }
  return { ...base, ...spec.config };
}
