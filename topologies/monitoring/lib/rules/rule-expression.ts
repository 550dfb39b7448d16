import {
  AGGREGATIONS,
  type Aggregation,
  type Comparison,
  type LabelMatcher,
  type MatchOp,
} from '../../../../schemas/monitoring/index.js';
import { parseDuration } from './durations.js';

/** What a rule expression says: `avg(cpu_usage{service="api-gateway"}[5m]) > 80 for 5m`. */
export interface RuleExpression {
  readonly metric: string;
  readonly matchers: readonly LabelMatcher[];
  readonly aggregation: Aggregation;
  /** From `[5m]`, when given. */
  readonly windowMs?: number;
  readonly comparison: Comparison;
  readonly threshold: number;
  /** From `for 5m`, when given. */
  readonly forMs?: number;
}

const COMPARISON_TOKENS: ReadonlyArray<readonly [string, Comparison]> = [
  ['>=', 'ge'],
  ['<=', 'le'],
  ['==', 'eq'],
  ['!=', 'ne'],
  ['>', 'gt'],
  ['<', 'lt'],
];
const MATCH_OP_TOKENS: ReadonlyArray<readonly [string, MatchOp]> = [
  ['=~', 'regex'],
  ['!~', 'not_regex'],
  ['!=', 'not_equal'],
  ['=', 'equal'],
];

/**
 * Parses the PromQL-like expression of an alert rule:
 *   aggregation '(' metric ('{' matchers '}')? ('[' duration ']')? ')' comparison number ('for' duration)?
 * where aggregation is avg|max|min|sum|count (or its `_over_time` form), matchers are `name op "value"` with
 * op = != =~ !~ and PromQL strings ("..." or '...' with escapes, `...` raw). Throws a RangeError saying where it fails.
 */
export function parseRuleExpression(text: string): RuleExpression {
  const p = new ExpressionReader(text);
  const aggregationName = p.word().replace(/_over_time$/, '');
  if (!(AGGREGATIONS as readonly string[]).includes(aggregationName)) {
    p.fail(
      `unknown aggregation ${JSON.stringify(aggregationName)} (expected ${AGGREGATIONS.join(', ')})`,
      true,
    );
  }
  p.expect('(');
  const metric = p.name('metric name');
  const matchers: LabelMatcher[] = [];
  if (p.accept('{')) {
    while (!p.accept('}')) {
      const name = p.name('label name');
      const op = p.oneOf(MATCH_OP_TOKENS, 'a matcher operator (=, !=, =~, !~)');
      matchers.push({ name, op, value: p.string() });
      if (!p.accept(',')) {
        p.expect('}');
        break;
      }
    }
  }
  const windowMs = p.accept('[') ? p.duration(']') : undefined;
  p.expect(')');
  const comparison = p.oneOf(COMPARISON_TOKENS, 'a comparison (>, >=, <, <=, ==, !=)');
  const threshold = p.number();
  let forMs: number | undefined;
  if (!p.atEnd()) {
    if (p.word() !== 'for') p.fail('expected "for" or the end', true);
    forMs = p.duration();
  }
  if (!p.atEnd()) p.fail('unexpected text');
  return {
    metric,
    matchers,
    aggregation: aggregationName as Aggregation,
    ...(windowMs === undefined ? {} : { windowMs }),
    comparison,
    threshold,
    ...(forMs === undefined ? {} : { forMs }),
  };
}

class ExpressionReader {
  private pos = 0;
  private lastStart = 0;

  constructor(private readonly text: string) {}

  atEnd(): boolean {
    this.skipSpace();
    return this.pos === this.text.length;
  }

  accept(token: string): boolean {
    this.skipSpace();
    if (!this.text.startsWith(token, this.pos)) return false;
    this.pos += token.length;
    return true;
  }

  expect(token: string): void {
    if (!this.accept(token)) this.fail(`expected "${token}"`);
  }

  oneOf<T>(tokens: ReadonlyArray<readonly [string, T]>, what: string): T {
    for (const [token, value] of tokens) if (this.accept(token)) return value;
    return this.fail(`expected ${what}`);
  }

  word(): string {
    return this.take(/[a-zA-Z_]\w*/y, 'a word');
  }

  name(what: string): string {
    return this.take(/[a-zA-Z_:][a-zA-Z0-9_:]*/y, `a ${what}`);
  }

  number(): number {
    const text = this.take(/[+-]?(?:Inf|NaN|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)/y, 'a number');
    return text.endsWith('Inf') ? (text.startsWith('-') ? -Infinity : Infinity) : Number(text);
  }

  duration(closing?: string): number {
    const text = this.take(/\d+(?:ms|s|m|h|d|w|y)(?:\d+(?:ms|s|m|h|d|w|y))*/y, 'a duration (e.g. 5m)');
    if (closing !== undefined) this.expect(closing);
    return parseDuration(text);
  }

  string(): string {
    this.skipSpace();
    this.lastStart = this.pos;
    const quote = this.text[this.pos];
    if (quote !== '"' && quote !== "'" && quote !== '`') this.fail('expected a quoted string');
    let value = '';
    for (let i = this.pos + 1; i < this.text.length; i++) {
      const c = this.text[i];
      if (c === quote) {
        this.pos = i + 1;
        return value;
      }
      if (c !== '\\' || quote === '`') {
        value += c;
        continue;
      }
      const escaped = this.text[++i];
      const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'" };
      if (escaped !== undefined && escaped in simple) value += simple[escaped];
      else {
        this.pos = i - 1;
        this.fail(`unknown escape "\\${escaped ?? ''}" in string`);
      }
    }
    return this.fail('unterminated string');
  }

  fail(problem: string, atLastToken = false): never {
    const at = atLastToken ? this.lastStart : this.pos;
    throw new RangeError(`rule expression: ${problem} at offset ${at} in ${JSON.stringify(this.text)}`);
  }

  private take(pattern: RegExp, what: string): string {
    this.skipSpace();
    this.lastStart = this.pos;
    pattern.lastIndex = this.pos;
    const match = pattern.exec(this.text);
    if (match === null) this.fail(`expected ${what}`);
    this.pos += match[0].length;
    return match[0];
  }

  private skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos])) this.pos++;
  }
}
