import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { open, readFile } from 'node:fs/promises'
import { describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { app as hello } from '../../examples/hello.ts'
import { httpRequest } from '../../tests/helpers/http.ts'
import { bytesInput } from '../core/input.ts'
import { TsgiError, type TsgiErrorCode, type TsgiWarningCode } from './errors.ts'
import { makeServer } from './simple-server.ts'
import { runApp, type AppResult } from './testing.ts'
import { setupTestingDefaults } from './util.ts'
import { validator } from './validate.ts'
import type {
  Application,
  Body,
  Chunk,
  ClosableBody,
  Environ,
  ErrorStream,
  HeaderList,
  InputStream,
  StartResponse,
  Write,
} from '../spec/types.ts'

const encoder = new TextEncoder()
const bytes = (text: string) => encoder.encode(text)
const TEXT: HeaderList = [['Content-Type', 'text/plain']]

// --- Helpers ----------------------------------------------------------------------------------

/**
 * Asserts that `run` throws, or rejects, with a TsgiError whose code is `code` (and whose
 * message matches `detail`, when given).
 */
async function assertCode(code: TsgiErrorCode, run: () => unknown, detail?: RegExp): Promise<void> {
  await assert.rejects(
    async () => run(),
    (error: unknown) => {
      assert.ok(error instanceof TsgiError, `expected a TsgiError, got ${String(error)}`)
      assert.equal(error.code, code, error.message)
      if (detail) assert.match(error.message, detail)
      return true
    }
  )
}

/** The TsgiWarning codes emitted while `run` runs (emitWarning reports on a later tick). */
async function warningsDuring(run: () => unknown): Promise<string[]> {
  const codes: string[] = []
  const listener = (warning: Error & { code?: string }) => {
    if (warning.name === 'TsgiWarning') codes.push(warning.code ?? '')
  }
  process.on('warning', listener)
  try {
    await run()
    await new Promise((resolve) => setImmediate(resolve))
  } finally {
    process.off('warning', listener)
  }
  return codes
}

async function assertWarns(code: TsgiWarningCode, run: () => unknown): Promise<void> {
  assert.deepEqual(await warningsDuring(run), [code])
}

interface Served {
  status: string | undefined
  text: string
}

/**
 * A server that checks nothing itself (unlike runApp and the server core), so that every error
 * a test sees comes from the validator. It does keep the server's duties: the excInfo rethrow,
 * and ending then closing the body.
 */
async function serve(app: Application, overrides: Partial<Environ> = {}): Promise<Served> {
  const served: Served = { status: undefined, text: '' }
  let sent = false
  const write = async (chunk: Chunk) => {
    if (chunk.length > 0) sent = true
    served.text += new TextDecoder().decode(chunk)
  }
  const startResponse = (status: string, _headers: HeaderList, excInfo?: unknown) => {
    if (excInfo !== undefined && sent) throw excInfo
    served.status = status
    return write
  }
  const body = await validator(app)(setupTestingDefaults(overrides), startResponse)
  const iterator =
    Symbol.asyncIterator in body ? body[Symbol.asyncIterator]() : body[Symbol.iterator]()
  try {
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      await write(next.value)
    }
  } finally {
    await iterator.return?.()
    await (body as Partial<ClosableBody>).close?.()
  }
  return served
}

/** An app that responds with `status` and `headers` and yields `chunks`. */
function responding(status: string, headers: unknown, chunks: Chunk[] = []): Application {
  return function* (_environ, startResponse) {
    startResponse(status, headers as HeaderList)
    yield* chunks
  }
}

const okApp = responding('200 OK', TEXT, [bytes('ok')])
const ignore: StartResponse = () => async () => {}

/** Calls the validated `app` directly, as a server would, with a test environ. */
function call(app: Application, environ: Partial<Environ> = {}, start: StartResponse = ignore) {
  return validator(app)(setupTestingDefaults(environ), start)
}

/** A body that counts how the server ends and closes it; `kind` picks its iterator. */
function countingBody(kind: 'sync' | 'async', chunks: Chunk[] = [bytes('a'), bytes('b')]) {
  const counts = { next: 0, return: 0, close: 0 }
  const iterator = {
    next: () => {
      counts.next++
      const value = chunks[counts.next - 1]
      return value ? { done: false as const, value } : { done: true as const, value: undefined }
    },
    return: () => {
      counts.return++
      return { done: true as const, value: undefined }
    },
  }
  const asyncIterator = {
    next: async () => iterator.next(),
    return: async () => iterator.return(),
  }
  const body =
    kind === 'sync'
      ? { [Symbol.iterator]: () => iterator, close: () => void counts.close++ }
      : { [Symbol.asyncIterator]: () => asyncIterator, close: () => void counts.close++ }
  return { body: body as Body & ClosableBody, counts }
}

/** A promise and the function that resolves it (Promise.withResolvers needs Node 22). */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void
  const promise = new Promise<void>((r) => (resolve = r))
  return { promise, resolve }
}

/** A validated app returning `body` after a valid startResponse. */
function returning(body: Body): Application {
  return (_environ, startResponse) => {
    startResponse('200 OK', TEXT)
    return body
  }
}

// --- The application call (spec §2.2) ---------------------------------------------------------

describe('the application call', () => {
  test('TSGI_ERR_APP_ARGS: the app takes exactly (environ, startResponse)', async () => {
    const validated = validator(okApp) as (...args: unknown[]) => unknown
    const environ = setupTestingDefaults()
    await assertCode('TSGI_ERR_APP_ARGS', () => validated(environ))
    await assertCode('TSGI_ERR_APP_ARGS', () => validated(environ, ignore, 'extra'))
    await assertCode('TSGI_ERR_APP_ARGS', () => validated(environ, 'not a function'))
  })

  test('validator() refuses something that is not an application', () => {
    assert.throws(() => validator('app' as unknown as Application), TypeError)
  })
})

