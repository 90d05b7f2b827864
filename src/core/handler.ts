/**
 * The request flow shared by the simple server and the production workers (DESIGN.md):
 * `node:http` request → environ → application → body streamed out → body closed, once.
 * @module
 */
import type { IncomingMessage, ServerOptions, ServerResponse } from 'node:http'
import type { Application, Body, Chunk, Environ, ErrorStream } from '../spec/types.ts'
import { checkBody, checkChunk, closeBody, openIterator } from './body.ts'
import { ClientSignal } from './client-signal.ts'
import { buildEnviron, type ServerContext } from './environ.ts'
import { LineErrorStream } from './error-stream.ts'
import { expectsContinue } from './expect.ts'
import { FileBody } from './file-wrapper.ts'
import { CONTRADICTORY, type ForwardedScheme } from './forwarded-scheme.ts'
import { ChunkInput } from './input.ts'
import { BAD_REQUEST, refusal } from './refusals.ts'
import { ResponseWriter } from './response.ts'
import { abortAfterFlush } from './transport.ts'

/** Where the core reports errors; the production server plugs its error log in here. */
export interface ErrorLog {
  error(message: string, error?: unknown): void
}

/** What the access log and the worker's bookkeeping learn about each finished request. */
export interface RequestRecord {
  req: IncomingMessage
  res: ServerResponse
  environ: Environ
  status: number
  headers: ReadonlyArray<readonly [string, string]>
  bytes: number
  startedAt: bigint
  /** False when the client went away or the response was aborted. */
  completed: boolean
}

export interface HandlerOptions {
  /** `tsgi.url_scheme` unless a trusted proxy says otherwise (`forwardedScheme`). */
  urlScheme?: 'http' | 'https'
  /** Which proxies may say a request came over HTTPS, and how; none when absent. */
  forwardedScheme?: ForwardedScheme
  scriptName?: string
  multiprocess?: boolean
  multithread?: boolean
  runOnce?: boolean
  errorLog?: ErrorLog
  errors?: ErrorStream
  onFinish?: (record: RequestRecord) => void
}

/** Returns a promise only while the request still has something to wait for. */
export type RequestHandler = (
  req: IncomingMessage,
  res: ServerResponse
) => Promise<void> | undefined

const consoleLog: ErrorLog = {
  error: (message, error) => console.error(message, error ?? ''),
}

/**
 * The `node:http` server options that suit a server running this handler. The app reads a
 * request's body only through `tsgi.input`, never from `req`, so a request without body
 * headers (no Content-Length, no Transfer-Encoding: no body, RFC 9112 §6.3) can come from
 * node:http already ended, without the 'data', 'end' and 'close' events of a stream's life
 * that no one listens to: about an eighth of the instructions of a keep-alive hello request.
 * Node 24.12+ and 25.1+ know the option; older versions ignore it.
 */
export const REQUEST_HANDLER_SERVER_OPTIONS: Readonly<
  ServerOptions & { optimizeEmptyRequests?: boolean }
> = { optimizeEmptyRequests: true }

/**
 * Builds the `node:http` request listener that runs `app` for every request; give the server
 * it listens on REQUEST_HANDLER_SERVER_OPTIONS.
 */
export function createRequestHandler(
  app: Application,
  options: HandlerOptions = {}
): RequestHandler {
  const log = options.errorLog ?? consoleLog
  const errors = options.errors ?? new LineErrorStream()
  const base: ServerContext = {
    errors,
    urlScheme: options.urlScheme ?? 'http',
    forwardedScheme: options.forwardedScheme,
    scriptName: options.scriptName ?? '',
    multiprocess: options.multiprocess ?? false,
    multithread: options.multithread ?? false,
    runOnce: options.runOnce ?? false,
  }
  return (req, res) => new Exchange(req, res, app, log, base, options.onFinish).run()
}

/**
 * One request and its response, from environ to close. Once closed, it is also the request's
 * record for `onFinish`: one object less per request than a record of its own.
 */
