/**
 * Persistent connections: keep-alive reuse, pipelining, and closing when the client asks.
 * @module
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { header } from '../../helpers/http-response.ts'
import { requestText } from '../../helpers/raw.ts'
import type { SuiteContext } from '../context.ts'

function environOfBody(body: Buffer): Record<string, string> {
  return JSON.parse(body.toString()) as Record<string, string>
}

export function connectionCases(ctx: SuiteContext): void {
  describe('connections', () => {
    test('keep-alive: one connection serves request after request', async () => {
      const connection = await ctx.connect()
      for (const name of ['one', 'two', 'three']) {
        await connection.write(requestText('GET', `/environ/${name}`))
        const response = await connection.readResponse()
        const env = environOfBody(response.body)
        assert.equal(env.PATH_INFO, `/environ/${name}`)
        assert.equal(env.REMOTE_PORT, String(connection.localPort))
      }
      assert.equal(connection.closed, false)
    })

    test('pipelined requests are answered in order', async () => {
      const requests = ['one', 'two', 'three'].map((name) => requestText('GET', `/environ/${name}`))
      const { responses } = await ctx.raw(requests.join(''), { responses: 3 })
      const paths = responses.map((response) => environOfBody(response.body).PATH_INFO)
      assert.deepEqual(paths, ['/environ/one', '/environ/two', '/environ/three'])
    })

    test('Connection: close is honoured after the response', async () => {
      const request = requestText('GET', '/ping', [['Connection', 'close']])
      const { responses, closed, timedOut } = await ctx.raw(request)
      assert.equal(responses[0]?.body.toString(), 'pong')
      assert.equal(header(responses[0]!, 'connection')?.toLowerCase(), 'close')
      assert.ok(closed && !timedOut, 'the server closed the connection')
    })

    test('HTTP/1.0 without keep-alive: closed after the response', async () => {
      const { responses, closed, timedOut } = await ctx.raw(
        requestText('GET', '/ping', [], '', 'HTTP/1.0')
      )
      assert.equal(responses[0]?.body.toString(), 'pong')
      assert.ok(closed && !timedOut, 'the server closed the connection')
    })
  })
}
