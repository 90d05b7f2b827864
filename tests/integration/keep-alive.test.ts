// How workers keep connections: --keep-alive 0 and sync workers keep none; --keep-alive-requests
// closes a keep-alive connection, cleanly, after that many requests; --rebalance spreads the connections already open over the workers;
// and what a connection buffers before a writer waits.
import assert from 'node:assert/strict'
import { Agent, request } from 'node:http'
import { test } from 'node:test'
import { exchangeRaw, FIXTURES, get, Tsgi } from './harness.ts'

const APP = `${FIXTURES}prefork.ts`

interface Served {
  /** The request went on a connection an earlier request had used. */
  reused: boolean
  connection: string | undefined
  body: string
}

/** `count` requests one after the other through one keep-alive agent. */
async function inTurn(url: string, count: number): Promise<Served[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  const served: Served[] = []
  try {
    for (let i = 0; i < count; i++) served.push(await once(url, agent))
  } finally {
    agent.destroy()
  }
  return served
}

function once(url: string, agent: Agent): Promise<Served> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, timeout: 10_000 }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () =>
        resolve({ reused: req.reusedSocket, connection: res.headers.connection, body })
      )
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error('request timed out')))
    req.on('error', reject)
    req.end()
  })
}

test('the request that reaches --keep-alive-requests closes its connection', async (t) => {
  const tsgi = await Tsgi.start(t, [
    '-w',
    '1',
    '--keep-alive-requests',
    '3',
    '-b',
    '127.0.0.1:0',
    APP,
  ])
  const url = await tsgi.url()
  await tsgi.readyWorkers(1)
  const served = await inTurn(url, 4)
  assert.deepEqual(
    served.map((s) => s.reused),
    [false, true, true, false],
    'three requests on the first connection, the fourth on a new one'
  )
  assert.deepEqual(
    served.map((s) => s.connection),
    ['keep-alive', 'keep-alive', 'close', 'keep-alive']
  )
})

test('--keep-alive-requests 0 keeps a connection open however many requests it carries', async (t) => {
  const tsgi = await Tsgi.start(t, [
    '-w',
    '1',
    '--keep-alive-requests',
    '0',
    '-b',
    '127.0.0.1:0',
    APP,
  ])
  const url = await tsgi.url()
  await tsgi.readyWorkers(1)
  const served = await inTurn(url, 5)
  assert.deepEqual(
    served.map((s) => s.reused),
    [false, true, true, true, true]
  )
  assert.ok(served.every((s) => s.connection === 'keep-alive'))
})

