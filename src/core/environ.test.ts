import { ClientSignal } from './client-signal.ts'
import assert from 'node:assert/strict'
import type { IncomingMessage } from 'node:http'
import { describe, test } from 'node:test'
import {
  buildEnviron,
  cgiKey,
  percentDecodeLatin1,
  splitUri,
  TSGI_VERSION,
  type ServerContext,
} from './environ.ts'
import type { InputStream } from '../spec/types.ts'
import { LineErrorStream } from './error-stream.ts'
import { bytesInput } from './input.ts'

describe('splitUri', () => {
  const cases: Array<[uri: string, path: string, query: string]> = [
    ['/a/b?x=1&y=2', '/a/b', 'x=1&y=2'],
    ['/a', '/a', ''],
    ['/a?', '/a', ''],
    ['/a?b?c', '/a', 'b?c'],
    ['/a#frag', '/a', ''],
    ['/a?x#frag?y', '/a', 'x'],
    ['/a%3Fb?c%23d', '/a%3Fb', 'c%23d'],
    ['http://host.test/p/q?x', '/p/q', 'x'],
    ['https://host.test:8443/p', '/p', ''],
    ['http://host.test', '/', ''],
    ['http://host.test?x=1', '/', 'x=1'],
    ['http://user@host.test/p', '/p', ''],
    ['//double/slash', '//double/slash', ''],
    ['*', '*', ''],
  ]
  for (const [uri, path, query] of cases) {
    test(uri, () => assert.deepEqual(splitUri(uri), { path, query }))
  }
})

describe('percentDecodeLatin1', () => {
  const cases: Array<[encoded: string, decoded: string]> = [
    ['/plain/path', '/plain/path'],
    ['/a%20b', '/a b'],
    ['%41%62%2f%2F', 'Ab//'],
    ['%ff%FF%e9', '\xff\xff\xe9'],
    ['%C3%A9', '\xc3\xa9'],
    ['%00', '\x00'],
    ['%zz%4%', '%zz%4%'],
    ['%%41', '%A'],
    ['%2541', '%41'],
    ['caf\xe9', 'caf\xe9'],
  ]
  for (const [encoded, decoded] of cases) {
    test(JSON.stringify(encoded), () => assert.equal(percentDecodeLatin1(encoded), decoded))
  }

  test('every byte value decodes to the code point of the same number', () => {
    for (let byte = 0; byte < 256; byte++) {
      const hex = byte.toString(16).padStart(2, '0')
      assert.equal(percentDecodeLatin1(`%${hex}`), String.fromCharCode(byte))
    }
  })
})

interface FakeRequest {
  url?: string
  method?: string
  headers?: Array<[string, string]>
  httpVersion?: string
  socket?: Partial<
    Record<'remoteAddress' | 'localAddress', string> & Record<'remotePort' | 'localPort', number>
  >
}

function fakeRequest(request: FakeRequest = {}): IncomingMessage {
  return {
    url: request.url ?? '/',
    method: request.method ?? 'GET',
    httpVersion: request.httpVersion ?? '1.1',
    rawHeaders: (request.headers ?? []).flat(),
    socket: request.socket ?? {
      remoteAddress: '127.0.0.1',
      remotePort: 50000,
      localAddress: '127.0.0.1',
      localPort: 8000,
    },
  } as unknown as IncomingMessage
}

type TestContext = ServerContext & { input: InputStream; signal: ClientSignal }

function context(overrides: Partial<TestContext> = {}): TestContext {
  return {
    input: bytesInput(),
    errors: new LineErrorStream(() => {}),
    signal: new ClientSignal(),
    urlScheme: 'http',
    scriptName: '',
    multiprocess: false,
    multithread: false,
    runOnce: false,
    ...overrides,
  }
}

function build(req: IncomingMessage, ctx: TestContext) {
  return buildEnviron(req, ctx, ctx.input, ctx.signal)
}

