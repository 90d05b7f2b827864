// Replacing workers without failing a request: HUP reload, max-requests recycling, a reload
// whose new app fails to load, reloads that change the addresses served, and --reload.
import assert from 'node:assert/strict'
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { holdPort } from '../helpers/ports.ts'
import { FIXTURES, get, load, Tsgi, waitForExit } from './harness.ts'
import { tempDir } from '../helpers/temp-dir.ts'
import { waitUntil } from '../helpers/wait.ts'

const APP = `${FIXTURES}prefork.ts`

test('HUP under load replaces every worker with zero failed requests', async (t) => {
  const tsgi = await Tsgi.start(t, ['-w', '2', '-b', '127.0.0.1:0', APP])
  const url = await tsgi.url()
  const old = await tsgi.readyWorkers(2)
  const reloads = (async () => {
    for (let round = 0; round < 2; round++) {
      const mark = tsgi.lines.length
      tsgi.signal('SIGHUP')
      await tsgi.readyWorkers(2, mark)
    }
    for (const pid of old) await waitForExit(pid)
  })()
  const result = await load(url, { until: reloads, concurrency: 8 })
  await reloads
  assert.equal(result.failed, 0, result.errors.slice(0, 5).join('\n'))
  assert.ok(result.ok > 50, `only ${result.ok} requests served`)
  const after = await get(url)
  assert.ok(!old.includes(Number(after.body)), 'a new worker answers')
})

test('max-requests recycles workers under load with zero failed requests', async (t) => {
  const tsgi = await Tsgi.start(t, [
    '-w',
    '2',
    '--max-requests',
    '100',
    '--max-requests-jitter',
    '20',
    '-b',
    '127.0.0.1:0',
    APP,
  ])
  const url = await tsgi.url()
  await tsgi.readyWorkers(2)
  const recycled = tsgi.readyWorkers(6, 0, 60_000)
  const result = await load(url, { until: recycled, concurrency: 8 })
  await recycled
  assert.equal(result.failed, 0, result.errors.slice(0, 5).join('\n'))
  assert.match(tsgi.output, /Autorestarting worker/)
  assert.ok(result.byBody.size >= 3, 'requests were served by successive workers')
})

test('a reload whose app fails to load keeps the old workers serving and says why', async (t) => {
  const dir = tempDir(t, 'tsgi-reload-')
  const app = join(dir, 'app.mts')
  copyFileSync(APP, app)
  writeFileSync(app, `export const app = (await import(${JSON.stringify(APP)})).app\n`)
  const tsgi = await Tsgi.start(t, ['-w', '2', '-b', '127.0.0.1:0', app])
  const url = await tsgi.url()
  const old = await tsgi.readyWorkers(2)
  writeFileSync(app, `throw new Error('broken deploy (fixture)')\n`)
  const mark = tsgi.lines.length
  tsgi.signal('SIGHUP')
  await tsgi.waitFor(/Reload failed, the old workers keep serving: .*broken deploy/, 15_000, mark)
  const result = await load(url, { until: Promise.resolve(), maxRequests: 40, concurrency: 4 })
  assert.equal(result.failed, 0)
  for (const body of result.byBody.keys())
    assert.ok(old.includes(Number(body)), `served by ${body}`)
})

test('HUP re-reads the config file: a new worker count applies', async (t) => {
  const dir = tempDir(t, 'tsgi-hup-config-')
  const config = join(dir, 'tsgi.config.json')
  writeFileSync(config, JSON.stringify({ workers: 1 }))
  const tsgi = await Tsgi.start(t, ['-c', config, '-b', '127.0.0.1:0', APP])
  await tsgi.url()
  await tsgi.readyWorkers(1)
  writeFileSync(config, JSON.stringify({ workers: 3 }))
  const mark = tsgi.lines.length
  tsgi.signal('SIGHUP')
  await tsgi.readyWorkers(3, mark)
})

test('HUP with an invalid config keeps everything running and says which setting is wrong', async (t) => {
  const dir = tempDir(t, 'tsgi-hup-bad-')
  const config = join(dir, 'tsgi.config.json')
  writeFileSync(config, JSON.stringify({ workers: 2 }))
  const tsgi = await Tsgi.start(t, ['-c', config, '-b', '127.0.0.1:0', APP])
  const url = await tsgi.url()
  const workers = await tsgi.readyWorkers(2)
  writeFileSync(config, JSON.stringify({ workers: 'many' }))
  const mark = tsgi.lines.length
  tsgi.signal('SIGHUP')
  await tsgi.waitFor(
    /Reload failed, keeping the running configuration: .*workers.*many/,
    10_000,
    mark
  )
  const result = await load(url, { until: Promise.resolve(), maxRequests: 20, concurrency: 2 })
  assert.equal(result.failed, 0)
  for (const body of result.byBody.keys()) assert.ok(workers.includes(Number(body)))
})

