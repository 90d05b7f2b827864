/**
 * Status lines and response headers (spec §3.1–§3.2): what the app sets goes out as set, and
 * what breaks the rules becomes a 500 rather than a malformed response.
 * @module
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { header, headerValues } from '../../helpers/http-response.ts'
import { requestText } from '../../helpers/raw.ts'
import { INVALID_RESPONSES, RESPONSE_HEADERS } from '../app.ts'
import type { SuiteContext } from '../context.ts'

const STATUSES: Array<[code: number, reason: string]> = [
  [200, 'OK'],
  [201, 'Created'],
  [404, 'Not Found'],
  [500, 'Internal Server Error'],
  [299, 'A Reason Of Its Own'],
]

export function statusAndHeaderCases(ctx: SuiteContext): void {
  describe('status line', () => {
    for (const [code, reason] of STATUSES) {
      test(`${code} ${reason} from the app goes out as set`, async () => {
        const response = await ctx.request(`/status/${code}/${encodeURIComponent(reason)}`)
        assert.equal(response.status, code)
        assert.equal(response.reason, reason)
        assert.equal(response.text, `status ${code}\n`)
      })
    }

    for (const [code, reason] of [
      [204, 'No Content'],
      [304, 'Not Modified'],
    ] as const) {
      test(`${code} has no body and no framing headers, and the connection stays usable`, async () => {
        const connection = await ctx.connect()
        await connection.write(requestText('GET', `/status/${code}/${encodeURIComponent(reason)}`))
        const response = await connection.readResponse()
        assert.equal(response.status, code)
        assert.equal(response.reason, reason)
        assert.equal(header(response, 'transfer-encoding'), undefined)
        assert.equal(header(response, 'content-length'), undefined)
        await connection.write(requestText('GET', '/ping'))
        const next = await connection.readResponse()
        assert.equal(next.body.toString(), 'pong', 'no stray body bytes before the next response')
      })
    }

    test('304 with a Content-Length: sent as set, no body, the connection stays usable', async () => {
      const connection = await ctx.connect()
      await connection.write(requestText('GET', '/status/304/Not%20Modified?length=1234'))
      const response = await connection.readResponse()
      assert.equal(response.status, 304)
      assert.equal(header(response, 'content-length'), '1234')
      await connection.write(requestText('GET', '/ping'))
      assert.equal((await connection.readResponse()).body.toString(), 'pong')
    })

    test('a latin-1 reason phrase goes out byte for byte', async () => {
      const { responses, text } = await ctx.raw(requestText('GET', '/status/200/Gr%FC%DFe'), {
        responses: 1,
      })
      assert.ok(text.startsWith('HTTP/1.1 200 Gr\xfc\xdfe\r\n'), JSON.stringify(text.slice(0, 40)))
      assert.equal(responses[0]?.body.toString(), 'status 200\n')
    })

    test('an empty reason phrase is allowed', async () => {
      // Unvalidated: an empty reason is allowed, but the validator warns (a SHOULD, spec §3.1).
      const { text } = await ctx.raw(requestText('GET', '/bare-status/200/'), { responses: 1 })
      assert.ok(text.startsWith('HTTP/1.1 200 \r\n'), JSON.stringify(text.slice(0, 40)))
    })
  })

  describe('response headers', () => {
    test('go out in order, duplicates as separate lines, latin-1 values byte for byte', async () => {
      const { responses, text } = await ctx.raw(requestText('GET', '/headers'), { responses: 1 })
      const response = responses[0]!
      assert.deepEqual(headerValues(response, 'set-cookie'), ['a=1; Path=/', 'b=2; HttpOnly'])
      for (const [name, value] of RESPONSE_HEADERS) {
        assert.ok(
          text.includes(`\r\n${name}: ${value}\r\n`),
          `${name}: ${JSON.stringify(value)} on the wire`
        )
      }
      const fromApp = response.headers.filter(([name]) =>
        RESPONSE_HEADERS.some(([n]) => n === name)
      )
      assert.deepEqual(fromApp, RESPONSE_HEADERS, 'names, values and order as the app gave them')
    })

    test('node:http clients read latin-1 values back', async () => {
      const response = await ctx.request('/headers')
      assert.equal(response.headers['x-latin-1'], 'caf\u00e9 \u00ff\u00a0end')
      assert.deepEqual(response.headers['set-cookie'], ['a=1; Path=/', 'b=2; HttpOnly'])
    })
  })

  describe('the header list belongs to the app (spec §3.2)', () => {
    for (const mode of ['frozen-empty', 'frozen-array', 'frozen-generator']) {
      test(`a frozen constant list works (${mode.slice(7)} body)`, async () => {
        const response = await ctx.request(`/header-list/${mode}`)
        assert.equal(response.status, 200)
        assert.equal(response.headers['content-type'], 'text/plain')
        assert.equal(response.text, mode === 'frozen-empty' ? '' : 'frozen\n')
      })
    }

    test('changes made to the list after startResponse have no effect', async () => {
      const response = await ctx.request('/header-list/changed-later')
      assert.equal(response.headers['content-type'], 'text/plain')
      assert.equal(response.headers['x-before'], '1')
      assert.equal(response.headers['x-later'], undefined)
    })
  })

  describe('invalid status or headers from the app give a 500', () => {
    for (const name of Object.keys(INVALID_RESPONSES)) {
      test(name, async () => {
        const response = await ctx.request(`/invalid/${name}`)
        assert.equal(response.status, 500)
        assert.ok(!response.text.includes('must not be sent'), 'the app body was not sent')
        assert.equal(response.headers['x-injected'], undefined)
      })
    }
  })
}
