/**
 * The request body through `tsgi.input` (spec §4.3, §5.4): every way of reading it, with
 * Content-Length and chunked framing, never past its end, and `Expect: 100-continue`.
 * @module
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { chunked, requestText } from '../../helpers/raw.ts'
import { sha256, textLines } from '../data.ts'
import type { SuiteContext } from '../context.ts'

const UPLOAD = textLines(300_000)

interface UploadReport {
  length: number
  sha256: string
  sizes: number[]
  afterEnd: number
}

/** The sizes readline(limit) returns for `bytes`: each line, cut into pieces of `limit`. */
function lineSizes(bytes: Buffer, limit = Infinity): number[] {
  const sizes: number[] = []
  for (let start = 0; start < bytes.length;) {
    const newline = bytes.indexOf(0x0a, start)
    const end = newline < 0 ? bytes.length : newline + 1
    for (let at = start; at < end; at += limit) sizes.push(Math.min(limit, end - at))
    start = end
  }
  return sizes
}

/** readlines(hint) then read(): the first lines that reach `hint` bytes, then the rest. */
function readlinesSizes(bytes: Buffer, hint: number): number[] {
  const sizes: number[] = []
  let total = 0
  for (const size of lineSizes(bytes)) {
    if (total >= hint) break
    sizes.push(size)
    total += size
  }
  return [...sizes, bytes.length - total]
}

function readSizes(length: number, size: number): number[] {
  const sizes = Array.from({ length: Math.floor(length / size) }, () => size)
  return length % size ? [...sizes, length % size] : sizes
}

/** [mode, n, the sizes the reads must return (undefined: any sizes)] */
const READ_MODES: Array<[mode: string, n: number | undefined, sizes: number[] | undefined]> = [
  ['all', undefined, [UPLOAD.length]],
  ['read', 4093, readSizes(UPLOAD.length, 4093)],
  ['read', 65536, readSizes(UPLOAD.length, 65536)],
  ['readline', undefined, lineSizes(UPLOAD)],
  ['readline', 50, lineSizes(UPLOAD, 50)],
  ['readlines', undefined, [...lineSizes(UPLOAD), 0]],
  ['readlines', 10_000, readlinesSizes(UPLOAD, 10_000)],
  ['iterate', undefined, undefined],
  ['mixed', undefined, undefined],
]

/** The upload in irregular pieces, one write each, so chunk boundaries fall mid-line. */
function pieces(bytes: Buffer): Buffer[] {
  const out: Buffer[] = []
  const sizes = [1, 10, 4093, 65536, 3, 100_000]
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const size = sizes[i % sizes.length]!
    out.push(bytes.subarray(at, at + size))
    at += size
  }
  return out
}