// --- startResponse (spec §3) -------------------------------------------------------------------

describe('startResponse', () => {
  test('TSGI_ERR_START_RESPONSE_ARGS: two or three arguments', async () => {
    for (const args of [['200 OK'], ['200 OK', TEXT, undefined, 'extra'], []]) {
      const app: Application = function* (_environ, startResponse) {
        ;(startResponse as (...a: unknown[]) => Write)(...args)
        yield bytes('x')
      }
      await assertCode('TSGI_ERR_START_RESPONSE_ARGS', () => serve(app))
    }
  })

  test('TSGI_ERR_STATUS: "NNN Reason"', async () => {
    for (const status of ['200', 'OK', '2000 OK', '99 Low', '101 Switching', '200 OK\r\n', 200]) {
      await assertCode('TSGI_ERR_STATUS', () => serve(responding(status as string, TEXT)))
    }
  })

  test('TSGI_WARN_STATUS_REASON: a status without a reason phrase is a warning', async () => {
    await assertWarns('TSGI_WARN_STATUS_REASON', () => serve(responding('200 ', TEXT)))
    assert.deepEqual(await warningsDuring(() => serve(responding('200 OK', TEXT))), [])
  })

  test('TSGI_ERR_HEADERS_TYPE: an array of [name, value] string pairs', async () => {
    const bad = [
      { 'Content-Type': 'text/plain' },
      new Map(),
      [['A']],
      [['A', 'b', 'c']],
      [['A', 1]],
      'x',
    ]
    for (const headers of bad) {
      await assertCode('TSGI_ERR_HEADERS_TYPE', () => serve(responding('200 OK', headers)))
    }
  })

  test('TSGI_ERR_HEADER_NAME: a token, and not Status', async () => {
    for (const name of ['Bad Name', 'X:Y', 'Status', 'STATUS', '']) {
      const headers = [...TEXT, [name, 'v']]
      await assertCode('TSGI_ERR_HEADER_NAME', () => serve(responding('200 OK', headers)))
    }
  })

  test('TSGI_ERR_HEADER_VALUE: latin-1, no controls, a sane Content-Length, none on 204', async () => {
    const cases: [string, string[][]][] = [
      ['200 OK', [...TEXT, ['X', 'a\r\nSet-Cookie: x']]],
      ['200 OK', [...TEXT, ['X', 'snow \u2603']]],
      ['200 OK', [...TEXT, ['Content-Length', 'ten']]],
      ['200 OK', [...TEXT, ['Content-Length', '1'], ['content-length', '2']]],
      ['204 No Content', [['Content-Length', '0']]],
    ]
    for (const [status, headers] of cases) {
      await assertCode('TSGI_ERR_HEADER_VALUE', () => serve(responding(status, headers)))
    }
  })

  test('TSGI_WARN_HEADER_WHITESPACE: values should not begin or end with whitespace', async () => {
    const headers = [...TEXT, ['X-Padded', ' value']]
    await assertWarns('TSGI_WARN_HEADER_WHITESPACE', () => serve(responding('200 OK', headers)))
  })

  test('TSGI_ERR_HOP_BY_HOP: connection headers are the server’s', async () => {
    for (const name of ['Connection', 'Keep-Alive', 'Transfer-Encoding', 'Upgrade', 'TE']) {
      const headers = [...TEXT, [name, 'x']]
      await assertCode('TSGI_ERR_HOP_BY_HOP', () => serve(responding('200 OK', headers)))
    }
  })

  test('TSGI_ERR_CONTENT_TYPE: required, except on 204 and 304 where it is forbidden', async () => {
    await assertCode('TSGI_ERR_CONTENT_TYPE', () => serve(responding('200 OK', [])))
    await assertCode('TSGI_ERR_CONTENT_TYPE', () =>
      serve(responding('404 Not Found', [['X', 'y']]))
    )
    await assertCode('TSGI_ERR_CONTENT_TYPE', () => serve(responding('204 No Content', TEXT)))
    await assertCode('TSGI_ERR_CONTENT_TYPE', () => serve(responding('304 Not Modified', TEXT)))
    assert.equal((await serve(responding('204 No Content', []))).status, '204 No Content')
    assert.equal(
      (await serve(responding('304 Not Modified', [['ETag', '"1"']]))).status,
      '304 Not Modified'
    )
  })

  test('TSGI_ERR_START_RESPONSE_TWICE: a second call needs excInfo, even after a failed one', async () => {
    const twice: Application = (_environ, startResponse) => {
      startResponse('200 OK', TEXT)
      startResponse('200 OK', TEXT)
      return []
    }
    await assertCode('TSGI_ERR_START_RESPONSE_TWICE', () => serve(twice))
    const afterFailure: Application = (_environ, startResponse) => {
      assert.throws(() => startResponse('bad', TEXT))
      startResponse('200 OK', TEXT)
      return []
    }
    await assertCode('TSGI_ERR_START_RESPONSE_TWICE', () => serve(afterFailure))
  })

  test('TSGI_ERR_EXC_INFO: null is not an error being handled', async () => {
    const app: Application = (_environ, startResponse) => {
      startResponse('200 OK', TEXT, null)
      return []
    }
    await assertCode('TSGI_ERR_EXC_INFO', () => serve(app))
  })

  test('TSGI_WARN_EXC_INFO_NOT_ERROR: excInfo should be an Error', async () => {
    const app: Application = (_environ, startResponse) => {
      startResponse('500 Oops', TEXT, 'a thrown string')
      return []
    }
    await assertWarns('TSGI_WARN_EXC_INFO_NOT_ERROR', () => serve(app))
  })

  test('excInfo after the headers were sent: the error itself reaches the server', async () => {
    const failure = new Error('late failure')
    const app: Application = function* (_environ, startResponse) {
      startResponse('200 OK', TEXT)
      yield bytes('partial')
      startResponse('500 Oops', TEXT, failure)
      yield bytes('never')
    }
    await assert.rejects(
      () => serve(app),
      (error) => error === failure
    )
    await assert.rejects(
      () => runApp(validator(app)),
      (error) => error === failure
    )
  })

  test('TSGI_ERR_EXC_INFO_RETHROW: a server that does not rethrow excInfo after the headers', async () => {
    const app: Application = function* (_environ, startResponse) {
      startResponse('200 OK', TEXT)
      yield bytes('partial')
      startResponse('500 Oops', TEXT, new Error('late'))
    }
    const servers: StartResponse[] = [
      () => async () => {}, // returns as if nothing were sent
      (_s, _h, excInfo) => {
        if (excInfo) throw new Error('something else')
        return async () => {}
      },
    ]
    for (const start of servers) {
      const body = (await call(app, {}, start)) as Iterable<Chunk> & ClosableBody
      const iterator = body[Symbol.iterator]()
      iterator.next()
      await assertCode('TSGI_ERR_EXC_INFO_RETHROW', () => iterator.next())
      iterator.return?.()
      await body.close()
    }
  })
})

