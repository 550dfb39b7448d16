// Notifications: alerts.triggered -> notifications (and whatever a delivery reaches), deduplicated in Redis.
import { Serdes, StreamsBuilder, type Topology } from '../../index.js';
import { checkDuration, type MonitoringTopologyConfig, topicsOf } from './config.js';
import { type NotificationDelivery, topicDelivery } from './notifications/delivery.js';
import { Notifier } from './notifications/notifier.js';
import { DEFAULT_NOTIFICATION_DEDUP, type NotificationDedupConfig } from './notifications/redis-dedup.js';
import { checkRoutes, DEFAULT_NOTIFICATION_ROUTES, type NotificationRoute } from './notifications/routes.js';

export interface NotificationsConfig extends MonitoringTopologyConfig {
  /** Where Notification records go (default `notifications`). */
  readonly notificationsTopic?: string;
  /** Which channels an alert goes to (default `DEFAULT_NOTIFICATION_ROUTES`: warning -> slack, critical -> all). */
  readonly routes?: readonly NotificationRoute[];
  /** Redis dedup: window (default 5 min), key prefix, connection (default 127.0.0.1:6379). */
  readonly dedup?: NotificationDedupConfig;
  /** How notifications are sent (default `topicDelivery()`: a record per channel on the notifications topic). */
  readonly delivery?: NotificationDelivery;
}

export const DEFAULT_NOTIFICATIONS_TOPIC = 'notifications';

/**
 * Notifications. Each alert state change of `alerts` is routed to channels by its severity, rule, state and labels;
 * the same state of the same alert (fingerprint) is notified at most once per dedup window, remembered in Redis;
 * the delivery sends one Notification per channel (by default: a record on `notifications`, exactly once).
 * Stateless otherwise: every task (alerts partition) opens its own Redis connection.
 */
export function notificationsTopology(config: NotificationsConfig): Topology {
  const owner = 'notificationsTopology';
  const topics = topicsOf(config);
  const routes = config.routes ?? DEFAULT_NOTIFICATION_ROUTES;
  checkRoutes(owner, routes);
  const delivery = config.delivery ?? topicDelivery();
  const reachable = delivery.channels;
  if (reachable !== undefined) {
    const missing = [...new Set(routes.flatMap((r) => r.channels))].filter((c) => !reachable.includes(c));
    if (missing.length > 0) {
      throw new RangeError(
        `${owner}: delivery '${delivery.name}' cannot reach channel(s) ${missing.join(', ')} named by the routes (it reaches ${reachable.join(', ') || 'none'})`,
      );
    }
  }
  const dedup: NotificationDedupConfig = {
    ...config.dedup,
    ttlMs: checkDuration(owner, 'dedup.ttlMs', config.dedup?.ttlMs ?? DEFAULT_NOTIFICATION_DEDUP.ttlMs, true),
  };

  const S = Serdes.string();
  const builder = new StreamsBuilder();
  builder
    .stream(topics.alerts, { key: S, value: config.serdes.alert, name: 'notifications-alerts' })
    .process(() => new Notifier({ routes, dedup, delivery }), { name: 'notifications-notifier' })
    .to(config.notificationsTopic ?? DEFAULT_NOTIFICATIONS_TOPIC, {
      key: S,
      value: config.serdes.notification,
      name: 'notifications-sink',
    });
  return builder.build();
}
