/**
 * The validator (spec §7.2, the wsgiref.validate counterpart): middleware that checks both sides
 * of the contract and throws a TsgiError whose `code` names the broken rule.
 *
 * Server side: the environ, `tsgi.input`'s results, and how the body is iterated, ended and
 * closed. Application side: the call of `startResponse`, `write`, the body and its chunks, and
 * the use of `tsgi.input` and `tsgi.errors`. SHOULD rules become `TsgiWarning`s
 * (`process.emitWarning`), with the codes of WARNING_CODES.
 *
 * It stays transparent for an application that keeps the rules: chunks pass through one by one
 * as they are produced, a sync body stays sync, `return()` and `close()` reach the application's
 * body exactly as the server calls them, and an array body is returned as it is (its checks need
 * no iteration, and the server may then compute its Content-Length, spec §5.2).
 * @module
 */
import { check, ERROR_CODES, TsgiError, WARNING_CODES, type TsgiWarningCode } from './errors.ts'
import { isBody } from '../core/body.ts'
import {
  allowsBody,
  checkHeaders,
  declaredContentLength,
  isToken,
  parseStatus,
  type ParsedStatus,
} from '../core/rules.ts'
import type {
  Application,
  Body,
  Chunk,
  ClosableBody,
  Environ,
  ErrorStream,
  InputStream,
  StartResponse,
  Write,
} from '../spec/types.ts'

/** The warning codes the validator emits, for `process.on('warning')` listeners. */
export { WARNING_CODES, type TsgiWarningCode } from './errors.ts'

/**
 * Wraps `app` in the checks of spec §7.2. For development and tests, not production traffic.
 *
 * @example
 * const server = makeServer('127.0.0.1', 8000, validator(app))
 */
export function validator(app: Application): Application {
  if (typeof app !== 'function') throw new TypeError('validator() takes an application')
  return function validated(...args: unknown[]): Body | Promise<Body> {
    check(args.length === 2, 'TSGI_ERR_APP_ARGS', `called with ${args.length} arguments`)
    const [environ, startResponse] = args
    check(
      typeof startResponse === 'function',
      'TSGI_ERR_APP_ARGS',
      `startResponse is ${describe(startResponse)}`
    )
    checkEnviron(environ)
    const response = new ResponseChecks(
      startResponse as StartResponse,
      environ.REQUEST_METHOD === 'HEAD'
    )
    const record = closeRecord(environ)
    environ['tsgi.input'] = new CheckedInput(environ['tsgi.input'])
    environ['tsgi.errors'] = new CheckedErrors(environ['tsgi.errors'])
    const body = app(environ, response.startResponse)
    if (isThenable(body)) return Promise.resolve(body).then((b) => checkBody(b, response, record))
    return checkBody(body, response, record)
  }
}

function warn(code: TsgiWarningCode, detail: string): void {
  process.emitWarning(`${WARNING_CODES[code]}: ${detail}`, { type: 'TsgiWarning', code })
}

// --- The environ (spec §4) -------------------------------------------------------------------

const REQUIRED_CGI_KEYS = [
  'REQUEST_METHOD',
  'SCRIPT_NAME',
  'PATH_INFO',
  'QUERY_STRING',
  'SERVER_NAME',
  'SERVER_PORT',
  'SERVER_PROTOCOL',
] as const

/** Every tsgi.* key of spec §4.2; all but tsgi.file_wrapper are required. */
const TSGI_KEYS = [
  'tsgi.version',
  'tsgi.url_scheme',
  'tsgi.input',
  'tsgi.errors',
  'tsgi.multithread',
  'tsgi.multiprocess',
  'tsgi.run_once',
  'tsgi.signal',
  'tsgi.file_wrapper',
] as const
const OPTIONAL_TSGI_KEYS = new Set<string>(['tsgi.file_wrapper'])
const KNOWN_TSGI_KEYS = new Set<string>(TSGI_KEYS)