/** The lines logged from index `from` on. */
function outputSince(tsgi: Tsgi, from: number): string {
  return tsgi.lines
    .slice(from)
    .map((line) => line.text)
    .join('\n')
}

test('HUP with a changed bind serves the new address, then closes the dropped one', async (t) => {
  const dir = tempDir(t, 'tsgi-hup-bind-')
  const [before, after] = [join(dir, 'before.sock'), join(dir, 'after.sock')]
  const config = join(dir, 'tsgi.config.json')
  writeFileSync(config, JSON.stringify({ workers: 2, bind: [`unix:${before}`] }))
  const tsgi = await Tsgi.start(t, ['-c', config, APP])
  const old = await tsgi.readyWorkers(2)
  assert.equal((await get('http://localhost/', { socketPath: before })).status, 200)

  writeFileSync(config, JSON.stringify({ workers: 2, bind: [`unix:${after}`] }))
  const mark = tsgi.lines.length
  tsgi.signal('SIGHUP')
  await tsgi.waitFor(new RegExp(`Listening at: unix:${after} `), 15_000, mark)
  await tsgi.readyWorkers(2, mark)
  await tsgi.waitFor(new RegExp(`Stopped listening at: unix:${before}$`), 15_000, mark)
  for (const pid of old) await waitForExit(pid)
  const answer = await get('http://localhost/', { socketPath: after })
  assert.equal(answer.status, 200)
  assert.ok(!old.includes(Number(answer.body)), 'a new worker answers')
  assert.equal(existsSync(before), false, 'the dropped socket file is removed')
})

test('HUP with a new address in use keeps the running configuration and stays up', async (t) => {
  const dir = tempDir(t, 'tsgi-hup-in-use-')
  const { port: taken } = await holdPort(t)
  const config = join(dir, 'tsgi.config.json')
  const added = join(dir, 'added.sock')
  writeFileSync(config, JSON.stringify({ workers: 1, bind: ['127.0.0.1:0'] }))
  const tsgi = await Tsgi.start(t, ['-c', config, APP])
  const url = await tsgi.url()
  const workers = await tsgi.readyWorkers(1)

  const bind = ['127.0.0.1:0', `unix:${added}`, `127.0.0.1:${taken}`]
  writeFileSync(config, JSON.stringify({ workers: 3, bind }))
  const mark = tsgi.lines.length
  tsgi.signal('SIGHUP')
  await tsgi.waitFor(
    new RegExp(
      `Reload failed, keeping the running configuration: cannot bind http://127.0.0.1:${taken}: address in use`
    ),
    30_000,
    mark
  )
  assert.equal(existsSync(added), false, 'the address bound before the failure is closed again')
  const answer = await get(url)
  assert.equal(answer.status, 200)
  assert.ok(workers.includes(Number(answer.body)), 'the running worker still serves')
  assert.doesNotMatch(
    outputSince(tsgi, mark),
    /Booting worker/,
    'the new worker count did not apply'
  )

  // The master still obeys signals: it was not left without its loop.
  tsgi.signal('SIGTERM')
  assert.equal((await tsgi.exited).code, 0)
})

test('a reload that changed bind and failed to boot goes back to the old addresses', async (t) => {
  const dir = tempDir(t, 'tsgi-hup-abort-')
  const [before, after] = [join(dir, 'before.sock'), join(dir, 'after.sock')]
  const app = join(dir, 'app.mts')
  writeFileSync(app, `export const app = (await import(${JSON.stringify(APP)})).app\n`)
  const config = join(dir, 'tsgi.config.json')
  writeFileSync(config, JSON.stringify({ workers: 1, bind: [`unix:${before}`] }))
  const tsgi = await Tsgi.start(t, ['-c', config, app])
  const [worker] = await tsgi.readyWorkers(1)

  writeFileSync(app, `throw new Error('broken deploy (fixture)')\n`)
  writeFileSync(config, JSON.stringify({ workers: 1, bind: [`unix:${after}`] }))
  const mark = tsgi.lines.length
  tsgi.signal('SIGHUP')
  await tsgi.waitFor(/Reload failed, the old workers keep serving: .*broken deploy/, 15_000, mark)
  assert.equal(existsSync(after), false, 'the address of the failed reload is closed')
  const answer = await get('http://localhost/', { socketPath: before })
  assert.equal(Number(answer.body), worker)

  // The next reload starts from the old addresses: "before" is kept, not bound again.
  writeFileSync(app, `export const app = (await import(${JSON.stringify(APP)})).app\n`)
  writeFileSync(config, JSON.stringify({ workers: 1, bind: [`unix:${before}`] }))
  const again = tsgi.lines.length
  tsgi.signal('SIGHUP')
  await tsgi.readyWorkers(1, again)
  await waitForExit(worker!)
  assert.doesNotMatch(outputSince(tsgi, again), /Listening at/)
  assert.equal((await get('http://localhost/', { socketPath: before })).status, 200)
})

