import type { LabelMatcher, MatchOp } from '../../../../schemas/monitoring/index.js';
import { isValidLabelName } from '../series/prometheus-names.js';
import { compilePrometheusRegex } from './prometheus-regex.js';

/** Prometheus' spelling of each operator. */
export const MATCH_OP_SYMBOLS: Readonly<Record<MatchOp, string>> = {
  equal: '=',
  not_equal: '!=',
  regex: '=~',
  not_regex: '!~',
};

/** A matcher ready to test label sets; built once per rule, used for every sample. */
export interface CompiledMatcher extends LabelMatcher {
  matches(labels: Readonly<Record<string, string>>): boolean;
}

/**
 * Compiles a matcher with Prometheus semantics: a missing label has the empty value (so `foo=""` matches series
 * without `foo`, and `foo!=""` requires it), and regexes are fully anchored. Throws a RangeError naming the problem.
 */
export function compileMatcher(matcher: LabelMatcher): CompiledMatcher {
  const { name, op, value } = matcher;
  if (!isValidLabelName(name)) {
    throw new RangeError(`invalid label name ${JSON.stringify(name)} in matcher ${formatMatcher(matcher)}`);
  }
  const labelValue = (labels: Readonly<Record<string, string>>) => labels[name] ?? '';
  switch (op) {
    case 'equal':
      return { name, op, value, matches: (labels) => labelValue(labels) === value };
    case 'not_equal':
      return { name, op, value, matches: (labels) => labelValue(labels) !== value };
    case 'regex': {
      const re = compilePrometheusRegex(value);
      return { name, op, value, matches: (labels) => re.test(labelValue(labels)) };
    }
    case 'not_regex': {
      const re = compilePrometheusRegex(value);
      return { name, op, value, matches: (labels) => !re.test(labelValue(labels)) };
    }
    default:
      throw new RangeError(`unknown matcher operator ${JSON.stringify(op)}`);
  }
}

export function matchesAll(
  matchers: readonly CompiledMatcher[],
  labels: Readonly<Record<string, string>>,
): boolean {
  for (const matcher of matchers) if (!matcher.matches(labels)) return false;
  return true;
}

/** `service="api-gateway"`, `host=~"web-.*"`. */
export function formatMatcher(matcher: LabelMatcher): string {
  return `${matcher.name}${MATCH_OP_SYMBOLS[matcher.op]}${JSON.stringify(matcher.value)}`;
}
