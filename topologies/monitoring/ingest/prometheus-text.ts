// Parser of the Prometheus text exposition format (0.0.4), the samples part:
//   metric_name [ "{" label_name "=" `"` label_value `"` { "," ... } [ "," ] "}" ] value [ timestamp ]
// Comments (# HELP, # TYPE, # EOF of OpenMetrics) and blank lines are skipped. Label values escape \\, \" and \n.

/** A sample as written, before validation; `timestamp` is null when the line has none. */
export interface ParsedSample {
  /** Where the sample is in the payload: `line 3`, `sample 2`. */
  readonly at: string;
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
  readonly timestamp: number | null;
}

/** Where in the payload something is wrong (`line 3`, `sample 2`) and what. */
export interface IngestProblem {
  readonly at: string;
  readonly message: string;
}

export interface ParseResult {
  readonly samples: ParsedSample[];
  readonly problems: IngestProblem[];
}

const FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INFINITY = /^([+-]?)inf(?:inity)?$/i;

/** Parses a Prometheus value: a float, NaN or [+-]Inf (as Go's ParseFloat, which Prometheus uses). */
export function parsePrometheusValue(text: string): number | null {
  if (FLOAT.test(text)) return Number(text);
  if (/^nan$/i.test(text)) return Number.NaN;
  const inf = INFINITY.exec(text);
  if (inf) return inf[1] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  return null;
}

/** Every sample line of `text`; each line that is not a valid sample becomes a problem naming the line. */
export function parsePrometheusText(text: string): ParseResult {
  const samples: ParsedSample[] = [];
  const problems: IngestProblem[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, '');
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    try {
      samples.push({ at: `line ${i + 1}`, ...new LineReader(line).sample() });
    } catch (error) {
      if (!(error instanceof LineError)) throw error;
      problems.push({ at: `line ${i + 1}`, message: error.message });
    }
  }
  return { samples, problems };
}

class LineError extends Error {}

/** Reads one sample line left to right; fails with what was expected and the column. */
class LineReader {
  private pos = 0;

  constructor(private readonly line: string) {}

  sample(): Omit<ParsedSample, 'at'> {
    this.blanks();
    const name = this.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/y, 'a metric name');
    let spaced = this.blanks();
    const labels: Record<string, string> = {};
    if (this.peek() === '{') {
      this.pos++;
      this.labels(labels);
      spaced = this.blanks();
    }
    if (!spaced) this.fail('a space before the value');
    const valueAt = this.pos;
    const valueText = this.match(/\S+/y, 'a value');
    const value = parsePrometheusValue(valueText);
    if (value === null) {
      this.pos = valueAt;
      this.fail(`a number, NaN or +Inf/-Inf as the value, not ${JSON.stringify(valueText)}`, true);
    }
    let timestamp: number | null = null;
    if (this.blanks() && this.pos < this.line.length) {
      const timestampAt = this.pos;
      const text = this.match(/\S+/y, 'a timestamp');
      if (!/^-?\d+$/.test(text)) {
        this.pos = timestampAt;
        this.fail(`an integer timestamp in milliseconds, not ${JSON.stringify(text)}`, true);
      }
      timestamp = Number(text);
      this.blanks();
    }
    if (this.pos < this.line.length) this.fail('the end of the line');
    return { name, labels, value: value as number, timestamp };
  }

  private labels(labels: Record<string, string>): void {
    for (;;) {
      this.blanks();
      if (this.peek() === '}') {
        this.pos++;
        return;
      }
      const at = this.pos;
      const name = this.match(/[a-zA-Z_][a-zA-Z0-9_]*/y, 'a label name or }');
      if (Object.hasOwn(labels, name)) {
        this.pos = at;
        this.fail(`label ${JSON.stringify(name)} only once`, true);
      }
      this.blanks();
      this.expect('=');
      this.blanks();
      labels[name] = this.quoted();
      this.blanks();
      if (this.peek() === ',') this.pos++;
      else if (this.peek() !== '}') this.fail(', or } after a label value');
    }
  }

  private quoted(): string {
    this.expect('"');
    let value = '';
    for (;;) {
      const c = this.line[this.pos++];
      if (c === undefined) {
        this.pos--;
        this.fail('a closing " of the label value');
      }
      if (c === '"') return value;
      if (c !== '\\') {
        value += c;
        continue;
      }
      const escaped = this.line[this.pos++];
      if (escaped === '\\' || escaped === '"') value += escaped;
      else if (escaped === 'n') value += '\n';
      else {
        this.pos -= 2;
        this.fail('an escape \\\\, \\" or \\n in the label value');
      }
    }
  }

  /** Skips spaces and tabs; true when there were some. */
  private blanks(): boolean {
    const start = this.pos;
    while (this.line[this.pos] === ' ' || this.line[this.pos] === '\t') this.pos++;
    return this.pos > start;
  }

  private peek(): string | undefined {
    return this.line[this.pos];
  }

  private expect(c: string): void {
    if (this.line[this.pos] !== c) this.fail(`'${c}'`);
    this.pos++;
  }

  private match(pattern: RegExp, what: string): string {
    pattern.lastIndex = this.pos;
    const m = pattern.exec(this.line);
    if (m === null) this.fail(what);
    this.pos += (m as RegExpExecArray)[0].length;
    return (m as RegExpExecArray)[0];
  }

  /** `expected` is what should have come; `exact` when the message already says what was found. */
  private fail(expected: string, exact = false): never {
    const found =
      this.pos < this.line.length ? JSON.stringify(this.line.slice(this.pos, this.pos + 12)) : 'the end';
    throw new LineError(`column ${this.pos + 1}: expected ${expected}${exact ? '' : `, found ${found}`}`);
  }
}