// --- write (spec §3.5) -------------------------------------------------------------------------

describe('write', () => {
  test('TSGI_ERR_WRITE_TYPE: write() takes one Uint8Array', async () => {
    const bad: unknown[][] = [
      ['text'],
      [],
      [bytes('a'), bytes('b')],
      [new ArrayBuffer(2)],
      [[1, 2]],
    ]
    for (const args of bad) {
      const app: Application = async (_environ, startResponse) => {
        const write = startResponse('200 OK', TEXT) as (...a: unknown[]) => Promise<void>
        await write(...args)
        return []
      }
      await assertCode('TSGI_ERR_WRITE_TYPE', () => serve(app))
    }
  })

  test('TSGI_ERR_WRITE_AFTER_END: no write() once the body has ended', async () => {
    let write: Write | undefined
    const app: Application = function* (_environ, startResponse) {
      write = startResponse('200 OK', TEXT)
      yield bytes('done')
    }
    await serve(app)
    await assertCode('TSGI_ERR_WRITE_AFTER_END', () => write!(bytes('late')))
  })

  test('TSGI_ERR_WRITE_AFTER_END: also once the server ended or closed the body early', async () => {
    for (const end of ['return', 'close'] as const) {
      let write: Write | undefined
      const app: Application = (_environ, startResponse) => {
        write = startResponse('200 OK', TEXT)
        return countingBody('sync').body
      }
      const body = (await call(app)) as Iterable<Chunk> & ClosableBody
      const iterator = body[Symbol.iterator]()
      if (end === 'return') iterator.return!()
      else await assertCode('TSGI_ERR_NOT_CLOSED', () => body.close())
      await assertCode('TSGI_ERR_WRITE_AFTER_END', () => write!(bytes('late')))
      if (end === 'return') await body.close()
    }
  })

  test('write() output counts towards Content-Length (TSGI_ERR_CONTENT_LENGTH)', async () => {
    const app: Application = async (_environ, startResponse) => {
      const write = startResponse('200 OK', [...TEXT, ['Content-Length', '3']])
      await write(bytes('ab'))
      return [bytes('cd')]
    }
    await assertCode('TSGI_ERR_CONTENT_LENGTH', () => serve(app))
  })
})

// --- The body (spec §2.1, §2.2, §5.2) ---------------------------------------------------------

