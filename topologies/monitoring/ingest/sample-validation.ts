import type { Metric } from '../../../index.js';
import { type LabelPolicy, validateLabels } from '../lib/guard/label-validation.js';
import type { IngestProblem, ParseResult } from './prometheus-text.js';

/**
 * Turns parsed samples into Metric records: samples without a timestamp get `now`, and each sample is checked
 * against Prometheus' naming rules and the label policy, the same checks the cardinality guard makes, so that a
 * collector hears at once (400) what the guard would otherwise reject later.
 */
export function validateSamples(
  parsed: ParseResult,
  policy: LabelPolicy,
  now: number,
): { readonly metrics: Metric[]; readonly problems: IngestProblem[] } {
  const metrics: Metric[] = [];
  const problems: IngestProblem[] = [...parsed.problems];
  for (const sample of parsed.samples) {
    const metric: Metric = {
      name: sample.name,
      labels: sample.labels,
      value: sample.value,
      timestamp: sample.timestamp ?? now,
    };
    const labelProblems = validateLabels(metric, policy);
    if (labelProblems !== null) {
      problems.push({ at: sample.at, message: labelProblems.map((p) => p.message).join('; ') });
    } else if (metric.timestamp < 0) {
      problems.push({ at: sample.at, message: `negative timestamp ${metric.timestamp}` });
    } else {
      metrics.push(metric);
    }
  }
  return { metrics, problems };
}
