import assert from 'node:assert/strict'
import { once } from 'node:events'
import { connect } from 'node:net'
import { describe, it, type TestContext } from 'node:test'
import { contentLength } from './content-length.ts'
import { compose } from './compose.ts'
import { showExceptions } from './show-exceptions.ts'
import { LineErrorStream } from '../core/error-stream.ts'
import { TsgiError } from '../ref/errors.ts'
import { makeServer } from '../ref/simple-server.ts'
import { runApp } from '../ref/testing.ts'
import { setupTestingDefaults } from '../ref/util.ts'
import type { Application, HeaderList, StartResponse } from '../spec/types.ts'

const encoder = new TextEncoder()
const TEXT: HeaderList = [['Content-Type', 'text/plain']]

/** An app answering `texts` as separate chunks, recording what happens to its body. */
function chunkedApp(texts: string[], headers: HeaderList = TEXT, status = '200 OK') {
  const events: string[] = []
  const app: Application = (_environ, startResponse) => {
    startResponse(status, [...headers])
    return {
      *[Symbol.iterator]() {
        try {
          for (const text of texts) {
            events.push(`yield ${text.length}`)
            yield encoder.encode(text)
          }
        } finally {
          events.push('finally')
        }
      },
      close: () => void events.push('close'),
    }
  }
  return { app, events }
}

/**
 * A recording server: calls `app`, reads its body to the end, and lists what it saw in order,
 * so a test can tell when the headers were passed on and how the bytes were cut into chunks.
 */
async function drive(app: Application, method = 'GET') {
  const seen: string[] = []
  const start: StartResponse = (status, headers, excInfo) => {
    seen.push(
      `start ${status}${excInfo === undefined ? '' : ' (excInfo)'} ${JSON.stringify(headers)}`
    )
    return async (chunk) => void seen.push(`write ${chunk.length}`)
  }
  const body = await app(setupTestingDefaults({ REQUEST_METHOD: method }), start)
  const iterator =
    Symbol.asyncIterator in body ? body[Symbol.asyncIterator]() : body[Symbol.iterator]()
  try {
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      seen.push(`chunk ${next.value.length}`)
    }
  } finally {
    await iterator.return?.()
    await (body as { close?: () => unknown }).close?.()
  }
  return seen
}

function header(headers: HeaderList, name: string): string | undefined {
  return headers.find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1]
}

