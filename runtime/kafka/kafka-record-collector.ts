// Where the tasks' sinks and changelog writers send: the worker's one producer, inside the open transaction under
// exactly_once_v2. Sends are fire-and-forget; a refusal surfaces as a StreamsError whose cause is the Kafka error
// (the engine lets StreamsErrors through its exception handlers, so the stream thread sees it and decides: abort and
// retry, or stop).
import type { ChangelogWriter } from '../../state/api/store-runtime.js';
import { StreamsError } from '../engine/error-handlers.js';
import type { OutputRecord, RecordCollector } from '../engine/record-collector.js';
import { tpKey } from './records.js';
import type { OutgoingRecord, StreamProducer } from './stream-producer.js';

/** The producer refused a record synchronously; the cause is the KafkaRuntimeError (kind 'abortable'). */
export class SendRefusedError extends StreamsError {
  constructor(topic: string, cause: unknown) {
    super(`could not send a record to ${topic}: ${(cause as Error).message}`, 'production', { cause });
    this.name = 'SendRefusedError';
  }
}

export class KafkaRecordCollector implements RecordCollector {
  /** Changelog records sent per changelog partition (tpKey) since the counter was last taken. */
  readonly #changelogSends = new Map<string, number>();
  readonly changelog: ChangelogWriter;

  constructor(
    private readonly producer: () => StreamProducer,
    private readonly partitionCounts: ReadonlyMap<string, number>,
  ) {
    this.changelog = {
      send: (record) => {
        this.#send(record);
        const key = tpKey(record.topic, record.partition);
        this.#changelogSends.set(key, (this.#changelogSends.get(key) ?? 0) + 1);
      },
    };
  }

  send(record: OutputRecord): void {
    this.#send(record);
  }

  #send(record: OutgoingRecord): void {
    try {
      this.producer().send(record);
    } catch (error) {
      throw new SendRefusedError(record.topic, error);
    }
  }

  partitionsFor(topic: string): number | undefined {
    return this.partitionCounts.get(topic);
  }

  /** Changelog records sent to a partition since the last `resetChangelogCount` of it. */
  changelogCount(topic: string, partition: number): number {
    return this.#changelogSends.get(tpKey(topic, partition)) ?? 0;
  }

  resetChangelogCount(topic: string, partition: number): void {
    this.#changelogSends.delete(tpKey(topic, partition));
  }
}
