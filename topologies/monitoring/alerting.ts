// Alerting: metrics.valid + alert.rules -> alerts.triggered.
import { type Serde, Serdes, Stores, StreamsBuilder, type Topology } from '../../index.js';
import { AlertEvaluator } from './alerting/alert-evaluator.js';
import type { KnownRule } from './alerting/rule-book.js';
import { checkDuration, type MonitoringTopologyConfig, sampleTime, topicsOf } from './config.js';
import { ruleSeriesWindowSerde, seriesAlertStateSerde } from './lib/alerts/alert-store-serdes.js';
import type { InvalidRuleError } from './lib/rules/compiled-rule.js';

export interface AlertingConfig extends MonitoringTopologyConfig {
  /** How late a sample may arrive (stream time past its window's end) and still count (default 5 s). */
  readonly graceMs?: number;
  /** Silence after which a series has no data, for rules without their own `noDataTimeoutMs` (default 5 min). */
  readonly noDataTimeoutMs?: number;
  /** Stream time between checks for closed windows (default 1 s): bounds the evaluation delay. */
  readonly evaluationTickMs?: number;
  /** Stream or wall-clock time between reads of the rules table (default 10 s): how soon rule edits apply. */
  readonly ruleRefreshIntervalMs?: number;
  /** Stream or wall-clock time between no-data checks (default 30 s). */
  readonly noDataCheckIntervalMs?: number;
  /** Told about each rule in the table that cannot be evaluated (default: console.warn); such rules are ignored. */
  readonly onInvalidRule?: (error: InvalidRuleError) => void;
}

/** Names of the alerting topology's stores (changelogs: `<applicationId>-<name>-changelog`). */
export const ALERTING_STORES = {
  /** The global table of `alert.rules`. */
  rules: 'alerting-rules',
  windows: 'alerting-windows',
  states: 'alerting-states',
  rulesSeen: 'alerting-rules-seen',
  clock: 'alerting-clock',
} as const;

/**
 * Alerting. Rules are read from the compacted `alertRules` topic as a global table (every task sees every rule);
 * samples from `valid` (keyed by series, so each series is evaluated by one task) are matched to the rules of their
 * metric. Per rule and series the samples of open hopping windows and the alert state machine (INACTIVE -> PENDING ->
 * FIRING -> RESOLVED, Prometheus `for` semantics, NODATA) live in changelogged stores; only state changes are
 * published to `alerts`, keyed by a stable fingerprint. Rule additions, edits and deletions take effect at the next
 * rule refresh, without a restart; a rule deleted or edited away from a series resolves its active alerts.
 */
export function alertingTopology(config: AlertingConfig): Topology {
  const topics = topicsOf(config);
  const owner = 'alertingTopology';
  const graceMs = checkDuration(owner, 'graceMs', config.graceMs ?? 5_000);
  const noDataTimeoutMs = checkDuration(owner, 'noDataTimeoutMs', config.noDataTimeoutMs ?? 300_000, true);
  const evaluationTickMs = checkDuration(owner, 'evaluationTickMs', config.evaluationTickMs ?? 1_000, true);
  const ruleRefreshIntervalMs = checkDuration(
    owner,
    'ruleRefreshIntervalMs',
    config.ruleRefreshIntervalMs ?? 10_000,
    true,
  );
  const noDataCheckIntervalMs = checkDuration(
    owner,
    'noDataCheckIntervalMs',
    config.noDataCheckIntervalMs ?? 30_000,
    true,
  );
  const onInvalidRule = config.onInvalidRule ?? ((error: InvalidRuleError) => console.warn(error.message));

  const S = Serdes.string();
  const { metric, alertRule, alert } = config.serdes;
  const persistent = config.storeType !== 'in-memory';
  const supplier = (name: string) =>
    persistent ? Stores.persistentKeyValueStore(name) : Stores.inMemoryKeyValueStore(name);
  const builder = new StreamsBuilder();
  builder.globalTable(topics.alertRules, {
    key: S,
    value: alertRule,
    name: ALERTING_STORES.rules,
    storeType: persistent ? 'rocksdb' : 'in-memory',
  });
  const store = <V>(name: string, serde: Serde<V>) =>
    Stores.keyValueStoreBuilder(supplier(name), S, serde).withCachingEnabled();
  builder.addStateStore(store(ALERTING_STORES.windows, ruleSeriesWindowSerde));
  builder.addStateStore(store(ALERTING_STORES.states, seriesAlertStateSerde));
  builder.addStateStore(store(ALERTING_STORES.rulesSeen, Serdes.json<KnownRule>()));
  builder.addStateStore(Stores.keyValueStoreBuilder(supplier(ALERTING_STORES.clock), S, Serdes.long()));

  builder
    .stream(topics.valid, { key: S, value: metric, timestampExtractor: sampleTime, name: 'alerting-samples' })
    .process(
      () =>
        new AlertEvaluator({
          stores: ALERTING_STORES,
          defaults: { noDataTimeoutMs },
          graceMs,
          evaluationTickMs,
          ruleRefreshIntervalMs,
          noDataCheckIntervalMs,
          onInvalidRule,
        }),
      {
        name: 'alerting-evaluator',
        stores: [
          ALERTING_STORES.windows,
          ALERTING_STORES.states,
          ALERTING_STORES.rulesSeen,
          ALERTING_STORES.clock,
        ],
      },
    )
    .to(topics.alerts, { key: S, value: alert, name: 'alerting-alerts-sink' });
  return builder.build();
}
