/**
 * The worker's producer: one per worker process, transactional under exactly_once_v2 (KIP-447: one producer for all
 * tasks, offsets committed with the consumer's group metadata), idempotent and non-transactional under
 * at_least_once. Keyed records are partitioned by librdkafka's `murmur2_random`, which matches the Java clients.
 *
 * `send()` is synchronous and allocates no promise. What the runtime learns about deliveries, and what it costs
 * (measured, docs/kafka-client-notes.md): a delivery report per record costs ~4 us of JavaScript time (the binding
 * builds an object and copies the key for each, 100 per event-loop turn), which halves the producer's throughput.
 * So by default librdkafka reports failures only:
 * - exactly_once_v2: a failed record fails the commit anyway;
 * - at_least_once: flush() waits for librdkafka's flush, then for one event-loop turn in which the failure reports
 *   already queued are dispatched (see flush()), and throws the first one;
 * - the changelog position for checkpoints comes from `logEndOffsets()` (one ListOffsets round trip, only when a
 *   checkpoint is due), asked after the commit/flush and before the next send().
 * With `trackDeliveredOffsets` every report is counted instead, commit/flush wait until all arrived, and
 * `deliveredOffsets()` gives the last offset written per partition without a query.
 *
 * Errors come out as KafkaRuntimeError with a `kind` (kafka-errors.ts). After 'fenced' or 'fatal' the instance is
 * unusable: close it, close the tasks as lost and create a new producer (its initTransactions fences the old one).
 * A synchronous throw from send() (queue full, unknown partition, record too large for the client) means the
 * transaction cannot be complete: abort it.
 */
import type { Headers } from '../../operators/api/record.js';
import type { OutputRecord } from '../engine/record-collector.js';
import { type KafkaConnectionOptions, librdkafkaConfig } from './client-config.js';
import {
  type DeliveryFailure,
  type DeliveryReportLike,
  DeliveryTracker,
  type PartitionOffset,
} from './delivery-tracker.js';
import { classifyKafkaError, KafkaRuntimeError, wrapKafkaError } from './kafka-errors.js';
import { OffsetLister } from './offset-lister.js';
import { call, connect, createNativeProducer, disconnect, type NativeProducer } from './rdkafka.js';
import { type TopicPartition, toRdKafkaHeaders } from './records.js';
import type { StreamConsumer } from './stream-consumer.js';

export interface StreamProducerOptions extends KafkaConnectionOptions {
  /** Makes the producer transactional (exactly_once_v2). One per worker, stable across restarts of that worker. */
  readonly transactionalId?: string;
  /**
   * How long the coordinator lets a transaction stay open before aborting it (and fencing this producer). Also
   * bounds how long a crashed worker's open transaction blocks read_committed readers. Default 10000 (Kafka
   * Streams' EOS default).
   */
  readonly transactionTimeoutMs?: number;
  /**
   * Count every delivery report so that commitTransaction()/flush() leave the last offset written per partition in
   * deliveredOffsets(). Costs ~4 us per record. Default false (failure reports only).
   */
  readonly trackDeliveredOffsets?: boolean;
  /** librdkafka linger.ms. Default 5. */
  readonly lingerMs?: number;
  /** Timeout of initTransactions, sendOffsets, commit, abort and flush (retriable failures are retried within it). */
  readonly operationTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
}

/** A serialized record for `send()`: the engine's OutputRecord, headers optional. */
export type OutgoingRecord = Omit<OutputRecord, 'headers'> & { readonly headers?: Headers };

export interface OffsetsToCommit {
  /** The consumer whose group metadata (member id, generation) fences zombies (KIP-447). */
  readonly consumer: StreamConsumer;
  /** Next offset to consume per partition (last processed + 1), with optional commit metadata. */
  readonly offsets: ReadonlyArray<TopicPartition & { readonly offset: number; readonly metadata?: string }>;
}

type ProducerState = 'ready' | 'in-transaction' | 'failed' | 'closed';

