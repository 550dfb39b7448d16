import type { Alert, Notification, Processor, ProcessorContext, StreamRecord } from '../../../index.js';
import type { NotificationDelivery } from './delivery.js';
import { notificationOf } from './notification-message.js';
import { type ClaimOutcome, type NotificationDedupConfig, RedisNotificationDedup } from './redis-dedup.js';
import { channelsFor, type NotificationRoute } from './routes.js';

export interface NotifierOptions {
  readonly routes: readonly NotificationRoute[];
  readonly dedup: NotificationDedupConfig;
  readonly delivery: NotificationDelivery;
}

/** Counter names of the notification topology (the application's metrics, tags `task` and `channel`/`outcome`). */
export const NOTIFICATION_METRICS = {
  /** Notifications delivered, per channel. */
  sent: 'notifications-sent-total',
  /** Alerts not notified because the same state of the same alert was within the dedup window. */
  deduplicated: 'notifications-deduplicated-total',
  /** Alerts that no route matched. */
  unrouted: 'notifications-unrouted-total',
  /** Alerts notified without dedup because Redis did not answer. */
  dedupUnavailable: 'notifications-dedup-unavailable-total',
  /** Alerts whose delivery failed (the error went to the processing exception handler). */
  failed: 'notifications-failed-total',
} as const;

/**
 * Per alert: route it to channels, claim it in Redis (skip it when the same state of the same alert was notified
 * within the window), deliver one Notification per channel, and give the claim back if the delivery failed. The
 * claim names the input record, so that a replay after an aborted transaction delivers again (redis-dedup.ts).
 */
export class Notifier implements Processor<string, Alert, string, Notification> {
  private ctx!: ProcessorContext<string, Notification>;
  private dedup!: RedisNotificationDedup;
  private task = '';

  constructor(private readonly options: NotifierOptions) {}

  async init(context: ProcessorContext<string, Notification>): Promise<void> {
    this.ctx = context;
    this.task = context.taskId.toString();
    this.dedup = await RedisNotificationDedup.open(this.options.dedup);
  }

  async process(record: StreamRecord<string, Alert>): Promise<void> {
    const alert = record.value;
    if (alert === null) return; // alerts.triggered is not compacted; a null value carries nothing to notify
    const channels = channelsFor(alert, this.options.routes);
    if (channels.length === 0) {
      this.count(NOTIFICATION_METRICS.unrouted, { rule: alert.rule, severity: alert.severity });
      return;
    }
    const claimant = this.claimant();
    const outcome = await this.dedup.claim(alert.fingerprint, alert.state, claimant);
    this.counted(outcome, alert);
    if (outcome === 'duplicate') return;

    const notifications = channels.map((channel) => notificationOf(alert, channel));
    const publish = (notification: Notification) =>
      Promise.resolve(
        this.ctx.forward({
          key: alert.fingerprint,
          value: notification,
          timestamp: record.timestamp,
          headers: {},
        }),
      );
    try {
      await this.options.delivery.deliver(notifications, publish);
    } catch (error) {
      this.count(NOTIFICATION_METRICS.failed, { rule: alert.rule });
      if (outcome !== 'unavailable') await this.dedup.release(alert.fingerprint, alert.state, claimant);
      throw error;
    }
    for (const channel of channels) this.count(NOTIFICATION_METRICS.sent, { channel });
  }

  async close(): Promise<void> {
    await this.dedup?.close();
  }

  /** The input record's position: the same when the record is processed again after an abort. */
  private claimant(): string {
    const at = this.ctx.recordMetadata();
    if (at === undefined) throw new Error('Notifier: no input record metadata (called outside process?)');
    return `${at.topic}-${at.partition}@${at.offset}`;
  }

  private counted(outcome: ClaimOutcome, alert: Alert): void {
    if (outcome === 'duplicate') this.count(NOTIFICATION_METRICS.deduplicated, { rule: alert.rule });
    if (outcome === 'unavailable') this.count(NOTIFICATION_METRICS.dedupUnavailable, {});
  }

  private count(name: string, tags: Record<string, string>): void {
    this.ctx.metrics.increment(name, { task: this.task, ...tags });
  }
}