describe('contentLength with runApp', () => {
  it('sets Content-Length on a short body and sends it in one chunk after the headers', async () => {
    const { app, events } = chunkedApp(['hello ', 'wide ', 'world'])
    const seen = await drive(contentLength(app))
    assert.deepEqual(seen, [
      'chunk 0',
      'chunk 0',
      'chunk 0',
      `start 200 OK ${JSON.stringify([...TEXT, ['Content-Length', '16']])}`,
      'chunk 16',
    ])
    assert.deepEqual(events, ['yield 6', 'yield 5', 'yield 5', 'finally', 'close'])
    const result = await runApp(contentLength(app))
    assert.equal(result.text, 'hello wide world')
    assert.equal(header(result.headers, 'Content-Length'), '16')
  })

  it('counts bytes, not characters', async () => {
    const { app } = chunkedApp(['é€'])
    const result = await runApp(contentLength(app))
    assert.equal(header(result.headers, 'Content-Length'), '5')
  })

  it('sets Content-Length: 0 on an empty body', async () => {
    const { app } = chunkedApp([])
    const result = await runApp(contentLength(app))
    assert.equal(header(result.headers, 'Content-Length'), '0')
    assert.equal(result.body.length, 0)
  })

  it('buffers up to maxBuffer bytes inclusive', async () => {
    const { app } = chunkedApp(['12345', '67890'])
    const result = await runApp(contentLength(app, { maxBuffer: 10 }))
    assert.equal(header(result.headers, 'Content-Length'), '10')
  })

  it('streams on, unchanged, once the body passes maxBuffer, passing the headers on at once', async () => {
    const { app, events } = chunkedApp(['12345', '678', '90', 'abc'])
    const seen = await drive(contentLength(app, { maxBuffer: 8 }))
    assert.deepEqual(seen, [
      'chunk 0',
      'chunk 0',
      `start 200 OK ${JSON.stringify(TEXT)}`,
      'chunk 10',
      'chunk 3',
    ])
    assert.equal(events.filter((e) => e === 'close').length, 1)
    const result = await runApp(contentLength(app, { maxBuffer: 8 }))
    assert.equal(result.text, '1234567890abc')
    assert.equal(header(result.headers, 'Content-Length'), undefined)
  })

  it('leaves a response alone that has a Content-Length', async () => {
    const headers: HeaderList = [...TEXT, ['Content-Length', '2']]
    const { app } = chunkedApp(['a', 'b'], headers)
    const seen = await drive(contentLength(app))
    assert.deepEqual(seen, [`start 200 OK ${JSON.stringify(headers)}`, 'chunk 1', 'chunk 1'])
  })

  it('returns the app’s own body when it passed the response on at once', async () => {
    const body = [encoder.encode('ok')]
    const app: Application = (_environ, startResponse) => {
      startResponse('200 OK', [...TEXT, ['Content-Length', '2']])
      return body
    }
    const start: StartResponse = () => async () => {}
    assert.equal(await contentLength(app)(setupTestingDefaults(), start), body)
  })

  it('leaves 204, 304 and event streams alone', async () => {
    for (const [status, headers] of [
      ['204 No Content', []],
      ['304 Not Modified', []],
      ['200 OK', [['Content-Type', 'Text/Event-Stream; charset=utf-8']]],
    ] as [string, HeaderList][]) {
      const { app } = chunkedApp(status.startsWith('200') ? ['data: 1\n\n'] : [], headers, status)
      const seen = await drive(contentLength(app))
      assert.equal(seen[0], `start ${status} ${JSON.stringify(headers)}`, status)
      assert.ok(!seen[0]!.includes('Content-Length'))
    }
  })

  it('copies held chunks, so an app may reuse its buffer', async () => {
    const app: Application = function* (_environ, startResponse) {
      startResponse('200 OK', TEXT)
      const buffer = new Uint8Array(1)
      for (const byte of encoder.encode('abc')) {
        buffer[0] = byte
        yield buffer
      }
    }
    assert.equal((await runApp(contentLength(app))).text, 'abc')
  })

  it('works when startResponse is called during the first iteration', async () => {
    const app: Application = function* (_environ, startResponse) {
      startResponse('200 OK', TEXT)
      yield encoder.encode('late')
    }
    const result = await runApp(contentLength(app))
    assert.equal(header(result.headers, 'Content-Length'), '4')
    assert.equal(result.text, 'late')
  })

  it('passes write() output straight on, without Content-Length', async () => {
    const app: Application = async (_environ, startResponse) => {
      const write = startResponse('200 OK', TEXT)
      await write(encoder.encode('written '))
      return [encoder.encode('returned')]
    }
    const seen = await drive(contentLength(app))
    assert.deepEqual(seen, [`start 200 OK ${JSON.stringify(TEXT)}`, 'write 8', 'chunk 8'])
  })

  it('checks the startResponse call when it is made', async () => {
    const environ = setupTestingDefaults()
    const isCode = (code: string) => (error: unknown) =>
      error instanceof TsgiError && error.code === code
    const calls: [string, HeaderList][] = []
    const start: StartResponse = (status, headers) => {
      calls.push([status, headers])
      return async () => {}
    }
    await contentLength((_env, startResponse) => {
      assert.throws(() => startResponse('200', TEXT), isCode('TSGI_ERR_STATUS'))
      assert.throws(
        () => startResponse('200 OK', [['Bad Name', 'x']]),
        isCode('TSGI_ERR_HEADER_NAME')
      )
      startResponse('200 OK', TEXT)
      assert.throws(() => startResponse('200 OK', TEXT), isCode('TSGI_ERR_START_RESPONSE_TWICE'))
      return []
    })(environ, start)
    assert.deepEqual(calls, [], 'nothing passed on while the body is held')
  })

  it('lets an inner error page replace a held response (excInfo)', async () => {
    const app: Application = (_environ, startResponse) => {
      startResponse('200 OK', TEXT)
      return (function* () {
        yield new Uint8Array(0)
        throw new Error('boom')
      })()
    }
    const errors = new LineErrorStream(() => {})
    const result = await runApp(contentLength(showExceptions(app)), { 'tsgi.errors': errors })
    assert.equal(result.statusCode, 500)
    assert.equal(header(result.headers, 'Content-Length'), String(result.body.length))
    assert.match(result.text, /Error: boom/)
  })

  it('lets an excInfo call replace a held response, held bytes included', async () => {
    const app: Application = function* (_environ, startResponse) {
      startResponse('200 OK', [...TEXT, ['X-First', '1']])
      yield encoder.encode('partial')
      startResponse('503 Service Unavailable', TEXT, new Error('failed'))
      yield encoder.encode('sorry')
    }
    const result = await runApp(contentLength(app))
    assert.equal(result.status, '503 Service Unavailable')
    assert.deepEqual(result.headers, [...TEXT, ['Content-Length', '5']])
    assert.equal(result.text, 'sorry')
  })

  it('passes an excInfo call on once the response streams, where the server decides', async () => {
    const failure = new Error('after bytes')
    const app: Application = function* (_environ, startResponse) {
      startResponse('200 OK', TEXT)
      yield encoder.encode('past the limit')
      startResponse('500 Internal Server Error', TEXT, failure)
    }
    await assert.rejects(runApp(contentLength(app, { maxBuffer: 4 })), (error) => error === failure)
  })

  it('composes with showExceptions either way round', async () => {
    const failure = new Error('after bytes')
    const app: Application = function* (_environ, startResponse) {
      startResponse('200 OK', TEXT)
      yield encoder.encode('partial')
      throw failure
    }
    const errors = new LineErrorStream(() => {})
    // Outside contentLength, showExceptions sees no byte yet and the page replaces the response.
    const pageFirst = await runApp(compose(app, showExceptions, contentLength), {
      'tsgi.errors': errors,
    })
    assert.equal(pageFirst.statusCode, 500)
    assert.equal(header(pageFirst.headers, 'Content-Length'), String(pageFirst.body.length))
    assert.doesNotMatch(pageFirst.text, /partial/)
    // Inside it, showExceptions saw the app's bytes and throws on.
    const inner = compose(app, contentLength, showExceptions)
    await assert.rejects(runApp(inner, { 'tsgi.errors': errors }), (error) => error === failure)
  })

  it('on HEAD, runs the whole body and sets the Content-Length of a GET, passing no chunk on', async () => {
    const { app, events } = chunkedApp(['hello ', 'world'])
    const seen = await drive(contentLength(app), 'HEAD')
    assert.deepEqual(seen, [
      'chunk 0',
      'chunk 0',
      `start 200 OK ${JSON.stringify([...TEXT, ['Content-Length', '11']])}`,
    ])
    assert.deepEqual(events, ['yield 6', 'yield 5', 'finally', 'close'])
  })

  it('on HEAD past maxBuffer, ends the body early and sends no Content-Length', async () => {
    const { app, events } = chunkedApp(['12345', '67890', 'never read'])
    const seen = await drive(contentLength(app, { maxBuffer: 8 }), 'HEAD')
    assert.deepEqual(seen, ['chunk 0', `start 200 OK ${JSON.stringify(TEXT)}`])
    assert.deepEqual(events, ['yield 5', 'yield 5', 'finally', 'close'])
  })

  it('refuses a maxBuffer that is not a byte count', () => {
    for (const maxBuffer of [-1, 1.5, Number.NaN, Infinity]) {
      assert.throws(() => contentLength(chunkedApp([]).app, { maxBuffer }), RangeError)
    }
  })
})

