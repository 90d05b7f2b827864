// The worker's TSGI path (tsgi.ts): the core, and the pointer to --interface when a function
// was only guessed to be a TSGI app and turns out not to be one.
import assert from 'node:assert/strict'
import type { ServerResponse } from 'node:http'
import { test } from 'node:test'
import { httpRequest } from '../../../tests/helpers/http.ts'
import { serve } from '../../../tests/helpers/served.ts'
import { LineErrorStream } from '../../core/error-stream.ts'
import { detectInterface } from './detect.ts'
import { loadServe, type ServeOptions } from './serve.ts'

test('a guessed TSGI app that is a node:http listener fails with the fix in the log', async (t) => {
  const listener = (_req: unknown, res: ServerResponse) => {
    // Called as a TSGI app, `res` is startResponse: a listener that checks finds no end().
    if (typeof res.end === 'function') res.end('never')
  }
  const app = await detectInterface(listener, 'auto', 'test')
  assert.ok(app.interface === 'tsgi' && app.guessed)
  const served = await serve(t, app)
  const res = await httpRequest(served.url)
  assert.equal(res.status, 500)
  assert.ok(
    served.log.text.includes(
      'got undefined. tsgi took the app for a TSGI app (environ, startResponse) because it is a ' +
        'function of 2 parameters, which may be any interface; start tsgi with --interface node ' +
        'for a node:http listener (req, res), or --interface fetch for a fetch handler (request)'
    ),
    served.log.text
  )
})

test('a TSGI app detected for sure runs unwrapped, and its record has the environ', async (t) => {
  const app = await detectInterface(
    function* (_environ: unknown, startResponse: (s: string, h: [string, string][]) => void) {
      startResponse('200 OK', [['Content-Type', 'text/plain']])
      yield new TextEncoder().encode('tsgi')
    },
    'auto',
    'test'
  )
  const served = await serve(t, app)
  assert.equal((await httpRequest(`${served.url}/x`)).text, 'tsgi')
  const record = served.records[0] ?? (await served.nextRecord())
  assert.equal(record.environ?.PATH_INFO, '/x')
  assert.equal(record.bytes, 4)
})

test('a guess is checked until the app returns a TSGI body, then the app runs as it is', async (t) => {
  let calls = 0
  const maybe = (_environ: unknown, startResponse: (s: string, h: [string, string][]) => void) => {
    calls++
    if (calls === 1) return new Response('fetch-style')
    startResponse('200 OK', [['Content-Type', 'text/plain']])
    return calls === 2 ? [new TextEncoder().encode('tsgi')] : undefined
  }
  const app = await detectInterface(maybe, 'auto', 'test')
  assert.ok(app.interface === 'tsgi' && app.guessed)
  const served = await serve(t, app)
  assert.equal((await httpRequest(served.url)).status, 500)
  assert.match(served.log.text, /got a Response\. tsgi took the app for a TSGI app/)
  assert.equal((await httpRequest(served.url)).text, 'tsgi', 'a TSGI body settles the guess')
  const mark = served.log.text.length
  assert.equal((await httpRequest(served.url)).status, 500)
  const after = served.log.text.slice(mark)
  assert.match(after, /TSGI_ERR_BODY_TYPE.*got undefined|got undefined/, after)
  assert.doesNotMatch(after, /--interface/, 'once settled, errors are the core’s own')
})

test('only a TSGI app, which never sees req, is served with requests that may come ended', async () => {
  const options: ServeOptions = {
    multiprocess: true,
    errorLog: { error: () => {} },
    errors: new LineErrorStream(() => {}),
    onFinish: () => {},
  }
  const serverOptionsOf = async (app: unknown, as: 'tsgi' | 'node' | 'fetch') =>
    (await loadServe(await detectInterface(app, as, 'test')))(options).serverOptions
  const tsgi = await serverOptionsOf(() => [], 'tsgi')
  assert.deepEqual(tsgi, { optimizeEmptyRequests: true })
  assert.equal(await serverOptionsOf(() => {}, 'node'), undefined)
  assert.equal(await serverOptionsOf(() => new Response('hi'), 'fetch'), undefined)
})
