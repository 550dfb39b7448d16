// Tributary's public API: everything users import from 'tributary'.
export type { MaybePromise } from './common/maybe-promise.js';
export type {
  Cancellable,
  Processor,
  ProcessorContext,
  ProcessorSupplier,
  PunctuationType,
  Punctuator,
  TaskId,
} from './operators/api/processor.js';
export type {
  Headers,
  HeaderValue,
  KeyValue,
  RecordMetadata,
  StreamRecord,
  TimeWindow,
  ValueAndTimestamp,
  Windowed,
} from './operators/api/record.js';
export type { Serde, SerdeTarget } from './schemas/serde.js';
export { SerdeNotReadyError, SerializationError } from './schemas/serde.js';
export type { KeyValueStore, ReadOnlyKeyValueStore } from './state/api/key-value-store.js';
export type { ReadOnlySessionStore, SessionStore } from './state/api/session-store.js';
export type { StateStore } from './state/api/state-store.js';
export type { StoreBuilder, StoreKind, TopicConfig } from './state/api/store-builder.js';
export type { ReadOnlyWindowStore, WindowedValue, WindowStore } from './state/api/window-store.js';