/** The methods of RFC 9110 §9 and RFC 5789; others are legal but often a typo (a warning). */
const KNOWN_METHODS = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
])
/** Any UTF-16 code unit above U+00FF (surrogates included). */
const NOT_LATIN1 = /[\u0100-\uffff]/
const DIGITS = /^\d+$/

/** Checks the environ the server passes in (spec §4). */
function checkEnviron(environ: unknown): asserts environ is Environ {
  check(isPlainObject(environ), 'TSGI_ERR_ENVIRON_TYPE', describe(environ))
  for (const key of [...REQUIRED_CGI_KEYS, ...TSGI_KEYS]) {
    if (OPTIONAL_TSGI_KEYS.has(key)) continue
    check(environ[key] !== undefined, 'TSGI_ERR_ENVIRON_MISSING_KEY', key)
  }
  for (const key of Object.keys(environ)) checkKey(environ, key)
  checkCgiValues(environ as Environ)
  checkTsgiValues(environ as Environ)
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype
  )
}

/** Keys that must not be there (spec §4, §4.1, §4.2), and the latin-1 rule for CGI keys. */
function checkKey(environ: Record<string, unknown>, key: string): void {
  const value = environ[key]
  check(
    value !== undefined,
    'TSGI_ERR_ENVIRON_KEY',
    `${key} is set to undefined: leave a key that does not apply out`
  )
  check(
    key !== 'HTTP_CONTENT_TYPE' && key !== 'HTTP_CONTENT_LENGTH',
    'TSGI_ERR_ENVIRON_KEY',
    `${key}: the header belongs in ${key.slice(5)}`
  )
  check(
    !key.startsWith('tsgi.') || KNOWN_TSGI_KEYS.has(key),
    'TSGI_ERR_ENVIRON_KEY',
    `${key}: tsgi.* is reserved`
  )
  if (key.includes('.')) return
  check(
    typeof value === 'string',
    'TSGI_ERR_ENVIRON_VALUE',
    `${key} must be a string, got ${describe(value)}`
  )
  check(!NOT_LATIN1.test(value), 'TSGI_ERR_ENVIRON_VALUE', `${key} has characters above U+00FF`)
}

function checkCgiValues(environ: Environ): void {
  const method = environ.REQUEST_METHOD
  check(isToken(method), 'TSGI_ERR_ENVIRON_VALUE', `REQUEST_METHOD ${JSON.stringify(method)}`)
  if (!KNOWN_METHODS.has(method)) warn('TSGI_WARN_UNKNOWN_METHOD', method)
  checkScriptName(environ.SCRIPT_NAME)
  const path = environ.PATH_INFO
  const asteriskForm = path === '*' && method === 'OPTIONS'
  check(
    path === '' || path.startsWith('/') || asteriskForm,
    'TSGI_ERR_ENVIRON_VALUE',
    `PATH_INFO ${JSON.stringify(path)}`
  )
  check(environ.SERVER_NAME !== '', 'TSGI_ERR_ENVIRON_VALUE', 'SERVER_NAME is empty')
  checkDigits(environ, 'SERVER_PORT')
  checkDigits(environ, 'CONTENT_LENGTH')
  checkDigits(environ, 'REMOTE_PORT')
  const protocol = environ.SERVER_PROTOCOL
  check(
    /^HTTP\/\d\.\d$/.test(protocol),
    'TSGI_ERR_ENVIRON_VALUE',
    `SERVER_PROTOCOL ${JSON.stringify(protocol)}`
  )
}

/** Empty, or starting with '/' and not ending with it: '/' itself is wrong (spec §4.1). */
function checkScriptName(name: string): void {
  const ok = name === '' || (name.startsWith('/') && !name.endsWith('/'))
  check(ok, 'TSGI_ERR_ENVIRON_VALUE', `SCRIPT_NAME ${JSON.stringify(name)}`)
}

/** A key that holds a non-negative integer, when it is present. */
function checkDigits(
  environ: Environ,
  key: 'SERVER_PORT' | 'CONTENT_LENGTH' | 'REMOTE_PORT'
): void {
  const value = environ[key]
  if (value === undefined) return
  check(
    DIGITS.test(value),
    'TSGI_ERR_ENVIRON_VALUE',
    `${key} must be decimal digits, got ${JSON.stringify(value)}`
  )
}

