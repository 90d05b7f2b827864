import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { TsgiError } from './errors.ts'
import {
  applicationUri,
  guessScheme,
  isHopByHop,
  requestUri,
  setupTestingDefaults,
  shiftPathInfo,
  type UriEnviron,
} from './util.ts'
import { isHopByHop as coreIsHopByHop } from '../core/rules.ts'

function uriEnviron(overrides: Partial<UriEnviron> = {}): UriEnviron {
  return { 'tsgi.url_scheme': 'http', SERVER_NAME: 'example.com', SERVER_PORT: '80', ...overrides }
}

describe('applicationUri', () => {
  it('omits the default port of each scheme', () => {
    assert.equal(applicationUri(uriEnviron()), 'http://example.com/')
    const https = uriEnviron({ 'tsgi.url_scheme': 'https', SERVER_PORT: '443' })
    assert.equal(applicationUri(https), 'https://example.com/')
  })

  it('adds any other port, including the other scheme’s default', () => {
    assert.equal(applicationUri(uriEnviron({ SERVER_PORT: '8080' })), 'http://example.com:8080/')
    assert.equal(applicationUri(uriEnviron({ SERVER_PORT: '443' })), 'http://example.com:443/')
    const https = uriEnviron({ 'tsgi.url_scheme': 'https', SERVER_PORT: '80' })
    assert.equal(applicationUri(https), 'https://example.com:80/')
  })

  it('prefers HTTP_HOST, as sent, over SERVER_NAME and SERVER_PORT', () => {
    const environ = uriEnviron({ HTTP_HOST: 'h.example:81', SERVER_PORT: '8080' })
    assert.equal(applicationUri(environ), 'http://h.example:81/')
    assert.equal(applicationUri(uriEnviron({ HTTP_HOST: '' })), 'http://example.com/')
  })

  it('ends with SCRIPT_NAME, or / when it is empty or missing', () => {
    assert.equal(applicationUri(uriEnviron({ SCRIPT_NAME: '/app' })), 'http://example.com/app')
    assert.equal(applicationUri(uriEnviron({ SCRIPT_NAME: '' })), 'http://example.com/')
  })

  it('percent-encodes SCRIPT_NAME as latin-1 bytes, keeping only unreserved characters and /', () => {
    const environ = uriEnviron({ SCRIPT_NAME: "/sp ce~_.-!*'()@:é;" })
    assert.equal(
      applicationUri(environ),
      'http://example.com/sp%20ce~_.-%21%2A%27%28%29%40%3A%E9%3B'
    )
  })
})

describe('requestUri', () => {
  it('appends PATH_INFO to SCRIPT_NAME', () => {
    assert.equal(
      requestUri(uriEnviron({ SCRIPT_NAME: '/app', PATH_INFO: '/x' })),
      'http://example.com/app/x'
    )
    assert.equal(
      requestUri(uriEnviron({ SCRIPT_NAME: '/app', PATH_INFO: '' })),
      'http://example.com/app'
    )
    assert.equal(
      requestUri(uriEnviron({ SCRIPT_NAME: '/app', PATH_INFO: '/' })),
      'http://example.com/app/'
    )
  })

  it('does not double the slash when SCRIPT_NAME is empty', () => {
    assert.equal(
      requestUri(uriEnviron({ SCRIPT_NAME: '', PATH_INFO: '/x' })),
      'http://example.com/x'
    )
    assert.equal(requestUri(uriEnviron({ SCRIPT_NAME: '', PATH_INFO: '/' })), 'http://example.com/')
    assert.equal(requestUri(uriEnviron({ SCRIPT_NAME: '', PATH_INFO: '' })), 'http://example.com/')
    assert.equal(requestUri(uriEnviron({ PATH_INFO: '/x' })), 'http://example.com/x')
  })

  it('percent-encodes PATH_INFO as latin-1, keeping /;=, and unreserved characters', () => {
    const environ = uriEnviron({ SCRIPT_NAME: '/app', PATH_INFO: '/x y/é;a=b,c?#%' })
    assert.equal(requestUri(environ), 'http://example.com/app/x%20y/%E9;a=b,c%3F%23%25')
    const bytes = uriEnviron({ PATH_INFO: '/\xff\x00\x7f' })
    assert.equal(requestUri(bytes), 'http://example.com/%FF%00%7F')
  })

  it('refuses characters beyond latin-1, which no environ string may hold', () => {
    assert.throws(
      () => requestUri(uriEnviron({ PATH_INFO: '/€' })),
      (error) => error instanceof TsgiError && error.code === 'TSGI_ERR_ENVIRON_VALUE'
    )
  })

  it('appends the query string as received unless told not to', () => {
    const environ = uriEnviron({ PATH_INFO: '/p', QUERY_STRING: 'q=1&r=%20' })
    assert.equal(requestUri(environ), 'http://example.com/p?q=1&r=%20')
    assert.equal(requestUri(environ, false), 'http://example.com/p')
    assert.equal(
      requestUri(uriEnviron({ PATH_INFO: '/p', QUERY_STRING: '' })),
      'http://example.com/p'
    )
  })

  it('uses HTTP_HOST and the port rules of applicationUri', () => {
    const environ = uriEnviron({ HTTP_HOST: 'h:81', PATH_INFO: '/p', SERVER_PORT: '8080' })
    assert.equal(requestUri(environ), 'http://h:81/p')
    assert.equal(
      requestUri(uriEnviron({ PATH_INFO: '/p', SERVER_PORT: '8080' })),
      'http://example.com:8080/p'
    )
  })
})

