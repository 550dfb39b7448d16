// KafkaStreams' configuration: Kafka Streams' settings in camelCase, with their defaults, validated up front so that a
// mistake is reported by name before any client connects.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RestoreListener } from '../../state/api/changelog-reader.js';
import type { ErrorHandlerSettings, ExceptionHandlerSetting } from '../engine/error-handlers.js';
import type { RdKafkaProperties } from './client-config.js';

export type ProcessingGuarantee = 'exactly_once_v2' | 'at_least_once';

export interface StreamsConfig extends ErrorHandlerSettings {
  /** Consumer group id, transactional-id prefix and internal-topic prefix. Required. */
  readonly applicationId: string;
  /** Comma-separated host:port list. Default: the KAFKA_BOOTSTRAP_SERVERS environment variable. */
  readonly bootstrapServers?: string;
  /** Default 'exactly_once_v2'. */
  readonly processingGuarantee?: ProcessingGuarantee;
  /** How often offsets, outputs and state are committed. Default 100 under exactly_once_v2, 30 000 otherwise. */
  readonly commitIntervalMs?: number;
  /** Local state lives in `<stateDir>/<applicationId>/`. Default `<os tmpdir>/tributary`. */
  readonly stateDir?: string;
  /** Bytes all record caches of this instance may hold (Kafka Streams' statestore.cache.max.bytes). Default 10 MiB. */
  readonly cacheMaxBytes?: number;
  /** Bytes RocksDB may use for write buffers and block cache, shared by all stores. Default 64 MiB. */
  readonly rocksDbMaxBytes?: number;
  /** Replication factor of the internal topics this instance creates. Default: the broker's default. */
  readonly replicationFactor?: number;
  /** Most records one poll returns. Default 1000. */
  readonly maxPollRecords?: number;
  /**
   * A partition whose task still has more than this many records buffered after a processing round is paused until
   * its buffer drains (bounds memory). Default 1000 (Kafka Streams' buffered.records.per.partition).
   */
  readonly maxBufferedRecordsPerPartition?: number;
  /**
   * Longest time between two polls before the group considers this instance stuck and moves its tasks; also the
   * group's rebalance timeout. Processing runs in slices well within it. Default 300 000.
   */
  readonly maxPollIntervalMs?: number;
  /** Default 45 000: how long a dead instance keeps its tasks. */
  readonly sessionTimeoutMs?: number;
  /** Default 3000. */
  readonly heartbeatIntervalMs?: number;
  /** Longest wait of one poll when nothing is buffered (Kafka Streams' poll.ms). Default 100. */
  readonly pollMs?: number;
  /**
   * A task reading several partitions (join, merge) with one of them empty: -1 processes at once; 0 (default) waits
   * while the empty partition still has records on the broker (bounded); > 0 also waits up to that long for records
   * that may still be produced (Kafka Streams' max.task.idle.ms).
   */
  readonly maxTaskIdleMs?: number;
  /**
   * Write a task's checkpoint after this many changelog records since the last one (and always on a clean close).
   * Default 10 000.
   */
  readonly checkpointAfterRecords?: number;
  /** exactly_once_v2: how long a transaction may stay open (bounds how long a crashed worker blocks readers). Default 10 000. */
  readonly transactionTimeoutMs?: number;
  /** How often consumed records of repartition topics are deleted (Kafka Streams' repartition.purge.interval.ms). Default 30 000. */
  readonly repartitionPurgeIntervalMs?: number;
  /** Told when stores start, progress and finish restoring from their changelogs. */
  readonly restoreListener?: RestoreListener;
  /** librdkafka client.id prefix. Default: `<applicationId>-<workerId>`. */
  readonly clientId?: string;
  /** librdkafka properties for the consumers (applied last, they win). */
  readonly consumer?: RdKafkaProperties;
  /** librdkafka properties for the producer (applied last, they win). */
  readonly producer?: RdKafkaProperties;
  /** librdkafka properties for the admin client (applied last, they win). */
  readonly admin?: RdKafkaProperties;
}

/** The configuration with every default filled in. */
export interface ResolvedStreamsConfig extends ErrorHandlerSettings {
  readonly applicationId: string;
  readonly bootstrapServers: string;
  readonly processingGuarantee: ProcessingGuarantee;
  readonly exactlyOnce: boolean;
  readonly commitIntervalMs: number;
  readonly stateDir: string;
  readonly cacheMaxBytes: number;
  readonly rocksDbMaxBytes: number;
  readonly replicationFactor: number | undefined;
  readonly maxPollRecords: number;
  readonly maxBufferedRecordsPerPartition: number;
  readonly maxPollIntervalMs: number;
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly pollMs: number;
  readonly maxTaskIdleMs: number;
  readonly checkpointAfterRecords: number;
  readonly transactionTimeoutMs: number;
  readonly repartitionPurgeIntervalMs: number;
  readonly restoreListener: RestoreListener | undefined;
  readonly clientId: string | undefined;
  readonly consumer: RdKafkaProperties;
  readonly producer: RdKafkaProperties;
  readonly admin: RdKafkaProperties;
}

