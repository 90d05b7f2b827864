/**
 * The conformance suite's application: one TSGI app that dispatches on the first segment of
 * PATH_INFO to a case app. A pre-fork server runs it in worker processes
 * (`tsgi -w 2 tests/conformance/app.ts`), so whatever a case observes inside the app goes
 * through probe files (probe.ts), never through memory shared with the test.
 *
 * Requests name their probe with `?id=`. Every case app runs inside the validator, except those
 * that break a rule on purpose (`unvalidated`).
 * @module
 */
import { open, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { ReadableStream } from 'node:stream/web'
import type {
  Application,
  Body,
  Chunk,
  Environ,
  Header,
  HeaderList,
  InputStream,
  StartResponse,
} from '../../src/spec/types.ts'
import { validator } from '../../src/ref/validate.ts'
import { noise, sha256 } from './data.ts'
import { PROBE_DIR_VARIABLE, record } from './probe.ts'

const encoder = new TextEncoder()
const TEXT: Header = ['Content-Type', 'text/plain; charset=utf-8']
const JSON_TYPE: Header = ['Content-Type', 'application/json']
const BINARY: Header = ['Content-Type', 'application/octet-stream']
/** How long a case app waits for tsgi.signal before giving up (the test fails long before). */
const SIGNAL_WAIT_MS = 10_000

const bytes = (text: string): Chunk => encoder.encode(text)

function params(environ: Environ): URLSearchParams {
  return new URLSearchParams(environ.QUERY_STRING)
}

/** Segment `index` of PATH_INFO (1 is the case name). */
function segment(environ: Environ, index: number): string {
  return environ.PATH_INFO.split('/')[index] ?? ''
}

function probeId(environ: Environ): string {
  const id = params(environ).get('id')
  if (!id) throw new Error('this case needs ?id=')
  return id
}

function json(startResponse: StartResponse, value: unknown): Chunk[] {
  startResponse('200 OK', [JSON_TYPE])
  return [bytes(JSON.stringify(value))]
}

/** Resolves true when `signal` aborts, false if it has not after `ms`. */
function aborted(signal: AbortSignal, ms = SIGNAL_WAIT_MS): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(true)
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer)
      resolve(true)
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve(false)
    }, ms).unref()
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

// ---- Statuses and headers ------------------------------------------------------------------

const ping: Application = (_environ, startResponse) => {
  startResponse('200 OK', [TEXT])
  return [bytes('pong')]
}

/** `/status/<code>/<reason>`: that status line; no Content-Type nor body on 204 and 304. */
const status: Application = (environ, startResponse) => {
  const code = segment(environ, 2)
  const noBody = code === '204' || code === '304'
  const headers: HeaderList = noBody ? [] : [TEXT]
  const length = params(environ).get('length')
  if (length) headers.push(['Content-Length', length])
  startResponse(`${code} ${segment(environ, 3)}`, headers)
  return noBody ? [] : [bytes(`status ${code}\n`)]
}

export const RESPONSE_HEADERS: HeaderList = [
  TEXT,
  ['Set-Cookie', 'a=1; Path=/'],
  ['Set-Cookie', 'b=2; HttpOnly'],
  ['X-Latin-1', 'caf\u00e9 \u00ff\u00a0end'],
  ['X-Tab', 'a\tb'],
  ['X-Empty', ''],
  ['x-lower-case', 'kept'],
]

const headers: Application = (_environ, startResponse) => {
  startResponse('200 OK', RESPONSE_HEADERS)
  return [bytes('headers\n')]
}

const FROZEN_HEADERS = Object.freeze([Object.freeze(['Content-Type', 'text/plain']) as Header])

/**
 * `/header-list/<mode>`: the header array belongs to the application (spec §3.2): a frozen
 * constant list must work, and changes made after startResponse must have no effect.
 */
