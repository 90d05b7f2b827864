/**
 * Spreading long-lived connections. Workers that share a socket get new connections from
 * whichever of them accepts first, and a keep-alive connection then stays with that worker:
 * a burst of connections (a load generator starting, a proxy filling its pool) can land mostly
 * on one worker, and a worker added by TTIN or a reload gets none of the connections already
 * open. Each worker reports how many connections it holds with its heartbeat; the master
 * asks a worker holding clearly more than its share to close the excess, one connection after
 * each of its next responses (`Connection: close`, as --keep-alive-requests does). The client
 * reconnects, and a worker with fewer connections, being less busy, tends to accept first.
 * Nothing is closed while the workers hold about the same number.
 * @module
 */

/**
 * How many connections each worker should close, given how many each holds (same order).
 * A worker sheds down to its share (the total divided evenly, rounded up) only when it holds
 * more than a twentieth (at least one connection) above it, so small differences cause no churn.
 */
export function connectionsToShed(counts: readonly number[]): number[] {
  if (counts.length < 2) return counts.map(() => 0)
  const total = counts.reduce((sum, count) => sum + count, 0)
  const share = Math.ceil(total / counts.length)
  const tolerance = Math.max(1, Math.floor(share / 20))
  return counts.map((count) => (count > share + tolerance ? count - share : 0))
}
