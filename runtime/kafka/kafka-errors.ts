/**
 * What the runtime must do about an error from the producer or consumer. librdkafka classifies transactional errors
 * (`isFatal`, `isTxnRequiresAbort`, `isRetriable` on the low-level error; the KafkaJS-compatible layer drops these
 * flags, see rdkafka.ts); the runtime needs one more distinction, between errors that abort the transaction and errors
 * that also mean the worker no longer owns its tasks.
 *
 * Measured against Kafka 4.4 with librdkafka 2.15 (test/integration/runtime/transactional-producer.test.ts):
 * - another producer with the same transactional.id: ERR__FENCED, isFatal -> 'fenced';
 * - a transaction that outlived transaction.timeout.ms: the coordinator aborts it and bumps the epoch, the producer's
 *   next request fails with INVALID_PRODUCER_EPOCH and librdkafka raises ERR__FENCED, isFatal -> 'fenced';
 * - sendOffsets with group metadata of a generation the group left behind (a zombie kicked out of the group):
 *   UNKNOWN_MEMBER_ID / ILLEGAL_GENERATION, isTxnRequiresAbort -> 'migrated' (the producer stays usable after abort).
 */
import { ErrorCodes } from './rdkafka.js';

export type KafkaErrorKind =
  /** Abort the transaction, roll the tasks back to the last commit and continue with the same producer. */
  | 'abortable'
  /** The consumer's group generation is stale: abort, close the tasks as lost (no commit), rejoin; producer is fine. */
  | 'migrated'
  /**
   * A newer producer with our transactional.id exists (or the transaction timed out, or a transactional call never
   * answered): close tasks as lost, recreate the producer.
   */
  | 'fenced'
  /** Unrecoverable for this client instance: close tasks as lost, recreate the client. */
  | 'fatal'
  /** The same call may simply be retried (e.g. a commit that timed out before the outcome was known). */
  | 'retriable';

const FENCED_CODES = new Set([
  ErrorCodes.ERR__FENCED,
  ErrorCodes.ERR_PRODUCER_FENCED,
  ErrorCodes.ERR_INVALID_PRODUCER_EPOCH,
  ErrorCodes.ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
]);

const MIGRATED_CODES = new Set([
  ErrorCodes.ERR_UNKNOWN_MEMBER_ID,
  ErrorCodes.ERR_ILLEGAL_GENERATION,
  ErrorCodes.ERR_REBALANCE_IN_PROGRESS,
  ErrorCodes.ERR_FENCED_INSTANCE_ID,
  ErrorCodes.ERR__MAX_POLL_EXCEEDED,
]);

const RETRIABLE_CODES = new Set([
  ErrorCodes.ERR__TIMED_OUT,
  ErrorCodes.ERR__TIMED_OUT_QUEUE,
  ErrorCodes.ERR__TRANSPORT,
  ErrorCodes.ERR__ALL_BROKERS_DOWN,
  ErrorCodes.ERR_REQUEST_TIMED_OUT,
  ErrorCodes.ERR_COORDINATOR_NOT_AVAILABLE,
  ErrorCodes.ERR_NOT_COORDINATOR,
  ErrorCodes.ERR_COORDINATOR_LOAD_IN_PROGRESS,
  ErrorCodes.ERR_CONCURRENT_TRANSACTIONS,
]);

/** The flags librdkafka attaches to errors of its transactional API. */
interface ClassifiedFlags {
  code?: unknown;
  isFatal?: boolean;
  isTxnRequiresAbort?: boolean;
  isRetriable?: boolean;
}

export function errorCode(err: unknown): number | undefined {
  const code = (err as ClassifiedFlags | null | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

/**
 * Classifies an error raised by a transactional call (init/begin/sendOffsets/commit/abort) or by a delivery report.
 * Errors without librdkafka's flags are classified by code; an unknown error is fatal, as librdkafka's documentation
 * recommends for transactional errors that are neither retriable, abortable nor fatal.
 */
export function classifyKafkaError(err: unknown): KafkaErrorKind {
  const e = (err ?? {}) as ClassifiedFlags;
  const code = errorCode(err);
  if (code !== undefined && FENCED_CODES.has(code)) return 'fenced';
  if (e.isFatal) return 'fatal';
  if (code !== undefined && MIGRATED_CODES.has(code)) return 'migrated';
  if (e.isRetriable) return 'retriable';
  if (e.isTxnRequiresAbort) return 'abortable';
  if (code !== undefined && RETRIABLE_CODES.has(code)) return 'retriable';
  if (code === ErrorCodes.ERR__STATE) return 'fatal';
  // A delivery failure without transactional flags (message too large, topic missing, record timed out...): the
  // records since the last commit are not all written, so the only safe move is to redo them.
  if (code !== undefined && (code > 0 || code === ErrorCodes.ERR__MSG_TIMED_OUT)) return 'abortable';
  return 'fatal';
}

/** An error of the Kafka layer, tagged with what the runtime must do about it. */
export class KafkaRuntimeError extends Error {
  readonly kind: KafkaErrorKind;
  readonly code: number | undefined;

  constructor(operation: string, cause: unknown, kind: KafkaErrorKind = classifyKafkaError(cause)) {
    const detail = cause instanceof Error || (cause as { message?: unknown })?.message !== undefined;
    super(
      `${operation} failed (${kind}): ${detail ? (cause as { message: string }).message : String(cause)}`,
      {
        cause,
      },
    );
    this.name = 'KafkaRuntimeError';
    this.kind = kind;
    this.code = errorCode(cause);
  }
}

export function wrapKafkaError(operation: string, cause: unknown): KafkaRuntimeError {
  return cause instanceof KafkaRuntimeError ? cause : new KafkaRuntimeError(operation, cause);
}
