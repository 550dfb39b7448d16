import { isValidLabelName, isValidMetricName } from './prometheus-names.js';

/** A series: metric name plus labels. */
export interface Series {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

const NEEDS_ESCAPE = /[\\"\n]/;

/**
 * The identity of a series as one string, in Prometheus notation with labels sorted by name:
 * `cpu_usage{host="server-1",service="api"}` (`cpu_usage` when there are no labels). Values are escaped as in the
 * Prometheus text format (`\\`, `\"`, `\n`), and a name that is not a plain identifier is quoted the same way (as
 * Prometheus 3 does for UTF-8 names), so the key is unambiguous for any input and `parseSeriesKey` inverts it.
 */
export function seriesKey(name: string, labels: Readonly<Record<string, string>>): string {
  const names = Object.keys(labels);
  let key = isValidMetricName(name) ? name : quote(name);
  if (names.length === 0) return key;
  if (names.length > 1) names.sort(byCodeUnits);
  key += '{';
  for (let i = 0; i < names.length; i++) {
    const label = names[i];
    if (i > 0) key += ',';
    key += isValidLabelName(label) ? label : quote(label);
    key += '=';
    key += quote(labels[label]);
  }
  return `${key}}`;
}

/** Inverse of `seriesKey`; throws a RangeError saying where a malformed key goes wrong. */
export function parseSeriesKey(key: string): Series {
  const reader = new KeyReader(key);
  const name = reader.peek() === '"' ? reader.quoted() : reader.identifier();
  const labels: Record<string, string> = {};
  if (reader.atEnd()) return { name, labels };
  reader.expect('{');
  while (reader.peek() !== '}') {
    if (reader.atEnd()) reader.fail('expected "}"');
    if (Object.keys(labels).length > 0) reader.expect(',');
    const label = reader.peek() === '"' ? reader.quoted() : reader.identifier();
    reader.expect('=');
    if (label in labels) reader.fail(`duplicate label "${label}"`);
    labels[label] = reader.quoted();
  }
  reader.expect('}');
  if (!reader.atEnd()) reader.fail('trailing characters');
  return { name, labels };
}

/** [a-zA-Z0-9_:], the characters of an unquoted name in a key. */
function isNameChar(code: number): boolean {
  return (
    (code >= 97 && code <= 122) || // a-z
    (code >= 65 && code <= 90) || // A-Z
    (code >= 48 && code <= 58) || // 0-9 and ':'
    code === 95 // _
  );
}

function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function quote(value: string): string {
  if (!NEEDS_ESCAPE.test(value)) return `"${value}"`;
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

class KeyReader {
  private pos = 0;

  constructor(private readonly key: string) {}

  atEnd(): boolean {
    return this.pos === this.key.length;
  }

  peek(): string | undefined {
    return this.key[this.pos];
  }

  expect(char: string): void {
    if (this.key[this.pos] !== char) this.fail(`expected "${char}"`);
    this.pos++;
  }

  identifier(): string {
    const start = this.pos;
    while (this.pos < this.key.length && isNameChar(this.key.charCodeAt(this.pos))) this.pos++;
    if (this.pos === start) this.fail('expected a name');
    return this.key.slice(start, this.pos);
  }

  quoted(): string {
    this.expect('"');
    // Plain values (no escapes) are one slice instead of a string built a character at a time.
    const key = this.key;
    const close = key.indexOf('"', this.pos);
    if (close >= 0) {
      const backslash = key.indexOf('\\', this.pos);
      if (backslash < 0 || backslash > close) {
        const value = key.slice(this.pos, close);
        this.pos = close + 1;
        return value;
      }
    }
    let value = '';
    for (;;) {
      const char = this.key[this.pos++];
      if (char === undefined) this.fail('unterminated string');
      if (char === '"') return value;
      if (char !== '\\') {
        value += char;
        continue;
      }
      const escaped = this.key[this.pos++];
      if (escaped === '\\' || escaped === '"') value += escaped;
      else if (escaped === 'n') value += '\n';
      else this.fail(`unknown escape "\\${escaped ?? ''}"`);
    }
  }

  fail(problem: string): never {
    throw new RangeError(
      `malformed series key at offset ${this.pos}: ${problem} in ${JSON.stringify(this.key)}`,
    );
  }
}
