// The Notification record: its Avro schema and TypeScript interface agree, and it round-trips through the serde of
// monitoringSerdes (the Alert inside it included).
import { MockClient } from '@confluentinc/schemaregistry';
import { monitoringSerdes, type Notification, notificationSchema } from 'tributary';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { avroType } from '../../../schemas/avro/index.js';
import type { AvroValue } from '../schemas/avro-value-type.js';
import { alert } from './notifications-support.js';

const notification: Notification = {
  id: 'a1b2c3d4e5f60718:FIRING:1764331500000:slack',
  channel: 'slack',
  title: '[FIRING:warning] HighCPUUsage',
  text: 'cpu_usage{host="gw-1",service="api-gateway"}: avg 85.25 > 80 since 2026-11-28T12:00:00.000Z',
  alert: alert(),
};

describe('Notification schema', () => {
  it('agrees with the TypeScript interface field by field', () => {
    expectTypeOf<AvroValue<typeof notificationSchema>>().toEqualTypeOf<Notification>();
    expect(Object.keys(notification)).toEqual(notificationSchema.fields.map((f) => f.name));
  });

  it('refuses a notification with any one field of the wrong type', () => {
    const type = avroType(notificationSchema);
    for (const field of notificationSchema.fields) {
      const found: string[] = [];
      type.isValid(
        { ...notification, [field.name]: Symbol('wrong') },
        { errorHook: (p) => found.push(p.join('.')) },
      );
      expect(found, field.name).toContain(field.name);
    }
  });

  it('round-trips through monitoringSerdes().notification unchanged', async () => {
    const serdes = monitoringSerdes(new MockClient({ baseURLs: ['mock://'] }));
    await serdes.notification.prepare?.({ topic: 'notifications', isKey: false });
    const bytes = serdes.notification.serialize('notifications', notification);
    expect(serdes.notification.deserialize('notifications', bytes)).toEqual(notification);
  });
});