describe('shiftPathInfo', () => {
  // [SCRIPT_NAME, PATH_INFO] → [returned, SCRIPT_NAME, PATH_INFO], as wsgiref's shift_path_info.
  const cases: [string, string, string | undefined, string, string][] = [
    ['/a', '/b/c', 'b', '/a/b', '/c'],
    ['', '/x', 'x', '/x', ''],
    ['', '/x/', 'x', '/x', '/'],
    ['', '/', '', '/', ''],
    ['/a', '/', '', '/a/', ''],
    ['/a', '//', '', '/a/', ''],
    ['/a', '/./', '', '/a/', ''],
    ['/a', '/.//', '', '/a/', ''],
    ['', '/x//y/', 'x', '/x', '/y/'],
    ['', '//x', 'x', '/x', ''],
    ['', '/./x', 'x', '/x', ''],
    ['/a', '/x/./y', 'x', '/a/x', '/y'],
    ['/a', '/x/../y', 'x', '/a/x', '/../y'],
    ['/a', '/.', undefined, '/a', ''],
    ['/a', '/..', '..', '', ''],
    ['', '/..', '..', '', ''],
    ['/a/b', '/../x', '..', '/a', '/x'],
    ['/a', '/a/..', 'a', '/a/a', '/..'],
    ['/a', '/%2F', '%2F', '/a/%2F', ''],
  ]
  for (const [scriptName, pathInfo, name, newScriptName, newPathInfo] of cases) {
    it(`shifts ${JSON.stringify(pathInfo)} after ${JSON.stringify(scriptName)}`, () => {
      const environ = { SCRIPT_NAME: scriptName, PATH_INFO: pathInfo }
      assert.equal(shiftPathInfo(environ), name)
      assert.deepEqual(environ, { SCRIPT_NAME: newScriptName, PATH_INFO: newPathInfo })
    })
  }

  it('returns undefined and changes nothing when PATH_INFO is empty or missing', () => {
    const environ = { SCRIPT_NAME: '/a', PATH_INFO: '' }
    assert.equal(shiftPathInfo(environ), undefined)
    assert.deepEqual(environ, { SCRIPT_NAME: '/a', PATH_INFO: '' })
    const missing: { SCRIPT_NAME?: string; PATH_INFO?: string } = { SCRIPT_NAME: '/a' }
    assert.equal(shiftPathInfo(missing), undefined)
    assert.deepEqual(missing, { SCRIPT_NAME: '/a' })
  })

  it('walks a path one segment at a time', () => {
    const environ = { SCRIPT_NAME: '', PATH_INFO: '/a/b/' }
    const names = [shiftPathInfo(environ), shiftPathInfo(environ), shiftPathInfo(environ)]
    assert.deepEqual(names, ['a', 'b', ''])
    assert.deepEqual(environ, { SCRIPT_NAME: '/a/b/', PATH_INFO: '' })
    assert.equal(shiftPathInfo(environ), undefined)
  })

  it('treats a missing SCRIPT_NAME as empty', () => {
    const environ: { SCRIPT_NAME?: string; PATH_INFO?: string } = { PATH_INFO: '/x/y' }
    assert.equal(shiftPathInfo(environ), 'x')
    assert.deepEqual(environ, { SCRIPT_NAME: '/x', PATH_INFO: '/y' })
  })

  it('never makes SCRIPT_NAME start with // (where POSIX normpath would keep it)', () => {
    const environ = { SCRIPT_NAME: '/', PATH_INFO: '/x' }
    assert.equal(shiftPathInfo(environ), 'x')
    assert.equal(environ.SCRIPT_NAME, '/x')
  })

  it('refuses a PATH_INFO that does not start with /', () => {
    const environ = { SCRIPT_NAME: '', PATH_INFO: 'x/y' }
    assert.throws(
      () => shiftPathInfo(environ),
      (error) => error instanceof TsgiError && error.code === 'TSGI_ERR_ENVIRON_VALUE'
    )
    assert.deepEqual(environ, { SCRIPT_NAME: '', PATH_INFO: 'x/y' })
  })
})

