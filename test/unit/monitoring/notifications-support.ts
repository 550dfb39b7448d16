// Shared set-up of the notification topology tests: the topology on the driver against the real Redis on
// 127.0.0.1:6379 (scripts/setup.sh starts it), with a key prefix per test, and alerts as the alerting topology
// publishes them.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import {
  type Alert,
  type AlertState,
  alertFingerprint,
  type ErrorHandlerSettings,
  type Notification,
  type NotificationsConfig,
  notificationsTopology,
  Serdes,
  type Severity,
  DEFAULT_MONITORING_TOPICS as T,
  type TestInputTopic,
  type TestOutputTopic,
  TopologyTestDriver,
} from 'tributary';
import { mockRegistry, NOON, OpenDrivers, preparedFor } from './topologies/support.js';

export const NOTIFICATIONS = 'notifications';

export function alert(overrides: Partial<Alert> & { state?: AlertState; severity?: Severity } = {}): Alert {
  const rule = overrides.rule ?? 'HighCPUUsage';
  const metric = overrides.metric ?? 'cpu_usage';
  const labels = overrides.labels ?? { host: 'gw-1', service: 'api-gateway' };
  return {
    fingerprint: alertFingerprint(rule, metric, labels),
    rule,
    metric,
    state: 'FIRING',
    labels,
    ruleLabels: {},
    value: 85.25,
    threshold: 80,
    comparison: 'gt',
    aggregation: 'avg',
    severity: 'warning',
    activeAt: NOON,
    timestamp: NOON + 300_000,
    reason: null,
    ...overrides,
  };
}

/** A Redis client for assertions and clean-up, and a key prefix no other test uses. */
export class RedisProbe {
  readonly client = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1 });
  readonly keyPrefix = `tributary-test:${randomUUID().slice(0, 8)}:`;

  value(fingerprint: string): Promise<string | null> {
    return this.client.get(this.keyPrefix + fingerprint);
  }

  ttlMs(fingerprint: string): Promise<number> {
    return this.client.pttl(this.keyPrefix + fingerprint);
  }

  async close(): Promise<void> {
    const keys = await this.client.keys(`${this.keyPrefix}*`);
    if (keys.length > 0) await this.client.del(...keys);
    await this.client.quit();
  }
}

export class NotificationsOnDriver {
  private constructor(
    readonly driver: TopologyTestDriver,
    readonly alerts: TestInputTopic<string, Alert>,
    readonly notifications: TestOutputTopic<string, Notification>,
  ) {}

  static async open(
    drivers: OpenDrivers,
    config: Omit<NotificationsConfig, 'serdes'>,
    handlers: ErrorHandlerSettings = {},
  ): Promise<NotificationsOnDriver> {
    const { serdes, clients } = mockRegistry();
    const driver = drivers.add(
      new TopologyTestDriver(notificationsTopology({ serdes, ...config }), handlers),
    );
    await driver.init();
    const S = Serdes.string();
    return new NotificationsOnDriver(
      driver,
      driver.createInputTopic(T.alerts, S, await preparedFor(clients.alert, T.alerts)),
      driver.createOutputTopic(
        config.notificationsTopic ?? NOTIFICATIONS,
        S,
        await preparedFor(clients.notification, config.notificationsTopic ?? NOTIFICATIONS),
      ),
    );
  }

  pipe(value: Alert): Promise<void> {
    return this.alerts.pipeInput(value.fingerprint, value, value.timestamp);
  }

  /** `channel state rule` of each notification written since the last read. */
  read(): string[] {
    return this.notifications.readValuesToList().map((n) => `${n.channel} ${n.alert.state} ${n.alert.rule}`);
  }

  metric(name: string, tags: Record<string, string> = {}): number {
    return this.driver.metrics.total(name, tags);
  }
}

export { OpenDrivers };
