/** Connection settings every Kafka client of a worker shares, and how they become librdkafka properties. */
import { KafkaJS } from '@confluentinc/kafka-javascript';

export type RdKafkaProperties = Record<string, string | number | boolean>;

export interface KafkaConnectionOptions {
  /** Comma-separated host:port list. */
  readonly bootstrapServers: string;
  /** librdkafka `client.id`: shows up in broker logs and group descriptions. */
  readonly clientId?: string;
  /**
   * librdkafka properties applied after ours (security settings, tuning). They win, so they can also break the
   * guarantees the runtime relies on; the modules document the properties they set and why.
   */
  readonly overrides?: RdKafkaProperties;
}

/** Properties shared by consumers and producers; module-specific ones are merged between these and the overrides. */
export function librdkafkaConfig(
  options: KafkaConnectionOptions,
  moduleProperties: RdKafkaProperties,
): RdKafkaProperties {
  return {
    'bootstrap.servers': options.bootstrapServers,
    ...(options.clientId ? { 'client.id': options.clientId } : {}),
    ...moduleProperties,
    ...options.overrides,
  };
}

/** A KafkaJS-compatible client for the admin API (which the KafkaJS layer covers completely). */
export function kafkaJsClient(options: KafkaConnectionOptions): KafkaJS.Kafka {
  return new KafkaJS.Kafka({
    ...options.overrides,
    kafkaJS: {
      brokers: options.bootstrapServers.split(','),
      ...(options.clientId ? { clientId: options.clientId } : {}),
      logLevel: KafkaJS.logLevel.ERROR,
    },
  });
}