describe('buildEnviron', () => {
  test('CGI keys from the request line', () => {
    const env = build(
      fakeRequest({ url: '/a%20b/c?x=%20', method: 'PUT', httpVersion: '1.0' }),
      context()
    )
    assert.equal(env.REQUEST_METHOD, 'PUT')
    assert.equal(env.SCRIPT_NAME, '')
    assert.equal(env.PATH_INFO, '/a b/c')
    assert.equal(env.QUERY_STRING, 'x=%20')
    assert.equal(env.RAW_URI, '/a%20b/c?x=%20')
    assert.equal(env.SERVER_PROTOCOL, 'HTTP/1.0')
  })

  test('tsgi.* keys from the context', () => {
    const ctx = context({
      urlScheme: 'https',
      multiprocess: true,
      multithread: true,
      runOnce: true,
    })
    const env = build(fakeRequest(), ctx)
    assert.equal(env['tsgi.version'], TSGI_VERSION)
    assert.ok(Object.isFrozen(env['tsgi.version']), 'frozen')
    assert.equal(env['tsgi.url_scheme'], 'https')
    assert.equal(env['tsgi.input'], ctx.input)
    assert.equal(env['tsgi.errors'], ctx.errors)
    assert.equal(env['tsgi.multiprocess'], true)
    assert.equal(env['tsgi.multithread'], true)
    assert.equal(env['tsgi.run_once'], true)
    assert.equal(typeof env['tsgi.file_wrapper'], 'function')
  })

  test('tsgi.signal is the lazily made signal of the exchange, the same one on every read', () => {
    const clientSignal = new ClientSignal()
    const env = build(fakeRequest(), context({ signal: clientSignal }))
    const signal = env['tsgi.signal']
    assert.ok(signal instanceof AbortSignal, 'an AbortSignal')
    assert.equal(env['tsgi.signal'], signal, 'the same signal each time')
    assert.equal(signal.aborted, false, 'not aborted while the client is there')
    clientSignal.abort()
    assert.equal(signal.aborted, true, 'aborted once the client is gone')
  })

  test('a signal first read after the client left is already aborted', () => {
    const clientSignal = new ClientSignal()
    const env = build(fakeRequest(), context({ signal: clientSignal }))
    clientSignal.abort()
    assert.equal(env['tsgi.signal'].aborted, true)
  })

  test('headers: HTTP_* keys, CONTENT_TYPE and CONTENT_LENGTH without the prefix', () => {
    const headers: Array<[string, string]> = [
      ['Content-Type', 'text/plain'],
      ['content-length', '5'],
      ['X-Forwarded-For', '10.0.0.1'],
      ['user-AGENT', 'test'],
    ]
    const env = build(fakeRequest({ headers }), context())
    assert.equal(env.CONTENT_TYPE, 'text/plain')
    assert.equal(env.CONTENT_LENGTH, '5')
    assert.equal(env.HTTP_CONTENT_TYPE, undefined)
    assert.equal(env.HTTP_X_FORWARDED_FOR, '10.0.0.1')
    assert.equal(env.HTTP_USER_AGENT, 'test')
  })

  test('every spelling of a header name gives the same key, common names or not', () => {
    const names = ['Host', 'User-Agent', 'Accept', 'Content-Type', 'Content-Length', 'X-Real-IP']
    names.push('X-Request-ID', 'Cookie', 'Referer', 'X-Custom-Thing', 'Dnt', 'A')
    for (const name of names) {
      const upper = name.toUpperCase().replaceAll('-', '_')
      const expected = upper.startsWith('CONTENT_') ? upper : `HTTP_${upper}`
      const mixed = [...name].map((c, i) => (i % 2 ? c.toUpperCase() : c.toLowerCase())).join('')
      for (const spelling of [name, name.toLowerCase(), name.toUpperCase(), mixed]) {
        assert.equal(cgiKey(spelling), expected, spelling)
      }
    }
  })

  test('repeated headers are joined with commas, cookies with semicolons', () => {
    const headers: Array<[string, string]> = [
      ['Accept', 'a'],
      ['Cookie', 'x=1'],
      ['accept', 'b'],
      ['cookie', 'y=2'],
    ]
    const env = build(fakeRequest({ headers }), context())
    assert.equal(env.HTTP_ACCEPT, 'a,b')
    assert.equal(env.HTTP_COOKIE, 'x=1; y=2')
  })

  test('names with an underscore are dropped, whatever their case', () => {
    const headers: Array<[string, string]> = [
      ['X_Forwarded_For', 'spoofed'],
      ['x-forwarded-for', 'real'],
      ['Content_Length', '99'],
    ]
    const env = build(fakeRequest({ headers }), context())
    assert.equal(env.HTTP_X_FORWARDED_FOR, 'real')
    assert.equal(env.CONTENT_LENGTH, undefined)
    assert.ok(!Object.values(env).includes('spoofed'), 'the underscore header is nowhere')
  })

  test('latin-1 header values are kept as they are', () => {
    const env = build(fakeRequest({ headers: [['X-Name', 'caf\xe9']] }), context())
    assert.equal(env.HTTP_X_NAME, 'caf\xe9')
  })

  test('SERVER_NAME and SERVER_PORT from the Host header', () => {
    const cases: Array<[host: string, scheme: 'http' | 'https', name: string, port: string]> = [
      ['example.test:8080', 'http', 'example.test', '8080'],
      ['example.test', 'http', 'example.test', '80'],
      ['example.test:', 'http', 'example.test', '80'],
      ['example.test', 'https', 'example.test', '443'],
      ['[::1]:9000', 'http', '[::1]', '9000'],
      ['[::1]', 'https', '[::1]', '443'],
    ]
    for (const [host, urlScheme, name, port] of cases) {
      const env = build(fakeRequest({ headers: [['Host', host]] }), context({ urlScheme }))
      assert.deepEqual([env.SERVER_NAME, env.SERVER_PORT], [name, port], host)
    }
  })

  test('SERVER_NAME and SERVER_PORT from the socket without a Host header', () => {
    const env = build(fakeRequest({ httpVersion: '1.0' }), context())
    assert.deepEqual([env.SERVER_NAME, env.SERVER_PORT], ['127.0.0.1', '8000'])
  })

  test('a Unix socket without a Host header: localhost and the default port', () => {
    const env = build(fakeRequest({ socket: {} }), context())
    assert.deepEqual([env.SERVER_NAME, env.SERVER_PORT], ['localhost', '80'])
    assert.equal(env.REMOTE_ADDR, undefined)
    assert.equal(env.REMOTE_PORT, undefined)
  })

  test('REMOTE_ADDR and REMOTE_PORT from the socket', () => {
    const socket = { remoteAddress: '::1', remotePort: 40000, localAddress: '::1', localPort: 1 }
    const env = build(fakeRequest({ socket }), context())
    assert.deepEqual([env.REMOTE_ADDR, env.REMOTE_PORT], ['::1', '40000'])
  })

  test('SCRIPT_NAME is taken off the front of PATH_INFO on a segment boundary', () => {
    const cases: Array<[url: string, pathInfo: string]> = [
      ['/app/x/y', '/x/y'],
      ['/app', ''],
      ['/app/', '/'],
      ['/application', '/application'],
      ['/other', '/other'],
    ]
    for (const [url, pathInfo] of cases) {
      const env = build(fakeRequest({ url }), context({ scriptName: '/app' }))
      assert.equal(env.SCRIPT_NAME, '/app')
      assert.equal(env.PATH_INFO, pathInfo, url)
    }
  })
})
