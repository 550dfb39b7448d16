import { MONITORING_NAMESPACE } from './namespace.js';

/** One sample of one series: `cpu_usage{host="server-1"} 65.2 @ 12:00:00`. */
export interface Metric {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  /** Epoch milliseconds. */
  readonly timestamp: number;
}

export const metricSchema = {
  type: 'record',
  name: 'Metric',
  namespace: MONITORING_NAMESPACE,
  doc: 'One sample of one series (Prometheus data model).',
  fields: [
    { name: 'name', type: 'string', doc: 'Metric name, [a-zA-Z_:][a-zA-Z0-9_:]*.' },
    {
      name: 'labels',
      type: { type: 'map', values: 'string' },
      doc: 'Label name -> value; identifies the series.',
    },
    { name: 'value', type: 'double' },
    {
      name: 'timestamp',
      type: { type: 'long', logicalType: 'timestamp-millis' },
      doc: 'Sample time, epoch ms.',
    },
  ],
} as const;