describe('guessScheme', () => {
  it('says https for HTTPS on, yes or 1, in any case', () => {
    for (const value of ['on', 'ON', 'yes', 'Yes', '1'])
      assert.equal(guessScheme({ HTTPS: value }), 'https')
  })

  it('says http otherwise', () => {
    for (const value of [undefined, '', 'off', '0', 'no', 'true']) {
      assert.equal(guessScheme({ HTTPS: value }), 'http')
    }
  })
})

describe('isHopByHop', () => {
  it('is the server core’s own rule', () => {
    assert.equal(isHopByHop, coreIsHopByHop)
  })

  it('knows the connection-specific headers in any case, and nothing else', () => {
    for (const name of [
      'Connection',
      'keep-alive',
      'TE',
      'Transfer-Encoding',
      'Upgrade',
      'Trailer',
    ]) {
      assert.equal(isHopByHop(name), true, name)
    }
    for (const name of ['Content-Length', 'Content-Type', 'Cache-Control', 'Connection-X']) {
      assert.equal(isHopByHop(name), false, name)
    }
  })
})

describe('setupTestingDefaults', () => {
  it('fills in every required key', async () => {
    const environ = setupTestingDefaults()
    assert.equal(environ.SERVER_NAME, '127.0.0.1')
    assert.equal(environ.HTTP_HOST, '127.0.0.1')
    assert.equal(environ.SERVER_PORT, '80')
    assert.equal(environ.SERVER_PROTOCOL, 'HTTP/1.0')
    assert.equal(environ.REQUEST_METHOD, 'GET')
    assert.equal(environ.SCRIPT_NAME, '')
    assert.equal(environ.PATH_INFO, '/')
    assert.equal(environ.QUERY_STRING, '')
    assert.deepEqual(environ['tsgi.version'], [1, 0])
    assert.equal(environ['tsgi.url_scheme'], 'http')
    assert.equal(environ['tsgi.multithread'], false)
    assert.equal(environ['tsgi.multiprocess'], false)
    assert.equal(environ['tsgi.run_once'], false)
    assert.equal(environ['tsgi.signal'].aborted, false)
    assert.equal(typeof environ['tsgi.file_wrapper'], 'function')
    assert.equal((await environ['tsgi.input'].read()).length, 0)
    assert.equal(typeof environ['tsgi.errors'].write, 'function')
    assert.equal(requestUri(environ), 'http://127.0.0.1/')
  })

  it('fills in the object it is given and keeps the keys already set', () => {
    const given = { SERVER_NAME: 'example.com', HTTP_HOST: '', REQUEST_METHOD: 'POST' }
    const environ = setupTestingDefaults(given)
    assert.equal(environ, given)
    assert.equal(environ.SERVER_NAME, 'example.com')
    assert.equal(environ.HTTP_HOST, '')
    assert.equal(environ.REQUEST_METHOD, 'POST')
  })

  it('derives HTTP_HOST from SERVER_NAME, and scheme and port from HTTPS', () => {
    const environ = setupTestingDefaults({ SERVER_NAME: 'example.com', HTTPS: 'on' })
    assert.equal(environ.HTTP_HOST, 'example.com')
    assert.equal(environ['tsgi.url_scheme'], 'https')
    assert.equal(environ.SERVER_PORT, '443')
  })

  it('sets PATH_INFO to / only when neither SCRIPT_NAME nor PATH_INFO was given', () => {
    assert.equal(setupTestingDefaults({ SCRIPT_NAME: '/app' }).PATH_INFO, '')
    assert.equal(setupTestingDefaults({ PATH_INFO: '/x' }).SCRIPT_NAME, '')
  })
})