describe('the body', () => {
  test('TSGI_ERR_BODY_TYPE: a string or bytes get a message that says so', async () => {
    await assertCode('TSGI_ERR_BODY_TYPE', () => serve(returning('text' as never)), /a string/)
    await assertCode(
      'TSGI_ERR_BODY_TYPE',
      () => serve(returning(bytes('x') as never)),
      /Uint8Array/
    )
  })

  test('TSGI_ERR_BODY_TYPE: an iterable of chunks, not null, a string or bytes', async () => {
    const bad: unknown[] = [
      null,
      undefined,
      'text',
      bytes('bytes'),
      Buffer.from('a Buffer'),
      new Uint16Array(2),
      42,
      {},
      function* () {},
    ]
    for (const body of bad) {
      const app = returning(body as Body)
      await assertCode('TSGI_ERR_BODY_TYPE', () => serve(app))
      await assertCode('TSGI_ERR_BODY_TYPE', () =>
        serve(async (environ, start) => app(environ, start))
      )
    }
  })

  test('TSGI_ERR_BODY_TYPE: an iterator whose next() does not give {value, done}', async () => {
    const body = { [Symbol.iterator]: () => ({ next: () => 'chunk' }) }
    await assertCode('TSGI_ERR_BODY_TYPE', () => serve(returning(body as unknown as Body)))
  })

  test('TSGI_ERR_CHUNK_TYPE: every chunk a Uint8Array', async () => {
    const bodies: unknown[] = [
      (function* () {
        yield 'text'
      })(),
      [bytes('a'), 'b'],
      [Promise.resolve(bytes('a sync iterable must not yield promises'))],
      (async function* () {
        yield new ArrayBuffer(1)
      })(),
    ]
    for (const body of bodies) {
      await assertCode('TSGI_ERR_CHUNK_TYPE', () => serve(returning(body as Body)))
    }
  })

  test('TSGI_ERR_START_RESPONSE_MISSING: before the first non-empty chunk, and before the end', async () => {
    const early: Application = function* (_environ, startResponse) {
      yield bytes('too early')
      startResponse('200 OK', TEXT)
    }
    await assertCode('TSGI_ERR_START_RESPONSE_MISSING', () => serve(early))
    const never: Application = function* () {}
    await assertCode('TSGI_ERR_START_RESPONSE_MISSING', () => serve(never))
    await assertCode('TSGI_ERR_START_RESPONSE_MISSING', () => serve(() => [bytes('x')]))
    await assertCode('TSGI_ERR_START_RESPONSE_MISSING', () => serve(() => []))
    const failed: Application = function* (_environ, startResponse) {
      assert.throws(() => startResponse('nope', TEXT))
      yield bytes('x')
    }
    await assertCode('TSGI_ERR_START_RESPONSE_MISSING', () => serve(failed))
  })

  test('empty chunks may come before startResponse (spec §2.2)', async () => {
    const buffering: Application = function* (_environ, startResponse) {
      yield new Uint8Array(0)
      startResponse('200 OK', TEXT)
      yield bytes('late start')
    }
    assert.equal((await serve(buffering)).text, 'late start')
  })

  test('TSGI_ERR_CONTENT_LENGTH: not longer than declared, nor shorter', async () => {
    const cl = (n: number) => [...TEXT, ['Content-Length', String(n)]]
    await assertCode('TSGI_ERR_CONTENT_LENGTH', () =>
      serve(responding('200 OK', cl(3), [bytes('abcd')]))
    )
    await assertCode('TSGI_ERR_CONTENT_LENGTH', () =>
      serve(responding('200 OK', cl(5), [bytes('abc')]))
    )
    await assertCode('TSGI_ERR_CONTENT_LENGTH', () => serve(arrayApp(cl(1), [bytes('ab')])))
    await assertCode('TSGI_ERR_CONTENT_LENGTH', () => serve(arrayApp(cl(3), [bytes('ab')])))
    // HEAD, 304: no body goes out, so a shorter body is fine (spec §5.2).
    assert.equal((await serve(responding('200 OK', cl(5)), { REQUEST_METHOD: 'HEAD' })).text, '')
    const notModified = responding('304 Not Modified', [['Content-Length', '5']])
    assert.equal((await serve(notModified)).status, '304 Not Modified')
  })

  test('TSGI_WARN_BODY_NOT_ALLOWED: body bytes on a 204', async () => {
    const app = responding('204 No Content', [], [bytes('a'), bytes('b')])
    await assertWarns('TSGI_WARN_BODY_NOT_ALLOWED', () => serve(app))
  })
})

/** An app that returns an array body after responding with `headers`. */
function arrayApp(headers: unknown, chunks: Chunk[]): Application {
  return (_environ, startResponse) => {
    startResponse('200 OK', headers as HeaderList)
    return chunks
  }
}

// --- Ending and closing the body: the server's side (spec §5.1) --------------------------------

