import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { describe, test } from 'node:test'
import { ResponseWriter } from './response.ts'

const TEXT: [string, string] = ['Content-Type', 'text/plain']
const bytes = (text: string) => Buffer.from(text)

/** The parts of ServerResponse the writer uses, recorded. */
class FakeResponse extends EventEmitter {
  head: { code: number; reason: string; headers: string[] } | undefined
  written: string[] = []
  ended = false
  destroyed = false
  /** What write() returns: false simulates a full socket buffer. */
  accepting = true
  refuseHead: Error | undefined

  writeHead(code: number, reason: string, headers: string[]): void {
    if (this.refuseHead) throw this.refuseHead
    this.head = { code, reason, headers }
  }

  write(chunk: Uint8Array): boolean {
    this.written.push(Buffer.from(chunk).toString())
    return this.accepting
  }

  end(): void {
    this.ended = true
  }
}

function writerFor(method = 'GET') {
  const res = new FakeResponse()
  const writer = new ResponseWriter({ method } as IncomingMessage, res as unknown as ServerResponse)
  return { res, writer }
}

const code = (name: string) => (error: unknown) => (error as { code?: string }).code === name

describe('startResponse', () => {
  test('refuses a Content-Length on a 204, and a second one, even of the same value', () => {
    assert.throws(
      () => writerFor().writer.startResponse('204 No Content', [['Content-Length', '0']]),
      code('TSGI_ERR_HEADER_VALUE')
    )
    const twice: Array<[string, string]> = [TEXT, ['Content-Length', '2'], ['content-length', '2']]
    assert.throws(
      () => writerFor().writer.startResponse('200 OK', twice),
      code('TSGI_ERR_HEADER_VALUE')
    )
    writerFor().writer.startResponse('304 Not Modified', [['Content-Length', '5']])
  })

  test('returns write; headers wait for the first non-empty chunk', async () => {
    const { res, writer } = writerFor()
    const write = writer.startResponse('201 Created', [TEXT, ['X-A', '1']])
    assert.equal(write, writer.write)
    assert.ok(writer.started && !writer.headersSent, 'started, headers held back')
    assert.equal(writer.statusCode, 201)
    await writer.send(new Uint8Array(0))
    assert.equal(res.head, undefined, 'an empty chunk sends nothing')
    await write(bytes('hi'))
    assert.deepEqual(res.head, {
      code: 201,
      reason: 'Created',
      headers: ['Content-Type', 'text/plain', 'X-A', '1'],
    })
    assert.deepEqual(res.written, ['hi'])
    assert.ok(writer.headersSent, 'headers sent')
  })

  test('a second call without excInfo is refused', () => {
    const { writer } = writerFor()
    writer.startResponse('200 OK', [TEXT])
    assert.throws(
      () => writer.startResponse('200 OK', [TEXT]),
      code('TSGI_ERR_START_RESPONSE_TWICE')
    )
  })

  test('with excInfo before headers are sent: status and headers are replaced', async () => {
    const { res, writer } = writerFor()
    writer.startResponse('200 OK', [TEXT, ['X-First', '1']])
    writer.startResponse('500 Oops', [TEXT], new Error('handled'))
    await writer.send(bytes('x'))
    assert.deepEqual(res.head, {
      code: 500,
      reason: 'Oops',
      headers: ['Content-Type', 'text/plain'],
    })
  })

  test('with excInfo after headers are sent: the excInfo itself is thrown', async () => {
    const { writer } = writerFor()
    writer.startResponse('200 OK', [TEXT])
    await writer.send(bytes('x'))
    const error = new Error('handled')
    assert.throws(
      () => writer.startResponse('500 Oops', [TEXT], error),
      (thrown) => thrown === error
    )
  })

  const invalidCalls: Array<[status: string, headers: [string, string][], error: string]> = [
    ['OK', [TEXT], 'TSGI_ERR_STATUS'],
    ['200 OK', [['Bad Name', 'x']], 'TSGI_ERR_HEADER_NAME'],
    ['200 OK', [['Connection', 'close']], 'TSGI_ERR_HOP_BY_HOP'],
  ]
  for (const [status, headers, error] of invalidCalls) {
    test(`an invalid call (${error}) stores nothing but counts: the next one needs excInfo`, () => {
      const { writer } = writerFor()
      assert.throws(() => writer.startResponse(status, headers), code(error))
      assert.equal(writer.started, false)
      assert.throws(
        () => writer.startResponse('200 OK', [TEXT]),
        code('TSGI_ERR_START_RESPONSE_TWICE')
      )
      writer.startResponse('500 Internal Server Error', [TEXT], new Error('handled'))
      assert.equal(writer.statusCode, 500)
    })
  }

  test('the header list is copied: a frozen list works, later changes have no effect', async () => {
    const frozen = Object.freeze([Object.freeze(['Content-Type', 'text/plain'])]) as [
      string,
      string,
    ][]
    const { res, writer } = writerFor()
    writer.startResponse('200 OK', frozen)
    writer.finish()
    assert.deepEqual(res.head?.headers, ['Content-Type', 'text/plain', 'Content-Length', '0'])

    const headers: [string, string][] = [['Content-Type', 'text/plain']]
    const second = writerFor()
    second.writer.startResponse('200 OK', headers)
    headers.push(['X-Later', '1'])
    headers[0]![1] = 'changed'
    await second.writer.send(bytes('x'))
    assert.deepEqual(second.res.head?.headers, ['Content-Type', 'text/plain'])
    assert.deepEqual(
      headers,
      [
        ['Content-Type', 'changed'],
        ['X-Later', '1'],
      ],
      'the list is untouched'
    )
  })

  test('a failed replacement keeps the first status', async () => {
    const { res, writer } = writerFor()
    writer.startResponse('200 OK', [TEXT])
    assert.throws(
      () => writer.startResponse('bad', [TEXT], new Error('x')),
      code('TSGI_ERR_STATUS')
    )
    await writer.send(bytes('x'))
    assert.equal(res.head?.code, 200)
  })
})

