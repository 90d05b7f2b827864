// The worker's fetch path (fetch.ts and its parts) in-process: the lazy Request, the light
// Response, streaming both ways, disconnects, and the record each request leaves.
import assert from 'node:assert/strict'
import { request as httpRequestRaw } from 'node:http'
import { test, type TestContext } from 'node:test'
import { httpRequest } from '../../../tests/helpers/http.ts'
import { RawConnection } from '../../../tests/helpers/raw.ts'
import { serve } from '../../../tests/helpers/served.ts'
import { withTimeout } from '../../../tests/helpers/wait.ts'
import type { FetchHandler } from '../../adapters/from-fetch.ts'
import { LIGHT, LightResponse, NativeResponse } from './light-response.ts'

const fetchApp = (handler: FetchHandler) => ({ interface: 'fetch' as const, handler, how: 'test' })

test('the request is lazy but answers like a Request: url, method, headers, body', async (t) => {
  let seen: Record<string, unknown> = {}
  const served = await serve(
    t,
    fetchApp(async (request) => {
      seen = {
        isRequest: request instanceof Request,
        method: request.method,
        url: request.url,
        agent: request.headers.get('x-agent'),
        json: await request.json(),
        used: request.bodyUsed,
      }
      return new Response('ok')
    })
  )
  const res = await httpRequest(`${served.url}/a/b?c=d`, {
    method: 'PUT',
    headers: { 'x-agent': 'test', 'content-type': 'application/json' },
    body: '{"x":[1,2]}',
  })
  assert.equal(res.text, 'ok')
  assert.deepEqual(seen, {
    isRequest: true,
    method: 'PUT',
    url: `http://127.0.0.1:${served.port}/a/b?c=d`,
    agent: 'test',
    json: { x: [1, 2] },
    used: true,
  })
})

test('the request becomes a real one when needed: body stream, clone, new Request(request)', async (t) => {
  const served = await serve(
    t,
    fetchApp(async (request) => {
      const copy = new Request(request)
      const streamed: string[] = []
      for await (const chunk of copy.body!) streamed.push(Buffer.from(chunk).toString())
      return Response.json({
        streamed: streamed.join(''),
        url: copy.url,
        type: copy.headers.get('content-type'),
      })
    })
  )
  const res = await httpRequest(`${served.url}/x/../y%7e`, {
    headers: { 'content-type': 'text/plain' },
    body: ['part 1, ', 'part 2'],
  })
  assert.deepEqual(JSON.parse(res.text), {
    streamed: 'part 1, part 2',
    url: `http://127.0.0.1:${served.port}/y%7e`,
    type: 'text/plain',
  })
})

test('a light response goes out whole, with Content-Length; Response.json too', async (t) => {
  const served = await serve(
    t,
    fetchApp((request) => {
      assert.ok(new Response('x') instanceof LightResponse, 'the global Response is the light one')
      if (request.url.endsWith('/json')) return Response.json({ a: 1 }, { status: 201 })
      return new Response('héllo', { headers: { 'x-one': '1' } })
    })
  )
  const text = await httpRequest(served.url)
  assert.equal(text.text, 'héllo')
  assert.equal(text.headers['content-length'], '6')
  assert.equal(text.headers['content-type'], 'text/plain;charset=UTF-8')
  assert.equal(text.headers['x-one'], '1')
  const json = await httpRequest(`${served.url}/json`)
  assert.equal(json.status, 201)
  assert.equal(json.headers['content-type'], 'application/json')
  assert.deepEqual(JSON.parse(json.text), { a: 1 })
  assert.ok(Response.error() instanceof Response, 'real Responses are still Responses')
})

test('bytes both ways: arrayBuffer() is the body alone; an ArrayBuffer or a view goes out light', async (t) => {
  const light: boolean[] = []
  const served = await serve(
    t,
    fetchApp(async (request) => {
      const buffer = await request.arrayBuffer()
      const path = new URL(request.url).pathname
      const response =
        path === '/buffer'
          ? new Response(buffer)
          : path === '/view'
            ? new Response(new DataView(buffer, 3, 5))
            : new Response(detached())
      light.push((response as { [LIGHT]?: unknown })[LIGHT] !== undefined)
      return response
    })
  )
  // In pieces, with chunked framing, so the body arrives as several parser chunks.
  const pieces = Array.from({ length: 4 }, (_, i) => Buffer.alloc(50_000, 97 + i))
  const whole = Buffer.concat(pieces)
  const echoed = await httpRequest(`${served.url}/buffer`, { method: 'POST', body: pieces })
  assert.ok(echoed.body.equals(whole), 'the ArrayBuffer holds the whole body and nothing more')
  assert.equal(echoed.headers['content-length'], String(whole.length))
  assert.equal(echoed.headers['content-type'], undefined, 'bytes get no type of their own')
  const view = await httpRequest(`${served.url}/view`, { method: 'POST', body: '0123456789' })
  assert.equal(view.text, '34567')
  assert.equal(view.headers['content-length'], '5')
  const empty = await httpRequest(`${served.url}/detached`, { method: 'POST', body: 'x' })
  assert.equal(empty.status, 200)
  assert.equal(empty.headers['content-length'], '0')
  assert.deepEqual(light, [true, true, true])
})

