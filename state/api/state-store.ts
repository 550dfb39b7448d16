/** What every store has, whatever its shape. */
export interface StateStore {
  readonly name: string;
  /** True for RocksDB-backed stores (state survives a restart locally); false for in-memory ones. */
  readonly persistent: boolean;
}