function checkTsgiValues(environ: Environ): void {
  const version: unknown = environ['tsgi.version']
  const isOneZero =
    Array.isArray(version) && version.length === 2 && version[0] === 1 && version[1] === 0
  check(
    isOneZero,
    'TSGI_ERR_ENVIRON_VALUE',
    `tsgi.version must be [1, 0], got ${describe(version)}`
  )
  if (!Object.isFrozen(version)) warn('TSGI_WARN_VERSION_NOT_FROZEN', 'use Object.freeze([1, 0])')
  const scheme: unknown = environ['tsgi.url_scheme']
  check(
    scheme === 'http' || scheme === 'https',
    'TSGI_ERR_ENVIRON_VALUE',
    `tsgi.url_scheme ${describe(scheme)}`
  )
  for (const key of ['tsgi.multithread', 'tsgi.multiprocess', 'tsgi.run_once'] as const) {
    const flag: unknown = environ[key]
    check(
      typeof flag === 'boolean',
      'TSGI_ERR_ENVIRON_VALUE',
      `${key} must be a boolean, got ${describe(flag)}`
    )
  }
  const signal: unknown = environ['tsgi.signal']
  check(
    signal instanceof AbortSignal,
    'TSGI_ERR_ENVIRON_VALUE',
    `tsgi.signal is ${describe(signal)}`
  )
  const fileWrapper: unknown = environ['tsgi.file_wrapper']
  check(
    fileWrapper === undefined || typeof fileWrapper === 'function',
    'TSGI_ERR_ENVIRON_VALUE',
    `tsgi.file_wrapper is ${describe(fileWrapper)}`
  )
  checkMethods(environ['tsgi.input'], ['read', 'readline', 'readlines'], 'TSGI_ERR_INPUT_STREAM')
  check(
    typeof (environ['tsgi.input'] as Partial<InputStream>)[Symbol.asyncIterator] === 'function',
    'TSGI_ERR_INPUT_STREAM',
    'no [Symbol.asyncIterator]'
  )
  checkMethods(environ['tsgi.errors'], ['write', 'writelines', 'flush'], 'TSGI_ERR_ERROR_STREAM')
}

function checkMethods(
  stream: unknown,
  names: string[],
  code: 'TSGI_ERR_INPUT_STREAM' | 'TSGI_ERR_ERROR_STREAM'
): void {
  check(typeof stream === 'object' && stream !== null, code, `got ${describe(stream)}`)
  for (const name of names) {
    check(
      typeof (stream as Record<string, unknown>)[name] === 'function',
      code,
      `no ${name}() method`
    )
  }
}

// --- tsgi.input and tsgi.errors (spec §4.3, §4.4) ---------------------------------------------

type InputMethod = 'read' | 'readline' | 'readlines'

/** tsgi.input as the application sees it: its calls and the server's results are checked. */
class CheckedInput implements InputStream {
  readonly #inner: InputStream
  /** Calls must not overlap (spec §4.3); a pending next() of an iteration counts. */
  #busy = false

  constructor(inner: InputStream) {
    this.#inner = inner
  }

  read(...args: unknown[]): Promise<Chunk> {
    return this.#call('read', args, (result, size) => checkInputChunk('read', result, size))
  }

  readline(...args: unknown[]): Promise<Chunk> {
    return this.#call('readline', args, (result, size) => checkLine(result, size))
  }

