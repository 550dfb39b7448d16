import { type AvroSerdeOptions, avroSerde } from '../avro/avro-serde.js';
import type { RegistryClient } from '../avro/registry-client.js';
import type { Serde } from '../serde.js';
import { type Alert, alertSchema } from './alert.js';
import { type AlertRule, alertRuleSchema } from './alert-rule.js';
import { type Metric, metricSchema } from './metric.js';
import { type Notification, notificationSchema } from './notification.js';
import { type Rejection, rejectionSchema } from './rejection.js';
import { type Rollup, rollupSchema } from './rollup.js';

export interface MonitoringSerdes {
  readonly metric: Serde<Metric>;
  readonly rollup: Serde<Rollup>;
  readonly alertRule: Serde<AlertRule>;
  readonly alert: Serde<Alert>;
  readonly rejection: Serde<Rejection>;
  readonly notification: Serde<Notification>;
}

/** Avro serdes for the monitoring records, each paired with the TypeScript type its schema matches. */
export function monitoringSerdes(registry: RegistryClient, options?: AvroSerdeOptions): MonitoringSerdes {
  return {
    metric: avroSerde<Metric>(metricSchema, registry, options),
    rollup: avroSerde<Rollup>(rollupSchema, registry, options),
    alertRule: avroSerde<AlertRule>(alertRuleSchema, registry, options),
    alert: avroSerde<Alert>(alertSchema, registry, options),
    rejection: avroSerde<Rejection>(rejectionSchema, registry, options),
    notification: avroSerde<Notification>(notificationSchema, registry, options),
  };
}
