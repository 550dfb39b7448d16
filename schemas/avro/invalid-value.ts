import type { Type } from 'avsc';

const MAX_LISTED = 5;

/**
 * Explains why `value` does not fit `type`, one entry per offending field (`labels.host: expected string, got 42`).
 * Only called after a write failed, so the validation walk costs nothing on the hot path.
 */
export function describeInvalidValue(type: Type, value: unknown): string {
  const problems: string[] = [];
  type.isValid(value, {
    errorHook(path: string[], found: unknown, expected: Type) {
      if (problems.length < MAX_LISTED) {
        const where = path.length > 0 ? `field "${path.join('.')}"` : 'value';
        problems.push(`${where}: expected ${describeType(expected)}, got ${describeValue(found)}`);
      }
    },
  });
  return problems.length > 0 ? problems.join('; ') : 'value does not match the schema';
}

function describeType(type: Type): string {
  const t = type as Type & { typeName: string; name?: string; symbols?: string[] };
  if (t.typeName === 'enum' && t.symbols) return `one of ${t.symbols.join('|')}`;
  return t.name ?? t.typeName;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined (missing)';
  if (value === null) return 'null';
  if (Buffer.isBuffer(value)) return `Buffer(${value.length})`;
  if (typeof value === 'string')
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}...` : value);
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object';
  return `${String(value)} (${typeof value})`;
}
