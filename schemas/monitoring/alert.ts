import {
  type Aggregation,
  type AlertState,
  aggregationSchema,
  alertStateSchema,
  type Comparison,
  comparisonSchema,
  type Severity,
  severitySchema,
} from './enums.js';
import { MONITORING_NAMESPACE } from './namespace.js';

/**
 * A change of an alert's state, published to `alerts.triggered`. Consumers keep the latest state per fingerprint:
 * FIRING and NODATA are active, RESOLVED ends the episode. Each is published once per episode.
 */
export interface Alert {
  /** Stable hash of rule name + series labels: the same alert across episodes, restarts and rule edits. */
  readonly fingerprint: string;
  readonly rule: string;
  readonly metric: string;
  readonly state: AlertState;
  /** Labels of the series the alert is about. */
  readonly labels: Readonly<Record<string, string>>;
  /** Extra labels from the rule. */
  readonly ruleLabels: Readonly<Record<string, string>>;
  /** The aggregated value that was compared; null when there was no data. */
  readonly value: number | null;
  readonly threshold: number;
  readonly comparison: Comparison;
  readonly aggregation: Aggregation;
  readonly severity: Severity;
  /** When the episode began: the condition first held (PENDING) or the series fell silent (NODATA). Epoch ms. */
  readonly activeAt: number;
  /** When this state was entered. Epoch ms. */
  readonly timestamp: number;
  /** Why the state changed when it is not the condition itself, e.g. no data or a deleted rule. */
  readonly reason: string | null;
}

export const alertSchema = {
  type: 'record',
  name: 'Alert',
  namespace: MONITORING_NAMESPACE,
  doc: 'A state change of one alert (rule x series); latest per fingerprint is current.',
  fields: [
    { name: 'fingerprint', type: 'string', doc: 'Hash of rule name and series labels.' },
    { name: 'rule', type: 'string', doc: 'Rule name.' },
    { name: 'metric', type: 'string' },
    { name: 'state', type: alertStateSchema },
    { name: 'labels', type: { type: 'map', values: 'string' }, doc: 'Series labels.' },
    {
      name: 'ruleLabels',
      type: { type: 'map', values: 'string' },
      default: {},
      doc: 'Extra labels of the rule.',
    },
    { name: 'value', type: ['null', 'double'], default: null, doc: 'Compared value; null without data.' },
    { name: 'threshold', type: 'double' },
    { name: 'comparison', type: comparisonSchema },
    { name: 'aggregation', type: aggregationSchema },
    { name: 'severity', type: severitySchema, default: 'warning' },
    {
      name: 'activeAt',
      type: { type: 'long', logicalType: 'timestamp-millis' },
      doc: 'Start of the episode.',
    },
    {
      name: 'timestamp',
      type: { type: 'long', logicalType: 'timestamp-millis' },
      doc: 'When this state began.',
    },
    { name: 'reason', type: ['null', 'string'], default: null, doc: 'Why, when not the condition itself.' },
  ],
} as const;