describe('write and send', () => {
  test('a body chunk before startResponse is refused', () => {
    const { writer } = writerFor()
    assert.throws(() => writer.send(bytes('x')), code('TSGI_ERR_START_RESPONSE_MISSING'))
  })

  test('write() takes only Uint8Array', () => {
    const { writer } = writerFor()
    const write = writer.startResponse('200 OK', [TEXT])
    assert.throws(() => write('text' as unknown as Uint8Array), code('TSGI_ERR_WRITE_TYPE'))
  })

  test('more bytes than Content-Length: refused before anything is written', () => {
    const { res, writer } = writerFor()
    writer.startResponse('200 OK', [TEXT, ['Content-Length', '3']])
    assert.throws(() => writer.send(bytes('four')), code('TSGI_ERR_CONTENT_LENGTH'))
    assert.equal(res.head, undefined)
    assert.deepEqual(res.written, [])
  })

  test('backpressure: the promise waits for drain', async () => {
    const { res, writer } = writerFor()
    writer.startResponse('200 OK', [TEXT])
    res.accepting = false
    let settled = false
    const sent = writer.send(bytes('x'))!.then(() => (settled = true))
    await new Promise((resolve) => setImmediate(resolve))
    assert.equal(settled, false)
    res.emit('drain')
    await sent
    assert.equal(res.listenerCount('drain') + res.listenerCount('close'), 0, 'listeners removed')
  })

  test('backpressure: a closed connection releases the wait', async () => {
    const { res, writer } = writerFor()
    writer.startResponse('200 OK', [TEXT])
    res.accepting = false
    const sent = writer.send(bytes('x'))
    res.emit('close')
    await sent
  })

  test('a destroyed response takes no bytes and never waits', async () => {
    const { res, writer } = writerFor()
    writer.startResponse('200 OK', [TEXT])
    await writer.send(bytes('a'))
    res.destroyed = true
    res.accepting = false
    await writer.send(bytes('b'))
    assert.deepEqual(res.written, ['a'])
  })

  test('if writeHead refuses the headers, they do not count as sent', () => {
    const { res, writer } = writerFor()
    writer.startResponse('200 OK', [TEXT])
    res.refuseHead = new TypeError('invalid character')
    assert.throws(() => writer.send(bytes('x')), TypeError)
    assert.equal(writer.headersSent, false)
  })

  test('HEAD: headers are sent, body bytes are counted but not written', async () => {
    const { res, writer } = writerFor('HEAD')
    writer.startResponse('200 OK', [TEXT])
    await writer.send(bytes('hello'))
    assert.ok(res.head, 'headers sent')
    assert.deepEqual(res.written, [])
    assert.equal(writer.bytes, 5)
  })
})

