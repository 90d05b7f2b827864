// Starting and stopping: boot failures, graceful TERM, quick INT, master death, pid file.
import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { holdPort } from '../helpers/ports.ts'
import { withTimeout } from '../helpers/wait.ts'
import { FIXTURES, get, Tsgi, waitForExit } from './harness.ts'
import { tempDir } from '../helpers/temp-dir.ts'

const APP = `${FIXTURES}prefork.ts`

test('an app that throws on import stops the server with exit code 4 and the reason', async (t) => {
  const tsgi = await Tsgi.start(t, ['-w', '2', '-b', '127.0.0.1:0', `${FIXTURES}prefork-broken.ts`])
  const { code } = await tsgi.exited
  assert.equal(code, 4)
  assert.match(tsgi.output, /the database URL is not set/)
  assert.equal((tsgi.output.match(/Booting worker/g) ?? []).length <= 2, true, 'no respawn loop')
})

test('a missing export stops the server with exit code 4 and names the export', async (t) => {
  const tsgi = await Tsgi.start(t, ['-b', '127.0.0.1:0', `${APP}:nope`])
  const { code } = await tsgi.exited
  assert.equal(code, 4)
  assert.match(tsgi.output, /nope/)
})

test('a port in use is tried 5 times a second apart, then named in the error, exit 1', async (t) => {
  const { port } = await holdPort(t)
  const tsgi = await Tsgi.start(t, ['-b', `127.0.0.1:${port}`, APP])
  const { code } = await withTimeout(tsgi.exited, 30_000, 'tsgi to stop on a port in use')
  assert.equal(code, 1)
  assert.equal(tsgi.output.match(/Connection in use: 127\.0\.0\.1:\d+$/gm)?.length, 4)
  assert.equal(tsgi.output.match(/Retrying in 1 second\.$/gm)?.length, 4)
  assert.match(tsgi.output, new RegExp(`cannot bind http://127.0.0.1:${port}: address in use`))
  assert.doesNotMatch(tsgi.output, /Booting worker/, 'no worker serves a random port instead')
})

test('a port freed while the master retries is bound and served', async (t) => {
  const { port, release } = await holdPort(t)
  const tsgi = await Tsgi.start(t, ['-w', '1', '-b', `127.0.0.1:${port}`, APP])
  await tsgi.waitFor(/Retrying in 1 second\./)
  release()
  const url = await tsgi.url()
  await tsgi.readyWorkers(1)
  assert.equal(url, `http://127.0.0.1:${port}`)
  assert.equal((await get(url)).status, 200)
})

test('other signals during the bind retries do not shorten the second between tries', async (t) => {
  const { port, release } = await holdPort(t)
  const tsgi = await Tsgi.start(t, ['-w', '1', '-b', `127.0.0.1:${port}`, APP])
  await tsgi.waitFor(/Retrying in 1 second\./)
  const mark = tsgi.lines.length
  const retryAt = tsgi.lines[mark - 1]!.at
  for (let i = 0; i < 3; i++) tsgi.signal('SIGUSR1')
  await tsgi.waitFor(/Connection in use/, 5000, mark)
  const nextTryAt = tsgi.lines.slice(mark).find((line) => /Connection in use/.test(line.text))!.at
  assert.ok(nextTryAt - retryAt >= 900, `tried again after ${nextTryAt - retryAt} ms`)
  release()
  await tsgi.readyWorkers(1)
})

test('TERM while the master retries a port in use stops it at once', async (t) => {
  const { port } = await holdPort(t)
  const tsgi = await Tsgi.start(t, ['-b', `127.0.0.1:${port}`, APP])
  await tsgi.waitFor(/Retrying in 1 second\./)
  tsgi.signal('SIGTERM')
  const { code } = await withTimeout(tsgi.exited, 30_000, 'tsgi to stop on TERM')
  assert.equal(code, 1)
  assert.equal(tsgi.output.match(/Retrying in 1 second/g)?.length, 1, 'no retry after TERM')
})

