/**
 * Response bodies (spec §2, §3.5, §4.5, §5.2): streamed as produced, intact when large, framed
 * by Content-Length or chunks, write(), excInfo, HEAD and tsgi.file_wrapper.
 * @module
 */
import { waitUntil } from '../../helpers/wait.ts'
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { header, type ParsedResponse } from '../../helpers/http-response.ts'
import { requestText } from '../../helpers/raw.ts'
import { noise, sha256 } from '../data.ts'
import type { SuiteContext } from '../context.ts'

/** Headers that may differ between two responses to the same request. */
const VARYING = new Set(['date', 'transfer-encoding'])

function stableHeaders(response: ParsedResponse): Array<[string, string]> {
  return response.headers.filter(([name]) => !VARYING.has(name.toLowerCase()))
}

export function responseBodyCases(ctx: SuiteContext): void {
  describe('streamed bodies', () => {
    test('each chunk reaches the client before the app produces the next one', async () => {
      // The app echoes each line of the upload; the client sends the next line only after it
      // has received the echo of the previous one, so no chunk can wait for the next.
      const connection = await ctx.connect()
      const head = requestText('POST', '/pingpong', [
        ['Transfer-Encoding', 'chunked'],
        ['Content-Type', 'text/plain'],
      ])
      await connection.write(head)
      assert.match(await connection.waitFor('\r\n\r\n'), /^HTTP\/1\.1 200 /)
      await connection.waitFor('ready\n')
      for (const word of ['one', 'two', 'three']) {
        await connection.write(`${(word.length + 1).toString(16)}\r\n${word}\n\r\n`)
        await connection.waitFor(`echo:${word}\n`)
      }
      await connection.write('0\r\n\r\n')
      await connection.waitFor('done\n')
      await connection.waitFor('0\r\n\r\n')
    })

    for (const withLength of [false, true]) {
      test(`an 8 MiB body arrives intact (${withLength ? 'Content-Length' : 'chunked'})`, async () => {
        const size = 8 << 20
        const response = await ctx.request(`/large?size=${size}${withLength ? '&length=1' : ''}`, {
          timeout: 30_000,
        })
        assert.equal(response.status, 200)
        assert.equal(response.body.length, size)
        assert.equal(sha256(response.body), sha256(noise(0, size)))
        if (withLength) assert.equal(response.headers['content-length'], String(size))
        else assert.equal(response.headers['transfer-encoding'], 'chunked')
      })
    }
  })

  describe('framing', () => {
    const cases: Array<[mode: string, length: string | undefined, body: string]> = [
      ['content-length', '11', 'hello world'],
      ['array', '11', 'hello world'],
      ['empty-array', '0', ''],
      ['empty-generator', '0', ''],
      ['stream', undefined, 'hello world'],
      ['empty-chunks', undefined, 'hello world'],
    ]
    for (const [mode, length, body] of cases) {
      const framing = length === undefined ? 'chunked' : `Content-Length: ${length}`
      test(`${mode} body: ${framing}`, async () => {
        const response = await ctx.request(`/framing/${mode}`)
        assert.equal(response.text, body)
        assert.equal(response.headers['content-length'], length)
        assert.equal(
          response.headers['transfer-encoding'],
          length === undefined ? 'chunked' : undefined
        )
      })
    }

    test('an HTTP/1.0 client gets a streamed body delimited by the close', async () => {
      const { responses, closed } = await ctx.raw(
        requestText('GET', '/framing/stream', [], '', 'HTTP/1.0')
      )
      const response = responses[0]!
      assert.equal(response.status, 200)
      assert.equal(header(response, 'transfer-encoding'), undefined)
      assert.equal(response.body.toString(), 'hello world')
      assert.ok(response.complete && closed, 'the whole body, then the close')
    })
  })

  describe('write()', () => {
    const cases: Array<[mode: string, body: string]> = [
      ['only', 'ab'],
      ['then-body', 'ab'],
      ['in-generator', 'abcd'],
    ]
    for (const [mode, body] of cases) {
      test(`${mode}: written and yielded bytes go out in order`, async () => {
        const response = await ctx.request(`/write/${mode}`)
        assert.equal(response.status, 200)
        assert.equal(response.text, body)
      })
    }

    test('awaiting each write() sends 1 MiB intact', async () => {
      const response = await ctx.request('/write/large', { timeout: 20_000 })
      assert.equal(sha256(response.body), sha256(noise(0, 1 << 20)))
    })
  })

  describe('excInfo (spec §3.4)', () => {
    test('before headers are sent, it replaces the status and headers', async () => {
      const response = await ctx.request('/exc-info/before')
      assert.equal(response.status, 503)
      assert.equal(response.headers['x-second'], '1')
      assert.equal(response.headers['x-first'], undefined)
      assert.equal(response.text, 'replaced\n')
    })

    test('after headers are sent, the excInfo is thrown back and the connection aborted', async () => {
      const id = ctx.probes.newId('exc-info-after')
      const { responses } = await ctx.raw(requestText('GET', `/exc-info/after?id=${id}`))
      const response = responses[0]!
      assert.equal(response.status, 200)
      assert.equal(header(response, 'x-first'), '1')
      assert.equal(response.body.toString(), 'partial\n')
      assert.equal(response.complete, false, 'aborted, not finished')
      assert.deepEqual(ctx.probes.events(id), ['rethrown: the same error'])
    })
  })

  describe('HEAD', () => {
    for (const shape of ['stream', 'array', 'content-length']) {
      test(`${shape} body: the app runs, the headers match GET, no body is sent`, async () => {
        const id = ctx.probes.newId('head')
        const connection = await ctx.connect()
        await connection.write(requestText('HEAD', `/head/${shape}?id=${id}`))
        const headResponse = await connection.readResponse({ head: true })
        await connection.write(requestText('GET', `/head/${shape}?id=${id}`))
        const getResponse = await connection.readResponse()
        assert.equal(
          getResponse.body.toString(),
          'head body\n',
          'the HEAD response carried no body'
        )
        assert.equal(headResponse.status, 200)
        assert.deepEqual(stableHeaders(headResponse), stableHeaders(getResponse))
        const iterated = shape === 'array' ? [] : ['body ended HEAD']
        const events = ctx.probes.events(id)
        assert.deepEqual(
          events.slice(0, iterated.length + 1),
          ['ran HEAD', ...iterated],
          'iterated to its end'
        )
      })
    }

    for (const mode of ['empty-array', 'empty-generator']) {
      test(`${mode} body: no Content-Length is added`, async () => {
        const { responses } = await ctx.raw(requestText('HEAD', `/framing/${mode}`), {
          responses: 1,
          heads: [true],
        })
        assert.equal(responses[0]?.status, 200)
        assert.equal(header(responses[0]!, 'content-length'), undefined)
        assert.equal(header(responses[0]!, 'transfer-encoding'), undefined)
      })
    }
  })

  describe('body shapes', () => {
    const shapes: Array<[path: string, body: string]> = [
      ['/body-shape/node-stream', 'node stream\n'],
      ['/body-shape/web-stream', 'web stream\n'],
      ['/body-shape/both-iterators', 'async\n'],
      ['/late-start', 'late start\n'],
    ]
    for (const [path, body] of shapes) {
      test(`${path.split('/').at(-1)}: ${JSON.stringify(body)}`, async () => {
        const response = await ctx.request(path)
        assert.equal(response.status, 200)
        assert.equal(response.text, body)
      })
    }
  })

  describe('tsgi.file_wrapper (spec §4.5)', () => {
    for (const how of ['served by the server', 'iterated by the app']) {
      test(`a file ${how} arrives intact`, async () => {
        const name = `${ctx.probes.newId('file')}.bin`
        const content = noise(7, 200_000)
        await writeFile(join(ctx.probes.dir, name), content)
        const response = await ctx.request(
          `/file/${name}${how.includes('app') ? '?iterate=1' : ''}`
        )
        assert.equal(response.status, 200)
        assert.equal(response.headers['content-length'], String(content.length))
        assert.ok(response.body.equals(content), 'the file content')
      })
    }

    test('the file is sent from its current position, then closed', async () => {
      const id = ctx.probes.newId('file-position')
      const content = noise(11, 50_000)
      await writeFile(join(ctx.probes.dir, `${id}.bin`), content)
      const connection = await ctx.connect()
      await connection.write(requestText('GET', `/file/${id}.bin?skip=1000&id=${id}`))
      const response = await connection.readResponse()
      assert.ok(response.body.equals(content.subarray(1000)), 'the file from byte 1000')
      // The server closes the body once the response is done, which may land just after the
      // client has read it: ask again until the close shows, within the time limit.
      await waitUntil(
        async () => {
          await connection.write(requestText('GET', `/file/check?id=${id}`))
          const check = JSON.parse((await connection.readResponse()).body.toString())
          return check.closed === true
        },
        { what: 'the file to be closed', timeout: 5000 }
      )
    })
  })
}
