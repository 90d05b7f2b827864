import assert from 'node:assert/strict'
import { once } from 'node:events'
import { connect } from 'node:net'
import { describe, it } from 'node:test'
import { closeBody, mapBody, transformBody } from './body.ts'
import { TsgiError } from '../ref/errors.ts'
import { makeServer } from '../ref/simple-server.ts'
import { runApp } from '../ref/testing.ts'
import type { Application, Body, Chunk } from '../spec/types.ts'

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** A body that records what happens to it: chunks taken, its finally block, close() calls. */
function trackedBody(texts: string[], fail?: Error) {
  const events: string[] = []
  const body = {
    *[Symbol.iterator](): Generator<Chunk> {
      try {
        for (const text of texts) {
          events.push(`yield ${text}`)
          yield encoder.encode(text)
        }
        if (fail) throw fail
      } finally {
        events.push('finally')
      }
    },
    close() {
      events.push('close')
    },
  }
  const count = (event: string) => events.filter((e) => e === event).length
  return { body, events, count }
}

const upper = (chunk: Chunk) => encoder.encode(decoder.decode(chunk).toUpperCase())

async function collect(body: AsyncIterable<Chunk>): Promise<string> {
  let text = ''
  for await (const chunk of body) text += decoder.decode(chunk)
  return text
}

describe('transformBody and mapBody', () => {
  it('transforms every chunk and closes the inner body once at the end', async () => {
    const inner = trackedBody(['a', 'b'])
    const outer = mapBody(inner.body, upper)
    assert.equal(await collect(outer), 'AB')
    assert.deepEqual(inner.events, ['yield a', 'yield b', 'finally', 'close'])
    await outer.close() // the server's close() after return(): nothing more happens
    assert.equal(inner.count('close'), 1)
  })

  it('closes the inner body when the outer one is ended before its first chunk', async () => {
    const inner = trackedBody(['a'])
    const outer = mapBody(inner.body, upper)
    const iterator = outer[Symbol.asyncIterator]()
    await iterator.return!()
    await outer.close()
    // The inner iterator was never opened, so only close() is due.
    assert.deepEqual(inner.events, ['close'])
  })

  it('ends and closes the inner body when the outer one is ended early', async () => {
    const inner = trackedBody(['a', 'b', 'c'])
    const transformEvents: string[] = []
    const outer = transformBody(inner.body, async function* (chunks) {
      try {
        for await (const chunk of chunks) yield upper(chunk)
      } finally {
        transformEvents.push('transform finally')
      }
    })
    const first = await outer.next()
    assert.equal(decoder.decode(first.value as Chunk), 'A')
    await outer.return()
    await outer.close()
    assert.deepEqual(inner.events, ['yield a', 'finally', 'close'])
    assert.deepEqual(transformEvents, ['transform finally'])
    assert.deepEqual(await outer.next(), { done: true, value: undefined })
  })

  it('closes the inner body once when the transform throws', async () => {
    const inner = trackedBody(['a', 'b'])
    const outer = mapBody(inner.body, (chunk) => {
      if (decoder.decode(chunk) === 'b') throw new Error('transform failed')
      return chunk
    })
    await assert.rejects(collect(outer), /transform failed/)
    await outer.return()
    await outer.close()
    assert.deepEqual(inner.events, ['yield a', 'yield b', 'finally', 'close'])
  })

  it('passes the inner body’s error on and still closes it once', async () => {
    const inner = trackedBody(['a'], new Error('app failed'))
    const outer = mapBody(inner.body, upper)
    await assert.rejects(collect(outer), /app failed/)
    await outer.close()
    assert.deepEqual(inner.events, ['yield a', 'finally', 'close'])
  })

  it('lets the transform catch the inner body’s error and answer in its place', async () => {
    const inner = trackedBody(['a'], new Error('app failed'))
    const outer = transformBody(inner.body, async function* (chunks) {
      try {
        for await (const chunk of chunks) yield chunk
      } catch (error) {
        yield encoder.encode(` caught ${(error as Error).message}`)
      }
    })
    assert.equal(await collect(outer), 'a caught app failed')
    assert.equal(inner.count('close'), 1)
  })

  it('closes the inner body as soon as the transform stops reading it', async () => {
    const inner = trackedBody(['a', 'b', 'c'])
    const outer = transformBody(inner.body, async function* (chunks) {
      for await (const chunk of chunks) {
        yield chunk
        break
      }
      assert.deepEqual(inner.events, ['yield a', 'finally', 'close'])
      yield encoder.encode('!')
    })
    assert.equal(await collect(outer), 'a!')
    assert.equal(inner.count('close'), 1)
  })

  it('can add chunks after the inner body ended', async () => {
    const inner = trackedBody(['a', 'b'])
    const outer = transformBody(inner.body, async function* (chunks) {
      let count = 0
      for await (const chunk of chunks) {
        count++
        yield chunk
      }
      yield encoder.encode(` (${count} chunks)`)
    })
    assert.equal(await collect(outer), 'ab (2 chunks)')
  })

  it('reads async inner bodies too', async () => {
    const events: string[] = []
    async function* inner() {
      try {
        yield encoder.encode('x')
        yield encoder.encode('y')
      } finally {
        events.push('finally')
      }
    }
    const outer = mapBody(inner(), async (chunk) => upper(chunk))
    assert.equal((await outer.next()).done, false)
    await outer.return()
    assert.deepEqual(events, ['finally'])
  })

  it('refuses chunks that are not bytes, from either side', async () => {
    const isChunkType = (error: unknown) =>
      error instanceof TsgiError && error.code === 'TSGI_ERR_CHUNK_TYPE'
    const fromInner = mapBody(['text'] as unknown as Body, (chunk) => chunk)
    await assert.rejects(collect(fromInner), isChunkType)
    const fromTransform = mapBody([encoder.encode('a')], () => 'text' as unknown as Chunk)
    await assert.rejects(collect(fromTransform), isChunkType)
  })

  it('still calls the inner close() when ending its iterator throws, then reports the error', async () => {
    let closed = 0
    const body = {
      [Symbol.iterator]: () => ({
        next: () => ({ done: false, value: encoder.encode('a') }),
        return: (): IteratorResult<Chunk> => {
          throw new Error('return failed')
        },
      }),
      close: () => void closed++,
    }
    const outer = mapBody(body, upper)
    await outer.next()
    await assert.rejects(outer.close(), /return failed/)
    await assert.rejects(outer.close(), /return failed/)
    assert.equal(closed, 1)
  })

  it('is closed once by a server (runApp)', async () => {
    const inner = trackedBody(['hello'])
    const app: Application = (_environ, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'text/plain']])
      return mapBody(inner.body, upper)
    }
    const result = await runApp(app)
    assert.equal(result.text, 'HELLO')
    assert.equal(result.returned, 1)
    assert.equal(result.closed, 1)
    assert.equal(inner.count('close'), 1)
    assert.equal(inner.count('finally'), 1)
  })
})

