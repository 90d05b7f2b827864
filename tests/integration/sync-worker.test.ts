// The sync worker class: one request at a time per worker, no keep-alive; a busy worker takes
// no new connection, so connections go to an idle worker instead of queueing behind it.
import assert from 'node:assert/strict'
import { Agent } from 'node:http'
import { test } from 'node:test'
import { FIXTURES, get, Tsgi } from './harness.ts'

const APP = `${FIXTURES}prefork.ts`

test('a busy sync worker takes no new connection: the idle one serves them all', async (t) => {
  const tsgi = await Tsgi.start(t, ['-k', 'sync', '-w', '2', '-b', '127.0.0.1:0', APP])
  const url = await tsgi.url()
  const workers = await tsgi.readyWorkers(2)
  const slow = get(`${url}/slow?1500`)
  const busy = Number((await tsgi.waitFor(/slow request started in (\d+)/))[1])
  const idle = workers.find((pid) => pid !== busy)
  const agent = new Agent({ keepAlive: true })
  t.after(() => agent.destroy())
  for (let i = 0; i < 10; i++) {
    const res = await get(url, { agent })
    assert.equal(res.body, String(idle), `request ${i} went to the idle worker`)
    assert.equal(res.headers.connection, 'close', 'sync workers do not keep connections open')
  }
  assert.equal((await slow).body, String(busy))
})

test('with one sync worker, a request waits for the one before it instead of failing', async (t) => {
  const tsgi = await Tsgi.start(t, ['-k', 'sync', '-w', '1', '-b', '127.0.0.1:0', APP])
  const url = await tsgi.url()
  const [worker] = await tsgi.readyWorkers(1)
  const order: string[] = []
  const slow = get(`${url}/slow?800`).then((res) => {
    order.push('slow')
    return res
  })
  await tsgi.waitFor(/slow request started/)
  const fast = get(url).then((res) => {
    order.push('fast')
    return res
  })
  const [slowRes, fastRes] = await Promise.all([slow, fast])
  assert.equal(slowRes.body, String(worker))
  assert.equal(fastRes.body, String(worker))
  assert.deepEqual(order, ['slow', 'fast'], 'the second request was served after the first')
})
