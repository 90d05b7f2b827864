// Waiting for a server to answer, without a fixed sleep: one short request at a time, each on
// a new connection, until one gets a 200.
import { request } from 'node:http'
import { readdirSync } from 'node:fs'
import { createServer } from 'node:net'

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

/** One GET; resolves with the status code, or 0 when the request failed. */
export function getStatus(url, timeoutMs = 2000) {
  return new Promise((resolve) => {
    const req = request(url, { agent: false, timeout: timeoutMs }, (res) => {
      res.resume()
      res.once('end', () => resolve(res.statusCode ?? 0))
      res.once('error', () => resolve(0))
    })
    req.once('timeout', () => req.destroy())
    req.once('error', () => resolve(0))
    req.end()
  })
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Polls `url` until it answers 200; resolves with the time of that answer (performance.now()).
 * Rejects after `limitMs`, or as soon as `gone()` says the server exited.
 */
export async function waitFirstResponse(url, { limitMs, gone, now }) {
  const deadline = now() + limitMs
  while (now() < deadline) {
    if (gone()) throw new Error('the server exited before it answered')
    if ((await getStatus(url, 1000)) === 200) return now()
    await sleep(5)
  }
  throw new Error(`no answer from ${url} within ${limitMs} ms`)
}

/**
 * Waits until `n` workers have written their `<pid>.up` marker in `dir` (see apps/work.mjs);
 * a marker of the `master` pid does not count.
 */
export async function waitWorkersUp(dir, n, { limitMs, master }) {
  const deadline = Date.now() + limitMs
  const up = () => readdirSync(dir).filter((f) => f.endsWith('.up') && f !== `${master}.up`)
  while (up().length < n) {
    if (Date.now() > deadline) throw new Error(`fewer than ${n} workers came up in ${limitMs} ms`)
    await sleep(20)
  }
}
