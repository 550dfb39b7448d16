import type { MemoryBudget } from '../api/store-runtime.js';

/**
 * Returns the one object of a process-wide kind that belongs to a `MemoryBudget` (stores share budgets by the
 * identity of that object), creating it on first use.
 */
export function perBudget<T>(create: (budget: MemoryBudget) => T): (budget: MemoryBudget) => T {
  const made = new WeakMap<MemoryBudget, T>();
  return (budget) => {
    let value = made.get(budget);
    if (value === undefined) {
      value = create(budget);
      made.set(budget, value);
    }
    return value;
  };
}
