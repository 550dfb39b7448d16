// What happens to a record that cannot be deserialized, processed or produced (Kafka Streams' exception handlers,
// with KIP-1034's dead-letter queue). Nothing is dropped silently: `logAndContinue` logs and counts, the
// dead-letter queue keeps the original bytes with the reason in headers.
import type { Headers } from '../../operators/api/record.js';
import type { RawRecord } from './raw-record.js';
import type { OutputRecord, RecordCollector } from './record-collector.js';

/** `fail` stops the task with the error; `logAndContinue` logs, counts and skips; or send it to a dead-letter topic. */
export type ExceptionHandlerSetting = 'fail' | 'logAndContinue' | { readonly deadLetterQueue: string };

export interface ErrorHandlerSettings {
  readonly deserializationExceptionHandler?: ExceptionHandlerSetting;
  readonly processingExceptionHandler?: ExceptionHandlerSetting;
  readonly productionExceptionHandler?: ExceptionHandlerSetting;
}

export type ErrorKind = 'deserialization' | 'processing' | 'production';

/** Header names of dead-letter records (those of Kafka Streams' KIP-1034). */
export const DLQ_HEADERS = {
  exception: '__streams.errors.exception',
  message: '__streams.errors.message',
  stacktrace: '__streams.errors.stacktrace',
  topic: '__streams.errors.topic',
  partition: '__streams.errors.partition',
  offset: '__streams.errors.offset',
  kind: '__streams.errors.kind',
  processor: '__streams.errors.processor',
  task: '__streams.errors.task',
} as const;

/** The error that stops a task, naming what failed and where. */
export class StreamsError extends Error {
  constructor(
    message: string,
    readonly kind: ErrorKind,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StreamsError';
  }
}

export interface FailedRecord {
  readonly kind: ErrorKind;
  readonly error: unknown;
  readonly taskId: string;
  readonly processor?: string;
  /** The input record (bytes) being processed, if any: what goes to the dead-letter queue. */
  readonly source?: RawRecord;
  /** For production errors: the output record that failed. */
  readonly output?: OutputRecord;
}

function errorOf(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

export function describeFailure(f: FailedRecord): string {
  const where = f.source ? ` at ${f.source.topic}-${f.source.partition}@${f.source.offset}` : '';
  const node = f.processor ? ` in processor '${f.processor}'` : '';
  return `${f.kind} error in task ${f.taskId}${node}${where}: ${errorOf(f.error).message}`;
}

/** The dead-letter record for a failure: original key/value bytes, original headers, plus the error headers. */
export function deadLetterRecord(topic: string, f: FailedRecord): OutputRecord {
  const err = errorOf(f.error);
  const original: Pick<OutputRecord, 'key' | 'value' | 'timestamp' | 'headers'> = f.source ??
    f.output ?? { key: null, value: null, timestamp: Date.now(), headers: {} };
  const headers: Headers = {
    ...original.headers,
    [DLQ_HEADERS.exception]: err.name,
    [DLQ_HEADERS.message]: err.message,
    [DLQ_HEADERS.stacktrace]: err.stack ?? '',
    [DLQ_HEADERS.kind]: f.kind,
    [DLQ_HEADERS.task]: f.taskId,
  };
  if (f.source) {
    headers[DLQ_HEADERS.topic] = f.source.topic;
    headers[DLQ_HEADERS.partition] = String(f.source.partition);
    headers[DLQ_HEADERS.offset] = String(f.source.offset);
  } else if (f.output) {
    headers[DLQ_HEADERS.topic] = f.output.topic;
  }
  if (f.processor) headers[DLQ_HEADERS.processor] = f.processor;
  return { topic, key: original.key, value: original.value, timestamp: original.timestamp, headers };
}

/**
 * Applies the configured handler: returns normally when processing may continue (after logging/counting or sending
 * to the dead-letter queue), throws a StreamsError when the setting is `fail`.
 */
export function handleFailure(
  setting: ExceptionHandlerSetting | undefined,
  failure: FailedRecord,
  deps: { collector: RecordCollector; onSkip: (failure: FailedRecord, message: string) => void },
): void {
  const message = describeFailure(failure);
  if (setting === undefined || setting === 'fail') {
    throw new StreamsError(message, failure.kind, { cause: failure.error });
  }
  if (setting !== 'logAndContinue') deps.collector.send(deadLetterRecord(setting.deadLetterQueue, failure));
  deps.onSkip(failure, message);
}
