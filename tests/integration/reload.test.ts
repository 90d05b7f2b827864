// Replacing workers without failing a request: HUP reload, max-requests recycling, and a
// reload whose new app fails to load.
import assert from 'node:assert/strict'
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { FIXTURES, get, load, Tsgi, waitForExit } from './harness.ts'

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
  const dir = mkdtempSync(join(tmpdir(), 'tsgi-reload-'))
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
  const dir = mkdtempSync(join(tmpdir(), 'tsgi-hup-config-'))
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
  const dir = mkdtempSync(join(tmpdir(), 'tsgi-hup-bad-'))
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