export class StreamsConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StreamsConfigError';
  }
}

const LEGAL_ID = /^[a-zA-Z0-9._-]+$/;
const GUARANTEES: readonly ProcessingGuarantee[] = ['exactly_once_v2', 'at_least_once'];

const KNOWN_KEYS = new Set<string>([
  'applicationId',
  'bootstrapServers',
  'processingGuarantee',
  'commitIntervalMs',
  'stateDir',
  'cacheMaxBytes',
  'rocksDbMaxBytes',
  'replicationFactor',
  'maxPollRecords',
  'maxBufferedRecordsPerPartition',
  'maxPollIntervalMs',
  'sessionTimeoutMs',
  'heartbeatIntervalMs',
  'pollMs',
  'maxTaskIdleMs',
  'checkpointAfterRecords',
  'transactionTimeoutMs',
  'repartitionPurgeIntervalMs',
  'restoreListener',
  'clientId',
  'consumer',
  'producer',
  'admin',
  'deserializationExceptionHandler',
  'processingExceptionHandler',
  'productionExceptionHandler',
]);

/** Fills in defaults and checks every setting; throws a StreamsConfigError naming the first wrong one. */
export function resolveStreamsConfig(
  config: StreamsConfig,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedStreamsConfig {
  if (config === null || typeof config !== 'object') {
    throw new StreamsConfigError(
      'KafkaStreams needs a config object ({ applicationId, bootstrapServers, ... })',
    );
  }
  for (const key of Object.keys(config)) {
    if (!KNOWN_KEYS.has(key)) {
      throw new StreamsConfigError(
        `unknown config key '${key}' (librdkafka properties go into consumer / producer / admin)`,
      );
    }
  }
  const { applicationId } = config;
  if (typeof applicationId !== 'string' || !LEGAL_ID.test(applicationId) || applicationId.length > 150) {
    throw new StreamsConfigError(
      `applicationId ${JSON.stringify(applicationId)} is not valid: 1-150 characters from [a-zA-Z0-9._-] (it names the group, transactional ids and internal topics)`,
    );
  }
  const bootstrapServers = config.bootstrapServers ?? env.KAFKA_BOOTSTRAP_SERVERS;
  if (typeof bootstrapServers !== 'string' || bootstrapServers.trim() === '') {
    throw new StreamsConfigError('bootstrapServers is required (or set KAFKA_BOOTSTRAP_SERVERS)');
  }
  const processingGuarantee = config.processingGuarantee ?? 'exactly_once_v2';
  if (!GUARANTEES.includes(processingGuarantee)) {
    throw new StreamsConfigError(
      `processingGuarantee must be one of ${GUARANTEES.map((g) => `'${g}'`).join(', ')}, got ${JSON.stringify(processingGuarantee)}`,
    );
  }
  const exactlyOnce = processingGuarantee === 'exactly_once_v2';
  const transactionTimeoutMs = positiveInt(config, 'transactionTimeoutMs', 10_000);
  const commitIntervalMs = positiveInt(config, 'commitIntervalMs', exactlyOnce ? 100 : 30_000);
  if (exactlyOnce && commitIntervalMs >= transactionTimeoutMs) {
    throw new StreamsConfigError(
      `commitIntervalMs (${commitIntervalMs}) must be below transactionTimeoutMs (${transactionTimeoutMs}) under exactly_once_v2: a transaction stays open for a commit interval`,
    );
  }
  const maxPollIntervalMs = positiveInt(config, 'maxPollIntervalMs', 300_000);
  const sessionTimeoutMs = positiveInt(config, 'sessionTimeoutMs', 45_000);
  const heartbeatIntervalMs = positiveInt(config, 'heartbeatIntervalMs', 3_000);
  if (heartbeatIntervalMs >= sessionTimeoutMs) {
    throw new StreamsConfigError(
      `heartbeatIntervalMs (${heartbeatIntervalMs}) must be below sessionTimeoutMs (${sessionTimeoutMs})`,
    );
  }
  const stateDir = config.stateDir ?? join(tmpdir(), 'tributary');
  if (typeof stateDir !== 'string' || stateDir === '') {
    throw new StreamsConfigError(`stateDir must be a directory path, got ${JSON.stringify(config.stateDir)}`);
  }
  if (config.replicationFactor !== undefined) positiveInt(config, 'replicationFactor', 1);
  if (config.restoreListener !== undefined && typeof config.restoreListener !== 'object') {
    throw new StreamsConfigError(
      'restoreListener must be an object with onRestoreStart/onBatchRestored/onRestoreEnd',
    );
  }
  if (config.clientId !== undefined && (typeof config.clientId !== 'string' || config.clientId === '')) {
    throw new StreamsConfigError(
      `clientId must be a non-empty string, got ${JSON.stringify(config.clientId)}`,
    );
  }
  for (const key of ['consumer', 'producer', 'admin'] as const) {
    const v = config[key];
    if (v !== undefined && (v === null || typeof v !== 'object' || Array.isArray(v))) {
      throw new StreamsConfigError(`${key} must be an object of librdkafka properties`);
    }
  }
  for (const key of [
    'deserializationExceptionHandler',
    'processingExceptionHandler',
    'productionExceptionHandler',
  ] as const) {
    checkHandler(key, config[key]);
  }
  return {
    applicationId,
    bootstrapServers,
    processingGuarantee,
    exactlyOnce,
    commitIntervalMs,
    stateDir,
    cacheMaxBytes: nonNegativeInt(config, 'cacheMaxBytes', 10 * 1024 * 1024),
    rocksDbMaxBytes: positiveInt(config, 'rocksDbMaxBytes', 64 * 1024 * 1024),
    replicationFactor: config.replicationFactor,
    maxPollRecords: positiveInt(config, 'maxPollRecords', 1000),
    maxBufferedRecordsPerPartition: positiveInt(config, 'maxBufferedRecordsPerPartition', 1000),
    maxPollIntervalMs,
    sessionTimeoutMs,
    heartbeatIntervalMs,
    pollMs: nonNegativeInt(config, 'pollMs', 100),
    maxTaskIdleMs: taskIdle(config.maxTaskIdleMs),
    checkpointAfterRecords: nonNegativeInt(config, 'checkpointAfterRecords', 10_000),
    transactionTimeoutMs,
    repartitionPurgeIntervalMs: positiveInt(config, 'repartitionPurgeIntervalMs', 30_000),
    restoreListener: config.restoreListener,
    clientId: config.clientId,
    consumer: { ...config.consumer },
    producer: { ...config.producer },
    admin: { ...config.admin },
    ...(config.deserializationExceptionHandler !== undefined
      ? { deserializationExceptionHandler: config.deserializationExceptionHandler }
      : {}),
    ...(config.processingExceptionHandler !== undefined
      ? { processingExceptionHandler: config.processingExceptionHandler }
      : {}),
    ...(config.productionExceptionHandler !== undefined
      ? { productionExceptionHandler: config.productionExceptionHandler }
      : {}),
  };
}

/** Dead-letter topics the handlers name (they must exist before start). */
export function deadLetterTopics(config: ErrorHandlerSettings): string[] {
  const topics = new Set<string>();
  for (const s of [
    config.deserializationExceptionHandler,
    config.processingExceptionHandler,
    config.productionExceptionHandler,
  ]) {
    if (s !== undefined && typeof s === 'object') topics.add(s.deadLetterQueue);
  }
  return [...topics];
}

type NumericKey = {
  [K in keyof StreamsConfig]-?: NonNullable<StreamsConfig[K]> extends number ? K : never;
}[keyof StreamsConfig];

function positiveInt(config: StreamsConfig, key: NumericKey, fallback: number): number {
  const v = config[key] ?? fallback;
  if (!Number.isSafeInteger(v) || v <= 0) {
    throw new StreamsConfigError(`${key} must be a positive integer, got ${JSON.stringify(config[key])}`);
  }
  return v;
}

function nonNegativeInt(config: StreamsConfig, key: NumericKey, fallback: number): number {
  const v = config[key] ?? fallback;
  if (!Number.isSafeInteger(v) || v < 0) {
    throw new StreamsConfigError(`${key} must be a non-negative integer, got ${JSON.stringify(config[key])}`);
  }
  return v;
}

function taskIdle(value: number | undefined): number {
  if (value === undefined) return 0;
  if (!Number.isSafeInteger(value) || value < -1) {
    throw new StreamsConfigError(
      `maxTaskIdleMs must be -1, 0 or a positive integer, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

function checkHandler(key: string, setting: ExceptionHandlerSetting | undefined): void {
  if (setting === undefined || setting === 'fail' || setting === 'logAndContinue') return;
  if (
    setting !== null &&
    typeof setting === 'object' &&
    typeof setting.deadLetterQueue === 'string' &&
    LEGAL_ID.test(setting.deadLetterQueue)
  ) {
    return;
  }
  throw new StreamsConfigError(
    `${key} must be 'fail', 'logAndContinue' or { deadLetterQueue: '<topic>' }, got ${JSON.stringify(setting)}`,
  );
}
