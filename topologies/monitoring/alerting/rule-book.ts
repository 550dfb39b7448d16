import type { AlertRule } from '../../../schemas/monitoring/alert-rule.js';
import type { Metric } from '../../../schemas/monitoring/metric.js';
import type { AlertContext } from '../lib/alerts/alert-state-machine.js';
import { alertFingerprint } from '../lib/alerts/fingerprint.js';
import { type WindowGeometry, windowGeometry } from '../lib/alerts/rule-window.js';
import { type CompiledRule, compileRule, type RuleDefaults } from '../lib/rules/compiled-rule.js';
import { parseSeriesKey } from '../lib/series/series-key.js';

/** Separates the rule from the series in store keys (`<rule>\0<series key>`): neither contains it. */
export const KEY_SEPARATOR = '\u0000';

/** What the alerting topology remembers of a rule it evaluates (store `alerting-rules-seen`). */
export interface KnownRule {
  readonly rule: AlertRule;
  /** Stream time when the rule (in its current shape) took effect: earlier windows are partial, never evaluated. */
  readonly since: number | null;
}

/** A rule being evaluated: compiled, with its window shape and store key prefix. */
export class ActiveRule {
  readonly geometry: WindowGeometry;
  /** `<rule>\0`: the keys of this rule's series in the window and state stores. */
  readonly prefix: string;
  /** Identity of the rule's content, to notice edits. */
  readonly text: string;
  /** End of the latest window this task evaluated (in memory: after a restart the first tick re-checks, harmlessly). */
  lastClosed = Number.NEGATIVE_INFINITY;

  constructor(
    readonly key: string,
    readonly compiled: CompiledRule,
    readonly since: number | null,
  ) {
    this.geometry = windowGeometry(compiled.rule);
    this.prefix = `${key}${KEY_SEPARATOR}`;
    this.text = ruleText(compiled.rule);
  }

  get rule(): AlertRule {
    return this.compiled.rule;
  }

  /** The state machine context for one series; labels and fingerprint are computed only if an alert is built. */
  contextFor(seriesKey: string): AlertContext {
    return new SeriesContext(this.compiled, seriesKey);
  }
}

/**
 * An AlertContext whose labels and fingerprint are worked out on first use (most evaluations publish nothing). A
 * class, not an object literal with getters: the literal's accessors were made anew for each of the tens of thousands
 * of series evaluated when a window closes, which showed in the profile.
 */
class SeriesContext implements AlertContext {
  private labelsOfSeries: Readonly<Record<string, string>> | undefined = undefined;
  private fingerprintOfSeries: string | undefined = undefined;

  constructor(
    readonly rule: CompiledRule,
    private readonly seriesKey: string,
  ) {}

  get labels(): Readonly<Record<string, string>> {
    this.labelsOfSeries ??= parseSeriesKey(this.seriesKey).labels;
    return this.labelsOfSeries;
  }

  get fingerprint(): string {
    this.fingerprintOfSeries ??= alertFingerprint(this.rule.rule.name, this.rule.rule.metric, this.labels);
    return this.fingerprintOfSeries;
  }
}

/** Rules in force in this task, by key and by metric name (a sample only meets the rules of its metric). */
export class RuleBook {
  private readonly byKey = new Map<string, ActiveRule>();
  private readonly byMetric = new Map<string, ActiveRule[]>();

  constructor(readonly defaults: RuleDefaults) {}

  get(key: string): ActiveRule | undefined {
    return this.byKey.get(key);
  }

  rules(): IterableIterator<ActiveRule> {
    return this.byKey.values();
  }

  forMetric(metric: Metric): readonly ActiveRule[] | undefined {
    return this.byMetric.get(metric.name);
  }

  /** Compiles and activates a rule (replacing one with the same key); throws InvalidRuleError. */
  activate(key: string, rule: AlertRule, since: number | null): ActiveRule {
    const active = new ActiveRule(key, compileRule(rule, this.defaults), since);
    this.remove(key);
    this.byKey.set(key, active);
    const list = this.byMetric.get(rule.metric) ?? [];
    list.push(active);
    this.byMetric.set(rule.metric, list);
    return active;
  }

  remove(key: string): void {
    const active = this.byKey.get(key);
    if (active === undefined) return;
    this.byKey.delete(key);
    const list = (this.byMetric.get(active.rule.metric) ?? []).filter((r) => r !== active);
    if (list.length === 0) this.byMetric.delete(active.rule.metric);
    else this.byMetric.set(active.rule.metric, list);
  }
}

export function ruleText(rule: AlertRule): string {
  return JSON.stringify(rule);
}

/**
 * True when an edit changes which samples a rule sees or how its windows are cut: its collected windows no longer
 * apply (threshold, `for`, severity, labels, aggregation and no-data edits keep them: buckets serve every aggregation).
 */
export function changesWindows(before: AlertRule, after: AlertRule): boolean {
  return (
    before.metric !== after.metric ||
    before.windowMs !== after.windowMs ||
    before.evaluationIntervalMs !== after.evaluationIntervalMs ||
    JSON.stringify(before.matchers) !== JSON.stringify(after.matchers)
  );
}
