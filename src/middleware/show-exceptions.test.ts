import assert from 'node:assert/strict'
import { describe, it, type TestContext } from 'node:test'
import { showExceptions } from './show-exceptions.ts'
import { LineErrorStream } from '../core/error-stream.ts'
import { makeServer } from '../ref/simple-server.ts'
import { runApp } from '../ref/testing.ts'
import type { Application, Chunk, Environ } from '../spec/types.ts'

const encoder = new TextEncoder()
const TEXT: [string, string][] = [['Content-Type', 'text/plain']]

/** runApp with tsgi.errors captured. */
async function run(app: Application, overrides: Partial<Environ> = {}) {
  const logged: string[] = []
  const errors = new LineErrorStream((line) => logged.push(line))
  const result = await runApp(app, { 'tsgi.errors': errors, ...overrides })
  return { ...result, logged: logged.join('\n') }
}

function header(headers: [string, string][], name: string): string | undefined {
  return headers.find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1]
}

function assertErrorPage(result: Awaited<ReturnType<typeof run>>, message: string): void {
  assert.equal(result.status, '500 Internal Server Error')
  assert.equal(header(result.headers, 'Content-Type'), 'text/html; charset=utf-8')
  assert.equal(header(result.headers, 'Content-Length'), String(result.body.length))
  assert.match(result.text, /development only/)
  assert.match(result.text, /Do not use it in production/)
  assert.ok(result.text.includes(message), `the page shows ${message}`)
  assert.match(result.logged, /^showExceptions: /)
}

