import type { Alert } from '../../../../schemas/monitoring/alert.js';
import { aggregateValue } from '../window-stats.js';
import { type AlertContext, nextAlertState } from './alert-state-machine.js';
import {
  pruneRuleWindow,
  type RuleSeriesWindow,
  statsOfWindow,
  type WindowGeometry,
  windowEndsWithData,
} from './rule-window.js';
import type { SeriesAlertState } from './series-alert-state.js';

export interface SeriesEvaluation {
  /** The window data to keep; null when nothing is left to evaluate (delete it). */
  readonly window: RuleSeriesWindow | null;
  /** The alert state to keep (null: delete). The same object as before when it did not change. */
  readonly state: SeriesAlertState | null;
  /** Published state changes, oldest first. */
  readonly alerts: readonly Alert[];
}

/**
 * Evaluates, oldest first, every window of one rule and series that closed since the last evaluation and holds
 * samples (windows starting before `since`, when the rule took effect, are partial and skipped), feeding each value
 * to the alert state machine. Windows without samples are not evaluated: silence is the no-data check's business.
 * `window` is updated in place.
 */
export function evaluateClosedWindows(
  window: RuleSeriesWindow,
  previous: SeriesAlertState | null,
  context: AlertContext,
  geometry: WindowGeometry,
  closedUntil: number,
  since: number | null,
): SeriesEvaluation {
  let state = previous;
  const alerts: Alert[] = [];
  if (closedUntil > window.evaluatedUntil) {
    const aggregation = context.rule.rule.aggregation;
    for (const end of windowEndsWithData(window, geometry, window.evaluatedUntil, closedUntil, since)) {
      const { stats, lastAt } = statsOfWindow(window, geometry, end);
      if (stats.count === 0) continue;
      const event = {
        type: 'evaluation',
        value: aggregateValue(aggregation, stats),
        at: end,
        dataAt: lastAt,
      } as const;
      const step = nextAlertState(state, event, context);
      state = step.state;
      if (step.alert !== null) alerts.push(step.alert);
    }
    window.evaluatedUntil = closedUntil;
    pruneRuleWindow(window, geometry);
  }
  return { window: window.buckets.length === 0 ? null : window, state, alerts };
}
