/**
 * Runs `shutdown` once, on SIGTERM, SIGINT or whatever else calls the returned trigger; every call
 * returns the same run. Signals that arrive while it runs are absorbed (a second Ctrl-C must not kill
 * a server halfway through closing its database); the handlers are removed once it has finished.
 */
export function shutdownOnce(shutdown: (reason: string) => Promise<void>): (reason: string) => Promise<void> {
  let running: Promise<void> | undefined;
  const onSigterm = () => void trigger('SIGTERM');
  const onSigint = () => void trigger('SIGINT');
  const trigger = (reason: string) => (running ??= shutdown(reason).finally(() => process.off('SIGTERM', onSigterm).off('SIGINT', onSigint)));
  process.on('SIGTERM', onSigterm).on('SIGINT', onSigint);
  return trigger;
}
