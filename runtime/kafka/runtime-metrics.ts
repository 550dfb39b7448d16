// Counters the Kafka runtime adds to the engine's (names after Kafka Streams' thread and task metrics).
export const RUNTIME_METRICS = {
  /** Transactions committed (exactly_once_v2) or offset commits (at_least_once). */
  commits: 'commit-total',
  /** Sum of commit durations, ms (commit-latency-avg = this / commit-total). */
  commitLatencyMs: 'commit-latency-ms-total',
  /** Transactions aborted and rolled back (exactly_once_v2), or rollbacks after failed deliveries. */
  aborts: 'transaction-aborts-total',
  polls: 'poll-total',
  polledRecords: 'poll-records-total',
  tasksCreated: 'task-created-total',
  tasksClosed: 'task-closed-total',
  /** Changelog records applied to local stores while restoring. */
  restoredRecords: 'restore-records-total',
  /** Records applied to global stores. */
  globalRecords: 'global-records-total',
  /** Records global stores read at start to catch up with their topics (from the global checkpoint, or all). */
  globalRestoredRecords: 'global-restore-records-total',
  rebalances: 'rebalance-total',
  /** Partitions paused because their task's buffer stayed above maxBufferedRecordsPerPartition. */
  backpressurePauses: 'backpressure-pause-total',
} as const;
