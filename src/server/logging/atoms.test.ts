import assert from 'node:assert/strict'
import type { IncomingMessage } from 'node:http'
import { describe, it } from 'node:test'
import { AtomContext, basicAuthUser, resolveAtom } from './atoms.ts'
import type { AccessRecord } from './atoms.ts'

interface FakeRequest {
  method?: string
  url?: string
  httpVersion?: string
  rawHeaders?: string[]
  remoteAddress?: string
}

/** The fields of IncomingMessage the atoms read. */
function fakeRequest(fake: FakeRequest = {}): IncomingMessage {
  return {
    method: fake.method ?? 'GET',
    url: fake.url ?? '/a%20b/c?x=1&y=%22',
    httpVersion: fake.httpVersion ?? '1.1',
    rawHeaders: fake.rawHeaders ?? [],
    socket: { remoteAddress: 'remoteAddress' in fake ? fake.remoteAddress : '192.0.2.7' },
  } as unknown as IncomingMessage
}

function makeRecord(overrides: Partial<AccessRecord> = {}, fake: FakeRequest = {}): AccessRecord {
  return {
    req: fakeRequest(fake),
    status: 200,
    headers: [],
    bytes: 512,
    startedAt: 1_000_000_000n,
    endedAt: 1_000_000_000n,
    ...overrides,
  }
}

function atom(key: string, overrides: Partial<AccessRecord> = {}, fake: FakeRequest = {}): string {
  return resolveAtom(key)(new AtomContext(makeRecord(overrides, fake)))
}

const basic = (credentials: string): string =>
  'Basic ' + Buffer.from(credentials).toString('base64')

describe('request atoms, read from the request', () => {
  it('h is the remote address, - without one', () => {
    assert.equal(atom('h'), '192.0.2.7')
    assert.equal(atom('h', {}, { remoteAddress: undefined }), '-')
  })

  it('l is always -', () => {
    assert.equal(atom('l'), '-')
  })

  it('u is the user of Basic authentication, - otherwise', () => {
    assert.equal(atom('u', {}, { rawHeaders: ['Authorization', basic('alice:s3cret')] }), 'alice')
    assert.equal(atom('u', {}, { rawHeaders: ['authorization', basic('bob')] }), 'bob')
    assert.equal(atom('u', {}, { rawHeaders: ['Authorization', 'Bearer abc.def'] }), '-')
    assert.equal(atom('u'), '-')
  })

  it('t is the time in Common Log Format', () => {
    assert.match(atom('t'), /^\[\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\]$/)
  })

  it('r is the request line with the raw target', () => {
    assert.equal(atom('r'), 'GET /a%20b/c?x=1&y=%22 HTTP/1.1')
    assert.equal(atom('r', {}, { method: 'POST', url: '*', httpVersion: '1.0' }), 'POST * HTTP/1.0')
  })

  it('m, U, q and H are the method, decoded path, query string and protocol', () => {
    assert.equal(atom('m', {}, { method: 'DELETE' }), 'DELETE')
    assert.equal(atom('U'), '/a b/c')
    assert.equal(atom('q'), 'x=1&y=%22')
    assert.equal(atom('H', {}, { httpVersion: '1.0' }), 'HTTP/1.0')
  })

  it('U and q handle absolute-form targets and missing queries (empty, not -)', () => {
    const fake = { url: 'http://example.com/p/q?z=9#frag' }
    assert.equal(atom('U', {}, fake), '/p/q')
    assert.equal(atom('q', {}, fake), 'z=9')
    assert.equal(atom('q', {}, { url: '/plain' }), '')
  })

  it('f and a are the referer and user agent, - when absent', () => {
    const rawHeaders = ['Referer', 'https://example.com/from', 'User-Agent', 'curl/8.5.0']
    assert.equal(atom('f', {}, { rawHeaders }), 'https://example.com/from')
    assert.equal(atom('a', {}, { rawHeaders }), 'curl/8.5.0')
    assert.equal(atom('f'), '-')
    assert.equal(atom('a'), '-')
  })

  it('{name}i is a request header in any case, the last one when repeated', () => {
    const rawHeaders = ['X-Request-Id', 'one', 'Accept', '*/*', 'x-request-id', 'two']
    assert.equal(atom('{x-request-id}i', {}, { rawHeaders }), 'two')
    assert.equal(atom('{X-Request-ID}I', {}, { rawHeaders }), 'two')
    assert.equal(atom('{accept}i', {}, { rawHeaders }), '*/*')
    assert.equal(atom('{missing}i', {}, { rawHeaders }), '-')
    assert.equal(atom('{empty}i', {}, { rawHeaders: ['Empty', ''] }), '')
  })
})