describe('ending and closing the body', () => {
  test('TSGI_ERR_ITER_AFTER_CLOSE: no next() after return() or close()', async () => {
    for (const kind of ['sync', 'async'] as const) {
      const afterReturn = countingBody(kind)
      const body1 = (await call(returning(afterReturn.body))) as Body & ClosableBody
      const iterator1 = openIterator(body1)
      await iterator1.next()
      await iterator1.return?.()
      await assertCode('TSGI_ERR_ITER_AFTER_CLOSE', () => iterator1.next())
      await body1.close()

      const afterClose = countingBody(kind)
      const body2 = (await call(returning(afterClose.body))) as Body & ClosableBody
      await body2.close()
      await assertCode('TSGI_ERR_ITER_AFTER_CLOSE', () => openIterator(body2).next())
      assert.equal(afterClose.counts.next, 0, 'the application body was not asked')
    }
  })

  test('TSGI_ERR_ITER_PROTOCOL: one iterator, one call at a time', async () => {
    const twice = (await call(returning(countingBody('sync').body))) as Iterable<Chunk> &
      ClosableBody
    const first = twice[Symbol.iterator]()
    await assertCode('TSGI_ERR_ITER_PROTOCOL', () => twice[Symbol.iterator]())
    first.return?.()
    await twice.close()

    const gate = deferred()
    const slow: Application = async function* (_environ, startResponse) {
      startResponse('200 OK', TEXT)
      await gate.promise
      yield bytes('slow')
    }
    const body = (await call(slow)) as AsyncIterable<Chunk> & ClosableBody
    const iterator = body[Symbol.asyncIterator]()
    const pending = iterator.next()
    await assertCode('TSGI_ERR_ITER_PROTOCOL', () => iterator.next())
    const ended = iterator.return!()
    gate.resolve()
    assert.deepEqual(await pending, { done: false, value: bytes('slow') })
    await assertCode('TSGI_ERR_ITER_PROTOCOL', () => ended)
    await body.close()
  })

  test('TSGI_ERR_NOT_CLOSED: close() before return() — the app’s close() still runs', async () => {
    const { body: inner, counts } = countingBody('async')
    const body = (await call(returning(inner))) as Body & ClosableBody
    await openIterator(body).next()
    await assertCode('TSGI_ERR_NOT_CLOSED', () => body.close())
    assert.equal(counts.close, 1)
  })

  test('TSGI_WARN_CLOSED_TWICE: return() or close() called again', async () => {
    const { body: inner, counts } = countingBody('sync')
    const body = (await call(returning(inner))) as Iterable<Chunk> & ClosableBody
    const iterator = body[Symbol.iterator]()
    const codes = await warningsDuring(async () => {
      iterator.return!()
      iterator.return!()
      await body.close()
      await body.close()
    })
    assert.deepEqual(codes, ['TSGI_WARN_CLOSED_TWICE', 'TSGI_WARN_CLOSED_TWICE'])
    assert.deepEqual(
      counts,
      { next: 0, return: 2, close: 2 },
      'forwarded as the server called them'
    )
  })

  test('return() and close() reach the app’s body exactly as the server calls them', async () => {
    for (const kind of ['sync', 'async'] as const) {
      const { body: inner, counts } = countingBody(kind)
      const result = await runApp(validator(returning(inner)))
      assert.equal(result.text, 'ab')
      assert.deepEqual(counts, { next: 3, return: 1, close: 1 })
      assert.deepEqual(
        { returned: result.returned, closed: result.closed },
        { returned: 1, closed: 1 }
      )
    }
  })

  test('a body closed before its first chunk runs the app’s cleanup', async () => {
    const { body: inner, counts } = countingBody('async')
    const body = (await call(returning(inner))) as Body & ClosableBody
    await body.close()
    assert.deepEqual(counts, { next: 0, return: 0, close: 1 })
  })

  test('TSGI_ERR_NOT_CLOSED: a body collected unclosed is reported (child process, --expose-gc)', async (t) => {
    const root = fileURLToPath(new URL('../../', import.meta.url))
    const child = spawn(
      process.execPath,
      [
        '--expose-gc',
        '--no-warnings',
        '--import',
        'tsx',
        '--input-type=module',
        '--eval',
        GC_SCRIPT,
      ],
      {
        cwd: root,
        env: {
          ...process.env,
          VALIDATE_URL: new URL('./validate.ts', import.meta.url).href,
          UTIL_URL: new URL('./util.ts', import.meta.url).href,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      }
    )
    t.after(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill()
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (data: Buffer) => (stdout += data.toString()))
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()))
    const [code] = (await once(child, 'close')) as [number | null]
    assert.equal(code, 0, stderr)
    const report = JSON.parse(stdout) as { lines: string[]; warnings: string[] }
    const lines = report.lines.sort()
    assert.equal(lines.length, 2, stdout)
    assert.match(
      lines[0]!,
      /^TSGI_ERR_NOT_CLOSED: .*GET \/leaked, nor ended its iterator with return\(\)\n$/
    )
    assert.match(lines[1]!, /^TSGI_ERR_NOT_CLOSED: .*GET \/returned-only\n$/)
    assert.deepEqual(report.warnings, ['TSGI_ERR_NOT_CLOSED', 'TSGI_ERR_NOT_CLOSED'])
  })
})

/**
 * Runs in a child with --expose-gc: three responses, one closed properly, one only ended, one
 * abandoned; collects garbage until the two unclosed ones are reported (bounded rounds, no sleep).
 */
const GC_SCRIPT = `
const { validator } = await import(process.env.VALIDATE_URL)
const { setupTestingDefaults } = await import(process.env.UTIL_URL)
const lines = []
const warnings = []
process.on('warning', (w) => { if (w.name === 'TsgiWarning') warnings.push(w.code) })
const errors = { write: (text) => lines.push(text), writelines() {}, flush() {} }
const app = validator(function* (environ, startResponse) {
  startResponse('200 OK', [['Content-Type', 'text/plain']])
  yield new Uint8Array([1])
})
function request(path, steps) {
  const environ = setupTestingDefaults({ PATH_INFO: path, 'tsgi.errors': errors })
  const body = app(environ, () => async () => {})
  const iterator = body[Symbol.iterator]()
  iterator.next()
  if (steps >= 1) iterator.return()
  if (steps >= 2) body.close()
}
request('/closed', 2)
request('/returned-only', 1)
request('/leaked', 0)
for (let round = 0; lines.length < 2 && round < 100; round++) {
  globalThis.gc()
  await new Promise((resolve) => setImmediate(resolve))
}
await new Promise((resolve) => setImmediate(resolve))
process.stdout.write(JSON.stringify({ lines, warnings }))
`

function openIterator(body: Body): Iterator<Chunk> | AsyncIterator<Chunk> {
  return Symbol.asyncIterator in body ? body[Symbol.asyncIterator]() : body[Symbol.iterator]()
}

// --- The environ (spec §4) ---------------------------------------------------------------------

