// The public surface of the monitoring topologies; the package root (index.ts) re-exports it by name.
export type {
  Aggregation,
  Alert,
  AlertRule,
  AlertState,
  Comparison,
  LabelMatcher,
  Metric,
  MonitoringSerdes,
  Notification,
  Rejection,
  RejectionReason,
  Rollup,
  Severity,
} from '../../schemas/monitoring/index.js';
export {
  alertRuleSchema,
  alertSchema,
  metricSchema,
  monitoringSerdes,
  notificationSchema,
  rejectionSchema,
  rollupSchema,
} from '../../schemas/monitoring/index.js';
export { ALERTING_STORES, type AlertingConfig, alertingTopology } from './alerting.js';
export {
  CARDINALITY_GUARD_STORES,
  type CardinalityGuardConfig,
  cardinalityGuardTopology,
} from './cardinality-guard.js';
export { DEFAULT_MONITORING_TOPICS, type MonitoringTopics, type MonitoringTopologyConfig } from './config.js';
export { REPLICATION_LABELS } from './enrichment/region-enricher.js';
export {
  DEFAULT_GLOBAL_METRICS_TOPIC,
  type RegionEnrichmentConfig,
  regionEnrichmentTopology,
} from './enrichment.js';
export type { IngestStats } from './ingest/ingest-app.js';
export { type IngestServer, type IngestServerConfig, startIngestServer } from './ingest/ingest-server.js';
export { alertFingerprint } from './lib/alerts/fingerprint.js';
export {
  type CardinalityPolicy,
  DEFAULT_CARDINALITY_POLICY,
  HIGH_CARDINALITY_RULE,
} from './lib/guard/cardinality.js';
export { DEFAULT_LABEL_POLICY, type LabelPolicy } from './lib/guard/label-validation.js';
export { InvalidRuleError } from './lib/rules/compiled-rule.js';
export { type AlertRuleDefinition, defineAlertRule, formatRule } from './lib/rules/define-rule.js';
export { parseSeriesKey, type Series, seriesKey } from './lib/series/series-key.js';
export { DDSketch, decodeSketch, encodeSketch } from './lib/sketch/index.js';
export {
  type NotificationDelivery,
  NotificationDeliveryError,
  type PublishNotification,
  topicDelivery,
} from './notifications/delivery.js';
export { NOTIFICATION_METRICS } from './notifications/notifier.js';
export {
  DEFAULT_NOTIFICATION_DEDUP,
  type NotificationDedupConfig,
} from './notifications/redis-dedup.js';
export { DEFAULT_NOTIFICATION_ROUTES, type NotificationRoute } from './notifications/routes.js';
export { type WebhookDeliveryOptions, webhookDelivery } from './notifications/webhook-delivery.js';
export {
  DEFAULT_NOTIFICATIONS_TOPIC,
  type NotificationsConfig,
  notificationsTopology,
} from './notifications.js';
export {
  DEFAULT_ROLLUP_WINDOWS,
  ROLLUP_STORES,
  type RollupsConfig,
  type RollupWindows,
  rollupsTopology,
} from './rollups.js';