export class StreamProducer {
  readonly #native: NativeProducer;
  readonly #tracker = new DeliveryTracker();
  readonly #transactional: boolean;
  /** Every delivery report reaches JavaScript (otherwise failures only). */
  readonly #countsDeliveries: boolean;
  readonly #timeoutMs: number;
  #state: ProducerState = 'ready';
  #failure: KafkaRuntimeError | undefined;
  /** A transactional call never answered (see WEDGED_AFTER_MS): the client must not be touched again. */
  #wedged = false;
  #delivered: PartitionOffset[] = [];
  #offsets: OffsetLister | undefined;

  private constructor(
    native: NativeProducer,
    transactional: boolean,
    countsDeliveries: boolean,
    timeoutMs: number,
  ) {
    this.#native = native;
    this.#transactional = transactional;
    this.#countsDeliveries = countsDeliveries;
    this.#timeoutMs = timeoutMs;
  }

  /** Connects; a transactional producer also runs initTransactions, which fences older instances of its id. */
  static async create(options: StreamProducerOptions): Promise<StreamProducer> {
    const transactional = options.transactionalId !== undefined;
    const countsDeliveries = options.trackDeliveredOffsets === true;
    const transactionTimeoutMs = options.transactionTimeoutMs ?? 10_000;
    const native = createNativeProducer(
      librdkafkaConfig(options, {
        partitioner: 'murmur2_random',
        'enable.idempotence': true,
        'linger.ms': options.lingerMs ?? 5,
        // A commit interval's worth of records must fit: send() cannot wait for room.
        'queue.buffering.max.messages': 1_000_000,
        dr_cb: true,
        'delivery.report.only.error': !countsDeliveries,
        // Failure reports carry the record's value: the runtime recognises a rejected record when it is produced
        // again (rejected-records.ts). Only failures are reported by default, so successes copy nothing.
        ...(countsDeliveries ? {} : { dr_msg_cb: true }),
        ...(transactional
          ? {
              'transactional.id': options.transactionalId as string,
              'transaction.timeout.ms': transactionTimeoutMs,
              // librdkafka requires message.timeout.ms <= transaction.timeout.ms.
              'message.timeout.ms': transactionTimeoutMs,
            }
          : {}),
      }),
    );
    const producer = new StreamProducer(
      native,
      transactional,
      countsDeliveries,
      options.operationTimeoutMs ?? 30_000,
    );
    native.on('delivery-report', (err, report) =>
      producer.#tracker.onReport(err, report as DeliveryReportLike),
    );
    await connect(native, options.connectTimeoutMs ?? 30_000);
    // Delivery reports are served by librdkafka's background thread and dispatched to JS; no poll timer needed.
    native.setPollInBackground(true);
    if (transactional) {
      try {
        await producer.#retrying('initTransactions', (timeout, cb) => native.initTransactions(timeout, cb));
      } catch (err) {
        await disconnect(native).catch(() => {});
        throw err;
      }
    }
    return producer;
  }

  get transactional(): boolean {
    return this.#transactional;
  }

  get inTransaction(): boolean {
    return this.#state === 'in-transaction';
  }

  /**
   * Records sent whose delivery report has not arrived yet (when reports are counted; 0 otherwise): the runtime's
   * back-pressure signal.
   */
  get inFlight(): number {
    return this.#countsDeliveries ? this.#tracker.pending : 0;
  }

