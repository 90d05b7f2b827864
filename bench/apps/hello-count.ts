// Hello world that counts the requests each worker served and writes the count to
// $TSGI_BENCH_COUNTS/<pid> when the worker exits, so a benchmark can measure evenness.
import { writeFileSync } from 'node:fs'
import type { Application } from '../../src/spec/types.ts'

const HELLO = new TextEncoder().encode('Hello, World!')
let served = 0
const dir = process.env.TSGI_BENCH_COUNTS
if (dir) process.on('exit', () => writeFileSync(`${dir}/${process.pid}`, String(served)))

export const app: Application = (_environ, startResponse) => {
  served++
  startResponse('200 OK', [['Content-Type', 'text/plain']])
  return [HELLO]
}