describe('request atoms, read from the environ when there is one', () => {
  const environ = {
    REMOTE_ADDR: '203.0.113.9',
    REQUEST_METHOD: 'PATCH',
    RAW_URI: '/raw?k=v',
    PATH_INFO: '/from-environ',
    QUERY_STRING: 'k=v',
    SERVER_PROTOCOL: 'HTTP/1.0',
    HTTP_REFERER: 'https://a.example/,https://b.example/',
    HTTP_USER_AGENT: 'agent/1',
    HTTP_AUTHORIZATION: basic('carol:pw'),
  }

  it('uses the environ the application saw (a proxy middleware may have rewritten it)', () => {
    const expected: Record<string, string> = {
      h: '203.0.113.9',
      m: 'PATCH',
      r: 'PATCH /raw?k=v HTTP/1.0',
      U: '/from-environ',
      q: 'k=v',
      H: 'HTTP/1.0',
      f: 'https://a.example/,https://b.example/',
      a: 'agent/1',
      u: 'carol',
    }
    for (const [key, value] of Object.entries(expected)) {
      assert.equal(atom(key, { environ }), value, key)
    }
  })
})

describe('response atoms', () => {
  it('s is the status, - when no response was sent', () => {
    assert.equal(atom('s', { status: 404 }), '404')
    assert.equal(atom('s', { status: 0 }), '-')
  })

  it('B is the body length; b is the same, - when no response was sent', () => {
    assert.equal(atom('B', { bytes: 2048 }), '2048')
    assert.equal(atom('b', { bytes: 2048 }), '2048')
    assert.equal(atom('b', { bytes: 0, status: 204 }), '0')
    assert.equal(atom('b', { bytes: 0, status: 0 }), '-')
    assert.equal(atom('B', { bytes: 0, status: 0 }), '0')
  })

  it('{name}o is a response header in any case, the last one when repeated', () => {
    const responseHeaders = [
      ['Content-Type', 'text/plain'],
      ['Set-Cookie', 'a=1'],
      ['set-cookie', 'b=2'],
    ] as const
    assert.equal(atom('{content-type}o', { headers: responseHeaders }), 'text/plain')
    assert.equal(atom('{Set-Cookie}o', { headers: responseHeaders }), 'b=2')
    assert.equal(atom('{etag}o', { headers: responseHeaders }), '-')
  })
})

describe('duration atoms', () => {
  // 2 s, 345 ms, 678 µs and 901 ns.
  const timed = { startedAt: 5_000_000_000n, endedAt: 7_345_678_901n }

  it('T, M, D and L are whole seconds, milliseconds, microseconds and S.uuuuuu', () => {
    assert.equal(atom('T', timed), '2')
    assert.equal(atom('M', timed), '2345')
    assert.equal(atom('D', timed), '2345678')
    assert.equal(atom('L', timed), '2.345678')
  })

  it('L keeps six decimals for short requests', () => {
    const short = { startedAt: 0n, endedAt: 1_234_000n }
    assert.equal(atom('L', short), '0.001234')
    assert.equal(atom('T', short), '0')
    assert.equal(atom('M', short), '1')
    assert.equal(atom('D', short), '1234')
  })

  it('measures up to now when the record has no end time', () => {
    const started = process.hrtime.bigint() - 3_000_000_000n
    const seconds = Number(atom('T', { startedAt: started, endedAt: undefined }))
    assert.ok(seconds >= 3 && seconds < 60, String(seconds))
  })
})

