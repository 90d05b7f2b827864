// What every JavaScript hello app of the benchmark shares: the routes' payloads and work, and
// the bookkeeping the harness reads back. Each worker process touches $BENCH_COUNTS/<pid>.up
// when it loads the app (so the harness knows every worker is up before it starts a load) and
// writes the number of requests it served to $BENCH_COUNTS/<pid> when it exits (evenness).
import { writeFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'

/** The hello body, 13 bytes, the same for every server and interface. */
export const HELLO = Buffer.from('Hello, World!')
/** The /64k body. */
export const BODY_64K = Buffer.alloc(64 * 1024, 'x')
/** /stream sends STREAM_CHUNKS chunks of this 1 KiB block. */
export const STREAM_CHUNK = Buffer.alloc(1024, 's')
export const STREAM_CHUNKS = 100
/** /wait sleeps this long before answering: I/O-bound work. */
export const WAIT_MS = 1
/** /cpu keeps the CPU busy this long before answering: CPU-bound work. */
export const BURN_MS = 2

let served = 0
const countsDir = process.env.BENCH_COUNTS
if (countsDir) {
  writeFileSync(`${countsDir}/${process.pid}.up`, '')
  process.on('exit', () => writeFileSync(`${countsDir}/${process.pid}`, String(served)))
}

/** Counts one request served by this process. */
export function count() {
  served++
}

/** Resolves after WAIT_MS, without using the CPU. */
export function wait() {
  return new Promise((resolve) => setTimeout(resolve, WAIT_MS))
}

/** Spins for BURN_MS of wall time (the event loop is blocked, as in real CPU-bound work). */
export function burn() {
  const end = performance.now() + BURN_MS
  let x = 0
  while (performance.now() < end) x++
  return x
}