  readlines(...args: unknown[]): Promise<Chunk[]> {
    return this.#call('readlines', args, (result) => {
      check(Array.isArray(result), 'TSGI_ERR_INPUT_STREAM', `readlines() gave ${describe(result)}`)
      for (const line of result) checkLine(line, undefined)
      return result as Chunk[]
    })
  }

  /** The body chunk by chunk, each one a non-empty Uint8Array (spec §4.3). */
  [Symbol.asyncIterator](): AsyncIterator<Chunk> {
    const inner = this.#inner[Symbol.asyncIterator]()
    return {
      next: async () => {
        const result = await this.#exclusive('the iteration', () => inner.next())
        if (!result.done) {
          const ok = result.value instanceof Uint8Array && result.value.length > 0
          check(ok, 'TSGI_ERR_INPUT_STREAM', `iteration yielded ${describe(result.value)}`)
        }
        return result
      },
      return: async (value?: unknown) => {
        if (inner.return) return inner.return(value)
        return { done: true, value: undefined }
      },
    }
  }

  /** Applications must not close the stream (spec §4.3); it has no close() of its own. */
  close(): never {
    throw new TsgiError('TSGI_ERR_INPUT_USAGE', 'the application must not close tsgi.input')
  }

  destroy(): never {
    throw new TsgiError('TSGI_ERR_INPUT_USAGE', 'the application must not destroy tsgi.input')
  }

  async #call<T>(
    method: InputMethod,
    args: unknown[],
    checkResult: (result: unknown, size?: number) => T
  ): Promise<T> {
    check(
      args.length <= 1,
      'TSGI_ERR_INPUT_USAGE',
      `${method}() takes at most one argument, got ${args.length}`
    )
    const size = args[0]
    const ok = size === undefined || size === null || Number.isInteger(size)
    check(ok, 'TSGI_ERR_INPUT_USAGE', `${method}(${describe(size)}): the size must be an integer`)
    const call = this.#inner[method] as (...a: unknown[]) => Promise<unknown>
    const result = await this.#exclusive(`${method}()`, () => call.apply(this.#inner, args))
    return checkResult(result, typeof size === 'number' && size >= 0 ? size : undefined)
  }

  async #exclusive<T>(what: string, run: () => Promise<T>): Promise<T> {
    check(!this.#busy, 'TSGI_ERR_INPUT_USAGE', `${what} while an earlier call was still pending`)
    this.#busy = true
    try {
      return await run()
    } finally {
      this.#busy = false
    }
  }
}

/** A result of read(): a Uint8Array of at most `size` bytes. */
function checkInputChunk(method: string, result: unknown, size: number | undefined): Chunk {
  check(
    result instanceof Uint8Array,
    'TSGI_ERR_INPUT_STREAM',
    `${method}() gave ${describe(result)}`
  )
  const fits = size === undefined || result.length <= size
  check(fits, 'TSGI_ERR_INPUT_STREAM', `${method}(${size}) gave ${result.length} bytes`)
  return result
}

/** A result of readline(): a chunk whose only newline, if any, is its last byte. */
function checkLine(result: unknown, size: number | undefined): Chunk {
  const line = checkInputChunk('readline', result, size)
  const newline = line.indexOf(0x0a)
  const ok = newline === -1 || newline === line.length - 1
  check(ok, 'TSGI_ERR_INPUT_STREAM', 'readline() gave more than one line')
  return line
}

/** tsgi.errors as the application sees it: text only, and no close() (spec §4.4). */
class CheckedErrors implements ErrorStream {
  readonly #inner: ErrorStream

  constructor(inner: ErrorStream) {
    this.#inner = inner
  }

  write(...args: unknown[]): void {
    const [text] = args
    const ok = args.length === 1 && typeof text === 'string'
    check(ok, 'TSGI_ERR_ERROR_STREAM', `write() takes one string, got ${describeArgs(args)}`)
    this.#inner.write(text)
  }

  writelines(lines: Iterable<string>): void {
    const iterable = typeof lines === 'object' && lines !== null && Symbol.iterator in lines
    check(
      iterable,
      'TSGI_ERR_ERROR_STREAM',
      `writelines() takes an iterable of strings, got ${describe(lines)}`
    )
    const checked = [...lines]
    for (const line of checked) {
      check(typeof line === 'string', 'TSGI_ERR_ERROR_STREAM', `writelines() got ${describe(line)}`)
    }
    this.#inner.writelines(checked)
  }