const headerList: Application = (environ, startResponse) => {
  const mode = segment(environ, 2)
  if (mode === 'changed-later') {
    const headers: HeaderList = [
      ['Content-Type', 'text/plain'],
      ['X-Before', '1'],
    ]
    startResponse('200 OK', headers)
    headers.push(['X-Later', '1'])
    headers[1]![1] = 'changed'
    headers.shift()
    return [bytes('changed later\n')]
  }
  startResponse('200 OK', FROZEN_HEADERS as HeaderList)
  if (mode === 'frozen-empty') return []
  if (mode === 'frozen-array') return [bytes('frozen\n')]
  return (function* () {
    yield bytes('frozen\n')
  })()
}

/** `/invalid/<case>`: startResponse with a status or headers that break spec §3. */
export const INVALID_RESPONSES: Record<string, [status: unknown, headers: unknown]> = {
  'status-without-reason': ['200', [TEXT]],
  'status-letters': ['OK 200', [TEXT]],
  'status-two-digits': ['20 OK', [TEXT]],
  'status-1xx': ['103 Early Hints', [TEXT]],
  'status-600': ['600 Big', [TEXT]],
  'status-crlf': ['200 OK\r\nX-Injected: 1', [TEXT]],
  'status-non-latin1-reason': ['200 \u014ck', [TEXT]],
  'status-number': [200, [TEXT]],
  'headers-object': ['200 OK', { 'Content-Type': 'text/plain' }],
  'header-triple': ['200 OK', [[...TEXT, 'extra']]],
  'header-number-value': ['200 OK', [TEXT, ['X-Number', 1]]],
  'header-name-space': ['200 OK', [TEXT, ['X Y', '1']]],
  'header-name-empty': ['200 OK', [TEXT, ['', '1']]],
  'header-name-colon': ['200 OK', [TEXT, ['X:Y', '1']]],
  'header-value-crlf': ['200 OK', [TEXT, ['X-Split', 'a\r\nX-Injected: 1']]],
  'header-value-nul': ['200 OK', [TEXT, ['X-Nul', 'a\x00b']]],
  'header-value-non-latin1': ['200 OK', [TEXT, ['X-Name', '\u0101']]],
  'header-named-status': ['200 OK', [TEXT, ['Status', '404 Not Found']]],
  'hop-by-hop-connection': ['200 OK', [TEXT, ['Connection', 'close']]],
  'hop-by-hop-transfer-encoding': ['200 OK', [TEXT, ['Transfer-Encoding', 'chunked']]],
  'content-length-letters': ['200 OK', [TEXT, ['Content-Length', 'ten']]],
  'content-length-conflict': ['200 OK', [TEXT, ['Content-Length', '1'], ['Content-Length', '2']]],
}

const invalid: Application = (environ, startResponse) => {
  const response = INVALID_RESPONSES[segment(environ, 2)]
  if (!response) throw new Error(`no invalid-response case ${environ.PATH_INFO}`)
  ;(startResponse as (status: unknown, headers: unknown) => unknown)(...response)
  return [bytes('must not be sent\n')]
}

// ---- Bodies out ----------------------------------------------------------------------------

/** `/pingpong`: "ready", then "echo:<line>" for each request-body line as it arrives. */
async function* pingPong(environ: Environ, startResponse: StartResponse) {
  startResponse('200 OK', [TEXT])
  yield bytes('ready\n')
  const input = environ['tsgi.input']
  for (let line = await input.readline(); line.length > 0; line = await input.readline()) {
    yield Buffer.concat([bytes('echo:'), line])
  }
  yield bytes('done\n')
}

const LARGE_BLOCK = 64 * 1024

/** `/large?size=N[&length=1]`: N bytes of noise() in 64 KiB chunks. */
async function* large(environ: Environ, startResponse: StartResponse) {
  const size = Number(params(environ).get('size'))
  const headers: HeaderList = [BINARY]
  if (params(environ).has('length')) headers.push(['Content-Length', String(size)])
  startResponse('200 OK', headers)
  for (let offset = 0; offset < size; offset += LARGE_BLOCK) {
    yield noise(offset, Math.min(LARGE_BLOCK, size - offset))
  }
}

