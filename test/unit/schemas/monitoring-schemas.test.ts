import type { Type } from 'avsc';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { type AvroSchemaObject, avroSerde, avroType } from '../../../schemas/avro/index.js';
import {
  type Alert,
  type AlertRule,
  alertRuleSchema,
  alertSchema,
  type Metric,
  metricSchema,
  monitoringSerdes,
  type Rejection,
  type Rollup,
  rejectionSchema,
  rollupSchema,
} from '../../../schemas/monitoring/index.js';
import type { AvroValue } from './avro-value-type.js';
import { MockClient } from './confluent-registry.js';

const metric: Metric = {
  name: 'cpu_usage',
  labels: { host: 'server-1', service: 'api-gateway' },
  value: 65.2,
  timestamp: Date.UTC(2026, 10, 28, 12, 0, 0),
};
const rollup: Rollup = {
  name: 'cpu_usage',
  labels: { host: 'server-1' },
  windowStart: Date.UTC(2026, 10, 28, 12, 0, 0),
  windowEnd: Date.UTC(2026, 10, 28, 12, 1, 0),
  count: 60,
  sum: 4080.5,
  min: 65.2,
  max: 75.1,
  avg: 68.008,
  p50: 67.8,
  p95: 74.2,
  p99: 75,
  sketch: Buffer.from([1, 2, 3]),
};
const alertRule: AlertRule = {
  name: 'HighCPUUsage',
  metric: 'cpu_usage',
  matchers: [
    { name: 'service', op: 'equal', value: 'api-gateway' },
    { name: 'host', op: 'regex', value: 'web-.*' },
  ],
  aggregation: 'avg',
  windowMs: 300_000,
  evaluationIntervalMs: 60_000,
  comparison: 'gt',
  threshold: 80,
  forMs: 300_000,
  severity: 'warning',
  labels: { team: 'platform' },
  noData: 'alert',
  noDataTimeoutMs: 600_000,
};
const alert: Alert = {
  fingerprint: '3f9a0c1d2e4b5a69',
  rule: 'HighCPUUsage',
  metric: 'cpu_usage',
  state: 'FIRING',
  labels: { service: 'api-gateway' },
  ruleLabels: { team: 'platform' },
  value: 81.67,
  threshold: 80,
  comparison: 'gt',
  aggregation: 'avg',
  severity: 'warning',
  activeAt: Date.UTC(2026, 10, 28, 12, 0, 0),
  timestamp: Date.UTC(2026, 10, 28, 12, 5, 0),
  reason: null,
};
const rejection: Rejection = {
  reason: 'blacklisted_label',
  labels: ['user_id', 'request_id'],
  message: 'blacklisted labels: user_id, request_id',
  metric: { ...metric, labels: { service: 'api', user_id: 'user_12345', request_id: 'req_abc' } },
  raw: null,
  timestamp: metric.timestamp,
};

interface Case {
  readonly name: string;
  readonly schema: AvroSchemaObject & { readonly fields: readonly { name: string; default?: unknown }[] };
  readonly sample: object;
}
const cases: Case[] = [
  { name: 'Metric', schema: metricSchema, sample: metric },
  { name: 'Rollup', schema: rollupSchema, sample: rollup },
  { name: 'AlertRule', schema: alertRuleSchema, sample: alertRule },
  { name: 'Alert', schema: alertSchema, sample: alert },
  { name: 'Rejection', schema: rejectionSchema, sample: rejection },
];

function problems(type: Type, value: unknown): string[] {
  const found: string[] = [];
  type.isValid(value, { errorHook: (path) => found.push(path.join('.')) });
  return found;
}

describe('monitoring schemas and TypeScript types agree', () => {
  it('field by field, at compile time', () => {
    expectTypeOf<AvroValue<typeof metricSchema>>().toEqualTypeOf<Metric>();
    expectTypeOf<AvroValue<typeof rollupSchema>>().toEqualTypeOf<Rollup>();
    expectTypeOf<AvroValue<typeof alertRuleSchema>>().toEqualTypeOf<AlertRule>();
    expectTypeOf<AvroValue<typeof alertSchema>>().toEqualTypeOf<Alert>();
    expectTypeOf<AvroValue<typeof rejectionSchema>>().toEqualTypeOf<Rejection>();
  });

  describe.each(cases)('$name', ({ schema, sample }) => {
    const type = avroType(schema);

    it('has exactly the fields of the TypeScript type, in schema order', () => {
      // The samples are typed as the interfaces, so they hold every required key and no other.
      expect(Object.keys(sample)).toEqual(schema.fields.map((f) => f.name));
    });

    it('accepts a sample of the TypeScript type', () => {
      expect(problems(type, sample)).toEqual([]);
    });

    it('rejects a sample with any one field of the wrong type', () => {
      for (const field of schema.fields) {
        const broken = { ...sample, [field.name]: Symbol('wrong') };
        expect(problems(type, broken), field.name).toContain(field.name);
      }
    });

    it('round-trips a sample through the Avro serde unchanged', async () => {
      const serde = avroSerde<object>(schema, new MockClient());
      await serde.prepare?.({ topic: 't', isKey: false });
      expect(serde.deserialize('t', serde.serialize('t', sample))).toEqual(sample);
    });

    it('reads records that lack every defaulted field (the defaults are valid and filled in)', () => {
      const required = { ...schema, fields: schema.fields.filter((f) => !('default' in f)) };
      const minimal = Object.fromEntries(required.fields.map((f) => [f.name, (sample as never)[f.name]]));
      const written = avroType(required).toBuffer(minimal);
      const read = type.fromBuffer(written, type.createResolver(avroType(required)));
      for (const field of schema.fields.filter((f) => 'default' in f)) {
        expect(read[field.name], field.name).toEqual(field.default);
      }
    });
  });

  it('monitoringSerdes pairs each schema with its type', async () => {
    const serdes = monitoringSerdes(new MockClient());
    expectTypeOf(serdes.metric.deserialize).returns.toEqualTypeOf<Metric>();
    expectTypeOf(serdes.alert.serialize).parameter(1).toEqualTypeOf<Alert>();
    await serdes.rollup.prepare?.({ topic: 'metrics.rollup.1m', isKey: false });
    const bytes = serdes.rollup.serialize('metrics.rollup.1m', rollup);
    expect(serdes.rollup.deserialize('metrics.rollup.1m', bytes)).toEqual(rollup);
  });
});
