import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { compose } from './compose.ts'
import { mapBody } from './body.ts'
import { runApp } from '../ref/testing.ts'
import type { Application, Middleware } from '../spec/types.ts'

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** A middleware that records the request passing through and tags the response body. */
function tagger(name: string, trail: string[]): Middleware {
  return (inner) => async (environ, startResponse) => {
    trail.push(`${name} in`)
    const body = await inner(environ, startResponse)
    return mapBody(body, (chunk) => encoder.encode(`${name}(${decoder.decode(chunk)})`))
  }
}

const app: Application = (_environ, startResponse) => {
  startResponse('200 OK', [['Content-Type', 'text/plain']])
  return [encoder.encode('app')]
}

describe('compose', () => {
  it('makes the first middleware listed the outermost: compose(app, a, b) is a(b(app))', async () => {
    const trail: string[] = []
    const composed = compose(app, tagger('a', trail), tagger('b', trail))
    const result = await runApp(composed)
    assert.equal(result.text, 'a(b(app))')
    assert.deepEqual(trail, ['a in', 'b in'])
    const byHand = await runApp(tagger('a', [])(tagger('b', [])(app)))
    assert.equal(byHand.text, result.text)
  })

  it('returns the app itself when there is no middleware', () => {
    assert.equal(compose(app), app)
  })

  it('calls each middleware once, when composing, not per request', async () => {
    const calls: string[] = []
    const counting =
      (name: string): Middleware =>
      (inner) => {
        calls.push(name)
        return inner
      }
    const composed = compose(app, counting('a'), counting('b'))
    assert.deepEqual(calls, ['b', 'a'])
    await runApp(composed)
    await runApp(composed)
    assert.deepEqual(calls, ['b', 'a'])
  })
})