/** `/framing/<mode>`: the same "hello world" body declared and shaped in different ways. */
const framing: Application = (environ, startResponse) => {
  const mode = segment(environ, 2)
  const length: HeaderList = mode === 'content-length' ? [['Content-Length', '11']] : []
  startResponse('200 OK', [TEXT, ...length])
  const parts = [bytes('hello '), bytes('world')]
  if (mode === 'array') return parts
  if (mode === 'empty-array') return []
  if (mode === 'empty-chunks')
    return (function* () {
      yield new Uint8Array(0)
      yield* parts
    })()
  if (mode === 'empty-generator') return (function* () {})()
  return (function* () {
    yield* parts
  })()
}

/** `/write/<mode>`: bodies sent, wholly or partly, through the write() of spec §3.5. */
const write: Application = async (environ, startResponse) => {
  const mode = segment(environ, 2)
  const send = startResponse('200 OK', [BINARY])
  if (mode === 'only') {
    await send(bytes('a'))
    await send(bytes('b'))
    return []
  }
  if (mode === 'then-body') {
    await send(bytes('a'))
    return [bytes('b')]
  }
  if (mode === 'large') {
    for (let offset = 0; offset < 1 << 20; offset += 16384) await send(noise(offset, 16384))
    return []
  }
  return (async function* () {
    await send(bytes('a'))
    yield bytes('b')
    await send(bytes('c'))
    yield bytes('d')
  })()
}

/**
 * `/exc-info/<when>?id=`: startResponse again with excInfo, before or after the headers were
 * sent. After, the call must throw the excInfo itself, which the app lets reach the server
 * (spec §3.4 rule 4), noting first whether it was the same value.
 */
async function* excInfo(environ: Environ, startResponse: StartResponse) {
  startResponse('200 OK', [TEXT, ['X-First', '1']])
  if (segment(environ, 2) === 'after') yield bytes('partial\n')
  const error = new Error(`handled ${params(environ).get('id')}`)
  try {
    throw error
  } catch (caught) {
    try {
      startResponse('503 Service Unavailable', [TEXT, ['X-Second', '1']], caught)
    } catch (again) {
      record(probeId(environ), again === error ? 'rethrown: the same error' : 'rethrown: another')
      throw again
    }
  }
  yield bytes('replaced\n')
}

/** `/head/<shape>?id=`: records that it ran and with which method. */
const head: Application = (environ, startResponse) => {
  record(probeId(environ), `ran ${environ.REQUEST_METHOD}`)
  const length: HeaderList =
    segment(environ, 2) === 'content-length' ? [['Content-Length', '10']] : []
  startResponse('200 OK', [TEXT, ['X-Case', 'head'], ...length])
  const parts = [bytes('head '), bytes('body\n')]
  if (segment(environ, 2) === 'array') return parts
  return (function* () {
    yield* parts
    record(probeId(environ), `body ended ${environ.REQUEST_METHOD}`)
  })()
}

const openFiles = new Map<string, FileHandle>()

/** `/file/check?id=`: whether the file served under that id was closed (same connection). */
const fileCheck: Application = (environ, startResponse) => {
  const handle = openFiles.get(probeId(environ))
  return json(startResponse, { closed: handle ? handle.fd === -1 : null })
}

/**
 * `/file/<name>[?iterate=1][&skip=N][&id=]`: a file in the probe directory through
 * tsgi.file_wrapper, from position N.
 */
