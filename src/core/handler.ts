/**
 * The request flow shared by the simple server and the production workers (DESIGN.md):
 * `node:http` request → environ → application → body streamed out → body closed, once.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Application, Body, Chunk, Environ, ErrorStream } from '../spec/types.ts'
import { checkBody, checkChunk, closeBody, openIterator } from './body.ts'
import { ClientSignal } from './client-signal.ts'
import { buildEnviron, type ServerContext } from './environ.ts'
import { LineErrorStream } from './error-stream.ts'
import { expectsContinue } from './expect.ts'
import { FileBody } from './file-wrapper.ts'
import { ChunkInput } from './input.ts'
import { refusal } from './refusals.ts'
import { ResponseWriter } from './response.ts'
import { abortAfterFlush } from './transport.ts'

/** Where the core reports errors; the production server plugs its error log in here. */
export interface ErrorLog {
  error(message: string, error?: unknown): void
}

/** What the access log and the worker's bookkeeping learn about each finished request. */
export interface RequestRecord {
  req: IncomingMessage
  environ: Environ
  status: number
  headers: ReadonlyArray<readonly [string, string]>
  bytes: number
  startedAt: bigint
  /** False when the client went away or the response was aborted. */
  completed: boolean
}

export interface HandlerOptions {
  urlScheme?: 'http' | 'https'
  scriptName?: string
  multiprocess?: boolean
  multithread?: boolean
  runOnce?: boolean
  errorLog?: ErrorLog
  errors?: ErrorStream
  onFinish?: (record: RequestRecord) => void
}

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>

const consoleLog: ErrorLog = {
  error: (message, error) => console.error(message, error ?? ''),
}

/** Builds the `node:http` request listener that runs `app` for every request. */
export function createRequestHandler(
  app: Application,
  options: HandlerOptions = {}
): RequestHandler {
  const log = options.errorLog ?? consoleLog
  const errors = options.errors ?? new LineErrorStream()
  const base: ServerContext = {
    errors,
    urlScheme: options.urlScheme ?? 'http',
    scriptName: options.scriptName ?? '',
    multiprocess: options.multiprocess ?? false,
    multithread: options.multithread ?? false,
    runOnce: options.runOnce ?? false,
  }
  return (req, res) => new Exchange(req, res, app, log, base, options.onFinish).run()
}

/** One request and its response, from environ to close. */
class Exchange {
  readonly #req: IncomingMessage
  readonly #res: ServerResponse
  readonly #app: Application
  readonly #log: ErrorLog
  readonly #onFinish: HandlerOptions['onFinish']
  readonly #response: ResponseWriter
  readonly #environ: Environ
  readonly #scriptName: string
  readonly #startedAt = process.hrtime.bigint()
  readonly #signal = new ClientSignal()
  #clientGone = false

  constructor(
    req: IncomingMessage,
    res: ServerResponse,
    app: Application,
    log: ErrorLog,
    base: ServerContext,
    onFinish: HandlerOptions['onFinish']
  ) {
    this.#req = req
    this.#res = res
    this.#app = app
    this.#log = log
    this.#onFinish = onFinish
    this.#scriptName = base.scriptName
    this.#response = new ResponseWriter(req, res)
    const input = new ChunkInput(req, expectsContinue(req) ? () => sendContinue(res) : undefined)
    this.#environ = buildEnviron(req, base, input, this.#signal)
    res.on('close', () => this.#onClose())
  }

  async run(): Promise<void> {
    const refused = refusal(this.#req, this.#scriptName)
    if (refused) {
      this.#refuse(refused.status, refused.reason)
      return
    }
    let body: Body
    try {
      // Most apps return their body directly: awaiting only a promise saves a turn per request.
      const result = this.#app(this.#environ, this.#response.startResponse)
      body = isPromise(result) ? await result : result
      checkBody(body)
    } catch (error) {
      this.#response.markEnded()
      this.#fail(error)
      return
    }
    await this.#stream(body)
  }

  /** Streams the body, then ends the response; closes the body exactly once (spec §5). */
  async #stream(body: Body): Promise<void> {
    let iterator: Iterator<Chunk> | AsyncIterator<Chunk> | undefined
    try {
      if (Array.isArray(body)) {
        const sending = this.#sendArray(body)
        if (sending) await sending
      } else {
        iterator = openIterator(body)
        if (body instanceof FileBody) await this.#sendFile(body)
        else {
          const pumping = this.#pump(iterator)
          if (pumping) await pumping
        }
        if (!this.#clientGone) this.#response.finish()
      }
    } catch (error) {
      this.#fail(error)
    } finally {
      this.#response.markEnded()
      const closing = closeBody(body, iterator, this.#log)
      if (closing) await closing
    }
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
    const where = `${this.#req.method} ${this.#req.url}`
    if (this.#response.headersSent) {
      this.#log.error(`Error after the response started, aborting the connection: ${where}`, error)
      abortAfterFlush(this.#res)
      return
    }
    this.#log.error(`Error handling request ${where}`, error)
    const body = Buffer.from('Internal Server Error\n')
    this.#res.writeHead(500, 'Internal Server Error', [
      'Content-Type',
      'text/plain; charset=utf-8',
      'Content-Length',
      String(body.length),
    ])
    this.#res.end(body)
  }

  /** Answers without running the app, and closes the connection. */
  #refuse(status: number, reason: string): void {
    const body = Buffer.from(`${reason}\n`)
    this.#res.shouldKeepAlive = false
    this.#res.writeHead(status, reason, [
      'Content-Type',
      'text/plain; charset=utf-8',
      'Content-Length',
      String(body.length),
    ])
    this.#res.end(body)
  }

  #onClose(): void {
    const completed = this.#res.writableFinished
    if (!completed) {
      this.#clientGone = true
      this.#signal.abort()
    }
    this.#onFinish?.({
      req: this.#req,
      environ: this.#environ,
      status: this.#res.headersSent ? this.#res.statusCode : 0,
      headers: this.#response.headers,
      bytes: this.#response.bytes,
      startedAt: this.#startedAt,
      completed,
    })
  }
}

/** Spec §5.4: no interim response once the final one has begun; the read just waits. */
function sendContinue(res: ServerResponse): void {
  if (!res.headersSent) res.writeContinue()
}

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown })?.then === 'function'
}

function byteLength(chunks: readonly unknown[]): number {
  let total = 0
  for (const chunk of chunks) if (chunk instanceof Uint8Array) total += chunk.length
  return total
}
