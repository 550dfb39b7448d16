// Pure parts of the Kafka layer: error classification, internal topic configs, co-partitioning checks and delivery
// tracking. Their behaviour against a real broker is in test/integration/runtime.
import { describe, expect, it } from 'vitest';
import { CopartitionMismatchError, verifyCopartitioned } from '../../../../runtime/kafka/copartitioning.js';
import { DeliveryTracker } from '../../../../runtime/kafka/delivery-tracker.js';
import { internalTopicConfig } from '../../../../runtime/kafka/internal-topic-config.js';
import { classifyKafkaError, KafkaRuntimeError } from '../../../../runtime/kafka/kafka-errors.js';
import { ErrorCodes } from '../../../../runtime/kafka/rdkafka.js';

describe('classifyKafkaError', () => {
  it('treats fencing as fenced, whatever flags come with it', () => {
    expect(classifyKafkaError({ code: ErrorCodes.ERR__FENCED, isFatal: true })).toBe('fenced');
    expect(classifyKafkaError({ code: ErrorCodes.ERR_INVALID_PRODUCER_EPOCH })).toBe('fenced');
    expect(classifyKafkaError({ code: ErrorCodes.ERR_PRODUCER_FENCED, isTxnRequiresAbort: true })).toBe(
      'fenced',
    );
  });

  it('tells a stale group generation (zombie consumer) from a plain abortable error', () => {
    expect(classifyKafkaError({ code: ErrorCodes.ERR_UNKNOWN_MEMBER_ID, isTxnRequiresAbort: true })).toBe(
      'migrated',
    );
    expect(classifyKafkaError({ code: ErrorCodes.ERR_ILLEGAL_GENERATION, isTxnRequiresAbort: true })).toBe(
      'migrated',
    );
    expect(classifyKafkaError({ code: ErrorCodes.ERR_MSG_SIZE_TOO_LARGE, isTxnRequiresAbort: true })).toBe(
      'abortable',
    );
  });

  it('follows librdkafka flags: fatal before retriable before abortable', () => {
    expect(classifyKafkaError({ code: -1, isFatal: true, isRetriable: true })).toBe('fatal');
    expect(classifyKafkaError({ code: ErrorCodes.ERR__TIMED_OUT, isRetriable: true })).toBe('retriable');
    expect(classifyKafkaError({ code: ErrorCodes.ERR__TIMED_OUT })).toBe('retriable');
  });

  it('classifies delivery failures without flags as abortable, unknown errors as fatal', () => {
    expect(classifyKafkaError({ code: ErrorCodes.ERR__MSG_TIMED_OUT })).toBe('abortable');
    expect(classifyKafkaError({ code: ErrorCodes.ERR_MSG_SIZE_TOO_LARGE })).toBe('abortable');
    expect(classifyKafkaError(new Error('something odd'))).toBe('fatal');
    expect(classifyKafkaError({ code: ErrorCodes.ERR__STATE })).toBe('fatal');
  });

  it('wraps with the operation, the kind and the cause in the message', () => {
    const e = new KafkaRuntimeError('commitTransaction', {
      code: ErrorCodes.ERR__FENCED,
      message: 'fenced by newer',
    });
    expect(e.kind).toBe('fenced');
    expect(e.code).toBe(ErrorCodes.ERR__FENCED);
    expect(e.message).toBe('commitTransaction failed (fenced): fenced by newer');
  });
});

describe('internalTopicConfig', () => {
  it('gives repartition topics delete with infinite retention (purged by deleteRecords)', () => {
    expect(
      internalTopicConfig({ name: 'app-x-repartition', partitions: 3, type: 'repartition' }),
    ).toMatchObject({
      'cleanup.policy': 'delete',
      'retention.ms': '-1',
    });
  });

  it('compacts key-value changelogs and compacts+deletes window changelogs after retention + one day', () => {
    expect(internalTopicConfig({ name: 'app-s-changelog', partitions: 3, type: 'changelog' })).toMatchObject({
      'cleanup.policy': 'compact',
    });
    expect(
      internalTopicConfig({
        name: 'app-w-changelog',
        partitions: 3,
        type: 'windowed-changelog',
        retentionMs: 3_600_000,
      }),
    ).toMatchObject({ 'cleanup.policy': 'compact,delete', 'retention.ms': String(3_600_000 + 86_400_000) });
  });

  it('lets user topic configs win and requires a retention for window changelogs', () => {
    expect(
      internalTopicConfig({
        name: 't',
        partitions: 1,
        type: 'changelog',
        config: { 'min.compaction.lag.ms': '5' },
      }),
    ).toMatchObject({ 'cleanup.policy': 'compact', 'min.compaction.lag.ms': '5' });
    expect(() =>
      internalTopicConfig({ name: 'app-w-changelog', partitions: 1, type: 'windowed-changelog' }),
    ).toThrow(/app-w-changelog needs retentionMs/);
  });
});

describe('verifyCopartitioned', () => {
  const counts = new Map([
    ['orders', 6],
    ['customers', 6],
    ['payments', 4],
  ]);

  it('accepts groups whose topics have equal partition counts', () => {
    expect(() => verifyCopartitioned([['orders', 'customers']], counts)).not.toThrow();
  });

  it('names every topic of each bad group with its partition count, and missing topics', () => {
    let error: unknown;
    try {
      verifyCopartitioned(
        [
          ['orders', 'payments'],
          ['orders', 'customers'],
          ['customers', 'refunds'],
        ],
        counts,
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CopartitionMismatchError);
    const message = (error as Error).message;
    expect(message).toContain('orders (6 partitions), payments (4 partitions)');
    expect(message).toContain('customers (6 partitions), refunds (missing)');
    expect(message).not.toContain('orders (6 partitions), customers');
  });
});

describe('DeliveryTracker', () => {
  it('settles only when every sent record was reported, and keeps the highest offset per partition', async () => {
    const tracker = new DeliveryTracker();
    for (let i = 0; i < 3; i++) tracker.recordSent();
    let settled = false;
    const done = tracker.settled().then(() => {
      settled = true;
    });
    tracker.onReport(undefined, { topic: 'a', partition: 1, offset: 7 });
    tracker.onReport(undefined, { topic: 'a', partition: 1, offset: 5 });
    await Promise.resolve();
    expect(settled).toBe(false);
    expect(tracker.pending).toBe(1);
    tracker.onReport(undefined, { topic: 'b', partition: 0, offset: 2 });
    await done;
    expect(tracker.lastOffsets()).toEqual([
      { topic: 'a', partition: 1, offset: 7 },
      { topic: 'b', partition: 0, offset: 2 },
    ]);
  });

  it('keeps the first failure until reset, and a refused send is not waited for', async () => {
    const tracker = new DeliveryTracker();
    tracker.recordSent();
    tracker.recordSent();
    tracker.sendRefused();
    tracker.onReport({ code: 10 }, { topic: 'a', partition: 0, offset: -1, key: 'k' });
    await tracker.settled();
    expect(tracker.failure).toMatchObject({ topic: 'a', partition: 0, key: 'k' });
    tracker.reset();
    expect(tracker.failure).toBeUndefined();
    expect(tracker.lastOffsets()).toEqual([]);
  });
});