const file: Application = async (environ, startResponse) => {
  if (segment(environ, 2) === 'check') return fileCheck(environ, startResponse)
  const handle = await open(join(process.env[PROBE_DIR_VARIABLE] ?? '.', segment(environ, 2)))
  const id = params(environ).get('id')
  if (id) openFiles.set(id, handle)
  const skip = Number(params(environ).get('skip') ?? 0)
  if (skip > 0) await handle.read(Buffer.alloc(skip), 0, skip, null)
  const { size } = await handle.stat()
  startResponse('200 OK', [BINARY, ['Content-Length', String(size - skip)]])
  const wrapper = environ['tsgi.file_wrapper']!(handle, 8192)
  if (!params(environ).has('iterate')) return wrapper
  return (async function* () {
    try {
      yield* wrapper
    } finally {
      await wrapper.close()
    }
  })()
}

// ---- Bodies in -----------------------------------------------------------------------------

type Reader = (input: InputStream, size: number | undefined) => Promise<Chunk[]>

async function readAll(next: () => Promise<Chunk>): Promise<Chunk[]> {
  const pieces: Chunk[] = []
  for (let piece = await next(); piece.length > 0; piece = await next()) pieces.push(piece)
  return pieces
}

async function iterate(input: InputStream): Promise<Chunk[]> {
  const pieces: Chunk[] = []
  for await (const piece of input) pieces.push(piece)
  return pieces
}

const READERS: Record<string, Reader> = {
  all: async (input) => [await input.read()],
  read: (input, size) => readAll(() => input.read(size)),
  readline: (input, size) => readAll(() => input.readline(size)),
  readlines: async (input, hint) => [...(await input.readlines(hint)), await input.read()],
  iterate: (input) => iterate(input),
  mixed: async (input) => [await input.readline(), await input.read(10), ...(await iterate(input))],
}

/**
 * `/upload?mode=<reader>[&n=N]`: reads the body with one of READERS and reports the pieces'
 * sizes, the digest of the whole, and how many bytes reads after the end still returned.
 */
const upload: Application = async (environ, startResponse) => {
  const query = params(environ)
  const reader = READERS[query.get('mode') ?? 'all']
  if (!reader) throw new Error(`no reader ${query.get('mode')}`)
  const input = environ['tsgi.input']
  const pieces = await reader(input, query.has('n') ? Number(query.get('n')) : undefined)
  const whole = Buffer.concat(pieces)
  const afterEnd =
    (await input.read(1)).length + (await input.readline()).length + (await input.read()).length
  return json(startResponse, {
    length: whole.length,
    sha256: sha256(whole),
    sizes: pieces.map((p) => p.length),
    afterEnd,
  })
}

/** `/read-after-headers`: sends its headers and a first chunk, then reads the body. */
const readAfterHeaders: Application = async (environ, startResponse) => {
  const write = startResponse('200 OK', [BINARY])
  await write(bytes('started\n'))
  return [await environ['tsgi.input'].read()]
}

/** `/echo`: the request body, read whole. */
const echo: Application = async (environ, startResponse) => {
  const body = await environ['tsgi.input'].read()
  startResponse('200 OK', [BINARY])
  return [body]
}

/** `/no-read`: answers without touching tsgi.input. */
const noRead: Application = (_environ, startResponse) => {
  startResponse('200 OK', [TEXT])
  return [bytes('not read\n')]
}

// ---- Errors --------------------------------------------------------------------------------

/** `/error/<when>?id=`: the app raises; the message carries the probe id for the log. */
const error: Application = (environ, startResponse) => {
  const when = segment(environ, 2)
  const failure = new Error(`conformance failure ${probeId(environ)}`)
  if (when === 'call') throw failure
  if (when === 'rejected') return Promise.reject(failure)
  if (when === 'iterator') {
    return {
      [Symbol.asyncIterator]: () => {
        throw failure
      },
      close: () => record(probeId(environ), 'close'),
    }
  }
  return (async function* () {
    startResponse('200 OK', [TEXT])
    if (when === 'after-headers') yield bytes('partial\n')
    throw failure
  })()
}

