/** Where one rule stands for one series. INACTIVE and PENDING are never published. */
export type AlertPhase = 'INACTIVE' | 'PENDING' | 'FIRING' | 'NODATA';

/** What the alerting topology keeps per (rule, series) in its persistent store. Plain JSON-safe data. */
export interface SeriesAlertState {
  readonly phase: AlertPhase;
  /** Start of the current episode: the condition first held (PENDING, FIRING) or data was last seen (NODATA). */
  readonly activeAt: number | null;
  /** Time of the last evaluation applied; an evaluation for an earlier time is stale and ignored. */
  readonly lastEvaluatedAt: number;
  /** When data was last seen, in the clock of the no-data checks. */
  readonly lastDataAt: number;
}
