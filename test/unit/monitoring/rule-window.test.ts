import { describe, expect, it } from 'vitest';
import {
  ruleSeriesWindowSerde,
  seriesAlertStateSerde,
} from '../../../topologies/monitoring/lib/alerts/alert-store-serdes.js';
import { alertFingerprint } from '../../../topologies/monitoring/lib/alerts/fingerprint.js';
import {
  addToRuleWindow,
  closedUntil,
  lastWindowEndOf,
  newRuleSeriesWindow,
  pruneRuleWindow,
  statsOfWindow,
  windowEndsWithData,
  windowGeometry,
} from '../../../topologies/monitoring/lib/alerts/rule-window.js';
import { evaluateClosedWindows } from '../../../topologies/monitoring/lib/alerts/series-evaluation.js';
import { compileRule } from '../../../topologies/monitoring/lib/rules/compiled-rule.js';
import { defineAlertRule } from '../../../topologies/monitoring/lib/rules/define-rule.js';
import { seededRandom } from './random.js';

const SECOND = 1000;
const MINUTE = 60_000;
const NOON = Date.UTC(2026, 10, 28, 12, 0, 0);
const fiveByOne = windowGeometry({ windowMs: 5 * MINUTE, evaluationIntervalMs: MINUTE });

describe('rule windows', () => {
  it('cut samples into buckets of gcd(window, hop)', () => {
    expect(fiveByOne).toEqual({ windowMs: 5 * MINUTE, hopMs: MINUTE, bucketMs: MINUTE });
    expect(windowGeometry({ windowMs: 90 * SECOND, evaluationIntervalMs: MINUTE }).bucketMs).toBe(
      30 * SECOND,
    );
  });

  it('a window [end - size, end) closes when stream time reaches its end plus grace', () => {
    expect(closedUntil(fiveByOne, NOON + MINUTE - 1, 0)).toBe(NOON);
    expect(closedUntil(fiveByOne, NOON + MINUTE, 0)).toBe(NOON + MINUTE);
    expect(closedUntil(fiveByOne, NOON + MINUTE + 9 * SECOND, 10 * SECOND)).toBe(NOON);
    expect(closedUntil(fiveByOne, NOON + MINUTE + 10 * SECOND, 10 * SECOND)).toBe(NOON + MINUTE);
    // A sample at a window's end belongs to the next windows only.
    expect(lastWindowEndOf(fiveByOne, NOON)).toBe(NOON + 5 * MINUTE);
    expect(lastWindowEndOf(fiveByOne, NOON - 1)).toBe(NOON + 4 * MINUTE);
  });

  it('finds the windows holding samples, within bounds, and their stats', () => {
    const window = newRuleSeriesWindow(NOON);
    addToRuleWindow(window, fiveByOne, NOON + 30 * SECOND, 4);
    addToRuleWindow(window, fiveByOne, NOON + 2 * MINUTE, 10);
    addToRuleWindow(window, fiveByOne, NOON + 10 * SECOND, 2); // out of order, same bucket
    expect(window.buckets.map((b) => [b.start - NOON, b.count, b.sum, b.lastAt - NOON])).toEqual([
      [0, 2, 6, 30 * SECOND],
      [2 * MINUTE, 1, 10, 2 * MINUTE],
    ]);
    const ends = (after: number, upTo: number, since: number | null = null) =>
      windowEndsWithData(window, fiveByOne, NOON + after, NOON + upTo, since).map((e) => (e - NOON) / MINUTE);
    expect(ends(0, 60 * MINUTE)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(ends(2 * MINUTE, 4 * MINUTE)).toEqual([3, 4]);
    expect(ends(0, 60 * MINUTE, NOON)).toEqual([5, 6, 7]);
    const at = (end: number) => statsOfWindow(window, fiveByOne, NOON + end * MINUTE);
    expect([at(1).stats.count, at(1).stats.sum]).toEqual([2, 6]);
    expect([at(5).stats.count, at(5).stats.sum, at(5).stats.max, at(5).lastAt]).toEqual([
      3,
      16,
      10,
      NOON + 2 * MINUTE,
    ]);
    expect([at(6).stats.count, at(6).stats.sum]).toEqual([1, 10]);
    expect(at(8).stats.count).toBe(0);
  });

  it('keeps only the buckets windows after the evaluated ones still need', () => {
    const window = newRuleSeriesWindow(NOON);
    for (let m = 0; m < 10; m++) addToRuleWindow(window, fiveByOne, NOON + m * MINUTE, m);
    window.evaluatedUntil = NOON + 7 * MINUTE; // the next window is [12:03, 12:08)
    pruneRuleWindow(window, fiveByOne);
    expect(window.buckets.map((b) => (b.start - NOON) / MINUTE)).toEqual([3, 4, 5, 6, 7, 8, 9]);
  });

  it('window stats equal a direct computation over the raw samples (random hopping windows)', () => {
    const random = seededRandom(17);
    for (const [size, hop] of [
      [5 * MINUTE, MINUTE],
      [90 * SECOND, MINUTE],
      [MINUTE, MINUTE],
      [10 * MINUTE, 150 * SECOND],
    ]) {
      const geometry = windowGeometry({ windowMs: size, evaluationIntervalMs: hop });
      const window = newRuleSeriesWindow(NOON - hop);
      const samples = Array.from({ length: 400 }, () => ({
        at: NOON + Math.floor(random() * 30 * MINUTE),
        value: Math.round(random() * 1000) / 10,
      }));
      for (const s of samples) addToRuleWindow(window, geometry, s.at, s.value);
      const expectedEnds = new Set<number>();
      for (const s of samples)
        for (let e = Math.floor(s.at / hop) * hop + hop; e <= s.at + size; e += hop) expectedEnds.add(e);
      const ends = windowEndsWithData(window, geometry, NOON - hop, NOON + 60 * MINUTE, null);
      expect(ends).toEqual([...expectedEnds].sort((a, b) => a - b));
      for (const end of ends) {
        const inside = samples.filter((s) => s.at >= end - size && s.at < end);
        const { stats, lastAt } = statsOfWindow(window, geometry, end);
        expect(stats.count).toBe(inside.length);
        expect(stats.sum).toBeCloseTo(
          inside.reduce((sum, s) => sum + s.value, 0),
          6,
        );
        expect(stats.max).toBe(Math.max(...inside.map((s) => s.value)));
        expect(stats.min).toBe(Math.min(...inside.map((s) => s.value)));
        expect(lastAt).toBe(Math.max(...inside.map((s) => s.at)));
      }
    }
  });
});

describe('evaluating closed windows', () => {
  const rule = defineAlertRule({ name: 'HighCPUUsage', expr: 'avg(cpu_usage[5m]) > 80 for 2m' });
  const compiled = compileRule(rule, { noDataTimeoutMs: 10 * MINUTE });
  const labels = { host: 'a' };
  const context = { rule: compiled, labels, fingerprint: alertFingerprint(rule.name, rule.metric, labels) };

  it('feeds each closed window with samples to the state machine, oldest first, once', () => {
    const window = newRuleSeriesWindow(NOON);
    // 90 for six minutes: windows ending 12:01..12:06 hold; 12:03 is two minutes after 12:01 -> FIRING at 12:03.
    for (let s = 0; s < 6 * 60; s += 10) addToRuleWindow(window, fiveByOne, NOON + s * SECOND, 90);
    const first = evaluateClosedWindows(window, null, context, fiveByOne, NOON + 4 * MINUTE, null);
    expect(
      first.alerts.map((a) => [a.state, (a.timestamp - NOON) / MINUTE, (a.activeAt - NOON) / MINUTE]),
    ).toEqual([['FIRING', 3, 1]]);
    expect(first.state).toMatchObject({ phase: 'FIRING', lastEvaluatedAt: NOON + 4 * MINUTE });
    expect(window.evaluatedUntil).toBe(NOON + 4 * MINUTE);
    // The same closed time again evaluates nothing; later windows keep firing silently until their data is gone.
    expect(
      evaluateClosedWindows(window, first.state, context, fiveByOne, NOON + 4 * MINUTE, null).alerts,
    ).toEqual([]);
    const later = evaluateClosedWindows(window, first.state, context, fiveByOne, NOON + 20 * MINUTE, null);
    expect(later.alerts).toEqual([]);
    expect(later.state).toMatchObject({ phase: 'FIRING', lastEvaluatedAt: NOON + 10 * MINUTE });
    expect(later.window).toBe(null);
  });

  it('skips windows that start before the rule took effect', () => {
    const window = newRuleSeriesWindow(NOON);
    for (let s = 0; s < 10 * 60; s += 10) addToRuleWindow(window, fiveByOne, NOON + s * SECOND, 90);
    const result = evaluateClosedWindows(
      window,
      null,
      context,
      fiveByOne,
      NOON + 10 * MINUTE,
      NOON + 2 * MINUTE,
    );
    // First full window: [12:02, 12:07) -> PENDING at 12:07, FIRING at 12:09.
    expect(
      result.alerts.map((a) => [a.state, (a.timestamp - NOON) / MINUTE, (a.activeAt - NOON) / MINUTE]),
    ).toEqual([['FIRING', 9, 7]]);
  });
});

describe('alert store serdes', () => {
  it('round-trip rule windows and alert states, and refuse bytes of another format', () => {
    const window = newRuleSeriesWindow(NOON);
    addToRuleWindow(window, fiveByOne, NOON + 1, -2.5);
    addToRuleWindow(window, fiveByOne, NOON + 3 * MINUTE, 1e300);
    const bytes = ruleSeriesWindowSerde.serialize('t', window);
    expect(bytes).toHaveLength(24 + 2 * 48);
    expect(ruleSeriesWindowSerde.deserialize('t', bytes)).toEqual(window);
    expect(
      ruleSeriesWindowSerde.deserialize('t', ruleSeriesWindowSerde.serialize('t', newRuleSeriesWindow(-1))),
    ).toEqual(newRuleSeriesWindow(-1));
    for (const state of [
      { phase: 'FIRING', activeAt: NOON, lastEvaluatedAt: NOON + MINUTE, lastDataAt: NOON + 59 * SECOND },
      { phase: 'INACTIVE', activeAt: null, lastEvaluatedAt: NOON, lastDataAt: NOON - 1 },
    ] as const) {
      expect(seriesAlertStateSerde.deserialize('t', seriesAlertStateSerde.serialize('t', state))).toEqual(
        state,
      );
    }
    expect(() => ruleSeriesWindowSerde.deserialize('t', Buffer.from('{"evaluatedUntil":1}'))).toThrow(
      "rule-series-window serde (topic 't'): expected a multiple of 8 bytes, at least 24, got 20",
    );
    expect(() => ruleSeriesWindowSerde.deserialize('t', bytes.subarray(0, 32))).toThrow(
      /expected 120 bytes for 2 buckets/,
    );
    const other = Buffer.from(bytes);
    other.writeDoubleLE(2, 0);
    expect(() => ruleSeriesWindowSerde.deserialize('t', other)).toThrow(
      /unknown format version 2 \(expected 1\)/,
    );
    expect(() => seriesAlertStateSerde.deserialize('t', Buffer.alloc(3, 1))).toThrow(
      /expected at least 26 bytes/,
    );
  });
});
