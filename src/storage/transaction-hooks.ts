/** Work done when (and only when) a transaction commits or rolls back: file renames, temp-file cleanup. */
export interface TransactionHooks {
  afterCommit(fn: () => Promise<void> | void): void;
  onRollback(fn: () => Promise<void> | void): void;
}
