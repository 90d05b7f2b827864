// --balance: how connections reach workers. Each strategy serves with both workers, and the
// combinations that cannot work are refused with one line.
import assert from 'node:assert/strict'
import { Agent } from 'node:http'
import { test } from 'node:test'
import { hasReusePort } from '../../src/server/sock.ts'
import { FIXTURES, get, load, Tsgi, waitForExit } from './harness.ts'

const APP = `${FIXTURES}prefork.ts`

/** Requests on fresh connections, counted by the worker pid that answered. */
async function spread(url: string, requests: number): Promise<Map<string, number>> {
  const counts = new Map<string, number>()
  for (let i = 0; i < requests; i++) {
    const agent = new Agent({ keepAlive: false })
    const { body } = await get(url, { agent })
    counts.set(body, (counts.get(body) ?? 0) + 1)
  }
  return counts
}

test('roundrobin: the master hands connections to the workers in turn', async (t) => {
  const tsgi = await Tsgi.start(t, ['-w', '2', '--balance', 'roundrobin', '-b', '127.0.0.1:0', APP])
  const url = await tsgi.url()
  const workers = await tsgi.readyWorkers(2)
  const counts = await spread(url, 20)
  assert.deepEqual(
    [...counts.keys()].sort(),
    workers.map(String).sort(),
    'both workers served requests'
  )
  for (const count of counts.values())
    assert.equal(count, 10, `even split: ${[...counts.values()]}`)
})

test('roundrobin: HUP under load replaces the workers with zero failed requests', async (t) => {
  const tsgi = await Tsgi.start(t, ['-w', '2', '--balance', 'roundrobin', '-b', '127.0.0.1:0', APP])
  const url = await tsgi.url()
  const old = await tsgi.readyWorkers(2)
  const reloaded = (async () => {
    const mark = tsgi.lines.length
    tsgi.signal('SIGHUP')
    await tsgi.readyWorkers(2, mark)
    for (const pid of old) await waitForExit(pid)
  })()
  const result = await load(url, { until: reloaded, concurrency: 8 })
  await reloaded
  assert.equal(result.failed, 0, result.errors.slice(0, 5).join('\n'))
  assert.ok(result.ok > 0, 'requests were served during the reload')
})

test(
  'reuseport: each worker binds its own socket and both serve',
  { skip: !hasReusePort() && 'needs Node 22.12' },
  async (t) => {
    const tsgi = await Tsgi.start(t, [
      '-w',
      '2',
      '--balance',
      'reuseport',
      '-b',
      '127.0.0.1:0',
      APP,
    ])
    const url = await tsgi.url()
    const workers = await tsgi.readyWorkers(2)
    const counts = await spread(url, 40)
    for (const pid of counts.keys()) assert.ok(workers.includes(Number(pid)), `answered by ${pid}`)
    assert.equal(counts.size, 2, `both workers served: ${JSON.stringify([...counts])}`)
  }
)

test('sync workers with a balance other than shared are refused with one line', async (t) => {
  const tsgi = await Tsgi.start(t, [
    '-k',
    'sync',
    '--balance',
    'roundrobin',
    '-b',
    '127.0.0.1:0',
    APP,
  ])
  const { code } = await tsgi.exited
  assert.equal(code, 1)
  assert.match(tsgi.output, /--worker-class sync needs --balance shared/)
})
