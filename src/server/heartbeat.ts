/**
 * Liveness. A worker sends a heartbeat over IPC from a timer; a worker whose event loop is
 * blocked sends none, and the master kills it once it has been silent for longer than
 * --timeout. It is a heartbeat, not a request deadline: a slow request that awaits I/O keeps
 * the loop turning and is never killed for its slowness.
 * @module
 */

/** How often workers beat and the master checks: a quarter of the timeout, within 50 ms–1 s. */
export function heartbeatIntervalMs(timeoutSeconds: number): number {
  if (timeoutSeconds <= 0) return 1000
  return Math.min(1000, Math.max(50, (timeoutSeconds * 1000) / 4))
}