export function requestBodyCases(ctx: SuiteContext): void {
  describe('tsgi.input', () => {
    for (const framing of ['Content-Length', 'chunked']) {
      for (const [mode, n, sizes] of READ_MODES) {
        test(`${mode}(${n ?? ''}) with ${framing}`, async () => {
          const body = framing === 'chunked' ? pieces(UPLOAD) : UPLOAD
          const path = `/upload?mode=${mode}${n === undefined ? '' : `&n=${n}`}`
          const response = await ctx.request(path, { body, timeout: 20_000 })
          assert.equal(response.status, 200, response.text)
          const report = JSON.parse(response.text) as UploadReport
          assert.equal(report.length, UPLOAD.length)
          assert.equal(report.sha256, sha256(UPLOAD))
          assert.equal(report.afterEnd, 0, 'reads after the end return nothing')
          if (sizes) assert.deepEqual(report.sizes, sizes)
          if (mode === 'mixed')
            assert.deepEqual(report.sizes.slice(0, 2), [lineSizes(UPLOAD)[0], 10])
        })
      }
    }

    test('an empty body reads as empty', async () => {
      const response = await ctx.request('/upload?mode=read&n=10', { method: 'POST', body: '' })
      assert.deepEqual(JSON.parse(response.text), {
        length: 0,
        sha256: sha256(Buffer.alloc(0)),
        sizes: [],
        afterEnd: 0,
      })
    })

    // Node 24.12+ hands such a request over already ended (REQUEST_HANDLER_SERVER_OPTIONS):
    // every reader must still see an empty body, and the next request on the connection its own.
    test('a request without body headers reads as empty, with every reader', async () => {
      const modes = [...new Set(READ_MODES.map(([mode]) => mode))]
      const requests = modes.map((mode) => requestText('GET', `/upload?mode=${mode}`))
      const last = requestText('POST', '/echo', [['Content-Length', '5']], 'hello')
      const { responses } = await ctx.raw(requests.join('') + last, {
        responses: modes.length + 1,
      })
      modes.forEach((mode, i) => {
        const report = JSON.parse(responses[i]!.body.toString()) as UploadReport
        assert.equal(report.length, 0, mode)
        assert.equal(report.afterEnd, 0, mode)
      })
      assert.equal(responses[modes.length]?.body.toString(), 'hello')
    })

    test('a chunked upload with trailers is read to its end', async () => {
      const body = chunked(['abc', 'defgh'], 'X-Trailer: 1\r\n')
      const request = requestText('POST', '/echo', [['Transfer-Encoding', 'chunked']], body)
      const { responses } = await ctx.raw(request, { responses: 1 })
      assert.equal(responses[0]?.body.toString(), 'abcdefgh')
    })
  })

  describe('reads never go past the body', () => {
    const bodies: Array<[framing: string, headers: Array<[string, string]>, body: string]> = [
      ['Content-Length', [['Content-Length', '5']], 'hello'],
      ['chunked', [['Transfer-Encoding', 'chunked']], chunked(['hel', 'lo'])],
    ]
    for (const [framing, headers, body] of bodies) {
      test(`${framing}: the pipelined request after the body is not read as body`, async () => {
        const first = requestText('POST', '/upload?mode=read&n=100', headers, body)
        const second = requestText('GET', '/ping')
        const { responses } = await ctx.raw(first + second, { responses: 2 })
        const report = JSON.parse(responses[0]!.body.toString()) as UploadReport
        assert.equal(report.length, 5)
        assert.equal(report.afterEnd, 0)
        assert.equal(responses[1]?.body.toString(), 'pong')
      })
    }
  })

  describe('Expect: 100-continue', () => {
    const expectHead = (path: string, version = 'HTTP/1.1') =>
      requestText(
        'POST',
        path,
        [
          ['Expect', '100-continue'],
          ['Content-Length', '5'],
        ],
        '',
        version
      )

    test('100 Continue comes when the app reads, then the body is read', async () => {
      const connection = await ctx.connect()
      await connection.write(expectHead('/echo'))
      const interim = await connection.readResponse()
      assert.equal(interim.status, 100)
      await connection.write('hello')
      const final = await connection.readResponse()
      assert.equal(final.status, 200)
      assert.equal(final.body.toString(), 'hello')
    })

    test('an app that answers without reading gets no 100 Continue sent', async () => {
      const connection = await ctx.connect()
      await connection.write(expectHead('/no-read'))
      const response = await connection.readResponse()
      assert.equal(response.status, 200, 'the first response is the final one')
      assert.equal(response.body.toString(), 'not read\n')
    })

    test('the response is never corrupted by a 100 Continue after it began', async () => {
      const connection = await ctx.connect()
      await connection.write(expectHead('/read-after-headers'))
      const head = await connection.waitFor('started\n')
      assert.match(head, /^HTTP\/1\.1 200 /, 'the first bytes are the final response')
      await connection.write('hello')
      await connection.waitFor('0\r\n\r\n')
      const received = connection.received.toString('latin1')
      assert.ok(
        !received.includes('100 Continue'),
        `no interim response inside the body: ${JSON.stringify(received)}`
      )
      assert.ok(received.includes('5\r\nhello\r\n'), 'the body was echoed')
    })

    test('after answering without reading, the unsent body is never parsed as a request', async () => {
      const connection = await ctx.connect()
      await connection.write(expectHead('/no-read'))
      await connection.readResponse()
      // The client may still send the body; the server closes or discards it (spec §5.4).
      await connection.write('hello' + requestText('GET', '/ping')).catch(() => {})
      const next = await connection.readResponse().catch(() => undefined)
      if (next) assert.equal(next.body.toString(), 'pong')
      else assert.ok(connection.closed, 'no next response, so the connection was closed')
    })

    test('HTTP/1.0 ignores Expect: no 100 Continue', async () => {
      const { responses } = await ctx.raw(expectHead('/echo', 'HTTP/1.0') + 'hello')
      assert.deepEqual(
        responses.map((r) => r.status),
        [200]
      )
      assert.equal(responses[0]?.body.toString(), 'hello')
    })
  })
}
