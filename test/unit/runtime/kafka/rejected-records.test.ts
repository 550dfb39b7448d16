// Which output records the broker rejected, learned from the failure reports of an aborted transaction, and how a
// reprocessed record is recognised.
import { describe, expect, it } from 'vitest';
import type { DeliveryFailure } from '../../../../runtime/kafka/delivery-tracker.js';
import { ErrorCodes } from '../../../../runtime/kafka/rdkafka.js';
import { RejectedRecords } from '../../../../runtime/kafka/rejected-records.js';
import type { OutgoingRecord } from '../../../../runtime/kafka/stream-producer.js';

const error = (code: number) => Object.assign(new Error(`code ${code}`), { code });
const TOO_LARGE = error(ErrorCodes.ERR_MSG_SIZE_TOO_LARGE);
const OTHER_IN_BATCH = error(ErrorCodes.ERR__INVALID_DIFFERENT_RECORD);

function failure(key: string, value: string, err: Error, partition = 0, topic = 'out'): DeliveryFailure {
  return { error: err, topic, partition, key: Buffer.from(key), value: Buffer.from(value), timestamp: 5 };
}

function output(key: string, value: string, topic = 'out', timestamp = 5): OutgoingRecord {
  return { topic, key: Buffer.from(key), value: Buffer.from(value), timestamp };
}

describe('RejectedRecords', () => {
  it('a batch refused for its size: only the largest record is probed, and remembered when rejected alone', async () => {
    const rejected = new RejectedRecords();
    const probed: OutgoingRecord[] = [];
    const learned = await rejected.learn(
      [failure('a', '1', TOO_LARGE), failure('b', 'x'.repeat(50), TOO_LARGE), failure('c', '22', TOO_LARGE)],
      async (record) => {
        probed.push(record);
        return failure('b', 'x'.repeat(50), TOO_LARGE);
      },
    );
    expect(probed.map((r) => r.key?.toString())).toEqual(['b']);
    expect(probed[0]).toMatchObject({ topic: 'out', partition: 0, timestamp: 5 });
    expect(learned.map((r) => r.key?.toString())).toEqual(['b']);
    expect(rejected.match(output('a', '1'))).toBeUndefined();
    expect(rejected.match(output('b', 'x'.repeat(50)))?.error).toBe(TOO_LARGE);
    // Same key, other value or timestamp: another record.
    expect(rejected.match(output('b', 'y'.repeat(50)))).toBeUndefined();
    expect(rejected.match(output('b', 'x'.repeat(50), 'out', 6))).toBeUndefined();
    expect(rejected.match(output('b', 'x'.repeat(50), 'elsewhere'))).toBeUndefined();
  });

  it('nothing is remembered when the largest record passes alone (the batch as a whole was too large)', async () => {
    const rejected = new RejectedRecords();
    const learned = await rejected.learn(
      [failure('a', '1', TOO_LARGE), failure('b', '22', TOO_LARGE)],
      async () => undefined,
    );
    expect(learned).toEqual([]);
    expect(rejected.size).toBe(0);
  });

  it('probes again while the answer is another error (sequence recovery after a rejection)', async () => {
    const rejected = new RejectedRecords();
    let probes = 0;
    const learned = await rejected.learn([failure('b', 'big', TOO_LARGE)], async () => {
      probes++;
      return probes === 1
        ? failure('b', 'big', error(ErrorCodes.ERR_OUT_OF_ORDER_SEQUENCE_NUMBER))
        : failure('b', 'big', TOO_LARGE);
    });
    expect(probes).toBe(2);
    expect(learned).toHaveLength(1);
  });

  it('record-level errors name their records without a probe; purged and other records are ignored', async () => {
    const rejected = new RejectedRecords();
    const learned = await rejected.learn(
      [
        failure('bad', 'v', error(ErrorCodes.ERR_INVALID_RECORD)),
        failure('ok', 'v', OTHER_IN_BATCH),
        failure('later', 'v', error(ErrorCodes.ERR__PURGE_QUEUE)),
      ],
      async () => {
        throw new Error('no probe expected');
      },
    );
    expect(learned.map((r) => r.key?.toString())).toEqual(['bad']);
  });

  it('a handled record is forgotten after the next commit, an unmatched one is kept', async () => {
    const rejected = new RejectedRecords();
    await rejected.learn(
      [
        failure('a', 'v', error(ErrorCodes.ERR_INVALID_RECORD)),
        failure('b', 'v', error(ErrorCodes.ERR_INVALID_RECORD)),
      ],
      async () => undefined,
    );
    expect(rejected.match(output('a', 'v'))).toBeDefined();
    // Matched again in a retry before any commit: still known.
    expect(rejected.match(output('a', 'v'))).toBeDefined();
    rejected.committed();
    expect(rejected.size).toBe(1);
    expect(rejected.match(output('a', 'v'))).toBeUndefined();
    expect(rejected.match(output('b', 'v'))).toBeDefined();
  });
});