class Exchange implements RequestRecord {
  readonly req: IncomingMessage
  readonly res: ServerResponse
  readonly environ: Environ
  readonly startedAt = process.hrtime.bigint()
  readonly #app: Application
  readonly #log: ErrorLog
  readonly #onFinish: HandlerOptions['onFinish']
  readonly #response: ResponseWriter
  readonly #scriptName: string
  readonly #signal = new ClientSignal()
  /** Set when the request's scheme headers disagree: it is answered 400. */
  readonly #contradictoryScheme: boolean
  #clientGone = false

  constructor(
    req: IncomingMessage,
    res: ServerResponse,
    app: Application,
    log: ErrorLog,
    base: ServerContext,
    onFinish: HandlerOptions['onFinish']
  ) {
    this.req = req
    this.res = res
    this.#app = app
    this.#log = log
    this.#onFinish = onFinish
    this.#scriptName = base.scriptName
    this.#response = new ResponseWriter(req, res)
    const input = new ChunkInput(req, () => sendContinue(req, res))
    const forwarded = base.forwardedScheme?.schemeOf(req)
    this.#contradictoryScheme = forwarded === CONTRADICTORY
    const scheme = forwarded === 'https' || forwarded === 'http' ? forwarded : base.urlScheme
    this.environ = buildEnviron(req, base, input, this.#signal, scheme)
    res.on('close', () => this.#onClose())
  }

  /**
   * Runs the app and sends its body. Returns a promise only when something had to be waited
   * for: most apps return an array at once, and such a request then costs no promise at all.
   */
  run(): Promise<void> | undefined {
    // Gunicorn's InvalidSchemeHeaders: a 400, whatever else the request has.
    const refused = this.#contradictoryScheme ? BAD_REQUEST : refusal(this.req, this.#scriptName)
    if (refused) {
      this.#refuse(refused.status, refused.reason)
      return undefined
    }
    let result: Body | Promise<Body>
    try {
      result = this.#app(this.environ, this.#response.startResponse)
    } catch (error) {
      this.#failApp(error)
      return undefined
    }
    return isPromise(result) ? this.#respondLater(result) : this.#respond(result)
  }

  async #respondLater(pending: Promise<Body>): Promise<void> {
    let body: Body
    try {
      body = await pending
    } catch (error) {
      this.#failApp(error)
      return
    }
    await this.#respond(body)
  }

  #respond(body: Body): Promise<void> | undefined {
    try {
      checkBody(body)
    } catch (error) {
      this.#failApp(error)
      return undefined
    }
    return Array.isArray(body) ? this.#streamArray(body) : this.#streamIterable(body)
  }