  async beginTransaction(): Promise<void> {
    this.#assertUsable('beginTransaction');
    if (!this.#transactional) throw new Error('beginTransaction() on a producer without transactionalId');
    if (this.#state === 'in-transaction') throw new Error('a transaction is already open');
    try {
      await call((cb) => this.#native.beginTransaction(cb));
    } catch (err) {
      throw this.#fail('beginTransaction', err);
    }
    this.#tracker.reset();
    this.#state = 'in-transaction';
  }

  /** Queues a record (inside the open transaction when transactional). Failures surface at commit/flush. */
  send(record: OutgoingRecord): void {
    if (this.#transactional ? this.#state !== 'in-transaction' : this.#state !== 'ready') {
      this.#assertUsable('send');
      throw new Error('send() outside a transaction on a transactional producer');
    }
    if (this.#countsDeliveries) this.#tracker.recordSent();
    try {
      this.#native.produce(
        record.topic,
        record.partition ?? null,
        nonNullEmpty(record.value),
        nonNullEmpty(record.key),
        record.timestamp,
        undefined,
        toRdKafkaHeaders(record.headers),
      );
    } catch (err) {
      if (this.#countsDeliveries) this.#tracker.sendRefused();
      // Queue full or unknown partition: the records of this transaction cannot all be written.
      throw new KafkaRuntimeError(`send to ${record.topic}`, err, 'abortable');
    }
  }

  /** Adds consumed offsets to the open transaction, fenced by the consumer's group generation (KIP-447). */
  async sendOffsets({ consumer, offsets }: OffsetsToCommit): Promise<void> {
    this.#assertInTransaction('sendOffsets');
    if (offsets.length === 0) return;
    const list = offsets.map((o) => ({
      topic: o.topic,
      partition: o.partition,
      offset: o.offset,
      ...(o.metadata !== undefined ? { metadata: o.metadata } : {}),
    }));
    await this.#retrying('sendOffsets', (timeout, cb) =>
      this.#native.sendOffsetsToTransaction(list, consumer.nativeClient, timeout, cb),
    );
  }

  /**
   * Commits the open transaction (with the consumed offsets when given). On error the transaction must be aborted
   * ('abortable', 'migrated') or the producer recreated ('fenced', 'fatal').
   */
  async commitTransaction(offsets?: OffsetsToCommit): Promise<void> {
    this.#assertInTransaction('commitTransaction');
    if (offsets) await this.sendOffsets(offsets);
    await this.#retrying('commitTransaction', (timeout, cb) => this.#native.commitTransaction(timeout, cb));
    this.#state = 'ready';
    if (this.#countsDeliveries) {
      await this.#settled('commitTransaction');
      this.#delivered = this.#tracker.lastOffsets();
    }
  }

  /**
   * Aborts the open transaction: none of its records or offsets become visible to read_committed readers. Returns
   * the records whose delivery failed in it (purged ones included), for the runtime to learn which were rejected.
   */
  async abortTransaction(): Promise<readonly DeliveryFailure[]> {
    this.#assertInTransaction('abortTransaction');
    // Let the records sent so far be delivered (or fail) first. Right after a commit the coordinator answers the
    // next transaction's AddPartitionsToTxn with CONCURRENT_TRANSACTIONS while it writes the markers; librdkafka
    // retries it, but an abort issued in that window reaches the coordinator for a transaction it never saw, gets
    // INVALID_TXN_STATE, and librdkafka 2.15 makes that fatal (measured: ~1 in 3 aborts 5 ms after a commit).
    // A record is only delivered once its partition is registered, so flushing first closes the window.
    await call((cb) => this.#native.flush(this.#timeoutMs, cb)).catch(() => {
      // Undeliverable records (broker gone): abort anyway, it purges them.
    });
    await this.#retrying('abortTransaction', (timeout, cb) => this.#native.abortTransaction(timeout, cb));
    this.#state = 'ready';
    // Purged records report errors: let them arrive now so that they are not blamed on the next transaction.
    await this.#reportsDispatched('abortTransaction');
    const failures = this.#tracker.failures;
    this.#tracker.reset();
    return failures;
  }

  /**
   * Finds out whether the broker rejects `record` on its own: sends it alone (its batch holds nothing else) in a
   * transaction that is then aborted, so nothing of it is ever visible. Returns the failure, if any. Call it
   * between transactions.
   */
  async probe(record: OutgoingRecord): Promise<DeliveryFailure | undefined> {
    if (!this.#transactional) {
      // at_least_once: no transaction to hide it in; a record accepted here is written (a duplicate is allowed).
      try {
        this.send(record);
        await this.flush();
      } catch (err) {
        if (err instanceof DeliveryFailedError) return err.failures.find((f) => isFailureOf(f, record));
      }
      return undefined;
    }
    await this.beginTransaction();
    try {
      this.send(record);
      await call((cb) => this.#native.flush(this.#timeoutMs, cb));
    } catch {
      // Refused or not flushed: the delivery report (if any) says why; the abort below purges what is left.
    }
    const failures = await this.abortTransaction();
    return failures.find((f) => isFailureOf(f, record));
  }

  /**
   * At-least-once: waits until every record sent so far is acknowledged (or failed); throws the first delivery
   * failure (then re-process from the last commit). With trackDeliveredOffsets, deliveredOffsets() then holds the
   * last offsets.
   */
  async flush(): Promise<void> {
    this.#assertUsable('flush');
    if (this.#transactional)
      throw new Error('flush() on a transactional producer: commit the transaction instead');
    try {
      await call((cb) => this.#native.flush(this.#timeoutMs, cb));
    } catch (err) {
      throw wrapKafkaError('flush', err);
    }
    await this.#reportsDispatched('flush');
    const failures = this.#tracker.failures;
    this.#delivered = this.#tracker.lastOffsets();
    this.#tracker.reset();
    if (failures.length > 0) throw new DeliveryFailedError(failures);
  }

  /**
   * Last offset written per partition by the last committed transaction / successful flush (records of earlier
   * ones are not repeated). Empty without trackDeliveredOffsets.
   */
  deliveredOffsets(): PartitionOffset[] {
    return this.#delivered;
  }

  /**
   * The end of each partition's log now (high watermark): the changelog position a checkpoint records. Call it
   * after commitTransaction() and before the next send(): then it is past every record of the committed
   * transactions and before any record of the next one.
   */
  async logEndOffsets(partitions: readonly TopicPartition[]): Promise<PartitionOffset[]> {
    this.#assertUsable('logEndOffsets');
    this.#offsets ??= new OffsetLister(this.#native, this.#timeoutMs);
    try {
      return await this.#offsets.list(partitions, 'latest', false);
    } catch (err) {
      throw wrapKafkaError('listing log end offsets', err);
    }
  }

  /** The first failed delivery of the current transaction / flush cycle, if any report arrived with an error. */
  get deliveryFailure(): DeliveryFailure | undefined {
    return this.#tracker.failure;
  }

  /** Disconnects. An open transaction is left to the coordinator, which aborts it after transaction.timeout.ms. */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    // A wedged client is left as it is: disconnecting destroys the lock and condition variable its blocked call
    // waits on. Its threads and one libuv thread stay behind; the replacement's initTransactions fences it.
    if (this.#wedged) return;
    await disconnect(this.#native).catch(() => {});
  }

  /**
   * Runs a transactional API call; a 'retriable' outcome is retried until operationTimeoutMs, as librdkafka
   * documents for commit/abort/sendOffsets/initTransactions. Other errors are classified and thrown.
   */
  async #retrying(
    operation: string,
    invoke: (timeoutMs: number, cb: (err: unknown) => void) => void,
  ): Promise<void> {
    const deadline = Date.now() + this.#timeoutMs;
    for (;;) {
      const remaining = Math.max(1, deadline - Date.now());
      try {
        await this.#answered(operation, remaining, (cb) => invoke(remaining, cb));
        return;
      } catch (err) {
        if (this.#wedged) throw err;
        const kind = classifyKafkaError(err);
        if (kind === 'retriable' && Date.now() < deadline) continue;
        throw this.#fail(operation, err, kind === 'retriable' ? 'fatal' : kind);
      }
    }
  }

  /**
   * Calls `invoke` and waits for its answer, at most WEDGED_AFTER_MS longer than the call's own timeout. No answer by
   * then: the producer is wedged, and the error's kind ('fenced') makes the stream thread close its tasks without
   * commit and replace the producer.
   */
  async #answered(
    operation: string,
    timeoutMs: number,
    invoke: (cb: (err: unknown) => void) => void,
  ): Promise<void> {
    const silence = timeoutMs + WEDGED_AFTER_MS;
    await within(call(invoke), silence, () => {
      this.#wedged = true;
      return this.#fail(
        operation,
        new Error(
          `no answer ${silence} ms after the call (its timeout: ${timeoutMs} ms): replacing the producer`,
        ),
        'fenced',
      );
    });
  }

  /**
   * After librdkafka's flush/abort returned: waits until the reports it produced reached JavaScript. Counted, that is
   * "reports == sends". Failures only: librdkafka hands each report to the binding (which queues it and signals the
   * event loop) before the message leaves its queue, so before flush returns; the binding's signal is then processed
   * in the same or an earlier event-loop pass than flush's completion, and the first 100 queued reports are
   * dispatched in it. One setImmediate (after that pass) therefore sees at least the first failure, which is all
   * flush() needs (tested: test/integration/runtime/transactional-producer.test.ts).
   */
  async #reportsDispatched(operation: string): Promise<void> {
    if (this.#countsDeliveries) {
      await this.#settled(operation);
      return;
    }
    // The binding dispatches 100 reports per pass: while a pass brought some, more may be queued (a rejected batch
    // fails every record in it). Wait for a pass that brings none, so that all failures are seen (bounded).
    for (let pass = 0; pass < 100; pass++) {
      const before = this.#tracker.reported;
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.#tracker.reported === before && pass > 0) return;
    }
  }

  async #settled(operation: string): Promise<void> {
    await within(
      this.#tracker.settled(),
      this.#timeoutMs,
      () => new KafkaRuntimeError(operation, new Error('delivery reports did not arrive'), 'fatal'),
    );
  }

  #fail(operation: string, err: unknown, kind = classifyKafkaError(err)): KafkaRuntimeError {
    const error = err instanceof KafkaRuntimeError ? err : new KafkaRuntimeError(operation, err, kind);
    if (error.kind === 'fenced' || error.kind === 'fatal') {
      this.#state = 'failed';
      this.#failure = error;
    }
    return error;
  }

  #assertUsable(operation: string): void {
    if (this.#state === 'closed') throw new Error(`${operation}: producer is closed`);
    if (this.#state === 'failed') {
      throw new KafkaRuntimeError(operation, this.#failure, this.#failure?.kind ?? 'fatal');
    }
  }

  #assertInTransaction(operation: string): void {
    this.#assertUsable(operation);
    if (this.#state !== 'in-transaction') throw new Error(`${operation}: no transaction is open`);
  }
}

/** What `work` settles with, or the error `expired` makes if `ms` pass first. */
async function within<T>(work: Promise<T>, ms: number, expired: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(expired()), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * How much longer than its own timeout a transactional call may stay unanswered. librdkafka 2.15 can wait forever in
 * send_offsets_to_transaction (measured on the 3-broker cluster: about 4 in 10 runs that killed and restarted
 * the group coordinator's broker): it drops a broker that left the cluster metadata, but when the broker comes
 * back as group coordinator the coordinator cache gets the dropped broker's handle, which never connects again, and
 * the TxnOffsetCommit request waits for it with no timeout (rd_kafka_coord_req_fsm in rdkafka_coord.c).
 */
const WEDGED_AFTER_MS = 10_000;

/**
 * The binding passes a zero-length Buffer's data pointer to librdkafka, and V8 gives empty buffers a null one:
 * librdkafka then writes a null key/value. An empty value would become a tombstone and an empty key a null key
 * (randomly partitioned, dropped by table sources). A zero-length view into a real allocation has a non-null
 * pointer, so Kafka gets an empty key/value as the Java client would write it (measured).
 */
const EMPTY = Buffer.alloc(1).subarray(0, 0);

function nonNullEmpty(bytes: Buffer | null): Buffer | null {
  return bytes !== null && bytes.length === 0 ? EMPTY : bytes;
}

/** The failure report is the probed record's (not a late report of an earlier record of the same topic). */
function isFailureOf(f: DeliveryFailure, record: OutgoingRecord): boolean {
  if (f.topic !== record.topic || (record.partition !== undefined && f.partition !== record.partition))
    return false;
  return f.value === undefined || (f.value ?? EMPTY).equals(record.value ?? EMPTY);
}

/** flush() found failed deliveries: the first one's error (and kind), with all of them for the runtime to learn from. */
export class DeliveryFailedError extends KafkaRuntimeError {
  constructor(readonly failures: readonly DeliveryFailure[]) {
    const first = failures[0] as DeliveryFailure;
    super(`delivery to ${first.topic}-${first.partition}`, first.error);
  }
}
