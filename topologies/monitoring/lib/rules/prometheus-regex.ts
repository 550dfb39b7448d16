/**
 * Compiles a label-matcher regex with Prometheus' semantics on JavaScript's engine: fully anchored
 * (`^(?s:re)$`, so `.` also matches newlines) and RE2 syntax. RE2 spellings JavaScript lacks are translated
 * (`(?i)` prefix, `(?P<name>`, `\A`, `\z`, `\Q...\E`, POSIX classes like `[[:alpha:]]`); JavaScript features RE2
 * refuses (backreferences, lookaround) are refused, so a rule that loads here would also load in Prometheus.
 * Known differences that remain: `\s` also matches Unicode spaces, and `.` matches one UTF-16 unit rather than one
 * code point (only astral characters such as emoji are affected).
 */
export function compilePrometheusRegex(pattern: string): RegExp {
  let source = pattern;
  let flags = 's';
  const leadingFlags = /^\(\?([imsU]+)\)/.exec(source);
  if (leadingFlags) {
    for (const flag of leadingFlags[1]) {
      if (flag === 'i') flags += 'i';
      else if (flag !== 's') fail(pattern, `the (?${flag}) flag is not supported`);
    }
    source = source.slice(leadingFlags[0].length);
  }
  const translated = translate(source, pattern);
  try {
    // On its own first, so that "a)|(b" cannot escape the anchoring group.
    new RegExp(translated, flags);
  } catch (e) {
    fail(pattern, (e as Error).message.replace(/^Invalid regular expression: /, ''));
  }
  return new RegExp(`^(?:${translated})$`, flags);
}

export class InvalidRegexError extends RangeError {
  constructor(
    readonly pattern: string,
    problem: string,
  ) {
    super(`invalid regex ${JSON.stringify(pattern)}: ${problem}`);
    this.name = 'InvalidRegexError';
  }
}

function fail(pattern: string, problem: string): never {
  throw new InvalidRegexError(pattern, problem);
}

const POSIX_CLASSES: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

function translate(source: string, pattern: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      const next = source[i + 1];
      if (next === undefined) fail(pattern, 'trailing backslash');
      if (!inClass && next === 'Q') {
        const end = source.indexOf('\\E', i + 2);
        const literal = source.slice(i + 2, end < 0 ? source.length : end);
        out += literal.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
        i = end < 0 ? source.length : end + 1;
        continue;
      }
      if (/[1-9]/.test(next) || next === 'k') fail(pattern, 'backreferences are not supported (RE2)');
      if (next === 'p' || next === 'P') fail(pattern, 'Unicode classes \\p are not supported');
      if (next === 'C') fail(pattern, '\\C is not supported');
      if (!inClass && next === 'A') out += '^';
      else if (!inClass && next === 'z') out += '$';
      else out += c + next;
      i++;
      continue;
    }
    if (inClass) {
      if (c === '[' && source[i + 1] === ':') {
        const end = source.indexOf(':]', i + 2);
        const name = end < 0 ? undefined : source.slice(i + 2, end);
        if (name === undefined) {
          out += '\\[';
          continue;
        }
        const negated = name.startsWith('^');
        const range = POSIX_CLASSES[negated ? name.slice(1) : name];
        if (range === undefined) fail(pattern, `unknown POSIX class [:${name}:]`);
        if (negated) fail(pattern, `negated POSIX class [:${name}:] is not supported`);
        out += range;
        i = end + 1;
        continue;
      }
      if (c === '[') {
        out += '\\[';
        continue;
      }
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      // A ']' right after '[' or '[^' is a literal in RE2.
      if (source[i + 1] === '^') {
        out += '^';
        i++;
      }
      if (source[i + 1] === ']') {
        out += '\\]';
        i++;
      }
      continue;
    }
    if (c === '(' && source[i + 1] === '?') {
      const rest = source.slice(i + 2);
      if (rest.startsWith('P<')) {
        out += '(?<';
        i += 3;
        continue;
      }
      if (rest.startsWith(':')) {
        out += '(?:';
        i += 2;
        continue;
      }
      if (/^(=|!|<=|<!)/.test(rest)) fail(pattern, 'lookahead and lookbehind are not supported (RE2)');
      if (rest.startsWith('<')) {
        out += '(?<';
        i += 2;
        continue;
      }
      fail(pattern, `flag groups (?${rest.split(')')[0]}) are only supported as a (?i) prefix`);
    }
    out += c;
  }
  if (inClass) fail(pattern, 'missing closing ]');
  return out;
}