describe('closeBody', () => {
  it('ends the iterator, then calls close()', async () => {
    const inner = trackedBody(['a', 'b'])
    const iterator = inner.body[Symbol.iterator]()
    iterator.next()
    await closeBody(inner.body, iterator)
    assert.deepEqual(inner.events, ['yield a', 'finally', 'close'])
  })

  it('calls close() alone when no iterator was opened, and accepts bodies without close()', async () => {
    const inner = trackedBody(['a'])
    await closeBody(inner.body)
    assert.deepEqual(inner.events, ['close'])
    await closeBody([encoder.encode('a')])
  })
})

describe('transformBody through the simple server', () => {
  it('closes the app’s body when the client left before the first chunk', async (t) => {
    const inner = trackedBody(['never sent'])
    let serverDone!: () => void
    const serverClosed = new Promise<void>((resolve) => (serverDone = resolve))
    let appCalled!: () => void
    const called = new Promise<void>((resolve) => (appCalled = resolve))
    const app: Application = async (environ, startResponse) => {
      const signal = environ['tsgi.signal']
      startResponse('200 OK', [['Content-Type', 'text/plain']])
      appCalled()
      if (!signal.aborted) await once(signal, 'abort')
      const outer = mapBody(inner.body, upper)
      const close = outer.close.bind(outer)
      outer.close = () => close().finally(serverDone) // the server's last step with the body
      return outer
    }
    const server = makeServer('127.0.0.1', 0, app, { errorLog: { error: () => {} } })
    t.after(() => server.close())
    const { port } = await server.listen()
    const socket = connect(port, '127.0.0.1')
    t.after(() => socket.destroy())
    await once(socket, 'connect')
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n')
    await called
    socket.destroy()
    await serverClosed
    assert.deepEqual(inner.events, ['close'])
  })
})