describe('the environ', () => {
  test('TSGI_ERR_ENVIRON_TYPE: a plain object', async () => {
    class Env {}
    for (const environ of [null, undefined, 'env', new Map(), [], new Env(), Object.create(null)]) {
      await assertCode('TSGI_ERR_ENVIRON_TYPE', () => validator(okApp)(environ as Environ, ignore))
    }
  })

  test('TSGI_ERR_ENVIRON_MISSING_KEY: every required key', async () => {
    const required = [
      'REQUEST_METHOD',
      'SCRIPT_NAME',
      'PATH_INFO',
      'QUERY_STRING',
      'SERVER_NAME',
      'SERVER_PORT',
      'SERVER_PROTOCOL',
      'tsgi.version',
      'tsgi.url_scheme',
      'tsgi.input',
      'tsgi.errors',
      'tsgi.multithread',
      'tsgi.multiprocess',
      'tsgi.run_once',
      'tsgi.signal',
    ]
    for (const key of required) {
      const environ = setupTestingDefaults()
      delete environ[key]
      await assertCode('TSGI_ERR_ENVIRON_MISSING_KEY', () => validator(okApp)(environ, ignore))
    }
    const environ = setupTestingDefaults()
    delete environ['tsgi.file_wrapper']
    assert.equal(
      (await runApp(validator(okApp), environ)).text,
      'ok',
      'tsgi.file_wrapper is optional'
    )
  })

  test('TSGI_ERR_ENVIRON_VALUE: types and formats', async () => {
    const bad: Partial<Record<string, unknown>>[] = [
      { HTTP_X: 42 },
      { HTTP_X: 'snow \u2603' },
      { REMOTE_ADDR: ['127.0.0.1'] },
      { REQUEST_METHOD: '' },
      { REQUEST_METHOD: 'GET /' },
      { SCRIPT_NAME: 'app' },
      { SCRIPT_NAME: '/' },
      { SCRIPT_NAME: '/app/' },
      { PATH_INFO: 'x' },
      { PATH_INFO: '*' },
      { CONTENT_LENGTH: '-1' },
      { CONTENT_LENGTH: '1.5' },
      { CONTENT_LENGTH: '' },
      { SERVER_NAME: '' },
      { SERVER_PORT: 'http' },
      { SERVER_PROTOCOL: 'HTTP1.1' },
      { 'tsgi.version': [1, 1] },
      { 'tsgi.version': '1.0' },
      { 'tsgi.url_scheme': 'ftp' },
      { 'tsgi.multithread': 'yes' },
      { 'tsgi.multiprocess': 0 },
      { 'tsgi.run_once': null },
      { 'tsgi.signal': new AbortController() },
      { 'tsgi.file_wrapper': {} },
    ]
    for (const overrides of bad) {
      const environ = Object.assign(setupTestingDefaults(), overrides)
      await assertCode('TSGI_ERR_ENVIRON_VALUE', () => validator(okApp)(environ, ignore))
    }
  })

  test('valid edge values: OPTIONS *, latin-1 text, a mounted app', async () => {
    const options = { REQUEST_METHOD: 'OPTIONS', PATH_INFO: '*' }
    assert.equal((await serve(okApp, options)).text, 'ok')
    assert.equal((await serve(okApp, { PATH_INFO: '/caf\u00e9', SCRIPT_NAME: '/app' })).text, 'ok')
    assert.equal((await serve(okApp, { PATH_INFO: '', CONTENT_LENGTH: '0' })).text, 'ok')
  })

  test('TSGI_ERR_ENVIRON_KEY: keys the environ must not have', async () => {
    const bad: Record<string, unknown>[] = [
      { HTTP_CONTENT_TYPE: 'text/plain' },
      { HTTP_CONTENT_LENGTH: '0' },
      { REMOTE_USER: undefined },
      { 'tsgi.invented': true },
    ]
    for (const overrides of bad) {
      const environ = Object.assign(setupTestingDefaults(), overrides)
      await assertCode('TSGI_ERR_ENVIRON_KEY', () => validator(okApp)(environ, ignore))
    }
  })

  test('TSGI_WARN_UNKNOWN_METHOD and TSGI_WARN_VERSION_NOT_FROZEN', async () => {
    await assertWarns('TSGI_WARN_UNKNOWN_METHOD', () => serve(okApp, { REQUEST_METHOD: 'get' }))
    await assertWarns('TSGI_WARN_UNKNOWN_METHOD', () => serve(okApp, { REQUEST_METHOD: 'PURGE' }))
    const version = [1, 0] as unknown as Environ['tsgi.version']
    await assertWarns('TSGI_WARN_VERSION_NOT_FROZEN', () =>
      serve(okApp, { 'tsgi.version': version })
    )
  })

  test('TSGI_ERR_INPUT_STREAM: read, readline, readlines and async iteration', async () => {
    const real = bytesInput('x')
    const streams: unknown[] = [
      'body',
      {
        read: real.read,
        readlines: real.readlines,
        [Symbol.asyncIterator]: real[Symbol.asyncIterator],
      },
      { read: real.read, readline: real.readline, readlines: real.readlines },
    ]
    for (const input of [...streams, null]) {
      const environ = Object.assign(setupTestingDefaults(), { 'tsgi.input': input })
      await assertCode('TSGI_ERR_INPUT_STREAM', () => validator(okApp)(environ, ignore))
    }
  })

  test('TSGI_ERR_ERROR_STREAM: write, writelines and flush', async () => {
    for (const errors of [{ write() {}, writelines() {} }, process.stderr, 'stderr', null]) {
      const environ = Object.assign(setupTestingDefaults(), { 'tsgi.errors': errors })
      await assertCode('TSGI_ERR_ERROR_STREAM', () => validator(okApp)(environ, ignore))
    }
  })
})

// --- tsgi.input and tsgi.errors in use (spec §4.3, §4.4) ---------------------------------------

/** An app that runs `use` on its environ before it responds. */
function using(use: (environ: Environ) => unknown): Application {
  return async (environ, startResponse) => {
    await use(environ)
    startResponse('200 OK', TEXT)
    return []
  }
}

