import { describe, expect, it } from 'vitest';
import {
  parseSeriesKey,
  type Series,
  seriesKey,
} from '../../../topologies/monitoring/lib/series/series-key.js';
import { seededRandom } from './random.js';

describe('seriesKey', () => {
  it('is the metric name plus labels sorted by name, in Prometheus notation', () => {
    expect(seriesKey('cpu_usage', { host: 'server-1' })).toBe('cpu_usage{host="server-1"}');
    expect(seriesKey('http_requests', { service: 'api', method: 'GET', code: '200' })).toBe(
      'http_requests{code="200",method="GET",service="api"}',
    );
    expect(seriesKey('up', {})).toBe('up');
  });

  it('does not depend on the order labels were written in', () => {
    expect(seriesKey('m', { b: '2', a: '1', c: '3' })).toBe(seriesKey('m', { c: '3', a: '1', b: '2' }));
  });

  it('escapes values so that no two series share a key', () => {
    // Without escaping, both would read m{a="1",b="2"}.
    const tricky = seriesKey('m', { a: '1",b="2' });
    const plain = seriesKey('m', { a: '1', b: '2' });
    expect(tricky).toBe('m{a="1\\",b=\\"2"}');
    expect(tricky).not.toBe(plain);
    expect(seriesKey('m', { a: 'back\\slash', n: 'new\nline' })).toBe('m{a="back\\\\slash",n="new\\nline"}');
  });

  it('quotes names that are not plain identifiers', () => {
    expect(seriesKey('http.requests', { 'service.name': 'api' })).toBe(
      '"http.requests"{"service.name"="api"}',
    );
  });

  it('parses back what it wrote', () => {
    const cases: Series[] = [
      { name: 'cpu_usage', labels: { host: 'server-1' } },
      { name: 'up', labels: {} },
      { name: 'm', labels: { a: '1",b="2', z: '', q: '{}=,\\"\n' } },
      { name: 'a:b:c', labels: { 'x.y': 'é ✓ 🚀' } },
      { name: '', labels: { '': '' } },
    ];
    for (const series of cases) {
      expect(parseSeriesKey(seriesKey(series.name, series.labels))).toEqual(series);
    }
  });

  it('is unambiguous: random series with hostile characters have equal keys exactly when they are equal', () => {
    const random = seededRandom(11);
    const alphabet = ['a', 'b', '"', '\\', '\n', ',', '=', '{', '}', ' ', 'n'];
    const text = () =>
      Array.from(
        { length: Math.floor(random() * 4) },
        () => alphabet[Math.floor(random() * alphabet.length)],
      ).join('');
    const keys = new Map<string, string>();
    for (let i = 0; i < 5000; i++) {
      const labels: Record<string, string> = {};
      for (let l = Math.floor(random() * 3); l > 0; l--) labels[text()] = text();
      const name = text();
      const key = seriesKey(name, labels);
      expect(parseSeriesKey(key)).toEqual({ name, labels });
      const canonical = JSON.stringify([
        name,
        Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
      ]);
      const seen = keys.get(key);
      if (seen !== undefined) expect(seen).toBe(canonical);
      keys.set(key, canonical);
    }
  });

  it('rejects malformed keys saying where', () => {
    expect(() => parseSeriesKey('cpu{host="a"')).toThrow('malformed series key at offset 12: expected "}"');
    expect(() => parseSeriesKey('cpu{host=a}')).toThrow('malformed series key at offset 9: expected """');
    expect(() => parseSeriesKey('cpu{a="1",a="2"}')).toThrow(/duplicate label "a"/);
    expect(() => parseSeriesKey('cpu{a="\\x"}')).toThrow(/unknown escape "\\x"/);
    expect(() => parseSeriesKey('cpu{}x')).toThrow(/trailing characters/);
  });
});