describe('process and environ atoms', () => {
  it('p is <PID>', () => {
    assert.equal(atom('p'), `<${process.pid}>`)
  })

  it('{name}e reads the request environ in any case, then the process environment', () => {
    const environ = { REMOTE_PORT: '51234', 'tsgi.url_scheme': 'https', 'tsgi.multiprocess': true }
    assert.equal(atom('{remote_port}e', { environ }), '51234')
    assert.equal(atom('{REMOTE_PORT}e', { environ }), '51234')
    assert.equal(atom('{tsgi.url_scheme}e', { environ }), 'https')
    assert.equal(atom('{tsgi.multiprocess}e', { environ }), 'true')
    process.env.TSGI_LOG_TEST_VARIABLE = 'from-process'
    try {
      assert.equal(atom('{TSGI_LOG_TEST_VARIABLE}e'), 'from-process')
      assert.equal(atom('{tsgi_log_test_variable}e', { environ }), 'from-process')
    } finally {
      delete process.env.TSGI_LOG_TEST_VARIABLE
    }
    assert.equal(atom('{TSGI_LOG_TEST_VARIABLE}e'), '-')
  })

  it('{name}e prints - for values that are not primitives', () => {
    const environ = { 'tsgi.input': { read() {} }, 'tsgi.version': [1, 0] }
    assert.equal(atom('{tsgi.input}e', { environ }), '-')
    assert.equal(atom('{tsgi.version}e', { environ }), '-')
  })
})

describe('escaping of client-controlled values', () => {
  const hostile = 'x"\r\n1.2.3.4 - - [forged] "GET / HTTP/1.1" 200'

  it('escapes quotes and line breaks in every atom a client controls', () => {
    const rawHeaders = ['Referer', hostile, 'User-Agent', hostile, 'X-Hostile', hostile]
    const fake = { rawHeaders, url: '/p"q?a="b' }
    for (const key of ['f', 'a', '{x-hostile}i']) {
      const value = atom(key, {}, fake)
      assert.ok(!/[\r\n]/.test(value), key)
      assert.ok(value.startsWith('x\\"\\r\\n'), `${key}: ${value}`)
    }
    assert.equal(atom('r', {}, fake), 'GET /p\\"q?a=\\"b HTTP/1.1')
    assert.equal(atom('U', {}, fake), '/p\\"q')
    assert.equal(atom('q', {}, fake), 'a=\\"b')
  })

  it('escapes the user name, the environ and response headers', () => {
    const authorization = basic('eve"\n:pw')
    assert.equal(atom('u', {}, { rawHeaders: ['Authorization', authorization] }), 'eve\\"\\n')
    assert.equal(atom('{x}e', { environ: { X: 'a\nb' } }), 'a\\nb')
    assert.equal(atom('{x}o', { headers: [['X', 'q"']] }), 'q\\"')
  })
})

describe('basicAuthUser', () => {
  it('follows Gunicorn: scheme in any case, user before the first colon', () => {
    assert.equal(basicAuthUser(basic('alice:pw:with:colons')), 'alice')
    assert.equal(basicAuthUser('BASIC ' + Buffer.from('dave:x').toString('base64')), 'dave')
  })

  it('gives undefined for a missing, empty or undecodable user', () => {
    assert.equal(basicAuthUser(undefined), undefined)
    assert.equal(basicAuthUser('Basic'), undefined)
    assert.equal(basicAuthUser(basic(':pw')), undefined)
    assert.equal(
      basicAuthUser('Basic ' + Buffer.from([0xff, 0xfe, 0x3a]).toString('base64')),
      undefined
    )
  })
})
