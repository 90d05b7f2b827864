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
 * How many connections each worker should close, given how many each holds (same order).
 * A worker sheds down to its share (the total divided evenly, rounded up) when it holds more:
 * exactly for small pools, where one connection is a large part of a worker's load, and with a
 * twentieth of slack from 20 connections a worker on, so the natural coming and going of many
 * clients causes no churn. A split as even as the total allows is never touched.
 */
export function connectionsToShed(counts: readonly number[]): number[] {
  if (counts.length < 2) return counts.map(() => 0)
  const total = counts.reduce((sum, count) => sum + count, 0)
  const share = Math.ceil(total / counts.length)
  const tolerance = Math.floor(share / 20)
  return counts.map((count) => (count > share + tolerance ? count - share : 0))
}