/** An ArrayBuffer whose memory was transferred away: it reads as empty. */
function detached(): ArrayBuffer {
  const buffer = new ArrayBuffer(8)
  structuredClone(buffer, { transfer: [buffer] })
  return buffer
}

test('a response stream is sent as it comes, and cancelled when the client leaves', async (t) => {
  let cancelled: () => void
  const cancel = new Promise<void>((resolve) => (cancelled = resolve))
  let aborted = false
  const served = await serve(
    t,
    fetchApp((request) => {
      request.signal.addEventListener('abort', () => (aborted = true))
      const body = new ReadableStream<Uint8Array>({
        start: (controller) => controller.enqueue(new TextEncoder().encode('first\n')),
        cancel: () => cancelled(),
      })
      return new Response(body)
    })
  )
  const connection = await RawConnection.open(served.port)
  connection.socket.write('GET /events HTTP/1.1\r\nHost: x\r\n\r\n')
  const head = await connection.waitFor('first\n')
  assert.match(head, /transfer-encoding: chunked/i, 'no length: the stream is open')
  connection.socket.destroy()
  await withTimeout(cancel, 5000, 'the body stream to be cancelled')
  const record = served.records[0] ?? (await served.nextRecord())
  assert.equal(record.completed, false)
  assert.equal(aborted, true, 'request.signal fired')
})

test('backpressure: a big stream is read only as fast as the client reads', async (t) => {
  let pulls = 0
  const chunk = new Uint8Array(64 * 1024)
  const served = await serve(
    t,
    fetchApp(
      () =>
        new Response(
          new ReadableStream<Uint8Array>({
            pull(controller) {
              if (++pulls > 400) controller.close()
              else controller.enqueue(chunk)
            },
          }),
          { headers: { 'content-type': 'application/octet-stream' } }
        )
    )
  )
  const paused = new Promise<number>((resolve, reject) => {
    const req = httpRequestRaw(`${served.url}/big`, (res) => {
      res.pause()
      setTimeout(() => {
        resolve(pulls)
        res.resume()
        res.on('end', () => undefined)
      }, 300)
    })
    req.on('error', reject)
    req.end()
  })
  const pullsWhilePaused = await paused
  assert.ok(pullsWhilePaused < 200, `the stream was read ahead ${pullsWhilePaused} chunks`)
  const record = await served.nextRecord()
  assert.equal(record.bytes, 400 * chunk.length)
})

test('errors: 500 before the response, a cut connection after; both logged', async (t) => {
  const served = await serve(
    t,
    fetchApp((request) => {
      if (request.url.endsWith('/throw')) throw new Error('handler failed')
      if (request.url.endsWith('/nothing')) return undefined as unknown as Response
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('partial'))
        },
        pull(controller) {
          return new Promise((resolve) => setTimeout(resolve, 20)).then(() =>
            controller.error(new Error('stream failed'))
          )
        },
      })
      return new Response(body)
    })
  )
  const thrown = await httpRequest(`${served.url}/throw`)
  assert.equal(thrown.status, 500)
  assert.equal(thrown.text, 'Internal Server Error\n')
  const nothing = await httpRequest(`${served.url}/nothing`)
  assert.equal(nothing.status, 500)
  assert.match(served.log.text, /the fetch handler returned undefined, not a Response/)
  await assert.rejects(httpRequest(`${served.url}/late`), /aborted|socket hang up|ECONNRESET/)
  assert.match(
    served.log.text,
    /Error after the response started, aborting the connection: GET \/late/
  )
})

test('a Host header that would move the path is refused with 400, before the handler', async (t) => {
  let called = false
  const served = await serve(
    t,
    fetchApp(() => {
      called = true
      return new Response('ok')
    })
  )
  const connection = await RawConnection.open(served.port)
  connection.socket.write('GET /public HTTP/1.1\r\nHost: evil.test/admin?\r\n\r\n')
  const head = await connection.waitFor('\r\n\r\n')
  assert.match(head, /^HTTP\/1\.1 400 /)
  assert.equal(called, false)
})

