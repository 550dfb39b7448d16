/**
 * Checks the partition counts the broker reports for topics that must be co-partitioned (joined streams/tables,
 * tables fed by the same sub-topology): task `<subtopology>_<p>` reads partition p of each, which only works when all
 * have the same number of partitions. Kafka Streams' CopartitionedTopicsEnforcer, on real counts.
 */

export class CopartitionMismatchError extends Error {
  readonly groups: ReadonlyArray<ReadonlyArray<readonly [topic: string, partitions: number | undefined]>>;

  constructor(groups: ReadonlyArray<ReadonlyArray<readonly [string, number | undefined]>>) {
    const lines = groups.map(
      (group) =>
        `  ${group.map(([topic, n]) => `${topic} (${n === undefined ? 'missing' : `${n} partitions`})`).join(', ')}`,
    );
    super(
      `co-partitioned topics must have the same number of partitions:\n${lines.join('\n')}\n` +
        "Repartition one side to the other side's partition count, or recreate the topic with matching partitions.",
    );
    this.name = 'CopartitionMismatchError';
    this.groups = groups;
  }
}

/** Throws one error naming every group whose topics are missing or differ in partition count. */
export function verifyCopartitioned(
  groups: ReadonlyArray<ReadonlyArray<string>>,
  partitionCounts: ReadonlyMap<string, number>,
): void {
  const bad: Array<Array<readonly [string, number | undefined]>> = [];
  for (const group of groups) {
    const sizes = group.map((topic) => [topic, partitionCounts.get(topic)] as const);
    const distinct = new Set(sizes.map(([, n]) => n));
    if (distinct.size > 1 || distinct.has(undefined)) bad.push(sizes);
  }
  if (bad.length > 0) throw new CopartitionMismatchError(bad);
}
