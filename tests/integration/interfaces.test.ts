// Node apps of every interface under the real `tsgi -w 2`: Koa and Fastify apps (Hono, Express
// and a bare fetch handler are the examples, tests/integration/examples.test.ts), a WebSocket
// echo through a node:http app, and the arbiter's heartbeat timeout and --max-requests for a
// fetch app and a node:http app.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { WebSocket } from 'ws'
import { checkFrameworkApp } from './framework-checks.ts'
import { exchangeRaw, FIXTURES, get, load, Tsgi, waitForExit } from './harness.ts'

test('a Koa app: routing, JSON, streaming, errors, and the access log', async (t) => {
  const tsgi = await Tsgi.start(t, [
    '-w',
    '2',
    '-b',
    '127.0.0.1:0',
    '--access-logfile',
    '-',
    `${FIXTURES}koa-app.ts`,
  ])
  const url = await tsgi.url()
  await tsgi.readyWorkers(2)
  await checkFrameworkApp(url, /^hello from Koa\n$/)
  await tsgi.waitFor(/^127\.0\.0\.1 - - \[[^\]]+\] "POST \/greet HTTP\/1\.1" 200 26 /m)
  await tsgi.waitFor(/^127\.0\.0\.1 - - \[[^\]]+\] "GET \/count HTTP\/1\.1" 200 10 /m)
})

test('a Fastify app: routing, JSON, streaming, errors', async (t) => {
  const tsgi = await Tsgi.start(t, ['-w', '2', '-b', '127.0.0.1:0', `${FIXTURES}fastify-app.ts`])
  const url = await tsgi.url()
  await tsgi.readyWorkers(2)
  await checkFrameworkApp(url, /^hello from Fastify\n$/)
})

test('a WebSocket echo through a node:http app, next to plain requests', async (t) => {
  const tsgi = await Tsgi.start(t, [
    '-w',
    '2',
    '-b',
    '127.0.0.1:0',
    `${FIXTURES}websocket-app.ts:server`,
  ])
  const url = await tsgi.url()
  const workers = await tsgi.readyWorkers(2)
  assert.match((await get(url)).body, /^plain http from \d+\n$/)
  const socket = new WebSocket(url.replace(/^http/, 'ws'))
  t.after(() => socket.terminate())
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject))
  const replies: string[] = []
  for (const text of ['one', 'two']) {
    const reply = new Promise<string>((resolve) =>
      socket.once('message', (d) => resolve(String(d)))
    )
    socket.send(text)
    replies.push(await reply)
  }
  const pid = /^echo from (\d+): one$/.exec(replies[0]!)?.[1]
  assert.ok(pid && workers.includes(Number(pid)), replies[0])
  assert.equal(replies[1], `echo from ${pid}: two`)
})

/** The same small app in each interface, with the flags that serve it. */
const PREFORK_APPS = [
  { kind: 'tsgi', fixture: 'prefork.ts', args: [] },
  { kind: 'fetch', fixture: 'fetch-prefork.ts', args: [] },
  { kind: 'node', fixture: 'node-prefork.ts', args: ['--interface', 'node'] },
]

for (const { kind, fixture, args } of PREFORK_APPS.filter((app) => app.kind !== 'tsgi')) {
  test(`a ${kind} app: --max-requests recycles workers, a stuck one is killed on timeout`, async (t) => {
    const tsgi = await Tsgi.start(t, [
      '-w',
      '2',
      '-t',
      '2',
      '--max-requests',
      '20',
      '-b',
      '127.0.0.1:0',
      ...args,
      `${FIXTURES}${fixture}`,
    ])
    const url = await tsgi.url()
    const first = await tsgi.readyWorkers(2)
    const recycled = tsgi.readyWorkers(3)
    const result = await load(url, { until: recycled, concurrency: 4, maxRequests: 200 })
    await recycled
    assert.equal(result.failed, 0, result.errors.slice(0, 5).join('\n'))
    assert.match(tsgi.output, /Autorestarting worker after current request \(max-requests 20\)/)

    const mark = tsgi.lines.length
    const stuck = get(`${url}/stuck`).catch((error: Error) => error)
    const timeout = await tsgi.waitFor(/WORKER TIMEOUT \(pid:(\d+)\)/, 10_000, mark)
    await waitForExit(Number(timeout[1]), 5000)
    assert.ok((await stuck) instanceof Error, 'the stuck request fails with its worker')
    const after = await get(url)
    assert.equal(after.status, 200)
    assert.notEqual(Number(after.body), Number(timeout[1]), 'a live worker answers')
    assert.ok(first.length === 2)
  })
}

for (const { kind, fixture, args } of PREFORK_APPS) {
  test(`a ${kind} app never sees CONNECT, HTTP/2.0, 0.9-style lines or bad Host headers: the worker answers`, async (t) => {
    const tsgi = await Tsgi.start(t, [
      '-w',
      '1',
      '-b',
      '127.0.0.1:0',
      ...args,
      `${FIXTURES}${fixture}`,
    ])
    const url = await tsgi.url()
    await tsgi.readyWorkers(1)
    for (const [raw, status] of [
      // node:http drops a CONNECT without a listener, with no answer at all.
      ['CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n', 501],
      ['GET / HTTP/2.0\r\nHost: x\r\n\r\n', 505],
      ['GET /\r\n\r\n', 400],
      // RFC 9112 §3.2: a Host with an invalid value MUST get a 400.
      ['GET / HTTP/1.1\r\nHost: h:abc\r\n\r\n', 400],
      ['GET / HTTP/1.1\r\nHost: a b\r\n\r\n', 400],
      // … and so MUST a request with two: an app and a proxy could each take another.
      ['GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n', 400],
    ] as const) {
      const received = await exchangeRaw(url, raw)
      assert.match(
        received,
        new RegExp(`^HTTP/1\\.1 ${status} `),
        `${kind}: ${JSON.stringify(raw)}`
      )
    }
  })
}
