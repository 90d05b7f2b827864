/**
 * `toFetch(app)`: a TSGI app as a fetch handler, so it runs on Bun, Deno, Workers-style
 * runtimes, or any server that speaks fetch. The adapter is the app's server, and keeps a
 * server's duties (spec §3 and §5):
 *
 * - the Response is made when the headers would be sent: at the first non-empty chunk, or when
 *   the body ends without one (spec §3.3), so `startResponse` with excInfo can still replace
 *   them until then;
 * - the body streams, one chunk asked of the app for each one the runtime reads, and `write()`
 *   resolves as the runtime takes its chunk (backpressure);
 * - the iterator is ended and `close()` called once on every path (spec §5.1): end of body,
 *   app error, and the runtime cancelling the stream because the client went away, which
 *   also fires `tsgi.signal`;
 * - an error before the headers is a 500; after, the stream errors, and the runtime cuts the
 *   response short (spec §5.3). Content-Length is enforced both ways (spec §5.2).
 * @module
 */
import { checkBody, closeBody, openIterator } from '../core/body.ts'
import { ChunkInput } from '../core/input.ts'
import { checkHeaders, declaredContentLength, parseStatus } from '../core/rules.ts'
import { check, TsgiError } from '../ref/errors.ts'
import type {
  Application,
  Body,
  Chunk,
  ErrorStream,
  ExcInfo,
  Header,
  HeaderList,
  StartResponse,
  Write,
} from '../spec/types.ts'
import { environFromRequest, isUnder } from './environ-from-request.ts'

export interface ToFetchOptions {
  /** The app's mount point (SCRIPT_NAME); requests outside it get a 404. Default: none. */
  scriptName?: string
  /** `tsgi.errors`; default: lines to standard error. */
  errors?: ErrorStream
  /** Where app errors are reported; default: console.error. */
  onError?: (message: string, error: unknown) => void
  /** The client's address (REMOTE_ADDR), from what the runtime passes after the request. */
  remoteAddress?: (request: Request, ...rest: unknown[]) => string | undefined
  /** `tsgi.multiprocess`; default false. */
  multiprocess?: boolean
}

/** The fetch handler that runs `app` for each request. */
export function toFetch(
  app: Application,
  options: ToFetchOptions = {}
): (request: Request, ...rest: unknown[]) => Promise<Response> {
  const scriptName = options.scriptName ?? ''
  const onError =
    options.onError ?? ((message: string, error: unknown) => console.error(message, error))
  return async (request, ...rest) => {
    const url = new URL(request.url)
    if (!isUnder(url, scriptName)) return plainResponse(404, 'Not Found\n')
    const exchange = new Exchange(request, onError)
    const environ = environFromRequest(request, {
      url,
      scriptName,
      input: new ChunkInput(requestChunks(request)),
      errors: options.errors,
      signal: () => exchange.signal(),
      remoteAddress: options.remoteAddress?.(request, ...rest),
      multiprocess: options.multiprocess ?? false,
    })
    return exchange.respond(app, environ)
  }
}

/** One request: the app's run, and the Response it becomes. */
class Exchange {
  readonly #request: Request
  readonly #onError: (message: string, error: unknown) => void
  readonly #response = withResolvers<Response>()
  #controller: AbortController | undefined
  #stream: ReadableStreamDefaultController<Uint8Array> | undefined
  #pulled: (() => void) | undefined
  #gone = false
  #ended = false
  // startResponse's state (spec §3).
  #called = false
  #status: { code: number; reason: string; line: string } | undefined
  #headers: HeaderList = []
  #contentLength: number | undefined
  #headersSent = false
  #bytes = 0

