import { describe, expect, it } from 'vitest';
import type { AlertRule } from '../../../schemas/monitoring/index.js';
import { compileRule, InvalidRuleError } from '../../../topologies/monitoring/lib/rules/compiled-rule.js';
import { defineAlertRule, formatRule } from '../../../topologies/monitoring/lib/rules/define-rule.js';
import { formatDuration, parseDuration } from '../../../topologies/monitoring/lib/rules/durations.js';
import { parseRuleExpression } from '../../../topologies/monitoring/lib/rules/rule-expression.js';
import {
  addToWindowStats,
  aggregateValue,
  emptyWindowStats,
} from '../../../topologies/monitoring/lib/window-stats.js';

const highCpu = defineAlertRule({
  name: 'HighCPUUsage',
  expr: 'avg(cpu_usage{service="api-gateway"}[5m]) > 80 for 5m',
  severity: 'warning',
});

describe('parseRuleExpression', () => {
  it('parses the seed rule', () => {
    expect(parseRuleExpression('avg(cpu_usage{service="api-gateway"}[5m]) > 80 for 5m')).toEqual({
      metric: 'cpu_usage',
      matchers: [{ name: 'service', op: 'equal', value: 'api-gateway' }],
      aggregation: 'avg',
      windowMs: 300_000,
      comparison: 'gt',
      threshold: 80,
      forMs: 300_000,
    });
  });

  it('parses every operator, string form and the _over_time spelling', () => {
    const expr = parseRuleExpression(
      'max_over_time( http_latency_seconds { a = \'x\', b!="y", c=~`web-\\d+`, d!~"q\\"z" , } [1h30m] ) <= -1.5e2',
    );
    expect(expr).toEqual({
      metric: 'http_latency_seconds',
      matchers: [
        { name: 'a', op: 'equal', value: 'x' },
        { name: 'b', op: 'not_equal', value: 'y' },
        { name: 'c', op: 'regex', value: 'web-\\d+' },
        { name: 'd', op: 'not_regex', value: 'q"z' },
      ],
      aggregation: 'max',
      windowMs: 5_400_000,
      comparison: 'le',
      threshold: -150,
    });
    for (const [op, comparison] of [
      ['>', 'gt'],
      ['>=', 'ge'],
      ['<', 'lt'],
      ['<=', 'le'],
      ['==', 'eq'],
      ['!=', 'ne'],
    ]) {
      expect(parseRuleExpression(`count(up) ${op} 1`).comparison).toBe(comparison);
    }
  });

  it('says where an expression goes wrong', () => {
    expect(() => parseRuleExpression('median(cpu) > 1')).toThrow(
      'rule expression: unknown aggregation "median" (expected avg, max, min, sum, count) at offset 0',
    );
    expect(() => parseRuleExpression('avg(cpu{host="a"} > 1')).toThrow(
      'rule expression: expected ")" at offset 18',
    );
    expect(() => parseRuleExpression('avg(cpu{host~"a"}) > 1')).toThrow(/expected a matcher operator/);
    expect(() => parseRuleExpression('avg(cpu) > 1 for 5 minutes')).toThrow(/expected a duration/);
    expect(() => parseRuleExpression('avg(cpu) > high')).toThrow(/expected a number at offset 11/);
    expect(() => parseRuleExpression('avg(cpu{host="a}) > 1')).toThrow(/unterminated string/);
  });
});

describe('defineAlertRule', () => {
  it('builds the full AlertRule record with defaults', () => {
    expect(highCpu).toEqual({
      name: 'HighCPUUsage',
      metric: 'cpu_usage',
      matchers: [{ name: 'service', op: 'equal', value: 'api-gateway' }],
      aggregation: 'avg',
      windowMs: 300_000,
      evaluationIntervalMs: 60_000,
      comparison: 'gt',
      threshold: 80,
      forMs: 300_000,
      severity: 'warning',
      labels: {},
      noData: 'resolve',
      noDataTimeoutMs: null,
    });
  });

  it('takes the window and for duration from options when the expression has none, but not from both', () => {
    const rule = defineAlertRule({ name: 'r', expr: 'sum(errors) > 10', windowMs: 30_000, forMs: 60_000 });
    expect([rule.windowMs, rule.evaluationIntervalMs, rule.forMs]).toEqual([30_000, 30_000, 60_000]);
    expect(() => defineAlertRule({ name: 'r', expr: 'sum(errors) > 10' })).toThrow(/no window/);
    expect(() => defineAlertRule({ name: 'r', expr: 'sum(errors[1m]) > 10', windowMs: 1 })).toThrow(
      'alert rule "r": the window is given both in expr and as an option',
    );
  });

  it('formats back to an equivalent expression', () => {
    expect(formatRule(highCpu)).toBe('avg(cpu_usage{service="api-gateway"}[5m]) > 80 for 5m');
    const rule = defineAlertRule({ name: 'x', expr: 'min(m{a=~"b|c",d!=""}[90s]) <= 0.5' });
    expect(formatRule(rule)).toBe('min(m{a=~"b|c",d!=""}[1m30s]) <= 0.5');
    expect(defineAlertRule({ name: 'x', expr: formatRule(rule) })).toEqual(rule);
  });
});

