import { describe, expect, it } from 'vitest';
import type { LabelMatcher } from '../../../schemas/monitoring/index.js';
import {
  compileMatcher,
  formatMatcher,
  matchesAll,
} from '../../../topologies/monitoring/lib/rules/label-matchers.js';
import { compilePrometheusRegex } from '../../../topologies/monitoring/lib/rules/prometheus-regex.js';

const m = (name: string, op: LabelMatcher['op'], value: string) => compileMatcher({ name, op, value });

describe('label matchers (Prometheus semantics)', () => {
  const series = { service: 'api-gateway', host: 'web-12', env: '' };

  it('= and != compare values; a missing label has the empty value', () => {
    expect(m('service', 'equal', 'api-gateway').matches(series)).toBe(true);
    expect(m('service', 'equal', 'api').matches(series)).toBe(false);
    expect(m('service', 'not_equal', 'api').matches(series)).toBe(true);
    expect(m('region', 'equal', '').matches(series)).toBe(true);
    expect(m('region', 'not_equal', '').matches(series)).toBe(false);
    expect(m('service', 'not_equal', '').matches(series)).toBe(true);
  });

  it('=~ and !~ are fully anchored', () => {
    expect(m('host', 'regex', 'web-.*').matches(series)).toBe(true);
    expect(m('host', 'regex', 'web').matches(series)).toBe(false);
    expect(m('host', 'regex', 'eb-1').matches(series)).toBe(false);
    expect(m('host', 'regex', 'db-.*|web-\\d+').matches(series)).toBe(true);
    expect(m('host', 'not_regex', 'web-.*').matches(series)).toBe(false);
    expect(m('host', 'not_regex', 'db-.*').matches(series)).toBe(true);
    expect(m('region', 'regex', '.*').matches(series)).toBe(true);
    expect(m('region', 'regex', '.+').matches(series)).toBe(false);
    expect(m('region', 'not_regex', '.+').matches(series)).toBe(true);
  });

  it('an alternation cannot escape the anchors', () => {
    expect(m('host', 'regex', 'x|web').matches(series)).toBe(false);
    expect(m('host', 'regex', 'x|web-12').matches(series)).toBe(true);
  });

  it('all matchers must hold', () => {
    const matchers = [m('service', 'equal', 'api-gateway'), m('host', 'regex', 'web-.*')];
    expect(matchesAll(matchers, series)).toBe(true);
    expect(matchesAll([...matchers, m('env', 'not_equal', '')], series)).toBe(false);
    expect(matchesAll([], series)).toBe(true);
  });

  it('formats matchers as Prometheus does', () => {
    expect(formatMatcher({ name: 'host', op: 'regex', value: 'web-"x"' })).toBe('host=~"web-\\"x\\""');
    expect(formatMatcher({ name: 'a', op: 'not_regex', value: 'b' })).toBe('a!~"b"');
  });

  it('refuses invalid label names and regexes, naming them', () => {
    expect(() => m('service.name', 'equal', 'x')).toThrow('invalid label name "service.name" in matcher');
    expect(() => m('host', 'regex', 'web-(')).toThrow(/invalid regex "web-\(": .*Unterminated group/);
  });
});

describe('compilePrometheusRegex (RE2 syntax, anchored, dot matches newline)', () => {
  const accepts = (pattern: string, value: string) => compilePrometheusRegex(pattern).test(value);

  it('anchors fully and lets . match newlines', () => {
    expect(accepts('a.c', 'a\nc')).toBe(true);
    expect(accepts('b', 'abc')).toBe(false);
  });

  it('translates the RE2 spellings JavaScript lacks', () => {
    expect(accepts('(?i)get|post', 'GET')).toBe(true);
    expect(accepts('(?P<code>[45])\\d\\d', '503')).toBe(true);
    expect(accepts('[[:digit:]]+', '2024')).toBe(true);
    expect(accepts('[[:alpha:][:digit:]_]+', 'a_1')).toBe(true);
    expect(accepts('[[:upper:]]', 'a')).toBe(false);
    expect(accepts('\\Q1.5+\\E', '1.5+')).toBe(true);
    expect(accepts('\\Q1.5+\\E', '105+')).toBe(false);
    expect(accepts('\\Aab\\z', 'ab')).toBe(true);
    expect(accepts('[]x]+', ']x]')).toBe(true);
  });

  it('refuses what RE2 refuses or what cannot be translated faithfully', () => {
    const refused: [string, string][] = [
      ['(a)\\1', 'backreferences are not supported (RE2)'],
      ['(?=a)a', 'lookahead and lookbehind are not supported (RE2)'],
      ['(?<=a)b', 'lookahead and lookbehind are not supported (RE2)'],
      ['a(?i)b', 'flag groups (?i) are only supported as a (?i) prefix'],
      ['(?m)^a', 'the (?m) flag is not supported'],
      ['\\p{Greek}', 'Unicode classes \\p are not supported'],
      ['[[:nope:]]', 'unknown POSIX class [:nope:]'],
      ['[a-', 'missing closing ]'],
      ['a)|(b', "Unmatched ')'"],
    ];
    for (const [pattern, problem] of refused) {
      expect(() => compilePrometheusRegex(pattern), pattern).toThrow(problem);
    }
  });
});
