import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test } from 'node:test'
import { httpRequest } from '../../tests/helpers/http.ts'
import { RawConnection, requestText } from '../../tests/helpers/raw.ts'
import { startSimpleServer } from '../../tests/helpers/simple-server.ts'
import { waitUntil } from '../../tests/helpers/wait.ts'
import type { Application } from '../spec/types.ts'
import { ForwardedScheme } from './forwarded-scheme.ts'
import { createRequestHandler, type RequestRecord } from './handler.ts'

const pathApp: Application = (environ, startResponse) => {
  startResponse('200 OK', [['Content-Type', 'application/json']])
  return [Buffer.from(JSON.stringify([environ.SCRIPT_NAME, environ.PATH_INFO]))]
}

test('with a SCRIPT_NAME, paths under it reach the app and others get a 404', async (t) => {
  let calls = 0
  const app: Application = (environ, startResponse) => (calls++, pathApp(environ, startResponse))
  const { url } = await startSimpleServer(app, { scriptName: '/app' }, t)
  const cases: Array<[path: string, environ: [string, string]]> = [
    ['/app/x/y', ['/app', '/x/y']],
    ['/app', ['/app', '']],
    ['/app%2Fz', ['/app', '/z']],
  ]
  for (const [path, expected] of cases) {
    assert.deepEqual(JSON.parse((await httpRequest(url + path)).text), expected, path)
  }
  const outside = await httpRequest(`${url}/application`)
  assert.equal(outside.status, 404)
  assert.equal(calls, cases.length, 'the app never saw the request outside SCRIPT_NAME')
})

test('a trusted proxy sets tsgi.url_scheme; scheme headers that disagree get a 400', async (t) => {
  let calls = 0
  const app: Application = (environ, startResponse) => {
    calls++
    startResponse('200 OK', [['Content-Type', 'application/json']])
    const seen = [environ['tsgi.url_scheme'], environ.SERVER_NAME, environ.SERVER_PORT]
    return [Buffer.from(JSON.stringify(seen))]
  }
  const forwardedScheme = new ForwardedScheme()
  const { url } = await startSimpleServer(app, { forwardedScheme }, t)
  const seen = async (headers: Record<string, string>) =>
    JSON.parse((await httpRequest(url, { headers })).text) as unknown
  const host = { Host: 'example.test' }
  assert.deepEqual(await seen(host), ['http', 'example.test', '80'])
  assert.deepEqual(await seen({ ...host, 'X-Forwarded-Proto': 'https' }), [
    'https',
    'example.test',
    '443',
  ])
  assert.deepEqual(await seen({ ...host, 'X-Forwarded-Ssl': 'off' }), [
    'http',
    'example.test',
    '80',
  ])
  const before = calls
  const contradictory = await httpRequest(url, {
    headers: { 'X-Forwarded-Proto': 'https', 'X-Forwarded-Ssl': 'off' },
  })
  assert.equal(contradictory.status, 400)
  assert.equal(calls, before, 'the app never saw it')
})

test('onFinish reports each request once: completed, or not when the client left', async (t) => {
  const records: RequestRecord[] = []
  const app: Application = async function* (environ, startResponse) {
    startResponse('200 OK', [['Content-Type', 'text/plain']])
    yield Buffer.from('first\n')
    if (environ.PATH_INFO === '/leave') {
      await new Promise((resolve) => environ['tsgi.signal'].addEventListener('abort', resolve))
    }
  }
  const { url, port } = await startSimpleServer(app, { onFinish: (r) => records.push(r) }, t)
  await httpRequest(`${url}/done`)
  const connection = await RawConnection.open(port)
  await connection.write(requestText('GET', '/leave'))
  await connection.waitFor('first\n')
  connection.destroy()
  await waitUntil(() => records.length === 2, { what: 'two records' })
  const [done, left] = records
  assert.deepEqual(
    [done!.environ.PATH_INFO, done!.status, done!.bytes, done!.completed],
    ['/done', 200, 6, true]
  )
  assert.deepEqual([left!.environ.PATH_INFO, left!.completed], ['/leave', false])
})

test('a request that needs no waiting returns no promise; one that waits returns one', async (t) => {
  const app: Application = (environ, startResponse) => {
    startResponse('200 OK', [['Content-Type', 'text/plain']])
    const body = [Buffer.from('hello')]
    return environ.PATH_INFO === '/later' ? Promise.resolve(body) : body
  }
  const returned: unknown[] = []
  const handler = createRequestHandler(app)
  const server = createServer((req, res) => void returned.push(handler(req, res)))
  t.after(() => new Promise((resolve) => server.close(resolve)))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  assert.equal((await httpRequest(`${url}/now`)).text, 'hello')
  assert.equal((await httpRequest(`${url}/later`)).text, 'hello')
  assert.equal(returned[0], undefined, 'an array body returned at once is sent without a promise')
  assert.ok(returned[1] instanceof Promise, 'a body the app promises is awaited')
})