describe('compileRule', () => {
  const compiled = compileRule(highCpu, { noDataTimeoutMs: 600_000 });

  it('applies to samples of its metric whose labels match', () => {
    expect(compiled.appliesTo({ name: 'cpu_usage', labels: { service: 'api-gateway', host: 'h1' } })).toBe(
      true,
    );
    expect(compiled.appliesTo({ name: 'cpu_usage', labels: { service: 'billing' } })).toBe(false);
    expect(compiled.appliesTo({ name: 'memory_usage', labels: { service: 'api-gateway' } })).toBe(false);
  });

  it('compares with the threshold; NaN (no data) never holds', () => {
    expect([compiled.holds(81.67), compiled.holds(80), compiled.holds(Number.NaN)]).toEqual([
      true,
      false,
      false,
    ]);
    const le = compileRule({ ...highCpu, comparison: 'le' }, { noDataTimeoutMs: 1 });
    expect([le.holds(80), le.holds(80.01)]).toEqual([true, false]);
  });

  it('uses the rule timeout for no data, else the default', () => {
    expect(compiled.noDataTimeoutMs).toBe(600_000);
    expect(
      compileRule({ ...highCpu, noDataTimeoutMs: 120_000 }, { noDataTimeoutMs: 1 }).noDataTimeoutMs,
    ).toBe(120_000);
  });

  it('reports every problem of an invalid rule', () => {
    const bad: AlertRule = {
      ...highCpu,
      metric: 'cpu-usage',
      matchers: [
        { name: 'host', op: 'regex', value: '(' },
        { name: '1x', op: 'equal', value: 'a' },
      ],
      windowMs: 0,
      evaluationIntervalMs: 1.5,
      threshold: Number.NaN,
      forMs: -1,
      labels: { 'team-name': 'x' },
      noDataTimeoutMs: 0,
    };
    let error: unknown;
    try {
      compileRule(bad, { noDataTimeoutMs: 1 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidRuleError);
    expect((error as InvalidRuleError).problems).toEqual([
      'invalid metric name "cpu-usage"',
      'invalid regex "(": /(/s: Unterminated group',
      'invalid label name "1x" in matcher 1x="a"',
      'windowMs must be a positive integer, got 0',
      'evaluationIntervalMs must be a positive integer, got 1.5',
      'threshold must be a finite number, got NaN',
      'forMs must be a non-negative integer, got -1',
      'invalid extra label names: "team-name"',
      'noDataTimeoutMs must be a positive integer or null, got 0',
    ]);
    expect((error as Error).message).toMatch(/^invalid alert rule "HighCPUUsage": invalid metric name/);
  });

  it('refuses an evaluation interval longer than the window', () => {
    expect(() => compileRule({ ...highCpu, evaluationIntervalMs: 600_000 }, { noDataTimeoutMs: 1 })).toThrow(
      'evaluationIntervalMs (600000) must not exceed windowMs (300000)',
    );
  });
});

describe('aggregateValue over a window', () => {
  it('computes each aggregation; an empty window has no value', () => {
    const stats = emptyWindowStats();
    for (const v of [3, 1, 4, 1, 5]) addToWindowStats(stats, v);
    expect(
      (['avg', 'sum', 'min', 'max', 'count'] as const).map((aggregation) =>
        aggregateValue(aggregation, stats),
      ),
    ).toEqual([2.8, 14, 1, 5, 5]);
    expect(aggregateValue('avg', emptyWindowStats())).toBeNaN();
  });
});

describe('durations', () => {
  it('parse and format Prometheus durations', () => {
    expect(['500ms', '30s', '5m', '1h30m', '2d', '1w'].map(parseDuration)).toEqual([
      500, 30_000, 300_000, 5_400_000, 172_800_000, 604_800_000,
    ]);
    expect([300_000, 5_400_000, 1500, 0].map(formatDuration)).toEqual(['5m', '1h30m', '1s500ms', '0s']);
    expect(() => parseDuration('5 min')).toThrow('invalid duration "5 min" (expected e.g. 30s, 5m, 1h30m)');
  });
});