/** `/broken/<case>`: the app itself breaks the contract. */
const BROKEN: Record<string, Application> = {
  'start-twice': (_environ, startResponse) => {
    startResponse('200 OK', [TEXT])
    startResponse('200 OK', [TEXT])
    return [bytes('x')]
  },
  'no-start-response': () => [bytes('x')],
  'no-start-response-empty': () => [],
  'body-bytes': (_environ, startResponse) => {
    startResponse('200 OK', [TEXT])
    return bytes('bytes are not a body') as unknown as Body
  },
  'body-string': (_environ, startResponse) => {
    startResponse('200 OK', [TEXT])
    return 'a string is not a body' as unknown as Body
  },
  'chunk-string': (_environ, startResponse) => {
    startResponse('200 OK', [TEXT])
    return ['text' as unknown as Chunk]
  },
  'body-null': (_environ, startResponse) => {
    startResponse('200 OK', [TEXT])
    return null as unknown as Body
  },
  'body-number': (_environ, startResponse) => {
    startResponse('200 OK', [TEXT])
    return 42 as unknown as Body
  },
  'write-string': (_environ, startResponse) => {
    startResponse('200 OK', [TEXT])('text' as unknown as Chunk)
    return []
  },
  'longer-than-declared': (_environ, startResponse) => {
    startResponse('200 OK', [TEXT, ['Content-Length', '3']])
    return [bytes('too long')]
  },
  'longer-than-declared-later': (_environ, startResponse) => {
    startResponse('200 OK', [TEXT, ['Content-Length', '6']])
    return (function* () {
      yield bytes('abc')
      yield bytes('defg')
    })()
  },
  'shorter-than-declared': (_environ, startResponse) => {
    startResponse('200 OK', [TEXT, ['Content-Length', '10']])
    return (function* () {
      yield bytes('abc')
    })()
  },
}

export const BROKEN_CASES = Object.keys(BROKEN)

/**
 * `/start-after-invalid`: an invalid startResponse call still counts (spec §3.4 rule 2), so a
 * second call without excInfo must throw; the app reports what happened as its status.
 */
const startAfterInvalid: Application = (_environ, startResponse) => {
  try {
    startResponse('not a status', [TEXT])
  } catch {
    // ignored on purpose: the point is the next call
  }
  try {
    startResponse('200 OK', [TEXT])
    return [bytes('second call accepted\n')]
  } catch (error) {
    startResponse('409 Conflict', [TEXT], error)
    return [bytes(`second call refused ${(error as { code?: string }).code}\n`)]
  }
}

/** `/write-after-end?id=`: calls write() from close(), after the body ended (spec §3.5). */
const writeAfterEnd: Application = (environ, startResponse) => {
  const id = probeId(environ)
  const write = startResponse('200 OK', [TEXT])
  return {
    *[Symbol.iterator]() {
      yield bytes('body\n')
    },
    close() {
      try {
        void write(bytes('late\n'))
        record(id, 'late write accepted')
      } catch (error) {
        record(id, `late write threw ${(error as { code?: string }).code}`)
      }
    },
  }
}

const broken: Application = (environ, startResponse) => {
  const app = BROKEN[segment(environ, 2)]
  if (!app) throw new Error(`no broken case ${environ.PATH_INFO}`)
  return app(environ, startResponse)
}

// ---- Closing and tsgi.signal ---------------------------------------------------------------

/**
 * A body with `close()` whose iterator records every `return()`: `/closable/<mode>?id=`, mode
 * `complete`, `error-before-headers`, `error-after-headers` or `disconnect` (waits for
 * tsgi.signal after the first chunk).
 */
class ProbeBody implements AsyncIterable<Chunk> {
  readonly #id: string
  readonly #mode: string
  readonly #signal: AbortSignal

  constructor(id: string, mode: string, signal: AbortSignal) {
    this.#id = id
    this.#mode = mode
    this.#signal = signal
    signal.addEventListener('abort', () => record(id, 'aborted'))
  }

