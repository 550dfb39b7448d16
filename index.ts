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
export type {
  ConsumedRecord,
  StreamPartitioner,
  TimestampExtractor,
  TopicNameExtractor,
} from './operators/api/timestamp-extractor.js';
// ---- stateful DSL: windows, windowed aggregations, suppression, joins, grouped and global tables ----
export { GlobalKTable } from './operators/dsl/global-ktable.js';
export { KGroupedStream } from './operators/dsl/kgrouped-stream.js';
export { KGroupedTable } from './operators/dsl/kgrouped-table.js';
export { BranchedKStream, KStream } from './operators/dsl/kstream.js';
export { KTable } from './operators/dsl/ktable.js';
export type {
  Consumed,
  Grouped,
  Joined,
  Materialized,
  Named,
  Produced,
  Repartitioned,
  SerdeFor,
  StoreType,
  StreamJoined,
} from './operators/dsl/options.js';
// DSL
export { StreamsBuilder } from './operators/dsl/streams-builder.js';
export type { BufferConfig, StrictBufferConfig, SuppressedOptions } from './operators/dsl/suppressed.js';
export { Suppressed } from './operators/dsl/suppressed.js';
export { TimeWindowedKStream } from './operators/dsl/windowed-kstream.js';
export { SessionWindowedKStream } from './operators/dsl/windowed-session-kstream.js';
export { JoinWindows, SessionWindows, SlidingWindows, TimeWindows } from './operators/dsl/windows.js';
export { CopartitioningError } from './operators/graph/partition-resolver.js';
// Topology
export { Topology } from './operators/graph/topology.js';
export { TopologyBuildError } from './operators/graph/topology-builder.js';
export type {
  GlobalStoreDescription,
  InternalTopicDescription,
  NodeDescription,
  StoreDescription,
  SubtopologyDescription,
  TopologyDescription,
} from './operators/graph/topology-description.js';
export type { InputTopicOptions, TestRecord } from './runtime/driver/test-topics.js';
export { TestInputTopic, TestOutputTopic } from './runtime/driver/test-topics.js';
export type { TopologyTestDriverConfig } from './runtime/driver/topology-test-driver.js';
// Test driver
export { TopologyTestDriver } from './runtime/driver/topology-test-driver.js';
export type { ErrorHandlerSettings, ExceptionHandlerSetting } from './runtime/engine/error-handlers.js';
// Errors
export { DLQ_HEADERS, StreamsError } from './runtime/engine/error-handlers.js';
export type { MetricSample, StreamsMetrics } from './runtime/engine/metrics.js';
// ---- Kafka runtime (issue 5) ----
// KafkaStreams runs a Topology on a Kafka cluster: one instance per worker process, exactly once by default.
export type {
  KafkaStreamsState,
  StateListener,
  TaskMetadata,
  ThreadMetadata,
  UncaughtExceptionHandler,
} from './runtime/kafka/kafka-streams.js';
export { KafkaStreams } from './runtime/kafka/kafka-streams.js';
export type { ProcessingGuarantee, StreamsConfig } from './runtime/kafka/streams-config.js';
export { StreamsConfigError } from './runtime/kafka/streams-config.js';
// ---- end of Kafka runtime ----
export type { AnySerde, Serde, SerdeTarget } from './schemas/serde.js';
export { SerdeNotReadyError, SerializationError } from './schemas/serde.js';
// Serdes
export { Serdes } from './schemas/serdes.js';
// Kafka runtime: StreamsConfig.restoreListener
export type { RestoreListener, RestoreProgress } from './state/api/changelog-reader.js';
export type {
  KeyValueStore,
  ReadOnlyKeyValueStore,
  ReadOnlyTimestampedKeyValueStore,
  TimestampedKeyValueStore,
} from './state/api/key-value-store.js';
export type { ReadOnlySessionStore, SessionStore } from './state/api/session-store.js';
export type { StateStore } from './state/api/state-store.js';
export type { StoreBuilder, StoreKind, TopicConfig } from './state/api/store-builder.js';
export type {
  KeyValueBytesStoreSupplier,
  SessionBytesStoreSupplier,
  SessionStoreOptions,
  WindowBytesStoreSupplier,
  WindowStoreOptions,
} from './state/api/store-suppliers.js';
// State stores
export { Stores } from './state/api/stores.js';
export type {
  ReadOnlyTimestampedWindowStore,
  ReadOnlyWindowStore,
  TimestampedWindowStore,
  WindowedValue,
  WindowStore,
} from './state/api/window-store.js';
// ---- Monitoring topologies (issue 6) ----
// The showcase metrics-monitoring pipeline, written with the public API above: one function per topology returning
// a Topology from its config, the record schemas with their Avro serdes, and the helpers users of the records need.
export {
  type Aggregation,
  ALERTING_STORES,
  type Alert,
  type AlertingConfig,
  type AlertRule,
  type AlertRuleDefinition,
  type AlertState,
  alertFingerprint,
  alertingTopology,
  alertRuleSchema,
  alertSchema,
  CARDINALITY_GUARD_STORES,
  type CardinalityGuardConfig,
  type CardinalityPolicy,
  type Comparison,
  cardinalityGuardTopology,
  DDSketch,
  DEFAULT_CARDINALITY_POLICY,
  DEFAULT_GLOBAL_METRICS_TOPIC,
  DEFAULT_LABEL_POLICY,
  DEFAULT_MONITORING_TOPICS,
  DEFAULT_NOTIFICATION_DEDUP,
  DEFAULT_NOTIFICATION_ROUTES,
  DEFAULT_NOTIFICATIONS_TOPIC,
  DEFAULT_ROLLUP_WINDOWS,
  decodeSketch,
  defineAlertRule,
  encodeSketch,
  formatRule,
  HIGH_CARDINALITY_RULE,
  type IngestServer,
  type IngestServerConfig,
  type IngestStats,
  InvalidRuleError,
  type LabelMatcher,
  type LabelPolicy,
  type Metric,
  type MonitoringSerdes,
  type MonitoringTopics,
  type MonitoringTopologyConfig,
  metricSchema,
  monitoringSerdes,
  NOTIFICATION_METRICS,
  type Notification,
  type NotificationDedupConfig,
  type NotificationDelivery,
  NotificationDeliveryError,
  type NotificationRoute,
  type NotificationsConfig,
  notificationSchema,
  notificationsTopology,
  type PublishNotification,
  parseSeriesKey,
  REPLICATION_LABELS,
  type RegionEnrichmentConfig,
  type Rejection,
  type RejectionReason,
  ROLLUP_STORES,
  type Rollup,
  type RollupsConfig,
  type RollupWindows,
  regionEnrichmentTopology,
  rejectionSchema,
  rollupSchema,
  rollupsTopology,
  type Series,
  type Severity,
  seriesKey,
  startIngestServer,
  topicDelivery,
  type WebhookDeliveryOptions,
  webhookDelivery,
} from './topologies/monitoring/index.js';