/** A fetch app that answers `ok` and records each request.url it is given. */
async function serveRecordingUrls(t: TestContext) {
  const urls: string[] = []
  const served = await serve(
    t,
    fetchApp((request) => {
      urls.push(request.url)
      return new Response('ok')
    })
  )
  return { served, urls }
}

test("request.url follows each request's Host, however the Host values alternate", async (t) => {
  const { served, urls } = await serveRecordingUrls(t)
  const sent: Array<[string, number]> = [
    ['Host: a.test\r\n', 200],
    ['Host: B.Test:81\r\n', 200],
    ['Host: evil.test/admin?\r\n', 400],
    ['Host: a.test\r\nHost: b.test\r\n', 400],
    ['Host: a.test\r\n', 200],
    ['', 200],
  ]
  for (const [host, status] of sent) {
    const connection = await RawConnection.open(served.port)
    const version = host ? '1.1' : '1.0'
    connection.socket.write(`GET /p HTTP/${version}\r\n${host}\r\n`)
    assert.match(await connection.waitFor('\r\n\r\n'), new RegExp(`^HTTP/1\\.1 ${status} `))
  }
  assert.deepEqual(urls, [
    'http://a.test/p',
    'http://b.test:81/p',
    'http://a.test/p',
    `http://127.0.0.1:${served.port}/p`,
  ])
})

test("an absolute-form target names the host, but the scheme stays the connection's", async (t) => {
  const { served, urls } = await serveRecordingUrls(t)
  for (const target of ['https://other.example:81/p?q', 'HTTP://other.example/p']) {
    const connection = await RawConnection.open(served.port)
    connection.socket.write(`GET ${target} HTTP/1.1\r\nHost: h\r\n\r\n`)
    assert.match(await connection.waitFor('\r\n\r\n'), /^HTTP\/1\.1 200 /)
  }
  assert.deepEqual(urls, ['http://other.example:81/p?q', 'http://other.example/p'])
})

test('100 Continue goes out when the handler reads the body, not before', async (t) => {
  const served = await serve(
    t,
    fetchApp(async (request) => new Response(await request.text()))
  )
  const connection = await RawConnection.open(served.port)
  connection.socket.write(
    'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n'
  )
  await connection.waitFor('100 Continue')
  connection.socket.write('hello')
  await connection.waitFor(/\r\n\r\nhello$/)
})

test('HEAD: the headers a GET would have, no body; no length invented for a bodiless answer', async (t) => {
  const served = await serve(
    t,
    fetchApp((request) =>
      request.url.endsWith('/none')
        ? new Response(null, { headers: { 'content-type': 'text/plain' } })
        : new Response('12345')
    )
  )
  const head = await httpRequest(served.url, { method: 'HEAD' })
  assert.equal(head.headers['content-length'], '5')
  assert.equal(head.text, '')
  const none = await httpRequest(`${served.url}/none`, { method: 'HEAD' })
  assert.equal(none.headers['content-length'], undefined)
})

test('a real Response whose body is complete at once still gets a Content-Length', async (t) => {
  const served = await serve(
    t,
    fetchApp((request) =>
      request.url.endsWith('/redirect')
        ? Response.redirect('http://example.test/', 307)
        : new NativeResponse(new TextEncoder().encode('abc'))
    )
  )
  const res = await httpRequest(served.url)
  assert.equal(res.text, 'abc')
  assert.equal(res.headers['content-length'], '3')
  assert.equal(res.headers['transfer-encoding'], undefined)
  const redirect = await httpRequest(`${served.url}/redirect`)
  assert.equal(redirect.status, 307)
  assert.equal(redirect.headers.location, 'http://example.test/')
})

test('a wrong Content-Length from the handler: replaced when the body is whole, enforced when streamed', async (t) => {
  const served = await serve(
    t,
    fetchApp((request) => {
      const headers = { 'content-length': '3', 'content-type': 'text/plain' }
      if (request.url.endsWith('/whole')) return new Response('12345', { headers })
      let sent = false
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          await new Promise((resolve) => setTimeout(resolve, 5))
          if (sent) return controller.close()
          sent = true
          controller.enqueue(new TextEncoder().encode('12345'))
        },
      })
      return new Response(body, { headers })
    })
  )
  const whole = await httpRequest(`${served.url}/whole`)
  assert.equal(whole.text, '12345')
  assert.equal(whole.headers['content-length'], '5')
  await assert.rejects(httpRequest(`${served.url}/streamed`), /aborted|socket hang up|ECONNRESET/)
  assert.match(
    served.log.text,
    /Error after the response started, aborting the connection: GET \/streamed/
  )
})
