// The notification topology as a KafkaStreams application (exactly once) with Redis dedup: a transaction that aborts
// after the alerts in it were claimed in Redis loses no notification (the replay of the same records delivers
// again), and duplicates stay deduplicated: every alert is notified exactly once per channel in the committed output.
import { type Alert, type Notification, notificationsTopology, topicDelivery } from 'tributary';
import { afterAll, describe, expect, it } from 'vitest';
import { createTopics, kafkaClient, uniqueName } from '../../support/kafka.js';
import { alert, RedisProbe } from '../../unit/monitoring/notifications-support.js';
import { mockRegistry } from '../../unit/monitoring/topologies/support.js';
import { produce, StateDirs, Worker } from '../runtime/streams-support.js';
import { readBytes } from './read-bytes.js';

const kafka = kafkaClient();
const dirs = new StateDirs();
const redis = new RedisProbe();
afterAll(async () => {
  dirs.cleanup();
  await redis.close();
});

describe('notifications on Kafka', () => {
  it('an aborted transaction loses no notification and duplicates stay deduplicated', async () => {
    const alertsTopic = uniqueName('notify.alerts');
    const notificationsTopic = uniqueName('notify.notifications');
    await createTopics(kafka, [
      { topic: alertsTopic, numPartitions: 2 },
      // The broker rejects any batch above 4 KiB here: the armed delivery's oversized record aborts its transaction.
      { topic: notificationsTopic, numPartitions: 2, configs: { 'max.message.bytes': '4096' } },
    ]);
    const { serdes, clients } = mockRegistry();
    await clients.alert.prepare?.({ topic: alertsTopic, isKey: false });

    const alerts: Alert[] = Array.from({ length: 12 }, (_, i) =>
      alert({
        labels: { host: `gw-${i}`, service: 'api-gateway' },
        severity: i % 3 === 0 ? 'critical' : 'warning',
      }),
    );
    const victim = alerts[5];
    // Armed once: the first delivery of the victim publishes an extra 10 KiB record, so the commit fails and the
    // transaction aborts after the victim (and the alerts processed with it) were claimed in Redis.
    let armed = true;
    const inner = topicDelivery();
    const delivery = {
      name: 'topic-with-injected-failure',
      async deliver(notifications: readonly Notification[], publish: (n: Notification) => Promise<void>) {
        await inner.deliver(notifications, publish);
        if (armed && notifications[0].alert.fingerprint === victim.fingerprint) {
          armed = false;
          await publish({ ...notifications[0], text: 'x'.repeat(10_240) });
        }
      },
    };
    const worker = new Worker(
      notificationsTopology({
        serdes,
        topics: { alerts: alertsTopic },
        notificationsTopic,
        dedup: { keyPrefix: redis.keyPrefix },
        delivery,
      }),
      { applicationId: uniqueName('notify-app'), stateDir: dirs.create(), commitIntervalMs: 100 },
    );
    await worker.start();
    try {
      await worker.waitFor('RUNNING');
      // Every alert twice (the second is a duplicate within the window), in one burst: several share a transaction.
      const records = [...alerts, ...alerts].map((a) => ({
        key: a.fingerprint,
        value: clients.alert.serialize(alertsTopic, a),
        timestamp: a.timestamp,
      }));
      await produce(alertsTopic, records);
      const perAlert = (a: Alert) => (a.severity === 'critical' ? 3 : 1);
      const expected = alerts.reduce((n, a) => n + perAlert(a), 0);
      const committed = await readBytes(kafka, notificationsTopic, expected, 60_000);
      await new Promise((resolve) => setTimeout(resolve, 2_000)); // a duplicate would show up by now
      const all = await readBytes(kafka, notificationsTopic, expected, 10_000);
      expect(all).toHaveLength(expected);

      await clients.notification.prepare?.({ topic: notificationsTopic, isKey: false });
      const ids = committed.map(
        (r) => clients.notification.deserialize(notificationsTopic, r.value as Buffer).id,
      );
      const wanted = alerts.flatMap((a) =>
        (a.severity === 'critical' ? ['slack', 'pagerduty', 'email'] : ['slack']).map(
          (c) => `${a.fingerprint}:FIRING:${a.timestamp}:${c}`,
        ),
      );
      expect([...ids].sort()).toEqual([...wanted].sort());

      expect(armed).toBe(false);
      const metric = (name: string) =>
        worker.streams
          .metrics()
          .filter((m) => m.name === name)
          .reduce((sum, m) => sum + m.value, 0);
      expect(metric('transaction-aborts-total')).toBeGreaterThanOrEqual(1);
      expect(worker.errors).toEqual([]);
      for (const a of alerts)
        expect(await redis.value(a.fingerprint)).toMatch(new RegExp(`^FIRING ${alertsTopic}-\\d@\\d+$`));
    } finally {
      await worker.close();
    }
  });
});
