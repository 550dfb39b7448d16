// Where the tasks' sinks and changelog writers send: the worker's one producer, inside the open transaction under
// exactly_once_v2. Sends are fire-and-forget.
//
// The production exception handler (fail / logAndContinue / deadLetterQueue) decides about an output record that
// cannot be written, as in Kafka Streams:
// - refused synchronously by the client (larger than the producer's message.max.bytes, unknown partition): the
//   record never entered the transaction, which stays intact (docs/kafka-client-notes.md), so the handler runs at once;
// - rejected by the broker (reported after the send): the transaction can only be aborted. The stream thread lets
//   `learnRejections` find out which record it was (rejected-records.ts); when reprocessing produces it again, the
//   handler runs instead of the send. A dead-letter record goes into the same transaction as the other outputs.
// Changelog records are not subject to the handler (skipping one would leave the store and its changelog apart), nor
// are dead-letter records themselves: a rejection of either stops the worker with an error naming the topic.
// Any other refusal (the producer's queue full) surfaces as a SendRefusedError: the thread aborts and retries.
import type { Logger } from '../../common/logger.js';
import type { TaskId } from '../../operators/api/processor.js';
import type { ChangelogWriter } from '../../state/api/store-runtime.js';
import {
  type ErrorHandlerSettings,
  type ExceptionHandlerSetting,
  handleFailure,
  StreamsError,
} from '../engine/error-handlers.js';
import { METRICS, type StreamsMetrics } from '../engine/metrics.js';
import type { RawRecord } from '../engine/raw-record.js';
import type { OutputRecord, RecordCollector } from '../engine/record-collector.js';
import type { DeliveryFailure } from './delivery-tracker.js';
import { errorCode } from './kafka-errors.js';
import { ErrorCodes } from './rdkafka.js';
import { tpKey } from './records.js';
import { RejectedRecords } from './rejected-records.js';
import type { OutgoingRecord, StreamProducer } from './stream-producer.js';

/** The producer refused a record synchronously; the cause is the KafkaRuntimeError (kind 'abortable'). */
export class SendRefusedError extends StreamsError {
  constructor(topic: string, cause: unknown) {
    super(`could not send a record to ${topic}: ${(cause as Error).message}`, 'production', { cause });
    this.name = 'SendRefusedError';
  }
}

/** The error the production exception handler sees for a record that cannot be written. */
export class RecordRejectedError extends Error {
  constructor(topic: string, by: 'client' | 'broker', cause: unknown) {
    super(`the ${by} rejected a record for topic ${topic}: ${reason(cause)}`, { cause });
    this.name = 'RecordRejectedError';
  }
}

/** Synchronous refusals that concern the record itself (not the producer's state). */
const RECORD_REFUSALS: ReadonlySet<number> = new Set([
  ErrorCodes.ERR_MSG_SIZE_TOO_LARGE,
  ErrorCodes.ERR__UNKNOWN_PARTITION,
  ErrorCodes.ERR_INVALID_MSG_SIZE,
]);

/** The task a send belongs to (for the handler's dead-letter record, metrics and messages). */
export interface SendingTask {
  readonly id: TaskId;
  currentRecord(): RawRecord | undefined;
}

export interface KafkaRecordCollectorOptions {
  readonly producer: () => StreamProducer;
  readonly partitionCounts: ReadonlyMap<string, number>;
  readonly applicationId: string;
  readonly errors: ErrorHandlerSettings;
  readonly metrics: StreamsMetrics;
  readonly logger: Logger;
}

export class KafkaRecordCollector implements RecordCollector {
  /** Changelog records sent per changelog partition (tpKey) since the counter was last taken. */
  readonly #changelogSends = new Map<string, number>();
  readonly #rejected = new RejectedRecords();
  readonly #deadLetterTopics: ReadonlySet<string>;
  readonly #handler: ExceptionHandlerSetting | undefined;
  readonly changelog: ChangelogWriter;

