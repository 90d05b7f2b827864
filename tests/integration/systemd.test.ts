// systemd socket activation: the master serves the sockets passed in LISTEN_FDS instead of
// `bind`, through reloads, and leaves them to systemd when it stops. The sockets come from
// tests/fixtures/bin/socket-activate.py, which starts tsgi as systemd does.
import assert from 'node:assert/strict'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test } from 'node:test'
import { holdPort } from '../helpers/ports.ts'
import { withTimeout } from '../helpers/wait.ts'
import { FIXTURES, get, Tsgi } from './harness.ts'
import { tempDir } from '../helpers/temp-dir.ts'

const APP = `${FIXTURES}listen-env.mjs`
const SOCKET_ACTIVATE = fileURLToPath(
  new URL('../fixtures/bin/socket-activate.py', import.meta.url)
)

/** The body of a GET over a Unix socket. */
async function getUnix(socketPath: string): Promise<string> {
  return (await get('http://localhost/', { socketPath })).body
}

test('socket activation: the passed sockets are served instead of bind, through HUP', async (t) => {
  const dir = tempDir(t, 'tsgi-systemd-')
  const socketPath = join(dir, 'app.sock')
  // The bind address is taken: a master that tried it would log "Connection in use".
  const { port: taken } = await holdPort(t)
  const config = join(dir, 'tsgi.config.json')
  writeFileSync(config, JSON.stringify({ bind: [`127.0.0.1:${taken}`] }))
  const launcher = ['python3', SOCKET_ACTIVATE, 'tcp:127.0.0.1:0', `unix:${socketPath}`, '--']
  const tsgi = await Tsgi.start(t, ['-w', '2', '-c', config, APP], {}, launcher)

  const url = await tsgi.url()
  await tsgi.waitFor(/Listening at: fd:\/\/4 /)
  await tsgi.readyWorkers(2)
  assert.notEqual(url, `http://127.0.0.1:${taken}`)
  assert.doesNotMatch(tsgi.output, /Connection in use/)
  const tcp = await get(url)
  assert.equal(tcp.status, 200)
  assert.match(tcp.body, /sees \[\]/, 'the workers do not see LISTEN_PID, LISTEN_FDS')
  assert.match(await getUnix(socketPath), /sees \[\]/)

  // A reload that changes bind keeps the sockets: they belong to the socket unit.
  writeFileSync(config, JSON.stringify({ bind: ['127.0.0.1:0'] }))
  const from = tsgi.lines.length
  tsgi.signal('SIGHUP')
  await tsgi.waitFor(/\[WARNING\] bind changed, but the sockets come from systemd/, 15_000, from)
  await tsgi.readyWorkers(2, from)
  assert.equal((await get(url)).status, 200)
  assert.match(await getUnix(socketPath), /sees \[\]/)

  tsgi.signal('SIGTERM')
  const { code } = await withTimeout(tsgi.exited, 30_000, 'tsgi to stop on TERM')
  assert.equal(code, 0)
  assert.ok(existsSync(socketPath), "the Unix socket is systemd's: the master leaves it")
})

test('LISTEN_FDS that is not a count stops the master with a one-line error, exit 1', async (t) => {
  const launcher = ['sh', '-c', 'export LISTEN_PID=$$; exec "$@"', 'sh']
  const tsgi = await Tsgi.start(t, ['-b', '127.0.0.1:0', APP], { LISTEN_FDS: 'two' }, launcher)
  const { code } = await withTimeout(tsgi.exited, 30_000, 'tsgi to stop')
  assert.equal(code, 1)
  assert.match(
    tsgi.output,
    /\[ERROR\] Error: LISTEN_FDS must be the number of sockets systemd passed, got "two"$/m
  )
  assert.doesNotMatch(tsgi.output, /Booting worker/)
})

test('LISTEN_FDS meant for another process is ignored: bind applies', async (t) => {
  const env = { LISTEN_PID: '1', LISTEN_FDS: '1' }
  const tsgi = await Tsgi.start(t, ['-w', '1', '-b', '127.0.0.1:0', APP], env)
  const url = await tsgi.url()
  await tsgi.readyWorkers(1)
  assert.match((await get(url)).body, /sees \[LISTEN_PID LISTEN_FDS\]/)
})