interface RawResponse {
  head: string
  body: string
}

/** Sends one request on a raw socket and reads the response until the server closes. */
async function rawRequest(port: number, method: string, path = '/'): Promise<RawResponse> {
  const socket = connect(port, '127.0.0.1')
  await once(socket, 'connect')
  socket.write(`${method} ${path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n`)
  const data: Buffer[] = []
  socket.on('data', (chunk: Buffer) => data.push(chunk))
  await once(socket, 'end')
  socket.destroy()
  const text = Buffer.concat(data).toString('latin1')
  const split = text.indexOf('\r\n\r\n')
  return { head: text.slice(0, split).toLowerCase(), body: text.slice(split + 4) }
}

async function serve(t: TestContext, app: Application): Promise<number> {
  const server = makeServer('127.0.0.1', 0, app)
  t.after(() => server.close())
  return (await server.listen()).port
}

describe('contentLength through the simple server', () => {
  const small = ['hello ', 'world']
  const large = ['x'.repeat(40), 'y'.repeat(40)]
  const app: Application = (environ, startResponse) =>
    chunkedApp(environ.PATH_INFO === '/large' ? large : small).app(environ, startResponse)

  it('sends a short body with Content-Length, not chunked, and HEAD gets the same length', async (t) => {
    const port = await serve(t, contentLength(app, { maxBuffer: 64 }))
    const get = await rawRequest(port, 'GET')
    assert.match(get.head, /\r\ncontent-length: 11(\r\n|$)/)
    assert.doesNotMatch(get.head, /transfer-encoding/)
    assert.equal(get.body, 'hello world')
    const head = await rawRequest(port, 'HEAD')
    assert.match(head.head, /\r\ncontent-length: 11(\r\n|$)/)
    assert.doesNotMatch(head.head, /transfer-encoding/)
    assert.equal(head.body, '')
  })

  it('streams a long body chunked, and HEAD gets neither length nor body', async (t) => {
    const port = await serve(t, contentLength(app, { maxBuffer: 64 }))
    const get = await rawRequest(port, 'GET', '/large')
    assert.match(get.head, /\r\ntransfer-encoding: chunked(\r\n|$)/)
    assert.doesNotMatch(get.head, /content-length/)
    assert.equal(get.body, `50\r\n${large.join('')}\r\n0\r\n\r\n`)
    const head = await rawRequest(port, 'HEAD', '/large')
    assert.doesNotMatch(head.head, /content-length|transfer-encoding/)
    assert.equal(head.body, '')
  })

  it('without it, the same short body would go out chunked', async (t) => {
    const port = await serve(t, app)
    const get = await rawRequest(port, 'GET')
    assert.match(get.head, /\r\ntransfer-encoding: chunked(\r\n|$)/)
  })

  it('sends the headers and first bytes as soon as maxBuffer is passed, before the body ends', async (t) => {
    let finish!: () => void
    const finished = new Promise<void>((resolve) => (finish = resolve))
    const streaming: Application = async function* (_environ, startResponse) {
      startResponse('200 OK', TEXT)
      yield encoder.encode('a'.repeat(10))
      yield encoder.encode('b'.repeat(10))
      await finished
      yield encoder.encode('end')
    }
    t.after(() => finish())
    const port = await serve(t, contentLength(streaming, { maxBuffer: 16 }))
    const socket = connect(port, '127.0.0.1')
    t.after(() => socket.destroy())
    await once(socket, 'connect')
    socket.write('GET / HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n')
    let received = ''
    for await (const chunk of socket as AsyncIterable<Buffer>) {
      received += chunk.toString('latin1')
      if (received.includes('b'.repeat(10))) break
    }
    assert.match(received, /transfer-encoding: chunked/i)
    assert.ok(
      received.includes('a'.repeat(10) + 'b'.repeat(10)),
      'the held bytes went out together'
    )
  })
})