describe('showExceptions', () => {
  it('passes a working app through unchanged', async () => {
    const app: Application = (_environ, startResponse) => {
      startResponse('201 Created', TEXT)
      return [encoder.encode('fine')]
    }
    const result = await run(showExceptions(app))
    assert.equal(result.status, '201 Created')
    assert.deepEqual(result.headers, TEXT)
    assert.equal(result.text, 'fine')
    assert.equal(result.logged, '')
  })

  it('shows an error thrown by the app call, with its stack', async () => {
    const app: Application = () => {
      throw new RangeError('the app broke')
    }
    const result = await run(showExceptions(app))
    assertErrorPage(result, 'RangeError: the app broke')
    assert.match(result.text, /at app \(/, 'the stack')
    assert.match(result.logged, /RangeError: the app broke/)
  })

  it('shows an async app’s rejection', async () => {
    const app: Application = async () => {
      throw new Error('async failure')
    }
    assertErrorPage(await run(showExceptions(app)), 'Error: async failure')
  })

  it('replaces a response the app had started (the excInfo call)', async () => {
    const app: Application = (_environ, startResponse) => {
      startResponse('200 OK', [...TEXT, ['X-App', 'yes']])
      throw new Error('after startResponse')
    }
    const result = await run(showExceptions(app))
    assertErrorPage(result, 'after startResponse')
    assert.equal(header(result.headers, 'X-App'), undefined)
  })

  it('shows an error thrown while the body is read, before any byte, and closes the body', async () => {
    let closed = 0
    const app: Application = (_environ, startResponse) => {
      startResponse('200 OK', TEXT)
      return {
        *[Symbol.iterator]() {
          yield new Uint8Array(0)
          throw new TypeError('body failed')
        },
        close: () => void closed++,
      }
    }
    const result = await run(showExceptions(app))
    assertErrorPage(result, 'TypeError: body failed')
    assert.equal(closed, 1)
  })

  it('throws on when body bytes were already produced, and still closes the body', async () => {
    let closed = 0
    const failure = new Error('too late')
    const app: Application = (_environ, startResponse) => {
      startResponse('200 OK', TEXT)
      return {
        *[Symbol.iterator]() {
          yield encoder.encode('partial')
          throw failure
        },
        close: () => void closed++,
      }
    }
    await assert.rejects(run(showExceptions(app)), (error) => error === failure)
    assert.equal(closed, 1)
  })

  it('throws on when the app wrote bytes with write() before failing', async () => {
    const failure = new Error('after write')
    const app: Application = async (_environ, startResponse) => {
      const write = startResponse('200 OK', TEXT)
      await write(encoder.encode('written'))
      throw failure
    }
    await assert.rejects(run(showExceptions(app)), (error) => error === failure)
  })

  it('handles thrown values that are not errors', async () => {
    for (const [value, shown] of [
      ['a string', 'Thrown: a string'],
      [undefined, 'Thrown: undefined'],
      [{ code: 42 }, 'Thrown: { code: 42 }'],
    ] as const) {
      const app: Application = () => {
        throw value
      }
      assertErrorPage(await run(showExceptions(app)), shown)
    }
  })

  it('escapes the error and the environ values as HTML', async () => {
    const app: Application = () => {
      throw new Error('<script>alert("x")</script> & more')
    }
    const result = await run(showExceptions(app), {
      PATH_INFO: '/<img src=x onerror=alert(1)>',
      HTTP_HOST: 'h\'"',
    })
    assertErrorPage(result, '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more')
    assert.ok(!result.text.includes('<script>'))
    assert.ok(!result.text.includes('<img'))
    assert.ok(result.text.includes('/&lt;img src=x onerror=alert(1)&gt;'))
    assert.ok(result.text.includes('h&#39;&quot;'))
  })

  it('lists the default environ keys, or the ones asked for', async () => {
    const app: Application = () => {
      throw new Error('x')
    }
    const overrides = { PATH_INFO: '/the/path', QUERY_STRING: 'q=1', HTTP_X_SECRET: 'hidden' }
    const byDefault = await run(showExceptions(app), overrides)
    assert.match(byDefault.text, /<th>PATH_INFO<\/th><td>\/the\/path<\/td>/)
    assert.match(byDefault.text, /<th>QUERY_STRING<\/th><td>q=1<\/td>/)
    assert.ok(!byDefault.text.includes('hidden'))
    const chosen = await run(showExceptions(app, { environKeys: ['HTTP_X_SECRET'] }), overrides)
    assert.match(chosen.text, /<th>HTTP_X_SECRET<\/th><td>hidden<\/td>/)
    assert.ok(!chosen.text.includes('/the/path'))
  })
})

async function serve(t: TestContext, app: Application) {
  const logged: unknown[] = []
  const server = makeServer('127.0.0.1', 0, app, {
    errorLog: { error: (_message, error) => logged.push(error) },
    errors: new LineErrorStream(() => {}),
  })
  t.after(() => server.close())
  const { port } = await server.listen()
  return { url: `http://127.0.0.1:${port}/`, logged }
}

describe('showExceptions through the simple server', () => {
  it('answers 500 with the page', async (t) => {
    const app: Application = async function* (_environ, startResponse) {
      startResponse('200 OK', TEXT)
      yield new Uint8Array(0)
      throw new Error('served failure <b>')
    }
    const { url, logged } = await serve(t, showExceptions(app))
    const response = await fetch(url)
    const page = await response.text()
    assert.equal(response.status, 500)
    assert.equal(response.headers.get('content-type'), 'text/html; charset=utf-8')
    assert.equal(response.headers.get('content-length'), String(Buffer.byteLength(page)))
    assert.match(page, /served failure &lt;b&gt;/)
    assert.match(page, /Do not use it in production/)
    assert.deepEqual(logged, [], 'the server saw a normal response')
  })

  it('lets the server cut the connection when the error comes after body bytes', async (t) => {
    const failure = new Error('late failure')
    async function* body(): AsyncGenerator<Chunk> {
      yield encoder.encode('partial')
      throw failure
    }
    const app: Application = (_environ, startResponse) => {
      startResponse('200 OK', TEXT)
      return body()
    }
    const { url, logged } = await serve(t, showExceptions(app))
    // The cut may come before the headers leave the socket's buffer, or after.
    await assert.rejects(async () => (await fetch(url)).text())
    assert.deepEqual(logged, [failure])
  })
})