  constructor(request: Request, onError: (message: string, error: unknown) => void) {
    this.#request = request
    this.#onError = onError
    request.signal?.addEventListener('abort', () => this.#clientGone(), { once: true })
  }

  respond(app: Application, environ: Parameters<Application>[0]): Promise<Response> {
    void this.#run(app, environ)
    return this.#response.promise
  }

  signal(): AbortSignal {
    this.#controller ??= new AbortController()
    if (this.#gone) this.#controller.abort()
    return this.#controller.signal
  }

  readonly startResponse: StartResponse = (status, headers, excInfo?: ExcInfo): Write => {
    if (excInfo !== undefined) {
      if (this.#headersSent) throw excInfo
    } else {
      check(
        !this.#called,
        'TSGI_ERR_START_RESPONSE_TWICE',
        `first "${this.#status?.line ?? 'invalid'}"`
      )
    }
    this.#called = true
    const parsed = parseStatus(status)
    const checked = checkHeaders(headers).map(([name, value]): Header => [name, value])
    this.#contentLength = declaredContentLength(checked)
    this.#status = { ...parsed, line: status }
    this.#headers = checked
    return this.write
  }

  readonly write: Write = (chunk) => {
    check(chunk instanceof Uint8Array, 'TSGI_ERR_WRITE_TYPE', `got ${typeof chunk}`)
    return this.#send(chunk)
  }

  async #run(app: Application, environ: Parameters<Application>[0]): Promise<void> {
    let body: Body
    try {
      body = await app(environ, this.startResponse)
      checkBody(body)
    } catch (error) {
      this.#ended = true
      return this.#fail(error)
    }
    let iterator: Iterator<Chunk> | AsyncIterator<Chunk> | undefined
    try {
      iterator = openIterator(body)
      if (Array.isArray(body)) this.#setKnownLength(body)
      await this.#pump(iterator)
      if (!this.#gone) this.#finish()
    } catch (error) {
      this.#fail(error)
    } finally {
      this.#ended = true
      await closeBody(body, iterator, { error: (message, error) => this.#onError(message, error) })
    }
  }

  async #pump(iterator: Iterator<Chunk> | AsyncIterator<Chunk>): Promise<void> {
    while (!this.#gone) {
      const next = await iterator.next()
      if (next.done) return
      if (!(next.value instanceof Uint8Array)) {
        throw new TsgiError('TSGI_ERR_CHUNK_TYPE', `got ${typeof next.value}`)
      }
      await this.#send(next.value)
    }
  }

  /** One chunk: the headers first if not yet sent, then into the stream; waits for room. */
  async #send(chunk: Uint8Array): Promise<void> {
    check(!this.#ended, 'TSGI_ERR_WRITE_AFTER_END')
    if (chunk.length === 0) return
    check(this.#status !== undefined, 'TSGI_ERR_START_RESPONSE_MISSING')
    this.#bytes += chunk.length
    if (this.#contentLength !== undefined && this.#bytes > this.#contentLength) {
      throw new TsgiError(
        'TSGI_ERR_CONTENT_LENGTH',
        `${this.#bytes} bytes produced, Content-Length is ${this.#contentLength}`
      )
    }
    if (!this.#headersSent) this.#sendHeaders()
    const stream = this.#stream
    if (this.#gone || !stream) return // a HEAD, 204 or 304 response: the bytes go nowhere
    stream.enqueue(chunk)
    while (!this.#gone && (stream.desiredSize ?? 0) <= 0) {
      await new Promise<void>((resolve) => (this.#pulled = resolve))
    }
  }

  /** The body ended: the headers if still unsent (spec §3.3), a length check, the end. */
  #finish(): void {
    check(this.#status !== undefined, 'TSGI_ERR_START_RESPONSE_MISSING', 'the body ended')
    const code = this.#status.code
    if (!this.#headersSent) {
      if (this.#contentLength === undefined && this.#hasBody(code)) {
        this.#headers.push(['Content-Length', '0'])
        this.#contentLength = 0
      }
      this.#sendHeaders()
    }
    const bodyless = !this.#hasBody(code)
    if (this.#contentLength !== undefined && this.#bytes < this.#contentLength && !bodyless) {
      throw new TsgiError(
        'TSGI_ERR_CONTENT_LENGTH',
        `the body ended after ${this.#bytes} of ${this.#contentLength} bytes`
      )
    }
    this.#ended = true
    this.#stream?.close()
  }

  /** Makes the Response: from now on the status and headers are final. */
  #sendHeaders(): void {
    const status = this.#status!
    this.#headersSent = true
    const body = this.#hasBody(status.code)
      ? new ReadableStream<Uint8Array>({
          start: (controller) => void (this.#stream = controller),
          pull: () => this.#wake(),
          cancel: () => this.#clientGone(),
        })
      : null
    this.#response.resolve(
      new Response(body, { status: status.code, statusText: status.reason, headers: this.#headers })
    )
  }

  /** Spec §5.2 rule 2: an array body's length is known before it is sent. */
  #setKnownLength(chunks: readonly unknown[]): void {
    if (!this.#status || this.#headersSent || this.#contentLength !== undefined) return
    if (!this.#hasBody(this.#status.code)) return
    let length = 0
    for (const chunk of chunks) if (chunk instanceof Uint8Array) length += chunk.length
    if (this.#request.method === 'HEAD' && length === 0) return // spec §5.5
    this.#headers.push(['Content-Length', String(length)])
    this.#contentLength = length
  }

  #hasBody(code: number): boolean {
    return this.#request.method !== 'HEAD' && code !== 204 && code !== 304
  }

  /** An app error: a 500 before the headers, else the stream errors (spec §5.3). */
  #fail(error: unknown): void {
    if (this.#gone) return
    const where = `${this.#request.method} ${new URL(this.#request.url).pathname}`
    if (this.#headersSent) {
      this.#onError(`Error after the response started, aborting the response: ${where}`, error)
      this.#stream?.error(error)
      return
    }
    this.#onError(`Error handling request ${where}`, error)
    this.#headersSent = true
    this.#response.resolve(plainResponse(500, 'Internal Server Error\n'))
  }

  #clientGone(): void {
    if (this.#gone || (this.#ended && this.#headersSent)) return
    this.#gone = true
    this.#controller?.abort()
    this.#wake()
  }

  #wake(): void {
    const pulled = this.#pulled
    this.#pulled = undefined
    pulled?.()
  }
}

/** The request body, chunk by chunk, for tsgi.input; nothing for a request without one. */
async function* requestChunks(request: Request): AsyncGenerator<Uint8Array> {
  if (request.body === null) return
  const reader = request.body.getReader()
  try {
    for (let next = await reader.read(); !next.done; next = await reader.read()) yield next.value
  } finally {
    reader.releaseLock()
  }
}

function plainResponse(status: number, text: string): Response {
  return new Response(text, {
    status,
    headers: { 'Content-Type': 'text/plain; charset=utf-8' },
  })
}

interface Resolvers<T> {
  promise: Promise<T>
  resolve: (value: T) => void
}

/** Promise.withResolvers(), which Node 20 lacks. */
function withResolvers<T>(): Resolvers<T> {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((settle) => (resolve = settle))
  return { promise, resolve }
}