  flush(): void {
    this.#inner.flush()
  }

  close(): never {
    throw new TsgiError('TSGI_ERR_ERROR_STREAM', 'the application must not close tsgi.errors')
  }
}

// --- startResponse and write (spec §3) --------------------------------------------------------

/** The application's side of one response: its startResponse and write calls, and its bytes. */
class ResponseChecks {
  readonly #serverStartResponse: StartResponse
  readonly #isHead: boolean
  /** Any call so far, even one that threw (spec §3: it still counts for §3.4). */
  #called = false
  #status: ParsedStatus | undefined
  #contentLength: number | undefined
  #bytes = 0
  #headersSent = false
  #bodyEnded = false
  #ended = false
  #warnedBody = false

  constructor(serverStartResponse: StartResponse, isHead: boolean) {
    this.#serverStartResponse = serverStartResponse
    this.#isHead = isHead
  }

  /** The startResponse the application gets (spec §3). */
  readonly startResponse = (...args: unknown[]): Write => {
    const count = args.length
    check(count === 2 || count === 3, 'TSGI_ERR_START_RESPONSE_ARGS', `got ${count} arguments`)
    const [status, headers, excInfo] = args
    if (excInfo === undefined) {
      check(!this.#called, 'TSGI_ERR_START_RESPONSE_TWICE', `then ${JSON.stringify(status)}`)
    } else {
      checkExcInfo(excInfo)
      if (this.#headersSent) this.#rethrowThroughServer(args, excInfo)
    }
    this.#called = true
    const parsed = checkStatus(status)
    const contentLength = checkResponseHeaders(parsed.code, headers)
    const write = (this.#serverStartResponse as (...a: unknown[]) => Write)(...args)
    this.#status = parsed
    this.#contentLength = contentLength
    return this.#checkedWrite(write)
  }

  /**
   * Accounts for a chunk the application produced, yielded or written, before the server gets
   * it: startResponse must come first (spec §2.2) and Content-Length must hold (spec §5.2).
   */
  produced(chunk: Chunk, via: string): void {
    if (chunk.length === 0) return
    if (!this.#status) {
      throw new TsgiError(
        'TSGI_ERR_START_RESPONSE_MISSING',
        `${via} produced ${chunk.length} bytes first`
      )
    }
    const total = this.#bytes + chunk.length
    const limit = this.#contentLength
    if (limit !== undefined && total > limit) {
      throw new TsgiError(
        'TSGI_ERR_CONTENT_LENGTH',
        `${total} bytes produced, Content-Length is ${limit}`
      )
    }
    this.#bytes = total
    this.#headersSent = true
    if (!allowsBody(this.#status.code) && !this.#warnedBody) {
      this.#warnedBody = true
      warn(
        'TSGI_WARN_BODY_NOT_ALLOWED',
        `${via} produced bytes for a ${this.#status.code} response`
      )
    }
  }

  /** The body reported `done`: the response must be complete (spec §2.2, §5.2). */
  bodyDone(): void {
    this.#bodyEnded = true
    check(this.#status, 'TSGI_ERR_START_RESPONSE_MISSING', 'the body ended')
    const limit = this.#contentLength
    if (limit === undefined || this.#bytes >= limit) return
    if (this.#isHead || !allowsBody(this.#status.code)) return
    throw new TsgiError(
      'TSGI_ERR_CONTENT_LENGTH',
      `the body ended after ${this.#bytes} of ${limit} bytes`
    )
  }

  /** The server ended or closed the body: write() is no longer allowed (spec §3.5). */
  end(): void {
    this.#ended = true
  }

  /** An array body runs no code while it is iterated, so it is checked as it is returned. */
  checkArray(chunks: unknown[]): void {
    for (const chunk of chunks) {
      check(
        chunk instanceof Uint8Array,
        'TSGI_ERR_CHUNK_TYPE',
        `the array holds ${describe(chunk)}`
      )
      this.produced(chunk, 'the array body')
    }
    this.bodyDone()
  }

  /** Spec §3.4 rule 4: the headers are out, so the server must throw excInfo itself. */
  #rethrowThroughServer(args: unknown[], excInfo: unknown): never {
    let failure: TsgiError
    try {
      ;(this.#serverStartResponse as (...a: unknown[]) => Write)(...args)
      failure = new TsgiError('TSGI_ERR_EXC_INFO_RETHROW', 'startResponse returned')
    } catch (error) {
      if (error === excInfo) throw error
      failure = new TsgiError('TSGI_ERR_EXC_INFO_RETHROW', `it threw ${describe(error)} instead`)
    }
    failure.cause = excInfo
    throw failure
  }

  #checkedWrite(serverWrite: Write): Write {
    return (...args: unknown[]) => {
      const [chunk] = args
      if (args.length !== 1 || !(chunk instanceof Uint8Array)) {
        throw new TsgiError('TSGI_ERR_WRITE_TYPE', `got ${describeArgs(args)}`)
      }
      check(!this.#ended && !this.#bodyEnded, 'TSGI_ERR_WRITE_AFTER_END')
      this.produced(chunk, 'write()')
      return serverWrite(chunk)
    }
  }
}

/** `null` is Python's None habit, not an error being handled (spec §3.4). */
function checkExcInfo(excInfo: unknown): void {
  check(
    excInfo !== null,
    'TSGI_ERR_EXC_INFO',
    'null: omit excInfo, or pass undefined, when there is no error'
  )
  if (!(excInfo instanceof Error)) warn('TSGI_WARN_EXC_INFO_NOT_ERROR', `got ${describe(excInfo)}`)
}

function checkStatus(status: unknown): ParsedStatus {
  const parsed = parseStatus(status)
  if (parsed.reason === '') warn('TSGI_WARN_STATUS_REASON', JSON.stringify(status))
  return parsed
}

/**
 * The header rules of spec §3.2, including the Content-Type rule servers need not check.
 * Returns the declared Content-Length.
 */
function checkResponseHeaders(code: number, headers: unknown): number | undefined {
  const list = checkHeaders(headers)
  const contentLength = declaredContentLength(list)
  let hasType = false
  for (const [name, value] of list) {
    const lower = name.toLowerCase()
    if (lower === 'content-type') hasType = true
    if (lower === 'content-length' && code === 204) {
      throw new TsgiError('TSGI_ERR_HEADER_VALUE', 'Content-Length on a 204 response')
    }
    if (/^[ \t]|[ \t]$/.test(value)) {
      warn('TSGI_WARN_HEADER_WHITESPACE', `${name}: ${JSON.stringify(value)}`)
    }
  }
  if (allowsBody(code)) check(hasType, 'TSGI_ERR_CONTENT_TYPE', `missing on a ${code} response`)
  else check(!hasType, 'TSGI_ERR_CONTENT_TYPE', `forbidden on a ${code} response`)
  return contentLength
}

// --- The body (spec §2.1, §5.1) ---------------------------------------------------------------

/** What is left to report when a body is collected without the server having closed it. */
interface CloseRecord {
  where: string
  errors: ErrorStream
  opened: boolean
  returned: boolean
}

function closeRecord(environ: Environ): CloseRecord {
  const where = `${environ.REQUEST_METHOD} ${environ.SCRIPT_NAME}${environ.PATH_INFO}`
  return { where, errors: environ['tsgi.errors'], opened: false, returned: false }
}

/**
 * wsgiref's "iterator garbage collected without being closed". A body that nobody references any
 * more can no longer be closed, so its collection proves the server's mistake; the record is
 * unregistered when close() is called. Reported through the server's tsgi.errors and as a
 * warning, since nothing is left to throw to.
 */
const unclosedBodies = new FinalizationRegistry<CloseRecord>((record) => {
  const ended = record.opened && !record.returned ? ', nor ended its iterator with return()' : ''
  const message = `${ERROR_CODES.TSGI_ERR_NOT_CLOSED}: it never called close() on the body of ${record.where}${ended}`
  try {
    record.errors.write(`TSGI_ERR_NOT_CLOSED: ${message}\n`)
    record.errors.flush()
  } catch {
    // The error stream may be gone with the server; the warning below still reports it.
  }
  process.emitWarning(message, { type: 'TsgiWarning', code: 'TSGI_ERR_NOT_CLOSED' })
})

/** Checks what the application returned and wraps it (arrays excepted, see the module doc). */
function checkBody(body: unknown, response: ResponseChecks, record: CloseRecord): Body {
  checkBodyType(body)
  if (Array.isArray(body)) {
    response.checkArray(body)
    return body
  }
  return wrapBody(body, response, record)
}

function checkBodyType(body: unknown): asserts body is Body {
  check(
    body !== null && body !== undefined,
    'TSGI_ERR_BODY_TYPE',
    `got ${body}: return [] for an empty body`
  )
  check(
    typeof body !== 'string',
    'TSGI_ERR_BODY_TYPE',
    'got a string: return [new TextEncoder().encode(text)]'
  )
  check(
    !ArrayBuffer.isView(body),
    'TSGI_ERR_BODY_TYPE',
    `got ${describe(body)} itself: return [bytes]`
  )
  check(isBody(body), 'TSGI_ERR_BODY_TYPE', `got ${describe(body)}, which is not iterable`)
}

/** A body of the same kind (sync, async or both) whose iteration and closing are checked. */
function wrapBody(inner: Body, response: ResponseChecks, record: CloseRecord): Body & ClosableBody {
  const ledger = new BodyLedger(inner, response, record)
  const body: Partial<Iterable<Chunk> & AsyncIterable<Chunk>> & ClosableBody = {
    close: () => ledger.close(),
  }
  if (Symbol.asyncIterator in inner) {
    body[Symbol.asyncIterator] = () =>
      new AsyncBodyIterator(
        ledger.open(() => inner[Symbol.asyncIterator]()),
        ledger
      )
  }
  if (Symbol.iterator in inner) {
    body[Symbol.iterator] = () =>
      new SyncBodyIterator(
        ledger.open(() => inner[Symbol.iterator]()),
        ledger
      )
  }
  unclosedBodies.register(body, record, record)
  return body as Body & ClosableBody
}

/** The state of one wrapped body, and the server-side rules of spec §5.1. */
class BodyLedger {
  readonly #inner: Body
  readonly #response: ResponseChecks
  readonly #record: CloseRecord
  #pending = false
  #closed = false

  constructor(inner: Body, response: ResponseChecks, record: CloseRecord) {
    this.#inner = inner
    this.#response = response
    this.#record = record
  }

  /** The server obtains the iterator once (spec §5.1). */
  open<T>(openInner: () => T): T {
    check(!this.#record.opened, 'TSGI_ERR_ITER_PROTOCOL', "the body's iterator was opened twice")
    this.#record.opened = true
    return openInner()
  }

  beforeNext(): void {
    const ended = this.#record.returned || this.#closed
    check(
      !ended,
      'TSGI_ERR_ITER_AFTER_CLOSE',
      `next() after ${this.#closed ? 'close()' : 'return()'}`
    )
    check(!this.#pending, 'TSGI_ERR_ITER_PROTOCOL', 'next() while an earlier next() was pending')
  }

  /** Marks a next() as pending for as long as `promise` is, and checks what it gives. */
  async awaitNext(promise: Promise<IteratorResult<unknown>>): Promise<IteratorResult<Chunk>> {
    this.#pending = true
    try {
      return this.afterNext(await promise)
    } finally {
      this.#pending = false
    }
  }

  afterNext(result: IteratorResult<unknown>): IteratorResult<Chunk> {
    if (typeof result !== 'object' || result === null) {
      throw new TsgiError('TSGI_ERR_BODY_TYPE', `its iterator's next() gave ${describe(result)}`)
    }
    if (result.done) {
      this.#response.bodyDone()
      return result as IteratorResult<Chunk>
    }
    const chunk = result.value
    if (!(chunk instanceof Uint8Array)) {
      throw new TsgiError('TSGI_ERR_CHUNK_TYPE', `the body yielded ${describe(chunk)}`)
    }
    this.#response.produced(chunk, 'the body')
    return result as IteratorResult<Chunk>
  }

  /** Notes a return() call; true when it overlaps a pending next() (checked after forwarding). */
  beforeReturn(): boolean {
    if (this.#record.returned)
      warn('TSGI_WARN_CLOSED_TWICE', `return() called again for ${this.#record.where}`)
    this.#record.returned = true
    this.#response.end()
    return this.#pending
  }

  /** Forwards close() as the server calls it, then reports a close() before return(). */
  close(): void | Promise<void> {
    if (this.#closed)
      warn('TSGI_WARN_CLOSED_TWICE', `close() called again for ${this.#record.where}`)
    this.#closed = true
    this.#response.end()
    unclosedBodies.unregister(this.#record)
    const notEnded = this.#record.opened && !this.#record.returned
    const close = (this.#inner as Partial<ClosableBody>).close
    const result = typeof close === 'function' ? close.call(this.#inner) : undefined
    if (!notEnded) return result
    const failure = new TsgiError(
      'TSGI_ERR_NOT_CLOSED',
      'close() came before return() ended the iterator'
    )
    if (isThenable(result)) return Promise.resolve(result).then(() => Promise.reject(failure))
    throw failure
  }
}

class SyncBodyIterator implements Iterator<Chunk> {
  readonly #inner: Iterator<unknown>
  readonly #ledger: BodyLedger

  constructor(inner: Iterator<unknown>, ledger: BodyLedger) {
    this.#inner = inner
    this.#ledger = ledger
  }

  next(): IteratorResult<Chunk> {
    this.#ledger.beforeNext()
    return this.#ledger.afterNext(this.#inner.next())
  }

  return(value?: unknown): IteratorResult<Chunk> {
    this.#ledger.beforeReturn()
    if (this.#inner.return) return this.#inner.return(value) as IteratorResult<Chunk>
    return { done: true, value: undefined }
  }
}

class AsyncBodyIterator implements AsyncIterator<Chunk> {
  readonly #inner: AsyncIterator<unknown>
  readonly #ledger: BodyLedger

  constructor(inner: AsyncIterator<unknown>, ledger: BodyLedger) {
    this.#inner = inner
    this.#ledger = ledger
  }

  async next(): Promise<IteratorResult<Chunk>> {
    this.#ledger.beforeNext()
    return this.#ledger.awaitNext(Promise.resolve(this.#inner.next()))
  }

  /** Forwards first, so the application's cleanup runs even when the server broke a rule. */
  async return(value?: unknown): Promise<IteratorResult<Chunk>> {
    const overlapping = this.#ledger.beforeReturn()
    const result = this.#inner.return
      ? await this.#inner.return(value)
      : { done: true as const, value: undefined }
    check(!overlapping, 'TSGI_ERR_ITER_PROTOCOL', 'return() while a next() was pending')
    return result as IteratorResult<Chunk>
  }
}

// --- Helpers ----------------------------------------------------------------------------------

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as Partial<PromiseLike<unknown>> | null)?.then === 'function'
}

/** A value's kind for an error message: its type, or its class for objects. */
function describe(value: unknown): string {
  if (value === null) return 'null'
  if (typeof value === 'string') return `the string ${JSON.stringify(value.slice(0, 40))}`
  if (typeof value !== 'object' && typeof value !== 'function')
    return `${typeof value} ${String(value)}`
  if (typeof value === 'function') return 'a function'
  if (Array.isArray(value)) return `an array of ${value.length}`
  const name = Object.getPrototypeOf(value)?.constructor?.name as string | undefined
  return name && name !== 'Object' ? `a ${name}` : 'an object'
}

function describeArgs(args: unknown[]): string {
  if (args.length === 0) return 'no argument'
  if (args.length > 1) return `${args.length} arguments`
  return describe(args[0])
}
