/**
 * Spreading long-lived connections. Workers that share a socket get new connections from
 * whichever of them accepts first, and a keep-alive connection then stays with that worker: a
 * burst of connections (a load generator starting, a proxy filling its pool) can land mostly
 * on one worker, and a worker added by TTIN or a reload gets none of the connections already
 * open. Each worker reports how many connections it holds with its heartbeat; the master tells
 * a worker holding more than its share to come down to it: that worker stops accepting and
 * closes the excess, one connection after each of its next responses (`Connection: close`),
 * so its clients reconnect to the others. Pausing matters: under load, the busiest worker is
 * awake in its loop and would accept most reconnections itself (DESIGN.md has the counts).
 * @module
 */

/**
 * What each worker is told, given how many connections each holds (same order): its share
 * (the total divided evenly, rounded up) when it holds more than the limit, the limit
 * otherwise (which also ends an earlier hold). The limit is the share exactly for small pools,
 * where one connection is a large part of a worker's load; from 20 connections a worker on, a
 * twentieth more, so the natural coming and going of many clients causes no churn. Undefined
 * when no worker is over the limit, or there is only one: nothing to do.
 */
export function holdLimits(counts: readonly number[]): number[] | undefined {
  if (counts.length < 2) return undefined
  const total = counts.reduce((sum, count) => sum + count, 0)
  const share = Math.ceil(total / counts.length)
  const limit = share + Math.floor(share / 20)
  if (counts.every((count) => count <= limit)) return undefined
  return counts.map((count) => (count > limit ? share : limit))
}
