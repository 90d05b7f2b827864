// The worker's node:http path (node.ts) in-process: the app's own req and res, the record for
// the access log, errors that would crash a bare server, and upgrades.
import assert from 'node:assert/strict'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { test } from 'node:test'
import { WebSocket, WebSocketServer } from 'ws'
import { httpRequest } from '../../../tests/helpers/http.ts'
import { RawConnection } from '../../../tests/helpers/raw.ts'
import { serve } from '../../../tests/helpers/served.ts'
import { detectInterface } from './detect.ts'

const nodeApp = (listener: (req: IncomingMessage, res: ServerResponse) => unknown) => ({
  interface: 'node' as const,
  listener,
  how: 'test',
})

test('the listener gets the request; the record counts body bytes and reads sent headers', async (t) => {
  const served = await serve(
    t,
    nodeApp((req, res) => {
      // Headers given only to writeHead(), as Fastify gives them.
      res.writeHead(201, { 'Content-Type': 'text/plain', 'X-Path': req.url })
      res.write('héllo, ')
      res.end(Buffer.from('world'))
    })
  )
  const res = await httpRequest(`${served.url}/p?q=1`)
  assert.equal(res.status, 201)
  assert.equal(res.text, 'héllo, world')
  const record = served.records[0] ?? (await served.nextRecord())
  assert.equal(record.status, 201)
  assert.equal(record.bytes, Buffer.byteLength('héllo, world'))
  assert.equal(record.completed, true)
  assert.deepEqual(
    record.headers.filter(([name]) => name.startsWith('X-') || name === 'Content-Type'),
    [
      ['Content-Type', 'text/plain'],
      ['X-Path', '/p?q=1'],
    ]
  )
})

test('a listener that throws or rejects gets a 500, and the worker lives on', async (t) => {
  const served = await serve(
    t,
    nodeApp(async (req, res) => {
      if (req.url === '/throw') throw new Error('sync-ish failure')
      res.setHeader('Content-Type', 'application/json')
      await Promise.resolve()
      throw new Error('async failure')
    })
  )
  for (const path of ['/throw', '/reject']) {
    const res = await httpRequest(`${served.url}${path}`)
    assert.equal(res.status, 500)
    assert.equal(res.headers['content-type'], 'text/plain; charset=utf-8')
  }
  assert.match(served.log.text, /Error handling request GET \/throw/)
  assert.match(served.log.text, /Error handling request GET \/reject/)
})

test("a request without a body still ends and closes as a stream: the app's req is its own", async (t) => {
  // Node 24.12+ can hand such requests over already ended, without these events
  // (REQUEST_HANDLER_SERVER_OPTIONS): right for TSGI, whose app never sees req, not here.
  const served = await serve(
    t,
    nodeApp((req, res) => {
      const events: string[] = []
      req.on('end', () => events.push('end'))
      req.on('close', () => res.end([...events, 'close'].join(' ')))
      req.resume()
    })
  )
  assert.equal((await httpRequest(served.url)).text, 'end close')
})

test('Expect: 100-continue is answered as node:http does when nobody listens for it', async (t) => {
  const served = await serve(
    t,
    nodeApp((req, res) => {
      let body = ''
      req.on('data', (chunk: Buffer) => (body += chunk))
      req.on('end', () => res.end(body))
    })
  )
  const connection = await RawConnection.open(served.port)
  connection.socket.write(
    'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n'
  )
  await connection.waitFor('100 Continue')
  connection.socket.write('ok')
  await connection.waitFor(/\r\n\r\nok$/)
})

test('an http.Server with a WebSocket server on it takes upgrades: an echo', async (t) => {
  const server = createServer((_req, res) => res.end('plain'))
  const sockets = new WebSocketServer({ server })
  sockets.on('connection', (socket) =>
    socket.on('message', (data) => socket.send(`echo: ${String(data)}`))
  )
  t.after(() => sockets.close())
  const served = await serve(t, await detectInterface(server, 'auto', 'test'))
  assert.equal((await httpRequest(served.url)).text, 'plain')
  const client = new WebSocket(served.url.replace('http', 'ws'))
  t.after(() => client.terminate())
  await new Promise((resolve, reject) => client.once('open', resolve).once('error', reject))
  const reply = new Promise<string>((resolve) =>
    client.once('message', (data) => resolve(String(data)))
  )
  client.send('hi')
  assert.equal(await reply, 'echo: hi')
})