describe('the end of the body', () => {
  test('write() after finish() throws TSGI_ERR_WRITE_AFTER_END and sends nothing', () => {
    const { res, writer } = writerFor()
    const write = writer.startResponse('200 OK', [TEXT])
    writer.finish()
    assert.throws(() => write(bytes('late')), code('TSGI_ERR_WRITE_AFTER_END'))
    assert.throws(() => write(new Uint8Array(0)), code('TSGI_ERR_WRITE_AFTER_END'))
    assert.deepEqual(res.written, [])
  })

  test('write() after markEnded() (a failed or abandoned body) throws too', () => {
    const { res, writer } = writerFor()
    const write = writer.startResponse('200 OK', [TEXT])
    writer.markEnded()
    assert.throws(() => write(bytes('late')), code('TSGI_ERR_WRITE_AFTER_END'))
    assert.equal(res.head, undefined)
  })
})

describe('finish', () => {
  test('a body that produced nothing gets Content-Length: 0', () => {
    const { res, writer } = writerFor()
    writer.startResponse('200 OK', [TEXT])
    writer.finish()
    assert.deepEqual(res.head?.headers, ['Content-Type', 'text/plain', 'Content-Length', '0'])
    assert.ok(res.ended, 'ended')
  })

  test('204, 304 and HEAD get no Content-Length added', () => {
    for (const [method, status] of [
      ['GET', '204 No Content'],
      ['GET', '304 Not Modified'],
      ['HEAD', '200 OK'],
    ]) {
      const { res, writer } = writerFor(method)
      writer.startResponse(status!, status!.startsWith('200') ? [TEXT] : [])
      writer.finish()
      assert.ok(!res.head?.headers.includes('Content-Length'), `${method} ${status}`)
    }
  })

  test('fewer bytes than Content-Length: an error after the headers went out', async () => {
    const { res, writer } = writerFor()
    writer.startResponse('200 OK', [TEXT, ['Content-Length', '10']])
    await writer.send(bytes('abc'))
    assert.throws(() => writer.finish(), code('TSGI_ERR_CONTENT_LENGTH'))
    assert.equal(res.ended, false)
  })

  test('304 with a Content-Length and no body is complete', () => {
    const { res, writer } = writerFor()
    writer.startResponse('304 Not Modified', [['Content-Length', '1234']])
    writer.finish()
    assert.deepEqual(res.head?.headers, ['Content-Length', '1234'])
    assert.ok(res.ended, 'ended')
  })

  test('HEAD with a Content-Length and no body is complete', () => {
    const { res, writer } = writerFor('HEAD')
    writer.startResponse('200 OK', [TEXT, ['Content-Length', '10']])
    writer.finish()
    assert.ok(res.ended, 'ended')
  })

  test('before startResponse: refused', () => {
    const { writer } = writerFor()
    assert.throws(() => writer.finish(), code('TSGI_ERR_START_RESPONSE_MISSING'))
  })
})

describe('setKnownLength', () => {
  test('adds Content-Length when the app set none', async () => {
    const { res, writer } = writerFor()
    writer.startResponse('200 OK', [TEXT])
    writer.setKnownLength(3)
    await writer.send(bytes('abc'))
    writer.finish()
    assert.deepEqual(res.head?.headers, ['Content-Type', 'text/plain', 'Content-Length', '3'])
  })

  test('HEAD: a length from a non-empty array only (spec §5.5)', () => {
    for (const [length, expected] of [
      [0, []],
      [5, ['Content-Length', '5']],
    ] as const) {
      const { res, writer } = writerFor('HEAD')
      writer.startResponse('200 OK', [TEXT])
      writer.setKnownLength(length)
      writer.finish()
      assert.deepEqual(res.head?.headers, [...TEXT, ...expected], String(length))
    }
  })

  test("leaves the app's own Content-Length, sent headers, 204 and 304 alone", async () => {
    const own = writerFor()
    own.writer.startResponse('200 OK', [TEXT, ['Content-Length', '2']])
    own.writer.setKnownLength(5)
    await own.writer.send(bytes('ab'))
    assert.deepEqual(own.res.head?.headers, ['Content-Type', 'text/plain', 'Content-Length', '2'])

    const sent = writerFor()
    sent.writer.startResponse('200 OK', [TEXT])
    await sent.writer.send(bytes('ab'))
    sent.writer.setKnownLength(5)
    sent.writer.finish()
    assert.deepEqual(sent.res.head?.headers, ['Content-Type', 'text/plain'])

    for (const status of ['204 No Content', '304 Not Modified']) {
      const { res, writer } = writerFor()
      writer.startResponse(status, [])
      writer.setKnownLength(0)
      writer.finish()
      assert.deepEqual(res.head?.headers, [], status)
    }
  })
})