  [Symbol.asyncIterator](): AsyncIterator<Chunk> {
    let step = 0
    return {
      next: () => this.#next(step++),
      return: async () => {
        record(this.#id, 'return')
        return { done: true, value: undefined }
      },
    }
  }

  close(): void {
    record(this.#id, 'close')
  }

  async #next(step: number): Promise<IteratorResult<Chunk>> {
    if (this.#signal.aborted) record(this.#id, 'next after abort')
    if (
      this.#mode === 'error-before-headers' ||
      (this.#mode === 'error-after-headers' && step === 1)
    ) {
      throw new Error(`conformance failure ${this.#id}`)
    }
    if (this.#mode === 'disconnect' && step === 1)
      record(this.#id, `signal ${await aborted(this.#signal)}`)
    if (step > 1 && this.#mode === 'complete') return { done: true, value: undefined }
    if (step > 100) return { done: true, value: undefined }
    return { done: false, value: bytes(step === 0 ? 'first\n' : 'more\n') }
  }
}

const closable: Application = (environ, startResponse) => {
  startResponse('200 OK', [TEXT])
  return new ProbeBody(probeId(environ), segment(environ, 2), environ['tsgi.signal'])
}

/** `/generator/<mode>?id=`: an async generator whose finally block records that it ran. */
async function* generator(environ: Environ, startResponse: StartResponse) {
  const id = probeId(environ)
  const mode = segment(environ, 2)
  try {
    startResponse('200 OK', [TEXT])
    yield bytes('first\n')
    if (mode === 'error-after-headers') throw new Error(`conformance failure ${id}`)
    if (mode === 'disconnect') {
      record(id, `signal ${await aborted(environ['tsgi.signal'])}`)
      for (let i = 0; i < 100; i++) yield bytes('more\n')
    }
    yield bytes('last\n')
  } finally {
    record(id, 'finally')
  }
}

const signals = new Map<string, AbortSignal>()

/**
 * `/signal/<mode>?id=`: `before-response` waits for tsgi.signal before starting a response;
 * `complete` answers at once and keeps the signal for `/signal/check?id=`, which reports
 * whether it has fired (on the same connection, so in the same process).
 */
const signal: Application = async (environ, startResponse) => {
  const id = probeId(environ)
  const mode = segment(environ, 2)
  if (mode === 'check') return json(startResponse, { aborted: signals.get(id)?.aborted ?? null })
  const tsgiSignal = environ['tsgi.signal']
  tsgiSignal.addEventListener('abort', () => record(id, 'aborted'))
  if (mode === 'before-response') {
    record(id, 'waiting')
    record(id, `signal ${await aborted(tsgiSignal)}`)
  }
  signals.set(id, tsgiSignal)
  startResponse('200 OK', [TEXT])
  return new ProbeBody(id, 'complete', tsgiSignal)
}

// ---- Body shapes ---------------------------------------------------------------------------

/** `/late-start`: startResponse only after the body yielded empty chunks (spec §2.2). */
async function* lateStart(_environ: Environ, startResponse: StartResponse) {
  yield new Uint8Array(0)
  yield new Uint8Array(0)
  startResponse('200 OK', [TEXT])
  yield bytes('late start\n')
}

/** `/body-shape/<shape>`: Node and web streams, and a body with both iterator methods. */
const bodyShape: Application = (environ, startResponse) => {
  startResponse('200 OK', [TEXT])
  const shape = segment(environ, 2)
  if (shape === 'node-stream') {
    const stream = new PassThrough()
    stream.write(bytes('node '))
    stream.end(bytes('stream\n'))
    return stream
  }
  if (shape === 'web-stream') {
    return new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes('web '))
        controller.enqueue(bytes('stream\n'))
        controller.close()
      },
    }) as unknown as Body
  }
  return {
    *[Symbol.iterator]() {
      yield bytes('sync\n')
    },
    async *[Symbol.asyncIterator]() {
      yield bytes('async\n')
    },
  }
}

// ---- The environ ---------------------------------------------------------------------------

/** The environ as JSON: every string value, and a description of each `tsgi.*` object. */
export function describeEnviron(environ: Environ): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(environ))
    if (typeof value === 'string') out[key] = value
  const input = environ['tsgi.input'] as unknown as Record<PropertyKey, unknown>
  const errors = environ['tsgi.errors'] as unknown as Record<string, unknown>
  const signal = environ['tsgi.signal']
  return {
    ...out,
    'tsgi.version': environ['tsgi.version'],
    'tsgi.url_scheme': environ['tsgi.url_scheme'],
    'tsgi.multithread': environ['tsgi.multithread'],
    'tsgi.multiprocess': environ['tsgi.multiprocess'],
    'tsgi.run_once': environ['tsgi.run_once'],
    'tsgi.input': ['read', 'readline', 'readlines', Symbol.asyncIterator].every(
      (m) => typeof input[m] === 'function'
    ),
    'tsgi.errors': ['write', 'writelines', 'flush'].every((m) => typeof errors[m] === 'function'),
    'tsgi.signal':
      signal instanceof AbortSignal ? (signal.aborted ? 'aborted' : 'live') : typeof signal,
    'tsgi.file_wrapper': typeof environ['tsgi.file_wrapper'],
  }
}

