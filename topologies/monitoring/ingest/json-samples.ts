// Parser of the JSON payload agents push: `[{ "metric": "cpu_usage", "labels": {...}, "value": 65.2, "timestamp": ms }]`
// (also `{ "metrics": [...] }` or one sample; `name` is accepted for `metric`).
import {
  type IngestProblem,
  type ParsedSample,
  type ParseResult,
  parsePrometheusValue,
} from './prometheus-text.js';

const FIELDS = new Set(['metric', 'name', 'labels', 'value', 'timestamp']);

/** Every sample of the decoded JSON body; each invalid sample becomes a problem naming its index and field. */
export function parseJsonSamples(body: unknown): ParseResult {
  const list = samplesOf(body);
  if (list === null) {
    return {
      samples: [],
      problems: [
        { at: 'body', message: 'expected an array of samples, {"metrics": [...]} or one sample object' },
      ],
    };
  }
  const samples: ParsedSample[] = [];
  const problems: IngestProblem[] = [];
  list.forEach((item, i) => {
    const at = `sample ${i}`;
    const found = sampleOf(item);
    if (typeof found === 'string') problems.push({ at, message: found });
    else samples.push({ at, ...found });
  });
  return { samples, problems };
}

function samplesOf(body: unknown): unknown[] | null {
  if (Array.isArray(body)) return body;
  if (!isObject(body)) return null;
  if ('metrics' in body) return Array.isArray(body.metrics) ? body.metrics : null;
  return [body];
}

/** The sample, or what is wrong with it. */
function sampleOf(item: unknown): Omit<ParsedSample, 'at'> | string {
  if (!isObject(item)) return `expected an object, got ${describe(item)}`;
  const unknown = Object.keys(item).filter((k) => !FIELDS.has(k));
  if (unknown.length > 0) {
    return `unknown field(s) ${unknown.map((k) => JSON.stringify(k)).join(', ')} (expected metric, labels, value, timestamp)`;
  }
  if ('metric' in item && 'name' in item) return 'give the metric name as "metric" or "name", not both';
  const name = item.metric ?? item.name;
  if (typeof name !== 'string') return `"metric" must be a string, got ${describe(name)}`;
  const labels = item.labels ?? {};
  if (!isObject(labels)) return `"labels" must be an object of strings, got ${describe(labels)}`;
  for (const [label, value] of Object.entries(labels)) {
    if (typeof value !== 'string')
      return `label ${JSON.stringify(label)} must be a string, got ${describe(value)}`;
  }
  const value = sampleValue(item.value);
  if (value === null) {
    return `"value" must be a number (or "NaN", "+Inf", "-Inf"), got ${describe(item.value)}`;
  }
  const timestamp = item.timestamp ?? null;
  if (timestamp !== null && !Number.isSafeInteger(timestamp)) {
    return `"timestamp" must be an integer number of milliseconds, got ${describe(timestamp)}`;
  }
  return { name, labels: labels as Record<string, string>, value, timestamp: timestamp as number | null };
}

function sampleValue(value: unknown): number | null {
  if (typeof value === 'number') return value;
  return typeof value === 'string' ? parsePrometheusValue(value) : null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}
