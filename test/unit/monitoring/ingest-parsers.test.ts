// The ingest's payload parsers: Prometheus text exposition format and the agents' JSON, each problem named with
// where it is.
import { describe, expect, it } from 'vitest';
import { parseJsonSamples } from '../../../topologies/monitoring/ingest/json-samples.js';
import { parsePrometheusText } from '../../../topologies/monitoring/ingest/prometheus-text.js';

describe('Prometheus text format', () => {
  it('reads samples with labels, escapes, timestamps, special values; skips comments and blank lines', () => {
    const text = [
      '# HELP http_requests_total The total number of HTTP requests.',
      '# TYPE http_requests_total counter',
      'http_requests_total{method="post",code="200"} 1027 1395066363000',
      'http_requests_total{method="post",code="400",}    3   1395066363000',
      '',
      'msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9',
      'metric_without_timestamp_and_labels 12.47',
      'something_weird{problem="division by zero"} +Inf -3982045',
      'rpc_duration_seconds{quantile="0.5"} NaN',
      'http_request_duration_seconds_bucket{le="+Inf"} 144320\r',
      '\tindented:metric { a = "1" , b="2" }\t-0.5',
      '# EOF',
    ].join('\n');
    const { samples, problems } = parsePrometheusText(text);
    expect(problems).toEqual([]);
    expect(samples).toEqual([
      {
        at: 'line 3',
        name: 'http_requests_total',
        labels: { method: 'post', code: '200' },
        value: 1027,
        timestamp: 1395066363000,
      },
      {
        at: 'line 4',
        name: 'http_requests_total',
        labels: { method: 'post', code: '400' },
        value: 3,
        timestamp: 1395066363000,
      },
      {
        at: 'line 6',
        name: 'msdos_file_access_time_seconds',
        labels: { path: 'C:\\DIR\\FILE.TXT', error: 'Cannot find file:\n"FILE.TXT"' },
        value: 1.458255915e9,
        timestamp: null,
      },
      {
        at: 'line 7',
        name: 'metric_without_timestamp_and_labels',
        labels: {},
        value: 12.47,
        timestamp: null,
      },
      {
        at: 'line 8',
        name: 'something_weird',
        labels: { problem: 'division by zero' },
        value: Number.POSITIVE_INFINITY,
        timestamp: -3982045,
      },
      {
        at: 'line 9',
        name: 'rpc_duration_seconds',
        labels: { quantile: '0.5' },
        value: Number.NaN,
        timestamp: null,
      },
      {
        at: 'line 10',
        name: 'http_request_duration_seconds_bucket',
        labels: { le: '+Inf' },
        value: 144320,
        timestamp: null,
      },
      { at: 'line 11', name: 'indented:metric', labels: { a: '1', b: '2' }, value: -0.5, timestamp: null },
    ]);
  });

  it.each([
    ['1cpu 5', 'column 1: expected a metric name, found "1cpu 5"'],
    ['cpu{1host="a"} 5', 'column 5: expected a label name or }, found "1host=\\"a\\"} 5"'],
    ['cpu{host="a",host="b"} 5', 'column 14: expected label "host" only once'],
    ['cpu{host=a} 5', 'column 10: expected \'"\', found "a} 5"'],
    ['cpu{host="a} 5', 'column 15: expected a closing " of the label value, found the end'],
    [
      'cpu{host="a\\tb"} 5',
      'column 12: expected an escape \\\\, \\" or \\n in the label value, found "\\\\tb\\"} 5"',
    ],
    ['cpu{host="a" zone="b"} 5', 'column 14: expected , or } after a label value, found "zone=\\"b\\"} 5"'],
    ['cpu', 'column 4: expected a space before the value, found the end'],
    ['cpu{host="a"}5', 'column 14: expected a space before the value, found "5"'],
    ['cpu 12,5', 'column 5: expected a number, NaN or +Inf/-Inf as the value, not "12,5"'],
    ['cpu 5 12:00', 'column 7: expected an integer timestamp in milliseconds, not "12:00"'],
    ['cpu 5 1000 extra', 'column 12: expected the end of the line, found "extra"'],
  ])('%s -> %s', (line, message) => {
    const { samples, problems } = parsePrometheusText(`ok 1\n${line}\n`);
    expect(samples.map((s) => s.name)).toEqual(['ok']);
    expect(problems).toEqual([{ at: 'line 2', message }]);
  });
});

describe('JSON samples', () => {
  it('reads an array, {"metrics": [...]} or one sample; "name" stands for "metric"; values may be NaN/Inf strings', () => {
    const sample = { metric: 'cpu_usage', labels: { host: 'a' }, value: 65.2, timestamp: 1_000 };
    expect(parseJsonSamples([sample]).samples).toEqual([
      { at: 'sample 0', name: 'cpu_usage', labels: { host: 'a' }, value: 65.2, timestamp: 1_000 },
    ]);
    expect(parseJsonSamples({ metrics: [sample, { name: 'up', value: '+Inf' }] }).samples).toEqual([
      { at: 'sample 0', name: 'cpu_usage', labels: { host: 'a' }, value: 65.2, timestamp: 1_000 },
      { at: 'sample 1', name: 'up', labels: {}, value: Number.POSITIVE_INFINITY, timestamp: null },
    ]);
    expect(parseJsonSamples({ metric: 'up', value: 'NaN' }).samples[0].value).toBeNaN();
  });

  it('names each invalid sample and field', () => {
    const { samples, problems } = parseJsonSamples([
      { metric: 'ok', value: 1 },
      { metric: 'cpu', value: '65%' },
      { metric: 'cpu', labels: { host: 7 }, value: 1 },
      { metric: 'cpu', value: 1, timestamp: '2026-11-28' },
      { metric: 'cpu', value: 1, host: 'a' },
      { value: 1 },
      { metric: 'a', name: 'b', value: 1 },
      'cpu 5',
    ]);
    expect(samples).toHaveLength(1);
    expect(problems).toEqual([
      { at: 'sample 1', message: '"value" must be a number (or "NaN", "+Inf", "-Inf"), got "65%"' },
      { at: 'sample 2', message: 'label "host" must be a string, got 7' },
      { at: 'sample 3', message: '"timestamp" must be an integer number of milliseconds, got "2026-11-28"' },
      { at: 'sample 4', message: 'unknown field(s) "host" (expected metric, labels, value, timestamp)' },
      { at: 'sample 5', message: '"metric" must be a string, got nothing' },
      { at: 'sample 6', message: 'give the metric name as "metric" or "name", not both' },
      { at: 'sample 7', message: 'expected an object, got "cpu 5"' },
    ]);
    expect(parseJsonSamples({ metrics: 'cpu' }).problems).toEqual([
      { at: 'body', message: 'expected an array of samples, {"metrics": [...]} or one sample object' },
    ]);
  });
});
