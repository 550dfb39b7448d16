import { describe, expect, it } from 'vitest';
import type { Metric } from '../../../schemas/monitoring/index.js';
import {
  DEFAULT_LABEL_POLICY,
  type LabelPolicy,
  validateLabels,
} from '../../../topologies/monitoring/lib/guard/label-validation.js';
import {
  cardinalityRejection,
  labelRejection,
  undecodableRejection,
} from '../../../topologies/monitoring/lib/guard/rejections.js';

const at = Date.UTC(2026, 10, 28, 12, 0, 0);
const metric = (name: string, labels: Record<string, string>): Metric => ({
  name,
  labels,
  value: 1,
  timestamp: at,
});
const reasons = (m: Metric, policy: LabelPolicy = DEFAULT_LABEL_POLICY) =>
  validateLabels(m, policy)?.map((p) => [p.reason, p.labels]);

describe('validateLabels', () => {
  it('accepts a well-formed metric', () => {
    expect(
      validateLabels(metric('http_requests_total', { service: 'api', method: 'GET' }), DEFAULT_LABEL_POLICY),
    ).toBe(null);
    expect(
      validateLabels(metric('job:requests:rate5m', { _private: 'x', A9: 'y' }), DEFAULT_LABEL_POLICY),
    ).toBe(null);
  });

  it('rejects the blacklisted labels by default, naming them (the design document example)', () => {
    const bad = metric('http_requests', { service: 'api', user_id: 'user_12345', request_id: 'req_abc' });
    expect(reasons(bad)).toEqual([['blacklisted_label', ['user_id', 'request_id']]]);
    expect(reasons(metric('m', { session_id: 's', trace_id: 't' }))).toEqual([
      ['blacklisted_label', ['session_id', 'trace_id']],
    ]);
  });

  it('uses the configured blacklist', () => {
    const policy = { ...DEFAULT_LABEL_POLICY, blacklist: ['pod'] };
    expect(reasons(metric('m', { pod: 'p-1', user_id: 'u' }), policy)).toEqual([
      ['blacklisted_label', ['pod']],
    ]);
  });

  it('applies the Prometheus naming rules to metric and label names', () => {
    expect(reasons(metric('9lives', {}))).toEqual([['invalid_metric_name', []]]);
    expect(reasons(metric('http-requests', {}))).toEqual([['invalid_metric_name', []]]);
    expect(reasons(metric('m', { 'service.name': 'a', '1st': 'b', 'a:b': 'c', ok: 'd' }))).toEqual([
      ['invalid_label_name', ['service.name', '1st', 'a:b']],
    ]);
    expect(reasons(metric('m', { __name__: 'x', __meta: 'y' }))).toEqual([
      ['reserved_label_name', ['__name__', '__meta']],
    ]);
  });

  it('allows 20 labels and rejects 21', () => {
    const labels = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`l${i}`, 'v']));
    expect(validateLabels(metric('m', labels(20)), DEFAULT_LABEL_POLICY)).toBe(null);
    const problems = validateLabels(metric('m', labels(21)), DEFAULT_LABEL_POLICY);
    expect(problems?.map((p) => [p.reason, p.message])).toEqual([
      ['too_many_labels', '21 labels, more than the limit of 20'],
    ]);
  });

  it('rejects empty and oversized values (measured in UTF-8 bytes)', () => {
    expect(reasons(metric('m', { a: '', b: 'x' }))).toEqual([['empty_label_value', ['a']]]);
    const policy = { ...DEFAULT_LABEL_POLICY, maxLabelValueBytes: 8 };
    expect(reasons(metric('m', { ascii: '12345678', wide: 'ééééé', long: '123456789' }), policy)).toEqual([
      ['oversized_label_value', ['wide', 'long']],
    ]);
  });

  it('reports every problem, the most fundamental first', () => {
    const labels: Record<string, string> = { user_id: 'u', 'bad-name': 'x', empty: '' };
    for (let i = 0; i < 20; i++) labels[`l${i}`] = 'v';
    expect(reasons(metric('bad name', labels))).toEqual([
      ['invalid_metric_name', []],
      ['invalid_label_name', ['bad-name']],
      ['blacklisted_label', ['user_id']],
      ['too_many_labels', []],
      ['empty_label_value', ['empty']],
    ]);
  });
});

describe('rejections', () => {
  it('a label rejection carries the primary reason, every offending label and every problem', () => {
    const m = metric('http_requests', { service: 'api', user_id: 'u1', request_id: 'r1', empty: '' });
    const rejection = labelRejection(m, validateLabels(m, DEFAULT_LABEL_POLICY) ?? [], at);
    expect(rejection).toEqual({
      reason: 'blacklisted_label',
      labels: ['user_id', 'request_id', 'empty'],
      message:
        'metric "http_requests" rejected: blacklisted labels (high cardinality): "user_id", "request_id"; ' +
        'empty label values: "empty"',
      metric: m,
      raw: null,
      timestamp: at,
    });
  });

  it('a cardinality rejection says the limit', () => {
    const m = metric('http_requests', { path: '/x' });
    expect(cardinalityRejection(m, 10_000, 10_000, at)).toMatchObject({
      reason: 'cardinality_limit',
      message:
        'metric "http_requests" rejected: a new series would exceed the limit of 10000 series per metric (10000 known)',
    });
  });

  it('an undecodable record keeps its bytes', () => {
    const raw = Buffer.from([1, 2, 3]);
    expect(undecodableRejection(raw, new Error('bad magic byte'), at)).toEqual({
      reason: 'undecodable',
      labels: [],
      message: 'record is not a Metric: bad magic byte',
      metric: null,
      raw,
      timestamp: at,
    });
  });
});
