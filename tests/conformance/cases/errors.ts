/**
 * Application errors (spec §5.3): before the headers are sent the client gets a 500 and the
 * error is logged; after, the connection is aborted so the client can tell the body is cut.
 * Apps that break the contract are treated the same way.
 * @module
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { header } from '../../helpers/http-response.ts'
import { requestText } from '../../helpers/raw.ts'
import { waitUntil } from '../../helpers/wait.ts'
import { BROKEN_CASES } from '../app.ts'
import type { SuiteContext } from '../context.ts'

/** Broken apps whose fault shows only after the headers went out, and the bytes sent by then. */
const BROKEN_AFTER_HEADERS: Record<string, { length: string; sent: string }> = {
  'longer-than-declared-later': { length: '6', sent: 'abc' },
  'shorter-than-declared': { length: '10', sent: 'abc' },
}

/** Waits until the server's log mentions `text`; a no-op for servers whose log is not captured. */
export async function expectLogged(ctx: SuiteContext, text: string): Promise<void> {
  if (ctx.log() === undefined) return
  await waitUntil(() => ctx.log()!.includes(text), { what: `"${text}" in the server's log` })
}

export function errorCases(ctx: SuiteContext): void {
  describe('app errors', () => {
    for (const when of ['call', 'rejected', 'before-headers']) {
      test(`raised ${when === 'call' ? 'by the app call' : when}: 500, logged`, async () => {
        const id = ctx.probes.newId(`error-${when}`)
        const response = await ctx.request(`/error/${when}?id=${id}`)
        assert.equal(response.status, 500)
        assert.ok(!response.text.includes(id), 'the error is not revealed to the client')
        await expectLogged(ctx, `conformance failure ${id}`)
      })
    }

    test("raised by the body's iterator method: 500, the body is still closed once", async () => {
      const id = ctx.probes.newId('error-iterator')
      const response = await ctx.request(`/error/iterator?id=${id}`)
      assert.equal(response.status, 500)
      assert.deepEqual(await ctx.probes.waitFor(id, 'close'), ['close'])
      await expectLogged(ctx, `conformance failure ${id}`)
    })

    test('raised after the headers: the connection is aborted mid-body, logged', async () => {
      const id = ctx.probes.newId('error-after-headers')
      const { responses, closed } = await ctx.raw(
        requestText('GET', `/error/after-headers?id=${id}`)
      )
      const response = responses[0]!
      assert.equal(response.status, 200)
      assert.equal(response.framing, 'chunked')
      assert.equal(response.complete, false, 'no last chunk: the client can tell the body is cut')
      assert.equal(response.body.toString(), 'partial\n')
      assert.ok(closed, 'the connection was closed')
      await expectLogged(ctx, `conformance failure ${id}`)
    })
  })

  describe('apps that break the contract', () => {
    for (const name of BROKEN_CASES.filter((n) => !(n in BROKEN_AFTER_HEADERS))) {
      test(`${name}: 500`, async () => {
        const response = await ctx.request(`/broken/${name}`)
        assert.equal(response.status, 500)
      })
    }

    test('an invalid startResponse call still counts: a second one without excInfo throws', async () => {
      const response = await ctx.request('/start-after-invalid')
      assert.equal(response.status, 409)
      assert.equal(response.text, 'second call refused TSGI_ERR_START_RESPONSE_TWICE\n')
    })

    test('write() after the body ended throws TSGI_ERR_WRITE_AFTER_END and sends nothing', async () => {
      const id = ctx.probes.newId('write-after-end')
      const connection = await ctx.connect()
      await connection.write(requestText('GET', `/write-after-end?id=${id}`))
      const response = await connection.readResponse()
      assert.equal(response.body.toString(), 'body\n')
      assert.deepEqual(await ctx.probes.waitFor(id, 'late write threw TSGI_ERR_WRITE_AFTER_END'), [
        'late write threw TSGI_ERR_WRITE_AFTER_END',
      ])
      await connection.write(requestText('GET', '/ping'))
      assert.equal((await connection.readResponse()).body.toString(), 'pong', 'no stray bytes')
    })

    for (const [name, { length, sent }] of Object.entries(BROKEN_AFTER_HEADERS)) {
      test(`${name}: the connection is aborted after the bytes that fit`, async () => {
        const { responses, closed } = await ctx.raw(requestText('GET', `/broken/${name}`))
        const response = responses[0]!
        assert.equal(header(response, 'content-length'), length)
        assert.equal(response.body.toString(), sent)
        assert.equal(response.complete, false)
        assert.ok(closed, 'the connection was closed')
      })
    }
  })
}
