import type {
  KeyValueStore,
  MaybePromise,
  Processor,
  ProcessorContext,
  StreamRecord,
  TimestampedKeyValueStore,
} from '../../../index.js';
import { Serdes } from '../../../index.js';
import type { Alert } from '../../../schemas/monitoring/alert.js';
import type { AlertRule } from '../../../schemas/monitoring/alert-rule.js';
import type { Metric } from '../../../schemas/monitoring/metric.js';
import { nextAlertState } from '../lib/alerts/alert-state-machine.js';
import {
  addToRuleWindow,
  closedUntil,
  lastWindowEndOf,
  newRuleSeriesWindow,
  type RuleSeriesWindow,
} from '../lib/alerts/rule-window.js';
import type { SeriesAlertState } from '../lib/alerts/series-alert-state.js';
import { evaluateClosedWindows } from '../lib/alerts/series-evaluation.js';
import { InvalidRuleError, type RuleDefaults } from '../lib/rules/compiled-rule.js';
import { parseSeriesKey, seriesKey } from '../lib/series/series-key.js';
import {
  type ActiveRule,
  changesWindows,
  KEY_SEPARATOR,
  type KnownRule,
  RuleBook,
  ruleText,
} from './rule-book.js';

export interface AlertEvaluatorOptions {
  readonly stores: {
    /** Global table of `alert.rules`. */
    readonly rules: string;
    /** `<rule>\0<series>` -> RuleSeriesWindow. */
    readonly windows: string;
    /** `<rule>\0<series>` -> SeriesAlertState. */
    readonly states: string;
    /** rule key -> KnownRule: the rules this task evaluates, so edits made while it was down are noticed. */
    readonly rulesSeen: string;
    /** `streamTime` -> the task's stream time, so the no-data clock survives restarts. */
    readonly clock: string;
  };
  readonly defaults: RuleDefaults;
  /** How late (stream time past a window's end) a sample may arrive and still count. */
  readonly graceMs: number;
  readonly evaluationTickMs: number;
  readonly ruleRefreshIntervalMs: number;
  readonly noDataCheckIntervalMs: number;
  readonly onInvalidRule: (error: InvalidRuleError) => void;
}

const STREAM_TIME = 'streamTime';
const S = Serdes.string();

/**
 * Evaluates alert rules on samples keyed by series (one task per partition of `metrics.valid`), rules being read from
 * a global table so that every task sees all of them. Per rule and series it keeps the samples of windows not yet
 * evaluated and the alert state machine's state, both in changelogged stores, and publishes only state changes.
 *
 * Clocks: windows close on stream time (a stream-time punctuator every `evaluationTickMs`). Rule edits are picked up
 * every `ruleRefreshIntervalMs` of stream time or of wall-clock time. No data is checked every `noDataCheckIntervalMs`
 * on stream time and on wall-clock time: when input stops altogether, the task's time goes on from its last stream
 * time with the wall clock, so silent series resolve (or raise NODATA) even though no record arrives.
 */
