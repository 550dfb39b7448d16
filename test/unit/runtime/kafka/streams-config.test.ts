// StreamsConfig: Kafka Streams' defaults, and a clear error naming the setting that is wrong.
import { describe, expect, it } from 'vitest';
import {
  deadLetterTopics,
  resolveStreamsConfig,
  StreamsConfigError,
} from '../../../../runtime/kafka/streams-config.js';

const env = { KAFKA_BOOTSTRAP_SERVERS: 'env-broker:9092' };

describe('resolveStreamsConfig', () => {
  it('fills in the defaults (exactly_once_v2, 100 ms commits, env bootstrap servers)', () => {
    const c = resolveStreamsConfig({ applicationId: 'app' }, env);
    expect(c).toMatchObject({
      applicationId: 'app',
      bootstrapServers: 'env-broker:9092',
      processingGuarantee: 'exactly_once_v2',
      exactlyOnce: true,
      commitIntervalMs: 100,
      cacheMaxBytes: 10 * 1024 * 1024,
      maxPollRecords: 1000,
      maxBufferedRecordsPerPartition: 1000,
      maxPollIntervalMs: 300_000,
      sessionTimeoutMs: 45_000,
      pollMs: 100,
      maxTaskIdleMs: 0,
      checkpointAfterRecords: 10_000,
      transactionTimeoutMs: 10_000,
    });
    expect(c.stateDir).toMatch(/tributary$/);
  });

  it('commits every 30 s under at_least_once unless told otherwise; explicit settings win', () => {
    expect(
      resolveStreamsConfig({ applicationId: 'a', processingGuarantee: 'at_least_once' }, env),
    ).toMatchObject({
      exactlyOnce: false,
      commitIntervalMs: 30_000,
    });
    expect(
      resolveStreamsConfig({ applicationId: 'a', bootstrapServers: 'b:1', commitIntervalMs: 50 }, env),
    ).toMatchObject({ bootstrapServers: 'b:1', commitIntervalMs: 50 });
  });

  it.each([
    [{ applicationId: '' }, /applicationId "" is not valid/],
    [{ applicationId: 'has space' }, /applicationId "has space" is not valid/],
    [{ applicationId: 'a', processingGuarantee: 'exactly_once' }, /processingGuarantee must be one of/],
    [{ applicationId: 'a', commitIntervalMs: 0 }, /commitIntervalMs must be a positive integer, got 0/],
    [
      { applicationId: 'a', commitIntervalMs: 20_000 },
      /commitIntervalMs \(20000\) must be below transactionTimeoutMs/,
    ],
    [{ applicationId: 'a', maxPollRecords: 1.5 }, /maxPollRecords must be a positive integer/],
    [
      { applicationId: 'a', heartbeatIntervalMs: 50_000 },
      /heartbeatIntervalMs \(50000\) must be below sessionTimeoutMs/,
    ],
    [{ applicationId: 'a', maxTaskIdleMs: -2 }, /maxTaskIdleMs must be -1, 0 or a positive integer/],
    [{ applicationId: 'a', commitInterval: 5 }, /unknown config key 'commitInterval'/],
    [
      { applicationId: 'a', processingExceptionHandler: 'skip' },
      /processingExceptionHandler must be 'fail', 'logAndContinue' or \{ deadLetterQueue/,
    ],
    [{ applicationId: 'a', consumer: 'x' }, /consumer must be an object of librdkafka properties/],
  ])('rejects %j', (config, message) => {
    expect(() => resolveStreamsConfig(config as never, env)).toThrow(StreamsConfigError);
    expect(() => resolveStreamsConfig(config as never, env)).toThrow(message);
  });

  it('needs bootstrap servers from the config or the environment', () => {
    expect(() => resolveStreamsConfig({ applicationId: 'a' }, {})).toThrow(
      'bootstrapServers is required (or set KAFKA_BOOTSTRAP_SERVERS)',
    );
  });

  it('lists the dead-letter topics the handlers name, once each', () => {
    expect(
      deadLetterTopics({
        deserializationExceptionHandler: { deadLetterQueue: 'dlq' },
        processingExceptionHandler: { deadLetterQueue: 'dlq' },
        productionExceptionHandler: 'logAndContinue',
      }),
    ).toEqual(['dlq']);
  });
});