/** One worker with a slow request in flight, and TERM sent to the master. */
async function termDuringSlowRequest(t: TestContext) {
  const tsgi = await Tsgi.start(t, ['-w', '1', '-b', '127.0.0.1:0', APP])
  const url = await tsgi.url()
  const [worker] = await tsgi.readyWorkers(1)
  const slow = get(`${url}/slow?1500`)
  await tsgi.waitFor(/slow request started/)
  tsgi.signal('SIGTERM')
  return { tsgi, worker, slow }
}

test('TERM lets an in-flight slow request complete, then exits 0', async (t) => {
  const { tsgi, worker, slow } = await termDuringSlowRequest(t)
  const res = await slow
  assert.equal(res.status, 200)
  assert.equal(res.body, String(worker))
  assert.equal(res.headers.connection, 'close', 'a draining worker does not keep the connection')
  const { code } = await tsgi.exited
  assert.equal(code, 0)
  assert.match(tsgi.output, /Shutting down: Master/)
})

test('USR1 or HUP during a graceful stop does not cut the requests in flight', async (t) => {
  const { tsgi, worker, slow } = await termDuringSlowRequest(t)
  await tsgi.waitFor(/Handling signal: term/)
  tsgi.signal('SIGUSR1')
  tsgi.signal('SIGHUP')
  await tsgi.waitFor(/Ignoring signal while stopping: hup/)
  const res = await slow
  assert.equal(res.status, 200)
  assert.equal(res.body, String(worker))
  assert.equal((await tsgi.exited).code, 0)
})

test('INT stops at once and exits 0', async (t) => {
  const tsgi = await Tsgi.start(t, ['-w', '2', '-b', '127.0.0.1:0', APP])
  await tsgi.url()
  const workers = await tsgi.readyWorkers(2)
  tsgi.signal('SIGINT')
  const { code } = await tsgi.exited
  assert.equal(code, 0)
  for (const pid of workers) await waitForExit(pid)
})

test('workers exit by themselves when the master is killed with SIGKILL', async (t) => {
  const tsgi = await Tsgi.start(t, ['-w', '2', '-b', '127.0.0.1:0', APP])
  await tsgi.url()
  const workers = await tsgi.readyWorkers(2)
  tsgi.signal('SIGKILL')
  await tsgi.exited
  for (const pid of workers) await waitForExit(pid, 10_000)
})

test('the pid file holds the master pid while it runs and is removed on exit', async (t) => {
  const dir = tempDir(t, 'tsgi-pid-')
  const pidfile = join(dir, 'tsgi.pid')
  const tsgi = await Tsgi.start(t, ['-p', pidfile, '-b', '127.0.0.1:0', APP])
  const url = await tsgi.url()
  await tsgi.readyWorkers(1)
  assert.equal(readFileSync(pidfile, 'utf8').trim(), String(tsgi.pid))
  assert.equal((await get(url)).status, 200)
  tsgi.signal('SIGTERM')
  await tsgi.exited
  assert.equal(existsSync(pidfile), false)
})

test('a pid file that cannot be written stops the master with one line naming --pid', async (t) => {
  const dir = tempDir(t, 'tsgi-pid-bad-')
  for (const [pidfile, code] of [
    [join(dir, 'missing', 'tsgi.pid'), 'ENOENT'],
    [dir, 'EISDIR'],
  ] as const) {
    const tsgi = await Tsgi.start(t, ['-p', pidfile, '-b', '127.0.0.1:0', APP])
    assert.equal((await tsgi.exited).code, 1)
    assert.match(
      tsgi.output,
      new RegExp(`\\[ERROR\\] Error: --pid: cannot write "${pidfile}" \\(${code}\\)$`, 'm')
    )
    assert.doesNotMatch(tsgi.output, /Booting worker/)
  }
  assert.deepEqual(readdirSync(dir), [], 'no temporary file is left behind')
})