test('HUP with an error log that cannot be opened keeps the running configuration', async (t) => {
  const dir = tempDir(t, 'tsgi-hup-log-')
  const config = join(dir, 'tsgi.config.json')
  writeFileSync(config, JSON.stringify({ workers: 1 }))
  const tsgi = await Tsgi.start(t, ['-c', config, '-b', '127.0.0.1:0', APP])
  const url = await tsgi.url()
  const [worker] = await tsgi.readyWorkers(1)
  const path = join(dir, 'missing', 'error.log')
  writeFileSync(config, JSON.stringify({ workers: 2, errorLog: path }))
  const mark = tsgi.lines.length
  tsgi.signal('SIGHUP')
  await tsgi.waitFor(
    /Reload failed, keeping the running configuration: --error-logfile: cannot open .* \(ENOENT\)$/,
    10_000,
    mark
  )
  assert.equal(Number((await get(url)).body), worker)
  tsgi.signal('SIGTERM')
  assert.equal((await tsgi.exited).code, 0)
  assert.doesNotMatch(outputSince(tsgi, mark), /Booting worker/)
})

test('HUP moves the pid file and renames the master as the config now says', async (t) => {
  const dir = tempDir(t, 'tsgi-hup-pid-')
  const [before, after] = [join(dir, 'before.pid'), join(dir, 'after.pid')]
  const config = join(dir, 'tsgi.config.json')
  writeFileSync(config, JSON.stringify({ workers: 1, pidfile: before, procName: 'alpha' }))
  const tsgi = await Tsgi.start(t, ['-c', config, '-b', '127.0.0.1:0', APP])
  await tsgi.readyWorkers(1)
  assert.equal(readFileSync(before, 'utf8').trim(), String(tsgi.pid))
  assert.match(readFileSync(`/proc/${tsgi.pid}/cmdline`, 'utf8'), /tsgi: master \[alpha\]/)

  writeFileSync(config, JSON.stringify({ workers: 1, pidfile: after, procName: 'beta' }))
  const mark = tsgi.lines.length
  tsgi.signal('SIGHUP')
  await tsgi.readyWorkers(1, mark)
  assert.equal(readFileSync(after, 'utf8').trim(), String(tsgi.pid))
  assert.equal(existsSync(before), false, 'the old pid file is removed')
  assert.match(readFileSync(`/proc/${tsgi.pid}/cmdline`, 'utf8'), /tsgi: master \[beta\]/)
  tsgi.signal('SIGTERM')
  assert.equal((await tsgi.exited).code, 0)
  assert.equal(existsSync(after), false)
})

test('--reload: a changed source file reloads the workers; a broken one keeps the old', async (t) => {
  const dir = tempDir(t, 'tsgi-autoreload-')
  const app = join(dir, 'app.mjs')
  const serving = (text: string) =>
    `export const app = (environ, startResponse) => {\n` +
    `  startResponse('200 OK', [['Content-Type', 'text/plain']])\n` +
    `  return [new TextEncoder().encode(${JSON.stringify(text)})]\n}\n`
  writeFileSync(app, serving('one'))
  const tsgi = await Tsgi.start(t, ['--reload', '--chdir', dir, '-b', '127.0.0.1:0', 'app.mjs'])
  const url = await tsgi.url()
  await tsgi.readyWorkers(1)
  assert.equal((await get(url)).body, 'one')

  let mark = tsgi.lines.length
  writeFileSync(app, serving('two'))
  await tsgi.waitFor(/Worker reloading: app\.mjs modified/, 10_000, mark)
  await tsgi.readyWorkers(1, mark)
  await waitUntil(async () => (await get(url)).body === 'two', { what: 'the new code served' })

  mark = tsgi.lines.length
  writeFileSync(app, 'export const app = (\n')
  await tsgi.waitFor(/Reload failed, the old workers keep serving/, 10_000, mark)
  assert.equal((await get(url)).body, 'two')
})