  constructor(private readonly options: KafkaRecordCollectorOptions) {
    const e = options.errors;
    this.#handler = e.productionExceptionHandler;
    this.#deadLetterTopics = new Set(
      [e.deserializationExceptionHandler, e.processingExceptionHandler, e.productionExceptionHandler].flatMap(
        (s) => (s !== undefined && typeof s === 'object' ? [s.deadLetterQueue] : []),
      ),
    );
    this.changelog = {
      send: (record) => {
        this.#send(record);
        const key = tpKey(record.topic, record.partition);
        this.#changelogSends.set(key, (this.#changelogSends.get(key) ?? 0) + 1);
      },
    };
  }

  /** Sends outside any task (dead-letter records of global stores). */
  send(record: OutputRecord): void {
    this.#sendOutput(record, undefined);
  }

  /** The collector a task's sinks use: send failures go to the production handler with the task's input record. */
  forTask(task: () => SendingTask | undefined): RecordCollector {
    return {
      send: (record) => this.#sendOutput(record, task()),
      partitionsFor: (topic) => this.partitionsFor(topic),
    };
  }

  partitionsFor(topic: string): number | undefined {
    return this.options.partitionCounts.get(topic);
  }

  /** Changelog records sent to a partition since the last `resetChangelogCount` of it. */
  changelogCount(topic: string, partition: number): number {
    return this.#changelogSends.get(tpKey(topic, partition)) ?? 0;
  }

  resetChangelogCount(topic: string, partition: number): void {
    this.#changelogSends.delete(tpKey(topic, partition));
  }

  /**
   * After an aborted transaction: remembers the records the broker rejected in it (probing with the producer when a
   * whole batch was refused), so that reprocessing hands them to the production handler. A rejected changelog or
   * dead-letter record cannot be handled: that stops the worker.
   */
  async learnRejections(failures: readonly DeliveryFailure[]): Promise<void> {
    const producer = this.options.producer();
    const learned = await this.#rejected.learn(failures, (record) => producer.probe(record));
    for (const r of learned) {
      const cause = new RecordRejectedError(r.topic, 'broker', r.error);
      if (this.#deadLetterTopics.has(r.topic) || this.#isChangelog(r.topic)) {
        throw new StreamsError(
          `${cause.message} (${this.#isChangelog(r.topic) ? 'a changelog record' : 'a dead-letter record'}: the production exception handler does not apply)`,
          'production',
          { cause },
        );
      }
      this.options.logger.warn(
        { topic: r.topic, partition: r.partition, err: cause },
        'the broker rejected a record: it goes to the production exception handler when it is produced again',
      );
    }
  }

  /** A commit succeeded: rejected records handled before it are behind the committed offsets. */
  committed(): void {
    this.#rejected.committed();
  }

  #sendOutput(record: OutputRecord, task: SendingTask | undefined): void {
    if (this.#rejected.size > 0 && !this.#deadLetterTopics.has(record.topic)) {
      const known = this.#rejected.match(record);
      if (known !== undefined) {
        this.#productionFailed(record, new RecordRejectedError(record.topic, 'broker', known.error), task);
        return;
      }
    }
    try {
      this.options.producer().send(record);
    } catch (error) {
      const code = errorCode(error);
      if (code !== undefined && RECORD_REFUSALS.has(code) && !this.#deadLetterTopics.has(record.topic)) {
        this.#productionFailed(
          record,
          new RecordRejectedError(record.topic, 'client', (error as Error).cause ?? error),
          task,
        );
        return;
      }
      throw new SendRefusedError(record.topic, error);
    }
  }

  #send(record: OutgoingRecord): void {
    try {
      this.options.producer().send(record);
    } catch (error) {
      throw new SendRefusedError(record.topic, error);
    }
  }

  /** The production handler decides: throws a StreamsError for 'fail', else logs, counts, dead-letters. */
  #productionFailed(record: OutputRecord, error: RecordRejectedError, task: SendingTask | undefined): void {
    const source = task?.currentRecord();
    const taskId = task?.id.toString() ?? 'global';
    handleFailure(
      this.#handler,
      { kind: 'production', error, taskId, output: record, ...(source ? { source } : {}) },
      {
        collector: { send: (dead) => this.#send(dead), partitionsFor: (t) => this.partitionsFor(t) },
        onSkip: (_failure, message) => {
          this.options.metrics.increment(METRICS.skippedRecords, { task: taskId, reason: 'production' });
          this.options.logger.warn({ err: error }, `skipped record: ${message}`);
        },
      },
    );
  }

  #isChangelog(topic: string): boolean {
    return topic.startsWith(`${this.options.applicationId}-`) && topic.endsWith('-changelog');
  }
}

function reason(cause: unknown): string {
  const message = (cause as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(cause);
}
