const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 31_536_000_000,
};

/** Parses a Prometheus duration (`5m`, `1h30m`, `500ms`, `2d`) into milliseconds. */
export function parseDuration(text: string): number {
  if (!/^(?:\d+(?:ms|s|m|h|d|w|y))+$/.test(text)) {
    throw new RangeError(`invalid duration ${JSON.stringify(text)} (expected e.g. 30s, 5m, 1h30m)`);
  }
  let ms = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g))
    ms += Number(amount) * UNIT_MS[unit];
  return ms;
}

/** Milliseconds as a Prometheus duration: 300000 -> `5m`, 5400000 -> `1h30m`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let text = '';
  for (const unit of ['y', 'w', 'd', 'h', 'm', 's', 'ms']) {
    const size = UNIT_MS[unit];
    if (rest >= size) {
      text += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return text;
}
