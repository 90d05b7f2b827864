// fromFetch(): a fetch handler as a TSGI app. In memory with runApp, and under the simple
// server over real sockets for streaming and disconnects.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { bytesInput } from '../core/input.ts'
import { runApp } from '../ref/testing.ts'
import { firstChunkThenHangUp, httpRequest } from '../../tests/helpers/http.ts'
import { startSimpleServer } from '../../tests/helpers/simple-server.ts'
import { withTimeout } from '../../tests/helpers/wait.ts'
import { fromFetch } from './from-fetch.ts'

test('the Request comes from the environ; the Response becomes status, headers and body', async () => {
  let seen: Record<string, unknown> = {}
  const app = fromFetch(async (request) => {
    seen = {
      method: request.method,
      url: request.url,
      type: request.headers.get('content-type'),
      trace: request.headers.get('x-trace'),
      connection: request.headers.get('connection'),
      body: await request.text(),
    }
    return new Response('created', {
      status: 201,
      headers: { 'content-type': 'text/plain', 'x-id': '7', connection: 'close' },
    })
  })
  const result = await runApp(app, {
    REQUEST_METHOD: 'PUT',
    HTTP_HOST: 'example.test',
    PATH_INFO: '/items/a b',
    QUERY_STRING: 'v=1',
    CONTENT_TYPE: 'application/json',
    HTTP_X_TRACE: 't1',
    HTTP_CONNECTION: 'keep-alive',
    'tsgi.input': bytesInput('{"a":1}'),
  })
  assert.deepEqual(seen, {
    method: 'PUT',
    url: 'http://example.test/items/a%20b?v=1',
    type: 'application/json',
    trace: 't1',
    connection: null,
    body: '{"a":1}',
  })
  assert.equal(result.status, '201 Created')
  assert.deepEqual(
    result.headers.filter(([name]) => name !== 'content-length'),
    [
      ['content-type', 'text/plain'],
      ['x-id', '7'],
    ],
    'hop-by-hop headers are left to the server'
  )
  assert.equal(result.text, 'created')
  assert.equal(result.returned + result.closed, 2)
})

test('a streamed response streams; a client that leaves cancels it and fires request.signal', async (t) => {
  let cancelled: () => void
  const cancel = new Promise<void>((resolve) => (cancelled = resolve))
  let aborted = false
  const app = fromFetch((request) => {
    request.signal.addEventListener('abort', () => (aborted = true))
    let n = 0
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        await new Promise((resolve) => setTimeout(resolve, 10))
        controller.enqueue(new TextEncoder().encode(`tick ${n++}\n`))
      },
      cancel: () => cancelled(),
    })
    return new Response(body, { headers: { 'content-type': 'text/plain' } })
  })
  const { url } = await startSimpleServer(app, {}, t)
  const first = await firstChunkThenHangUp(url)
  assert.match(first, /^tick 0\n/)
  await withTimeout(cancel, 5000, 'the response stream to be cancelled')
  assert.equal(aborted, true)
})

test('a POST body streams from tsgi.input through a real server', async (t) => {
  const app = fromFetch(async (request) => {
    let size = 0
    for await (const chunk of request.body!) size += chunk.length
    return Response.json({ size })
  })
  const { url } = await startSimpleServer(app, {}, t)
  const body = Array.from({ length: 20 }, () => 'x'.repeat(10_000))
  const res = await httpRequest(url, { body })
  assert.deepEqual(JSON.parse(res.text), { size: 200_000 })
})