export class AlertEvaluator implements Processor<string | null, Metric | null, string, Alert> {
  private ctx!: ProcessorContext<string, Alert>;
  private rules!: TimestampedKeyValueStore<string, AlertRule>;
  private windows!: KeyValueStore<string, RuleSeriesWindow>;
  private states!: KeyValueStore<string, SeriesAlertState>;
  private rulesSeen!: KeyValueStore<string, KnownRule>;
  private clock!: KeyValueStore<string, number>;
  private readonly book: RuleBook;
  /** Rule contents found invalid, reported once per content. */
  private readonly invalid = new Map<string, string>();
  private persistedStreamTime = -1;
  private wallClockAtLastRecord = 0;
  private lastRefreshAt = Number.NEGATIVE_INFINITY;
  private lastNoDataCheckAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: AlertEvaluatorOptions) {
    this.book = new RuleBook(options.defaults);
  }

  async init(context: ProcessorContext<string, Alert>): Promise<void> {
    const { stores } = this.options;
    this.ctx = context;
    this.rules = context.getStateStore(stores.rules);
    this.windows = context.getStateStore(stores.windows);
    this.states = context.getStateStore(stores.states);
    this.rulesSeen = context.getStateStore(stores.rulesSeen);
    this.clock = context.getStateStore(stores.clock);
    this.persistedStreamTime = (await this.clock.get(STREAM_TIME)) ?? -1;
    this.wallClockAtLastRecord = context.currentSystemTimeMs();
    // The rules as this task last saw them, then the table as it is now: edits made while down take effect here.
    for await (const { key, value } of this.rulesSeen.all()) {
      try {
        this.book.activate(key, value.rule, value.since);
      } catch (error) {
        // Valid when stored; only changed topology defaults could break it. The refresh below decides from the table.
        if (!(error instanceof InvalidRuleError)) throw error;
        this.options.onInvalidRule(error);
      }
    }
    await this.refreshRules(this.streamTime());

    const { evaluationTickMs, ruleRefreshIntervalMs, noDataCheckIntervalMs } = this.options;
    context.schedule(evaluationTickMs, 'stream-time', () => this.onStreamTime());
    context.schedule(ruleRefreshIntervalMs, 'wall-clock-time', () => this.refreshRules(this.effectiveTime()));
    context.schedule(noDataCheckIntervalMs, 'wall-clock-time', () => this.onWallClock());
  }

  process(record: StreamRecord<string | null, Metric | null>): MaybePromise<void> {
    this.wallClockAtLastRecord = this.ctx.currentSystemTimeMs();
    const metric = record.value;
    if (metric === null || !Number.isFinite(metric.value)) return;
    const rules = this.book.forMetric(metric);
    if (rules === undefined) return;
    return this.addSample(metric, record.timestamp, rules, 0, undefined, this.streamTime());
  }

  /**
   * Adds the sample to the windows of `rules[from...]` that apply to it. Synchronous while the store answers from
   * memory (nearly always): awaiting each read cost a microtask per rule and sample.
   */
  private addSample(
    metric: Metric,
    timestamp: number,
    rules: readonly ActiveRule[],
    from: number,
    seriesKeyOfMetric: string | undefined,
    streamTime: number,
  ): MaybePromise<void> {
    let key = seriesKeyOfMetric;
    for (let i = from; i < rules.length; i++) {
      const active = rules[i];
      if (!active.compiled.appliesTo(metric)) continue;
      key ??= seriesKey(metric.name, metric.labels);
      const storeKey = active.prefix + key;
      const stored = this.windows.get(storeKey);
      if (stored instanceof Promise) {
        const series = key;
        return stored.then((window) => {
          this.addToWindow(active, storeKey, window, timestamp, metric.value, streamTime);
          return this.addSample(metric, timestamp, rules, i + 1, series, streamTime);
        });
      }
      this.addToWindow(
        active,
        storeKey,
        stored as RuleSeriesWindow | undefined,
        timestamp,
        metric.value,
        streamTime,
      );
    }
  }

  private addToWindow(
    active: ActiveRule,
    storeKey: string,
    stored: RuleSeriesWindow | undefined,
    timestamp: number,
    value: number,
    streamTime: number,
  ): void {
    const { geometry } = active;
    const closed = closedUntil(geometry, streamTime, this.options.graceMs);
    const window = stored ?? newRuleSeriesWindow(closed);
    // Every window holding this sample has closed: it is late (as a windowed aggregation drops it).
    if (lastWindowEndOf(geometry, timestamp) <= Math.max(window.evaluatedUntil, closed)) return;
    addToRuleWindow(window, geometry, timestamp, value);
    this.windows.put(storeKey, window);
  }

  /** The task's stream time, including what it had reached before a restart. */
  private streamTime(): number {
    return Math.max(this.ctx.currentStreamTimeMs(), this.persistedStreamTime);
  }

  /** Stream time, moved on by the wall-clock time that passed since the last record (input stopped). */
  private effectiveTime(): number {
    return this.streamTime() + Math.max(0, this.ctx.currentSystemTimeMs() - this.wallClockAtLastRecord);
  }

  private async onStreamTime(): Promise<void> {
    const now = this.streamTime();
    if (now - this.lastRefreshAt >= this.options.ruleRefreshIntervalMs) await this.refreshRules(now);
    await this.evaluateClosedWindows(now);
    if (now - this.lastNoDataCheckAt >= this.options.noDataCheckIntervalMs) await this.checkNoData(now);
    if (now > this.persistedStreamTime) {
      this.persistedStreamTime = now;
      this.clock.put(STREAM_TIME, now);
    }
  }

  private async onWallClock(): Promise<void> {
    // Records flowing: the stream-time checks cover it. Silence: time goes on with the wall clock.
    if (this.ctx.currentSystemTimeMs() - this.wallClockAtLastRecord < this.options.noDataCheckIntervalMs)
      return;
    await this.checkNoData(this.effectiveTime());
  }

  // ---- rules ----

  /** Brings the rules in force in line with the table: activates new ones, applies edits, retires deleted ones. */
  private async refreshRules(now: number): Promise<void> {
    this.lastRefreshAt = now;
    const table = new Map<string, AlertRule>();
    for await (const { key, value } of this.rules.all()) if (value !== null) table.set(key, value.value);
    for (const active of [...this.book.rules()]) {
      if (!table.has(active.key)) await this.retireRule(active, 'rule deleted', now);
    }
    for (const [key, rule] of table) {
      const known = this.book.get(key);
      const text = ruleText(rule);
      if (known?.text === text || this.invalid.get(key) === text) continue;
      this.invalid.delete(key);
      const since =
        known !== undefined && !changesWindows(known.rule, rule) ? known.since : this.sinceNow(now);
      let active: ActiveRule;
      try {
        active = this.book.activate(key, rule, since);
      } catch (error) {
        if (!(error instanceof InvalidRuleError)) throw error;
        this.invalid.set(key, text);
        this.options.onInvalidRule(error);
        // An edit that breaks a rule must not leave its old version alerting.
        if (known !== undefined)
          await this.retireRule(known, `rule invalid: ${error.problems.join('; ')}`, now);
        continue;
      }
      this.rulesSeen.put(key, { rule, since });
      if (known !== undefined && changesWindows(known.rule, rule)) await this.reshapeRule(active, now);
    }
  }

  /** A new or reshaped rule evaluates windows from now on (before the first record ever: from the start). */
  private sinceNow(now: number): number | null {
    return this.streamTime() < 0 ? null : now;
  }

  /** Resolves the rule's active alerts and forgets everything about it. */
  private async retireRule(active: ActiveRule, reason: string, at: number): Promise<void> {
    for await (const { key, value } of this.states.prefixScan(active.prefix, S)) {
      await this.retire(active, key, value, reason, at);
    }
    for await (const { key } of this.windows.prefixScan(active.prefix, S)) this.windows.put(key, null);
    this.rulesSeen.put(active.key, null);
    this.book.remove(active.key);
  }

  /**
   * A rule whose metric, matchers or windows changed: collected windows no longer apply; series it no longer watches
   * are retired (their alerts resolve), the others keep their alert state.
   */
  private async reshapeRule(active: ActiveRule, at: number): Promise<void> {
    for await (const { key } of this.windows.prefixScan(active.prefix, S)) this.windows.put(key, null);
    for await (const { key, value } of this.states.prefixScan(active.prefix, S)) {
      const series = parseSeriesKey(key.slice(active.prefix.length));
      if (!active.compiled.appliesTo(series))
        await this.retire(active, key, value, 'rule no longer matches series', at);
    }
  }

  private async retire(
    active: ActiveRule,
    key: string,
    state: SeriesAlertState,
    reason: string,
    at: number,
  ): Promise<void> {
    const step = nextAlertState(
      state,
      { type: 'retire', at, reason },
      active.contextFor(seriesOf(key, active)),
    );
    this.states.put(key, null);
    if (step.alert !== null) await this.publish(step.alert);
  }

  // ---- evaluation ----

  private async evaluateClosedWindows(now: number): Promise<void> {
    for (const active of this.book.rules()) {
      const closed = closedUntil(active.geometry, now, this.options.graceMs);
      if (closed <= active.lastClosed) continue;
      active.lastClosed = closed;
      // Most series have no state (inactive): one scan of the rule's states instead of a read per series, which
      // would mostly look for absent keys (an asynchronous RocksDB round trip each).
      const states = new Map<string, SeriesAlertState>();
      for await (const { key, value } of this.states.prefixScan(active.prefix, S)) states.set(key, value);
      for await (const { key, value: window } of this.windows.prefixScan(active.prefix, S)) {
        const previous = states.get(key) ?? null;
        const context = active.contextFor(seriesOf(key, active));
        const result = evaluateClosedWindows(
          window,
          previous,
          context,
          active.geometry,
          closed,
          active.since,
        );
        this.windows.put(key, result.window);
        if (result.state !== previous) this.states.put(key, result.state);
        for (const alert of result.alerts) await this.publish(alert);
      }
    }
  }

  private async checkNoData(now: number): Promise<void> {
    this.lastNoDataCheckAt = now;
    for await (const { key, value: state } of this.states.all()) {
      const active = this.book.get(key.slice(0, key.indexOf(KEY_SEPARATOR)));
      if (active === undefined) continue;
      const step = nextAlertState(
        state,
        { type: 'noDataCheck', now },
        active.contextFor(seriesOf(key, active)),
      );
      if (step.state !== state) this.states.put(key, step.state);
      if (step.alert !== null) await this.publish(step.alert);
    }
  }

  private publish(alert: Alert) {
    return this.ctx.forward({
      key: alert.fingerprint,
      value: alert,
      timestamp: alert.timestamp,
      headers: {},
    });
  }
}

function seriesOf(storeKey: string, active: ActiveRule): string {
  return storeKey.slice(active.prefix.length);
}