  /** The app failed before it gave a body: there is no body to close. */
  #failApp(error: unknown): void {
    this.#response.markEnded()
    this.#fail(error)
  }

  /** Sends an array body, synchronously unless the transport wants the sender to wait. */
  #streamArray(body: Body & readonly unknown[]): Promise<void> | undefined {
    let sending: Promise<void> | undefined
    try {
      sending = this.#sendArray(body)
    } catch (error) {
      this.#fail(error)
    }
    if (sending) return this.#endAfter(sending, body)
    return this.#end(body, undefined)
  }

  async #endAfter(sending: Promise<void>, body: Body): Promise<void> {
    try {
      await sending
    } catch (error) {
      this.#fail(error)
    } finally {
      await this.#end(body, undefined)
    }
  }

  /** Streams any other body, then ends the response. */
  async #streamIterable(body: Body): Promise<void> {
    let iterator: Iterator<Chunk> | AsyncIterator<Chunk> | undefined
    try {
      iterator = openIterator(body)
      if (body instanceof FileBody) await this.#sendFile(body)
      else {
        const pumping = this.#pump(iterator)
        if (pumping) await pumping
      }
      if (!this.#clientGone) this.#response.finish()
    } catch (error) {
      this.#fail(error)
    } finally {
      await this.#end(body, iterator)
    }
  }

  /** The body is done with, however it ended: closed exactly once (spec §5). */
  #end(
    body: Body,
    iterator: Iterator<Chunk> | AsyncIterator<Chunk> | undefined
  ): Promise<void> | undefined {
    this.#response.markEnded()
    return closeBody(body, iterator, this.#log)
  }

  /**
   * An array body, the common case: its length is known before anything is sent, and its last
   * chunk goes out with the end of the response, in one write. Returns a promise only when the
   * transport wants the sender to wait.
   */
  #sendArray(chunks: readonly unknown[], from = 0): Promise<void> | undefined {
    if (from === 0 && this.#response.started) this.#response.setKnownLength(byteLength(chunks))
    const last = chunks.length - 1
    for (let i = from; i < last; i++) {
      if (this.#clientGone) return undefined
      const sent = this.#response.send(checkChunk(chunks[i]))
      if (sent) return sent.then(() => this.#sendArray(chunks, i + 1))
    }
    if (this.#clientGone) return undefined
    this.#response.finish(last >= 0 ? checkChunk(chunks[last]) : undefined)
    return undefined
  }

  /**
   * Pulls chunks and sends them. Synchronous while the body is synchronous and the socket takes
   * the bytes; it returns a promise only from the first chunk that must be waited for.
   */
  #pump(iterator: Iterator<Chunk> | AsyncIterator<Chunk>): Promise<void> | undefined {
    for (;;) {
      if (this.#clientGone) return undefined
      const next = iterator.next()
      if (isPromise(next)) return next.then((result) => this.#afterNext(result, iterator))
      if (next.done) return undefined
      const sent = this.#response.send(checkChunk(next.value))
      if (sent) return sent.then(() => this.#pump(iterator))
    }
  }

  async #afterNext(
    result: IteratorResult<Chunk>,
    iterator: Iterator<Chunk> | AsyncIterator<Chunk>
  ): Promise<void> {
    if (result.done) return
    const sent = this.#response.send(checkChunk(result.value))
    if (sent) await sent
    await this.#pump(iterator)
  }

  /** The file_wrapper path: the file streams to the socket without the app's iterator. */
  async #sendFile(body: FileBody): Promise<void> {
    for await (const block of body.openStream() as AsyncIterable<Buffer>) {
      if (this.#clientGone) return
      await this.#response.send(block)
    }
  }

  /** An app error: a 500 if nothing was sent yet, else the connection is cut (spec §5.3). */
  #fail(error: unknown): void {
    if (this.#clientGone) return
    const where = `${this.req.method} ${this.req.url}`
    if (this.#response.headersSent) {
      this.#log.error(`Error after the response started, aborting the connection: ${where}`, error)
      abortAfterFlush(this.res)
      return
    }
    this.#log.error(`Error handling request ${where}`, error)
    const body = Buffer.from('Internal Server Error\n')
    this.res.writeHead(500, 'Internal Server Error', [
      'Content-Type',
      'text/plain; charset=utf-8',
      'Content-Length',
      String(body.length),
    ])
    this.res.end(body)
  }

  /** Answers without running the app, and closes the connection. */
  #refuse(status: number, reason: string): void {
    const body = Buffer.from(`${reason}\n`)
    this.res.shouldKeepAlive = false
    this.res.writeHead(status, reason, [
      'Content-Type',
      'text/plain; charset=utf-8',
      'Content-Length',
      String(body.length),
    ])
    this.res.end(body)
  }

  get status(): number {
    return this.res.headersSent ? this.res.statusCode : 0
  }

  get headers(): RequestRecord['headers'] {
    return this.#response.headers
  }

  get bytes(): number {
    return this.#response.bytes
  }

  get completed(): boolean {
    return !this.#clientGone
  }

  #onClose(): void {
    if (!this.res.writableFinished) {
      this.#clientGone = true
      this.#signal.abort()
    }
    this.#onFinish?.(this)
  }
}

/**
 * Spec §5.4: 100 Continue on the app's first read, when the client asked for it, and never once
 * the final response has begun (the read just waits). Looked for only then: most requests are
 * never read, and their headers need not be scanned for Expect.
 */
function sendContinue(req: IncomingMessage, res: ServerResponse): void {
  if (!res.headersSent && expectsContinue(req)) res.writeContinue()
}

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown })?.then === 'function'
}

function byteLength(chunks: readonly unknown[]): number {
  let total = 0
  for (const chunk of chunks) if (chunk instanceof Uint8Array) total += chunk.length
  return total
}