describe('tsgi.input', () => {
  test('TSGI_ERR_INPUT_USAGE: integer sizes, one call at a time, no close()', async () => {
    const misuse: ((input: InputStream & Record<string, unknown>) => unknown)[] = [
      (input) => input.read(1.5),
      (input) => input.read('10' as unknown as number),
      (input) => (input.readline as (...a: unknown[]) => unknown)(1, 2),
      (input) => input.readlines(Number.NaN),
      (input) => Promise.all([input.read(1), input.read(1)]),
      (input) => Promise.all([input[Symbol.asyncIterator]().next(), input.read()]),
      (input) => (input.close as () => void)(),
      (input) => (input.destroy as () => void)(),
    ]
    for (const use of misuse) {
      const app = using((environ) =>
        use(environ['tsgi.input'] as InputStream & Record<string, unknown>)
      )
      await assertCode('TSGI_ERR_INPUT_USAGE', () =>
        serve(app, { 'tsgi.input': bytesInput('ab\ncd') })
      )
    }
  })

  test('TSGI_ERR_INPUT_STREAM: the server’s results are checked', async () => {
    const real = bytesInput('ab\ncd\n')
    const broken: Partial<InputStream>[] = [
      { read: async () => 'ab' as unknown as Chunk },
      { read: async () => bytes('abc') }, // asked for 2
      { readline: async () => bytes('ab\ncd\n') },
      { readlines: async () => new Set([bytes('ab\n')]) as unknown as Chunk[] },
      {
        [Symbol.asyncIterator]: async function* () {
          yield new Uint8Array(0) // spec §4.3: iteration never yields an empty chunk
        },
      },
    ]
    for (const override of broken) {
      const input = Object.assign(Object.create(real) as InputStream, override)
      const app = using(async (environ) => {
        const stream = environ['tsgi.input']
        if (override.read) await stream.read(2)
        if (override.readline) await stream.readline()
        if (override.readlines) await stream.readlines()
        if (override[Symbol.asyncIterator]) for await (const _ of stream) void _
      })
      await assertCode('TSGI_ERR_INPUT_STREAM', () => serve(app, { 'tsgi.input': input }))
    }
  })

  test('a well-behaved reader gets the body unchanged', async () => {
    const seen: string[] = []
    const decode = (chunk: Chunk) => new TextDecoder().decode(chunk)
    const app = using(async (environ) => {
      const input = environ['tsgi.input']
      seen.push(decode(await input.read(2)), decode(await input.readline()))
      seen.push(decode(await input.readline(3)), ...(await input.readlines()).map(decode))
      for await (const chunk of input) seen.push(decode(chunk))
      seen.push(decode(await input.read(null as unknown as number)), decode(await input.read(-1)))
    })
    await serve(app, { 'tsgi.input': bytesInput('ab\ncdefg\nh\n') })
    assert.deepEqual(seen, ['ab', '\n', 'cde', 'fg\n', 'h\n', '', ''])
  })
})

describe('tsgi.errors', () => {
  test('TSGI_ERR_ERROR_STREAM: strings only, and no close()', async () => {
    const misuse: ((errors: ErrorStream & Record<string, unknown>) => unknown)[] = [
      (errors) => errors.write(42 as unknown as string),
      (errors) => (errors.write as () => void)(),
      (errors) => errors.write(bytes('x') as unknown as string),
      (errors) => errors.writelines('abc'),
      (errors) => errors.writelines([1] as unknown as string[]),
      (errors) => errors.writelines(null as unknown as string[]),
      (errors) => (errors.close as () => void)(),
    ]
    for (const use of misuse) {
      const app = using((environ) =>
        use(environ['tsgi.errors'] as ErrorStream & Record<string, unknown>)
      )
      await assertCode('TSGI_ERR_ERROR_STREAM', () => serve(app))
    }
  })

  test('text reaches the server’s error stream', async () => {
    const written: string[] = []
    const errors: ErrorStream = {
      write: (text) => void written.push(text),
      writelines: (lines) => void written.push(...lines),
      flush: () => void written.push('<flush>'),
    }
    const app = using((environ) => {
      environ['tsgi.errors'].write('one\n')
      environ['tsgi.errors'].writelines(new Set(['two', '\n']))
      environ['tsgi.errors'].flush()
    })
    await serve(app, { 'tsgi.errors': errors })
    assert.deepEqual(written, ['one\n', 'two', '\n', '<flush>'])
  })
})

// --- Well-behaved applications pass unchanged ---------------------------------------------------

