// The integration global setup hands workers the broker address; tests read it from process.env (bootstrapServers()).
import { describe, expect, inject, it } from 'vitest';
import { bootstrapServers, kafkaClient } from '../../support/kafka.js';

describe('integration environment', () => {
  it('KAFKA_BOOTSTRAP_SERVERS set by the global setup reaches test workers', () => {
    expect(inject('kafkaBootstrapServers')).toBeTruthy();
    expect(process.env.KAFKA_BOOTSTRAP_SERVERS).toBe(inject('kafkaBootstrapServers'));
    expect(bootstrapServers()).toBe(inject('kafkaBootstrapServers'));
  });

  it('a Kafka broker answers at that address', async () => {
    const admin = kafkaClient().admin();
    await admin.connect();
    try {
      expect(Array.isArray(await admin.listTopics())).toBe(true);
    } finally {
      await admin.disconnect();
    }
  });
});