test('--keep-alive 0 closes every connection after its response', async (t) => {
  const tsgi = await Tsgi.start(t, ['-w', '1', '--keep-alive', '0', '-b', '127.0.0.1:0', APP])
  const url = await tsgi.url()
  await tsgi.readyWorkers(1)
  // Node reads a keepAliveTimeout of 0 as "no timeout": the connection used to stay open.
  const received = await exchangeRaw(url, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n')
  assert.match(received, /^HTTP\/1\.1 200/)
  assert.match(received, /Connection: close/i)
})

test("a worker keeping no connection closes it after Node's 417 too", async (t) => {
  for (const flags of [
    ['-k', 'sync'],
    ['--keep-alive', '0'],
  ]) {
    const tsgi = await Tsgi.start(t, ['-w', '1', ...flags, '-b', '127.0.0.1:0', APP])
    const url = await tsgi.url()
    await tsgi.readyWorkers(1)
    const expect = 'POST / HTTP/1.1\r\nHost: x\r\nExpect: foo\r\nContent-Length: 5\r\n\r\nhello'
    const received = await exchangeRaw(url, expect)
    assert.match(received, /^HTTP\/1\.1 417/, flags.join(' '))
    assert.match(received, /Connection: close/i, flags.join(' '))
    await tsgi.kill()
  }
})

test('requests pipelined behind the last response are not run, only dropped', async (t) => {
  const tsgi = await Tsgi.start(t, [
    '-w',
    '1',
    '--keep-alive-requests',
    '2',
    '-b',
    '127.0.0.1:0',
    APP,
  ])
  const url = await tsgi.url()
  await tsgi.readyWorkers(1)
  const pipelined = [1, 2, 3, 4].map((n) => `GET /slow?${n} HTTP/1.1\r\nHost: x\r\n\r\n`).join('')
  const received = await exchangeRaw(url, pipelined)
  assert.equal(received.match(/^HTTP\/1\.1 200/gm)?.length, 2, received)
  assert.match(received, /Connection: close/i)
  // One more request, on its own connection: once its line is in (the response can come back
  // before it), every earlier line of the worker is too.
  await get(`${url}/slow?9`)
  await tsgi.waitFor(/slow request started in \d+: \?9$/)
  const ran = tsgi.lines.filter((line) => /slow request started/.test(line.text)).length
  assert.equal(ran, 3, 'the app ran the two answered requests and the last one only')
})

test('TERM answers every request pipelined before it, then closes the connection', async (t) => {
  const tsgi = await Tsgi.start(t, ['-w', '1', '-b', '127.0.0.1:0', APP])
  const url = await tsgi.url()
  await tsgi.readyWorkers(1)
  const pipelined = ['1500', '1'].map((ms) => `GET /slow?${ms} HTTP/1.1\r\nHost: x\r\n\r\n`)
  const received = exchangeRaw(url, pipelined.join(''))
  await tsgi.waitFor(/slow request started in \d+: \?1500$/)
  await tsgi.waitFor(/slow request started in \d+: \?1$/)
  tsgi.signal('SIGTERM')
  // Closing after the first response would drop the second, which the app already answered.
  assert.equal((await received).match(/^HTTP\/1\.1 200/gm)?.length, 2, await received)
  assert.equal((await tsgi.exited).code, 0)
})

test('a connection buffers 64 KiB before a writer waits for drain, on every Node', async (t) => {
  const app = `${FIXTURES}node-prefork.ts`
  const tsgi = await Tsgi.start(t, ['-w', '1', '--interface', 'node', '-b', '127.0.0.1:0', app])
  const url = await tsgi.url()
  await tsgi.readyWorkers(1)
  const { body } = await get(`${url}/socket`)
  assert.equal(body, String(64 * 1024))
})

/** One request on each of the agent's `connections` at once; the pids that answered. */
async function oneRound(url: string, agent: Agent, connections: number): Promise<string[]> {
  const served = await Promise.all(Array.from({ length: connections }, () => once(url, agent)))
  return served.map((s) => s.body)
}

test('a worker added by TTIN gets a share of the keep-alive connections already open', async (t) => {
  // --timeout 2: heartbeats (which carry the connection counts) every 500 ms.
  const tsgi = await Tsgi.start(t, [
    '-w',
    '1',
    '--timeout',
    '2',
    '--log-level',
    'debug',
    '-b',
    '127.0.0.1:0',
    APP,
  ])
  const url = await tsgi.url()
  const [first] = await tsgi.readyWorkers(1)
  const connections = 10
  const agent = new Agent({ keepAlive: true, maxSockets: connections })
  t.after(() => agent.destroy())
  assert.deepEqual(new Set(await oneRound(url, agent, connections)), new Set([String(first)]))

  tsgi.signal('SIGTTIN')
  const [, second] = await tsgi.readyWorkers(2)
  // The first worker holds all 10 connections, the new one none: the master asks the first to
  // close the excess, and the client's new connections go to either worker.
  let served: string[] = []
  const deadline = Date.now() + 15_000
  while (Date.now() < deadline) {
    served = await oneRound(url, agent, connections)
    if (served.filter((pid) => pid === String(second)).length >= 4) break
  }
  const bySecond = served.filter((pid) => pid === String(second)).length
  assert.ok(bySecond >= 4, `the new worker served ${bySecond} of ${connections}: ${served}`)
  assert.ok(
    tsgi.lines.some((line) =>
      new RegExp(
        `Worker \\(pid:${first}\\) holds \\d+ connections, its share is \\d+: closing \\d+`
      ).test(line.text)
    ),
    'the master logged why the first worker closed connections'
  )
})