const environ: Application = (env, startResponse) => json(startResponse, describeEnviron(env))

/** `/errors/<marker>`: writes the marker to tsgi.errors. */
const errors: Application = (environ, startResponse) => {
  const stream = environ['tsgi.errors']
  stream.write(`tsgi.errors says ${segment(environ, 2)}`)
  stream.writelines([' and more', '\n'])
  stream.flush()
  startResponse('200 OK', [TEXT])
  return [bytes('logged\n')]
}

// ---- Dispatch ------------------------------------------------------------------------------

interface Route {
  app: Application
  /** The case breaks a rule (a MUST, or a SHOULD the validator warns about) on purpose. */
  unvalidated?: boolean
}

const ROUTES: Record<string, Route> = {
  ping: { app: ping },
  status: { app: status },
  'bare-status': { app: status, unvalidated: true },
  headers: { app: headers },
  invalid: { app: invalid, unvalidated: true },
  pingpong: { app: pingPong },
  large: { app: large },
  framing: { app: framing },
  write: { app: write },
  'exc-info': { app: excInfo },
  head: { app: head },
  file: { app: file },
  upload: { app: upload },
  echo: { app: echo },
  'read-after-headers': { app: readAfterHeaders },
  'header-list': { app: headerList },
  'start-after-invalid': { app: startAfterInvalid, unvalidated: true },
  'write-after-end': { app: writeAfterEnd, unvalidated: true },
  'late-start': { app: lateStart },
  'body-shape': { app: bodyShape },
  'no-read': { app: noRead },
  error: { app: error },
  broken: { app: broken, unvalidated: true },
  closable: { app: closable },
  generator: { app: generator },
  signal: { app: signal },
  environ: { app: environ },
  errors: { app: errors },
}

const notFound: Route = {
  app: (_environ, startResponse) => {
    startResponse('404 Not Found', [TEXT])
    return [bytes('no such case\n')]
  },
}

/** The apps that keep the contract run inside the validator, which checks the server too. */
const checked = validator

const routes = new Map(
  Object.entries(ROUTES).map(([name, route]) => [
    name,
    route.unvalidated ? route.app : checked(route.app),
  ])
)
const notFoundApp = checked(notFound.app)

export const app: Application = (environ, startResponse) => {
  const caseApp = routes.get(segment(environ, 1)) ?? notFoundApp
  return caseApp(environ, startResponse)
}
