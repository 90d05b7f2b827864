import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { TsgiError, type TsgiErrorCode } from './errors.ts'
import { runApp } from './testing.ts'
import type { Application, Chunk, Environ, HeaderList } from '../spec/types.ts'

const encoder = new TextEncoder()
const TEXT: HeaderList = [['Content-Type', 'text/plain; charset=utf-8']]

function isCode(code: TsgiErrorCode) {
  return (error: unknown) => error instanceof TsgiError && error.code === code
}

describe('runApp', () => {
  it('returns the status, headers and body of a list body', async () => {
    const app: Application = (_environ, startResponse) => {
      startResponse('201 Created', TEXT)
      return [encoder.encode('héllo '), encoder.encode('world')]
    }
    const result = await runApp(app)
    assert.equal(result.status, '201 Created')
    assert.equal(result.statusCode, 201)
    assert.deepEqual(result.headers, TEXT)
    assert.deepEqual(result.body, Buffer.from('héllo world'))
    assert.equal(result.text, 'héllo world')
  })

  it('reads sync and async generator bodies, with startResponse called on the first step', async () => {
    const sync: Application = function* (_environ, startResponse) {
      startResponse('200 OK', TEXT)
      yield encoder.encode('sync')
    }
    const async: Application = async function* (_environ, startResponse) {
      startResponse('200 OK', TEXT)
      yield encoder.encode('async')
    }
    assert.equal((await runApp(sync)).text, 'sync')
    assert.equal((await runApp(async)).text, 'async')
  })

  it('awaits an async app and collects write() output before the body', async () => {
    const app: Application = async (_environ, startResponse) => {
      const write = startResponse('200 OK', TEXT)
      await write(encoder.encode('written, '))
      return [encoder.encode('returned')]
    }
    assert.equal((await runApp(app)).text, 'written, returned')
  })

  it('calls the app with a full test environ, overrides merged in', async () => {
    let seen: Environ | undefined
    const app: Application = (environ, startResponse) => {
      seen = environ
      startResponse('200 OK', TEXT)
      return []
    }
    const overrides = { REQUEST_METHOD: 'POST', PATH_INFO: '/x', HTTP_X_TEST: 'yes' }
    await runApp(app, overrides)
    assert.equal(seen?.REQUEST_METHOD, 'POST')
    assert.equal(seen?.PATH_INFO, '/x')
    assert.equal(seen?.HTTP_X_TEST, 'yes')
    assert.equal(seen?.SERVER_NAME, '127.0.0.1')
    assert.deepEqual(seen?.['tsgi.version'], [1, 0])
    assert.equal(typeof seen?.['tsgi.input'].read, 'function')
    assert.deepEqual(overrides, { REQUEST_METHOD: 'POST', PATH_INFO: '/x', HTTP_X_TEST: 'yes' })
  })

  it('counts return() and close() on the body: once each', async () => {
    let closed = 0
    const events: string[] = []
    const app: Application = (_environ, startResponse) => {
      startResponse('200 OK', TEXT)
      return {
        *[Symbol.iterator]() {
          try {
            yield encoder.encode('a')
          } finally {
            events.push('finally')
          }
        },
        close: () => void closed++,
      }
    }
    const result = await runApp(app)
    assert.equal(result.returned, 1)
    assert.equal(result.closed, 1)
    assert.equal(closed, 1)
    assert.deepEqual(events, ['finally'])
    const list = await runApp((_environ, startResponse) => {
      startResponse('200 OK', TEXT)
      return []
    })
    assert.equal(list.closed, 0, 'an array has no close()')
  })

  it('closes the body when it throws, and passes the error on', async () => {
    let closed = 0
    const failure = new Error('body failed')
    const app: Application = (_environ, startResponse) => {
      startResponse('200 OK', TEXT)
      return {
        *[Symbol.iterator]() {
          yield encoder.encode('a')
          throw failure
        },
        close: () => void closed++,
      }
    }
    await assert.rejects(runApp(app), (error) => error === failure)
    assert.equal(closed, 1)
  })

  it('passes on an error thrown by the app call', async () => {
    const failure = new Error('call failed')
    await assert.rejects(
      runApp(() => {
        throw failure
      }),
      (error) => error === failure
    )
  })

  it('refuses a body chunk before startResponse, and a body that ends without it', async () => {
    const early: Application = () => [encoder.encode('too early')]
    await assert.rejects(runApp(early), isCode('TSGI_ERR_START_RESPONSE_MISSING'))
    const never: Application = () => []
    await assert.rejects(runApp(never), isCode('TSGI_ERR_START_RESPONSE_MISSING'))
  })

  it('allows empty chunks before startResponse', async () => {
    const app: Application = function* (_environ, startResponse) {
      yield new Uint8Array(0)
      startResponse('200 OK', TEXT)
      yield encoder.encode('ok')
    }
    assert.equal((await runApp(app)).text, 'ok')
  })

  it('refuses chunks that are not bytes', async () => {
    const app: Application = (_environ, startResponse) => {
      startResponse('200 OK', TEXT)
      return ['text'] as unknown as Chunk[]
    }
    await assert.rejects(runApp(app), isCode('TSGI_ERR_CHUNK_TYPE'))
  })

  it('checks the status and headers', async () => {
    const badStatus: Application = (_environ, startResponse) => {
      startResponse('OK', TEXT)
      return []
    }
    await assert.rejects(runApp(badStatus), isCode('TSGI_ERR_STATUS'))
    const badHeader: Application = (_environ, startResponse) => {
      startResponse('200 OK', [['X-Bad', 'a\r\nb']])
      return []
    }
    await assert.rejects(runApp(badHeader), isCode('TSGI_ERR_HEADER_VALUE'))
  })

  it('refuses a second startResponse without excInfo', async () => {
    const app: Application = (_environ, startResponse) => {
      startResponse('200 OK', TEXT)
      startResponse('200 OK', TEXT)
      return []
    }
    await assert.rejects(runApp(app), isCode('TSGI_ERR_START_RESPONSE_TWICE'))
  })

  it('lets excInfo replace the response before any byte, and throws it back after', async () => {
    const replaced = await runApp(function* (_environ, startResponse) {
      startResponse('200 OK', [...TEXT, ['X-First', '1']])
      yield new Uint8Array(0)
      startResponse('500 Internal Server Error', TEXT, new Error('failed'))
      yield encoder.encode('error page')
    })
    assert.equal(replaced.status, '500 Internal Server Error')
    assert.deepEqual(replaced.headers, TEXT)
    assert.equal(replaced.text, 'error page')

    const failure = new Error('too late')
    const tooLate = runApp(function* (_environ, startResponse) {
      startResponse('200 OK', TEXT)
      yield encoder.encode('sent')
      startResponse('500 Internal Server Error', TEXT, failure)
    })
    await assert.rejects(tooLate, (error) => error === failure)
  })
})
