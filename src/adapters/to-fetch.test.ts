// toFetch(): a TSGI app as a fetch handler. Called directly with Requests, and served by a
// plain fetch server (@hono/node-server) over real sockets.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { serve as serveFetch } from '@hono/node-server'
import { firstChunkThenHangUp, httpRequest } from '../../tests/helpers/http.ts'
import { withTimeout } from '../../tests/helpers/wait.ts'
import type { Application, Chunk, Environ } from '../spec/types.ts'
import { toFetch } from './to-fetch.ts'

const text = (s: string) => new TextEncoder().encode(s)
const silent = { onError: () => {} }

/** Reads a stream chunk by chunk, as text. */
async function chunks(stream: ReadableStream<Uint8Array> | null): Promise<string[]> {
  const out: string[] = []
  if (stream) for await (const chunk of stream) out.push(Buffer.from(chunk).toString())
  return out
}

test('the environ comes from the Request, and the Response from startResponse and the body', async () => {
  let environ: Environ | undefined
  const app: Application = async function* (env, startResponse) {
    environ = env
    const body = Buffer.from(await env['tsgi.input'].read()).toString()
    startResponse('201 Created', [
      ['Content-Type', 'text/plain'],
      ['X-Echo', body],
    ])
    yield text('made ')
    yield text('it')
  }
  const response = await toFetch(app)(
    new Request('http://example.test:8080/a%20b/c?x=1&y', {
      method: 'POST',
      headers: { 'content-type': 'text/plain', 'x-trace': 't1', x_spoof: 'no' },
      body: 'payload',
    })
  )
  assert.equal(response.status, 201)
  assert.equal(response.statusText, 'Created')
  assert.equal(response.headers.get('x-echo'), 'payload')
  assert.equal(await response.text(), 'made it')
  assert.equal(environ?.REQUEST_METHOD, 'POST')
  assert.equal(environ?.PATH_INFO, '/a b/c')
  assert.equal(environ?.RAW_URI, '/a%20b/c?x=1&y')
  assert.equal(environ?.QUERY_STRING, 'x=1&y')
  assert.equal(environ?.SERVER_NAME, 'example.test')
  assert.equal(environ?.SERVER_PORT, '8080')
  assert.equal(environ?.CONTENT_TYPE, 'text/plain')
  assert.equal(environ?.HTTP_X_TRACE, 't1')
  assert.equal(environ?.HTTP_X_SPOOF, undefined, 'names with _ are dropped')
})

test('the body streams: the app is asked for a chunk only as the reader takes one', async () => {
  let asked = 0
  const app: Application = async function* (_env, startResponse) {
    startResponse('200 OK', [['Content-Type', 'text/plain']])
    for (let i = 1; i <= 3; i++) {
      asked++
      yield text(`${i}`)
    }
  }
  const response = await toFetch(app)(new Request('http://x/'))
  const reader = response.body!.getReader()
  assert.equal(asked, 1, 'the Response came with the first chunk')
  assert.equal(Buffer.from((await reader.read()).value!).toString(), '1')
  assert.ok(asked <= 2, `asked ${asked} times after one read`)
  assert.deepEqual(
    await chunks(
      new ReadableStream({
        pull: async (c) => {
          const next = await reader.read()
          if (next.done) c.close()
          else c.enqueue(next.value)
        },
      })
    ),
    ['2', '3']
  )
})

test('a cancelled body (the client left) ends the iterator, closes the body once, fires the signal', async () => {
  const seen = { finally: 0, close: 0, aborted: false }
  const app: Application = (env, startResponse) => {
    startResponse('200 OK', [['Content-Type', 'text/plain']])
    env['tsgi.signal'].addEventListener('abort', () => (seen.aborted = true))
    const body = (async function* () {
      try {
        for (;;) yield text('tick')
      } finally {
        seen.finally++
      }
    })()
    return Object.assign(body, { close: () => void seen.close++ })
  }
  const response = await toFetch(app)(new Request('http://x/'))
  const reader = response.body!.getReader()
  await reader.read()
  await reader.cancel()
  await withTimeout(
    new Promise<void>((resolve) => {
      const check = () => (seen.close > 0 ? resolve() : setImmediate(check))
      check()
    }),
    2000,
    'close()'
  )
  assert.deepEqual(seen, { finally: 1, close: 1, aborted: true })
})

