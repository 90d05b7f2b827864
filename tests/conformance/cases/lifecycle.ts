/**
 * The end of a response (spec §5.1) and tsgi.signal: the body's iterator is ended and its
 * close() called exactly once on every path, a generator's finally always runs, and the signal
 * fires when the client goes away, never when the response completes.
 * @module
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { requestText } from '../../helpers/raw.ts'
import type { SuiteContext } from '../context.ts'

/** Requests a path on a new connection, then /ping on the same one: the same process. */
async function requestThenPing(ctx: SuiteContext, path: string) {
  const connection = await ctx.connect()
  await connection.write(requestText('GET', path))
  const response = await connection.readResponse()
  await connection.write(requestText('GET', '/ping'))
  await connection.readResponse()
  return response
}

/** Requests a path, reads up to the first chunk, then drops the connection. */
async function disconnectAfterFirstChunk(ctx: SuiteContext, path: string): Promise<void> {
  const connection = await ctx.connect()
  await connection.write(requestText('GET', path))
  await connection.waitFor('first\n')
  connection.destroy()
}

function count(events: string[], event: string): number {
  return events.filter((e) => e === event).length
}

/** Spec §5.1: return() exactly once (even after done), then close() exactly once. */
function assertEndedOnce(events: string[]): void {
  assert.equal(count(events, 'return'), 1, events.join())
  assert.equal(count(events, 'close'), 1, events.join())
  assert.ok(
    events.indexOf('return') < events.indexOf('close'),
    `return() before close(): ${events.join()}`
  )
}

export function lifecycleCases(ctx: SuiteContext): void {
  describe('a body with close()', () => {
    test('completed: close() once', async () => {
      const id = ctx.probes.newId('closable-complete')
      const response = await requestThenPing(ctx, `/closable/complete?id=${id}`)
      assert.equal(response.body.toString(), 'first\nmore\n')
      const events = await ctx.probes.waitFor(id, 'close')
      assertEndedOnce(events)
    })

    test('error before the headers: 500, close() once', async () => {
      const id = ctx.probes.newId('closable-error-before')
      const response = await ctx.request(`/closable/error-before-headers?id=${id}`)
      assert.equal(response.status, 500)
      const events = await ctx.probes.waitFor(id, 'close')
      assertEndedOnce(events)
    })

    test('error after the headers: aborted, close() once', async () => {
      const id = ctx.probes.newId('closable-error-after')
      const { responses } = await ctx.raw(
        requestText('GET', `/closable/error-after-headers?id=${id}`)
      )
      assert.equal(responses[0]?.complete, false)
      assertEndedOnce(await ctx.probes.waitFor(id, 'close'))
      await ctx.probes.waitFor(id, 'aborted') // the server aborted the connection (spec §4.6)
    })

    test('client gone mid-stream: the signal fires, return() and close() once each', async () => {
      const id = ctx.probes.newId('closable-disconnect')
      await disconnectAfterFirstChunk(ctx, `/closable/disconnect?id=${id}`)
      await ctx.probes.waitFor(id, 'signal true')
      const events = await ctx.probes.waitFor(id, 'close')
      assertEndedOnce(events)
      assert.ok(events.includes('aborted'), `the signal fired: ${events.join()}`)
      assert.ok(
        !events.includes('next after abort'),
        `no chunk asked for after the disconnect: ${events.join()}`
      )
    })
  })

  describe('a generator body', () => {
    test('completed: finally runs once', async () => {
      const id = ctx.probes.newId('generator-complete')
      const response = await requestThenPing(ctx, `/generator/complete?id=${id}`)
      assert.equal(response.body.toString(), 'first\nlast\n')
      assert.deepEqual(await ctx.probes.waitFor(id, 'finally'), ['finally'])
    })

    test('error after the headers: finally runs once', async () => {
      const id = ctx.probes.newId('generator-error')
      const { responses } = await ctx.raw(
        requestText('GET', `/generator/error-after-headers?id=${id}`)
      )
      assert.equal(responses[0]?.complete, false)
      assert.deepEqual(await ctx.probes.waitFor(id, 'finally'), ['finally'])
    })

    test('client gone mid-stream: the signal fires and finally runs once', async () => {
      const id = ctx.probes.newId('generator-disconnect')
      await disconnectAfterFirstChunk(ctx, `/generator/disconnect?id=${id}`)
      assert.deepEqual(await ctx.probes.waitFor(id, 'finally'), ['signal true', 'finally'])
    })
  })

  describe('tsgi.signal', () => {
    test('fires when the client goes away before the response starts', async () => {
      const id = ctx.probes.newId('signal-before-response')
      const connection = await ctx.connect()
      await connection.write(requestText('GET', `/signal/before-response?id=${id}`))
      await ctx.probes.waitFor(id, 'waiting')
      connection.destroy()
      const events = await ctx.probes.waitFor(id, 'signal true')
      assert.deepEqual(events.slice(0, 3), ['waiting', 'aborted', 'signal true'])
    })

    test('does not fire when the response completes', async () => {
      const id = ctx.probes.newId('signal-complete')
      const connection = await ctx.connect()
      await connection.write(requestText('GET', `/signal/complete?id=${id}`))
      const response = await connection.readResponse()
      assert.equal(response.body.toString(), 'first\nmore\n')
      await connection.write(requestText('GET', `/signal/check?id=${id}`))
      const check = await connection.readResponse()
      assert.deepEqual(JSON.parse(check.body.toString()), { aborted: false })
      const events = await ctx.probes.waitFor(id, 'close')
      assert.ok(!events.includes('aborted'), events.join())
    })
  })
}
