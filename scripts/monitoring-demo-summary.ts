// What the monitoring demo shows: a read_committed consumer of the pipeline's output topics that counts what came
// out (valid samples, rejections, rollups, alerts, notifications) and reports alerts and notifications as they
// commit.
import type { KafkaJS } from '@confluentinc/kafka-javascript';
import {
  type Alert,
  type MonitoringSerdes,
  type MonitoringTopics,
  type Notification,
  type Rejection,
  type Serde,
  SerdeNotReadyError,
} from 'tributary';

export interface PipelineCounts {
  valid: number;
  /** metrics.rejected, per reason. */
  rejected: Record<string, number>;
  rollups: { '1m': number; '5m': number; '1h': number };
  /** alerts.triggered, per state. */
  alerts: Record<string, number>;
  /** Alert records per `rule state`, e.g. `HighCPUUsage FIRING`. */
  alertsByRule: Record<string, number>;
  /** notifications, per channel. */
  notifications: Record<string, number>;
}

export interface SummaryEvents {
  onAlert?(alert: Alert): void;
  onNotification?(notification: Notification): void;
}

export class PipelineSummary {
  readonly counts: PipelineCounts = {
    valid: 0,
    rejected: {},
    rollups: { '1m': 0, '5m': 0, '1h': 0 },
    alerts: {},
    alertsByRule: {},
    notifications: {},
  };

  private constructor(
    private readonly consumer: KafkaJS.Consumer,
    private readonly topics: MonitoringTopics,
    private readonly notificationsTopic: string,
    private readonly serdes: MonitoringSerdes,
    private readonly events: SummaryEvents,
  ) {}

  static async start(
    kafka: KafkaJS.Kafka,
    groupId: string,
    topics: MonitoringTopics,
    notificationsTopic: string,
    serdes: MonitoringSerdes,
    events: SummaryEvents = {},
  ): Promise<PipelineSummary> {
    const consumer = kafka.consumer({
      'isolation.level': 'read_committed',
      kafkaJS: { groupId, fromBeginning: true, autoCommit: false },
    });
    const summary = new PipelineSummary(consumer, topics, notificationsTopic, serdes, events);
    await consumer.connect();
    await consumer.subscribe({
      topics: [
        topics.valid,
        topics.rejected,
        topics.rollup1m,
        topics.rollup5m,
        topics.rollup1h,
        topics.alerts,
        notificationsTopic,
      ],
    });
    void consumer.run({ eachMessage: async ({ topic, message }) => summary.count(topic, message.value) });
    return summary;
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }

  private async count(topic: string, value: Buffer | null): Promise<void> {
    const { counts, topics } = this;
    if (value === null) return;
    switch (topic) {
      case topics.valid:
        counts.valid++;
        return;
      case topics.rollup1m:
        counts.rollups['1m']++;
        return;
      case topics.rollup5m:
        counts.rollups['5m']++;
        return;
      case topics.rollup1h:
        counts.rollups['1h']++;
        return;
      case topics.rejected: {
        const rejection: Rejection = await decoded(this.serdes.rejection, topic, value);
        increment(counts.rejected, rejection.reason);
        return;
      }
      case topics.alerts: {
        const alert: Alert = await decoded(this.serdes.alert, topic, value);
        increment(counts.alerts, alert.state);
        increment(counts.alertsByRule, `${alert.rule} ${alert.state}`);
        this.events.onAlert?.(alert);
        return;
      }
      case this.notificationsTopic: {
        const notification: Notification = await decoded(this.serdes.notification, topic, value);
        increment(counts.notifications, notification.channel);
        this.events.onNotification?.(notification);
        return;
      }
    }
  }
}

/** Decodes, fetching a writer schema the serde has not seen yet. */
async function decoded<T>(serde: Serde<T>, topic: string, value: Buffer): Promise<T> {
  try {
    return serde.deserialize(topic, value);
  } catch (error) {
    if (!(error instanceof SerdeNotReadyError)) throw error;
    await error.prepare();
    return serde.deserialize(topic, value);
  }
}

function increment(counter: Record<string, number>, key: string): void {
  counter[key] = (counter[key] ?? 0) + 1;
}

export function sum(counter: Record<string, number>): number {
  return Object.values(counter).reduce((a, b) => a + b, 0);
}