describe('well-behaved applications', () => {
  const syncGenerator: Application = function* (_environ, startResponse) {
    startResponse('200 OK', TEXT)
    yield bytes('one ')
    yield bytes('two')
  }
  const asyncGenerator: Application = async function* (_environ, startResponse) {
    startResponse('201 Created', [...TEXT, ['Content-Length', '7']])
    await Promise.resolve()
    yield bytes('one ')
    yield bytes('two')
  }
  const writer: Application = async (_environ, startResponse) => {
    const write = startResponse('200 OK', [...TEXT, ['Set-Cookie', 'a=1'], ['Set-Cookie', 'b=2']])
    await write(bytes('written '))
    return [bytes('then returned')]
  }
  const replacing: Application = function* (_environ, startResponse) {
    try {
      startResponse('200 OK', TEXT)
      throw new Error('failed before the first chunk')
    } catch (error) {
      startResponse('500 Internal Server Error', [['Content-Type', 'text/plain']], error)
      yield bytes('sorry')
    }
  }

  test('give the same response with and without the validator, and no warning', async () => {
    for (const app of [syncGenerator, asyncGenerator, writer, replacing]) {
      const plain = await runApp(app)
      let checked: AppResult | undefined
      const codes = await warningsDuring(async () => (checked = await runApp(validator(app))))
      assert.deepEqual(codes, [])
      // The wrapper always has close() (so the validator sees the server call it); the rest is equal.
      assert.deepEqual({ ...checked, closed: plain.closed }, plain)
      assert.equal(
        checked?.closed,
        Array.isArray(await app(setupTestingDefaults(), ignore)) ? 0 : 1
      )
    }
  })

  test('examples/hello.ts: the same status, headers and lines', async () => {
    const plain = await runApp(hello, { HTTP_USER_AGENT: 'vim' })
    const checked = await runApp(validator(hello), { HTTP_USER_AGENT: 'vim' })
    assert.equal(checked.status, plain.status)
    assert.deepEqual(checked.headers, plain.headers)
    // The validator puts its checking wrappers in tsgi.input and tsgi.errors, which hello lists.
    const lines = (text: string) =>
      text.split('\n').filter((line) => !/^tsgi\.(input|errors):/.test(line))
    assert.deepEqual(lines(checked.text), lines(plain.text))
    assert.match(checked.text, /HTTP_USER_AGENT:vim<---/)
    assert.deepEqual([checked.returned, checked.closed], [1, 1])
  })

  test('an array body is returned as it is; the shape of the result is kept', async () => {
    const chunks = [bytes('a'), bytes('b')]
    assert.equal(call(returning(chunks)), chunks, 'the same array, so servers may count it')
    const syncBody = call(syncGenerator) as Body
    assert.ok(Symbol.iterator in syncBody && !(Symbol.asyncIterator in syncBody), 'sync stays sync')
    const asyncBody = call(asyncGenerator) as Body
    assert.ok(Symbol.asyncIterator in asyncBody && !(Symbol.iterator in asyncBody))
    for (const body of [syncBody, asyncBody]) await (body as unknown as ClosableBody).close()
    const promised = call(writer)
    assert.ok(promised instanceof Promise, 'a promise of a body stays a promise')
    await promised
  })

  test('streams: each chunk reaches the server before the app makes the next one', async () => {
    const produced: string[] = []
    const gate = deferred()
    const app: Application = async function* (_environ, startResponse) {
      startResponse('200 OK', TEXT)
      produced.push('first')
      yield bytes('first')
      await gate.promise
      produced.push('second')
      yield bytes('second')
    }
    const body = (await call(app)) as AsyncIterable<Chunk> & ClosableBody
    const iterator = body[Symbol.asyncIterator]()
    assert.deepEqual(await iterator.next(), { done: false, value: bytes('first') })
    assert.deepEqual(produced, ['first'])
    gate.resolve()
    assert.deepEqual(await iterator.next(), { done: false, value: bytes('second') })
    await iterator.return!()
    await body.close()
  })

  test('tsgi.signal is the server’s own, and its abort reaches the app', async () => {
    const controller = new AbortController()
    let seen: AbortSignal | undefined
    const app: Application = async function* (environ, startResponse) {
      seen = environ['tsgi.signal']
      startResponse('200 OK', TEXT)
      yield bytes('x')
    }
    const body = (await call(app, { 'tsgi.signal': controller.signal })) as AsyncIterable<Chunk> &
      ClosableBody
    const iterator = body[Symbol.asyncIterator]()
    await iterator.next()
    controller.abort()
    assert.equal(seen, controller.signal)
    assert.equal(seen?.aborted, true)
    await iterator.return!()
    await body.close()
  })

  test('a tsgi.file_wrapper body sends the file, and the server’s close() closes it', async () => {
    const path = fileURLToPath(import.meta.url)
    const app: Application = async (environ, startResponse) => {
      startResponse('200 OK', TEXT)
      return environ['tsgi.file_wrapper']!(await open(path), 1024)
    }
    const result = await runApp(validator(app))
    assert.deepEqual(result.body, await readFile(path))
    assert.equal(result.closed, 1)
  })

  test('validator(validator(app)) works', async () => {
    assert.deepEqual(await runApp(validator(validator(writer))), await runApp(writer))
  })
})

// --- Through the simple server ------------------------------------------------------------------

describe('through the simple server', () => {
  test('validator(app) serves real requests; a broken app gets a 500 with the code logged', async (t) => {
    const logged: unknown[] = []
    const errorLog = { error: (_message: string, error?: unknown) => void logged.push(error) }
    const app: Application = async (environ, startResponse) => {
      if (environ.PATH_INFO === '/broken') {
        startResponse('200 OK', []) // no Content-Type
        return []
      }
      const input = environ['tsgi.input']
      const body = new TextDecoder().decode(await input.read())
      startResponse('200 OK', TEXT)
      return [bytes(`${environ.REQUEST_METHOD} ${body}`)]
    }
    const server = makeServer('127.0.0.1', 0, validator(app), { errorLog })
    t.after(() => server.close())
    const { port } = await server.listen()
    const ok = await httpRequest(`http://127.0.0.1:${port}/`, { body: 'hello' })
    assert.equal(ok.status, 200)
    assert.equal(ok.text, 'POST hello')
    assert.equal(ok.headers['content-length'], '10', 'an array body keeps its Content-Length')
    const broken = await httpRequest(`http://127.0.0.1:${port}/broken`)
    assert.equal(broken.status, 500)
    assert.equal(logged.length, 1)
    assert.equal((logged[0] as TsgiError).code, 'TSGI_ERR_CONTENT_TYPE')
  })

  test('examples/hello.ts streams through the server under the validator', async (t) => {
    const server = makeServer('127.0.0.1', 0, validator(hello))
    t.after(() => server.close())
    const { port } = await server.listen()
    const response = await httpRequest(`http://127.0.0.1:${port}/`, {
      headers: { 'user-agent': 'vim' },
    })
    assert.equal(response.status, 200)
    assert.match(response.text, /^Heyo\n/)
    assert.match(response.text, /HTTP_USER_AGENT:vim<---\n/)
  })
})
