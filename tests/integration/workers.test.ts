// The worker count: start, TTIN/TTOU, a SIGKILLed worker replaced under load, a stuck worker
// killed on heartbeat timeout while the others keep serving.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { FIXTURES, get, isAlive, load, Tsgi, waitForExit } from './harness.ts'
import { tempDir } from '../helpers/temp-dir.ts'

const APP = `${FIXTURES}prefork.ts`

test('serves the seed example with two workers', async (t) => {
  const tsgi = await Tsgi.start(t, ['-w', '2', '-b', '127.0.0.1:0', 'examples/hello.ts'])
  const url = await tsgi.url()
  await tsgi.readyWorkers(2)
  const res = await get(url, { headers: { 'User-Agent': 'vim' } })
  assert.equal(res.status, 200)
  assert.match(res.body, /^Heyo\n/)
  assert.match(res.body, /^HTTP_USER_AGENT:vim<---$/m)
  assert.match(res.body, /^tsgi\.multiprocess:true$/m)
})

test('TTIN adds a worker and TTOU removes the oldest, never below one', async (t) => {
  const tsgi = await Tsgi.start(t, ['-w', '1', '-b', '127.0.0.1:0', APP])
  await tsgi.url()
  const [first] = await tsgi.readyWorkers(1)
  tsgi.signal('SIGTTIN')
  await tsgi.waitFor(/Number of workers: 2/)
  const [, second] = await tsgi.readyWorkers(2)
  assert.notEqual(second, first)

  tsgi.signal('SIGTTOU')
  await tsgi.waitFor(/Number of workers: 1/)
  await waitForExit(first!)
  assert.ok(isAlive(second!), 'the newer worker keeps running')

  const mark = tsgi.lines.length
  tsgi.signal('SIGTTOU')
  await tsgi.waitFor(/Number of workers: 1/, 5000, mark)
  const res = await get(await tsgi.url())
  assert.equal(res.body, String(second))
})

test('TTOU while the workers boot drains the oldest: it exits without serving, unkilled', async (t) => {
  const tsgi = await Tsgi.start(
    t,
    ['-w', '2', '--graceful-timeout', '30', '-b', '127.0.0.1:0', `${FIXTURES}slow-boot.mjs`],
    { SLOW_BOOT_MS: '1500' }
  )
  const booting = await tsgi.waitFor(/Booting worker with pid: (\d+)/)
  await tsgi.waitFor(/Booting worker with pid: (?!${booting[1]})\d+/)
  tsgi.signal('SIGTTOU')
  await tsgi.waitFor(/Number of workers: 1/)
  // Before the fix it served on, ignoring the drain, until --graceful-timeout killed it.
  await tsgi.waitFor(new RegExp(`Worker exiting \\(pid: ${booting[1]}\\)`))
  const [ready] = await tsgi.readyWorkers(1)
  assert.notEqual(String(ready), booting[1])
  assert.equal((await get(await tsgi.url())).body, String(ready))
  assert.doesNotMatch(tsgi.output, /did not drain/)
})

test('a worker killed with SIGKILL under load is replaced and the others keep serving', async (t) => {
  const tsgi = await Tsgi.start(t, ['-w', '2', '-b', '127.0.0.1:0', APP])
  const url = await tsgi.url()
  const [victim] = await tsgi.readyWorkers(2)
  const mark = tsgi.lines.length
  const replaced = (async () => {
    process.kill(victim!, 'SIGKILL')
    await tsgi.waitFor(/was sent SIGKILL/, 10_000, mark)
    await tsgi.readyWorkers(1, mark)
  })()
  const result = await load(url, { until: replaced, concurrency: 4 })
  await replaced
  assert.ok(result.ok > 0)
  const after = await load(url, { until: Promise.resolve(), maxRequests: 20, concurrency: 2 })
  assert.equal(after.failed, 0, after.errors.join('\n'))
  assert.ok(!after.byBody.has(String(victim)))
})

test('a stuck worker is killed and replaced within timeout + 1 s while the other serves', async (t) => {
  // 2 s, not 1: on a loaded 2-core machine a worker can take over a second to boot, and the
  // timeout covers booting too (as in Gunicorn).
  const timeoutMs = 2000
  const tsgi = await Tsgi.start(t, ['-w', '2', '-t', '2', '-b', '127.0.0.1:0', APP])
  const url = await tsgi.url()
  await tsgi.readyWorkers(2)
  const mark = tsgi.lines.length
  const stuckAt = Date.now()
  const stuck = get(`${url}/stuck`).catch((error: Error) => error)
  const timeout = await tsgi.waitFor(/WORKER TIMEOUT \(pid:(\d+)\)/, 10_000, mark)
  const stuckPid = Number(timeout[1])
  await waitForExit(stuckPid, 3000)
  const [replacement] = await tsgi.readyWorkers(1, mark)
  const elapsed = Date.now() - stuckAt
  assert.ok(elapsed < timeoutMs + 1000 + 1500, `replaced after ${elapsed} ms`)
  assert.notEqual(replacement, stuckPid)
  assert.ok((await stuck) instanceof Error, 'the stuck request fails: its worker was killed')
  // While one worker was stuck, the other one answered.
  const res = await get(url)
  assert.equal(res.status, 200)
})

test('a worker killed for a timeout while booting is replaced, not taken for a boot failure', async (t) => {
  const dir = tempDir(t, 'tsgi-slow-boot-')
  const marker = join(dir, 'first-worker')
  const tsgi = await Tsgi.start(
    t,
    ['-w', '1', '-t', '1', '-b', '127.0.0.1:0', `${FIXTURES}slow-first-boot.mjs`],
    { SLOW_BOOT_MARKER: marker }
  )
  const url = await tsgi.url()
  const timeout = await tsgi.waitFor(/WORKER TIMEOUT \(pid:(\d+)\) silent for \d+ ms while booting/)
  const first = Number(timeout[1])
  assert.equal(readFileSync(marker, 'utf8'), String(first), 'the slow first worker timed out')
  const [replacement] = await tsgi.readyWorkers(1)
  assert.notEqual(replacement, first)
  const res = await get(url)
  assert.equal(res.status, 200)
  assert.equal(res.body, String(replacement))
  assert.ok(!tsgi.lines.some((line) => /failed to boot|exited unexpectedly/.test(line.text)))
})

test('WINCH is logged and ignored, as Gunicorn does when not daemonized', async (t) => {
  const tsgi = await Tsgi.start(t, ['-w', '1', '-b', '127.0.0.1:0', APP])
  const url = await tsgi.url()
  const [worker] = await tsgi.readyWorkers(1)
  tsgi.signal('SIGWINCH')
  await tsgi.waitFor(/SIGWINCH ignored/)
  assert.equal((await get(url)).body, String(worker))
})