test('errors: a 500 before the headers, an errored stream after', async () => {
  const early: Application = () => {
    throw new Error('early')
  }
  const response = await toFetch(early, silent)(new Request('http://x/'))
  assert.equal(response.status, 500)
  assert.equal(await response.text(), 'Internal Server Error\n')
  const late: Application = async function* (_env, startResponse) {
    startResponse('200 OK', [['Content-Type', 'text/plain']])
    yield text('partial')
    throw new Error('late')
  }
  const messages: string[] = []
  const cut = await toFetch(late, { onError: (message) => messages.push(message) })(
    new Request('http://x/p')
  )
  await assert.rejects(cut.text(), /late/)
  assert.deepEqual(messages, ['Error after the response started, aborting the response: GET /p'])
})

test('excInfo replaces the headers until the first chunk; Content-Length is held both ways', async () => {
  const replaced: Application = (_env, startResponse) => {
    startResponse('200 OK', [['Content-Type', 'text/plain']])
    try {
      throw new Error('not found after all')
    } catch (error) {
      startResponse('404 Not Found', [['Content-Type', 'text/plain']], error)
    }
    return [text('gone')]
  }
  const response = await toFetch(replaced)(new Request('http://x/'))
  assert.equal(response.status, 404)
  assert.equal(response.headers.get('content-length'), '4', 'an array body has a known length')
  const short: Application = (_env, startResponse) => {
    startResponse('200 OK', [
      ['Content-Type', 'text/plain'],
      ['Content-Length', '10'],
    ])
    return (async function* () {
      yield text('12345')
    })()
  }
  await assert.rejects(
    (await toFetch(short, silent)(new Request('http://x/'))).text(),
    /TSGI_ERR_CONTENT_LENGTH|Content-Length/
  )
  const long: Application = (_env, startResponse) => {
    startResponse('200 OK', [
      ['Content-Type', 'text/plain'],
      ['Content-Length', '2'],
    ])
    return (async function* () {
      yield text('12345')
    })()
  }
  const overrun = await toFetch(long, silent)(new Request('http://x/'))
  assert.equal(overrun.status, 500, 'the overrun was found before the headers went out')
})

test('write() before the body, HEAD without a body, SCRIPT_NAME mounting', async () => {
  const app: Application = async (env, startResponse) => {
    const write = startResponse('200 OK', [['Content-Type', 'text/plain']])
    await write(text(`path=${env.SCRIPT_NAME}|${env.PATH_INFO};`))
    return [text('end')] as Chunk[]
  }
  const handler = toFetch(app, { scriptName: '/api' })
  assert.equal(
    await (await handler(new Request('http://x/api/users'))).text(),
    'path=/api|/users;end'
  )
  assert.equal((await handler(new Request('http://x/other'))).status, 404)
  const head = await handler(new Request('http://x/api', { method: 'HEAD' }))
  assert.equal(head.body, null)
})

test('served by a plain fetch server over HTTP: POST, streaming, and a disconnect closes the body', async (t) => {
  let closed: () => void
  const bodyClosed = new Promise<void>((resolve) => (closed = resolve))
  const app: Application = async (env, startResponse) => {
    startResponse('200 OK', [['Content-Type', 'text/plain']])
    if (env.PATH_INFO === '/echo') return [await env['tsgi.input'].read()]
    const body = (async function* () {
      for (let i = 0; ; i++) {
        yield text(`line ${i}\n`)
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
    })()
    return Object.assign(body, { close: () => closed() })
  }
  const server = await new Promise<ReturnType<typeof serveFetch>>((resolve) => {
    const started = serveFetch({ fetch: toFetch(app), port: 0, hostname: '127.0.0.1' }, () =>
      resolve(started)
    )
  })
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const { port } = server.address() as { port: number }
  const echo = await httpRequest(`http://127.0.0.1:${port}/echo`, { body: 'hello' })
  assert.equal(echo.text, 'hello')
  const firstLines = await firstChunkThenHangUp(`http://127.0.0.1:${port}/stream`)
  assert.match(firstLines, /^line 0\n/)
  await withTimeout(bodyClosed, 5000, 'the body to be closed after the disconnect')
})
