import { createHash } from 'node:crypto';
import { seriesKey } from '../series/series-key.js';

/**
 * The stable identity of an alert: 16 hex digits of SHA-256 over the rule name and the series key. It stays the same
 * across episodes, restarts and edits of the rule's threshold, so consumers can deduplicate on it.
 */
export function alertFingerprint(
  ruleName: string,
  metric: string,
  labels: Readonly<Record<string, string>>,
): string {
  return createHash('sha256')
    .update(ruleName)
    .update('\u0000')
    .update(seriesKey(metric, labels))
    .digest('hex')
    .slice(0, 16);
}
