/**
 * Serving a fetch handler from the worker: a lazy Request in (./fetch-request.ts), a Response
 * out (./fetch-response.ts). The handler gets the Request, then `{ incoming, outgoing }` (the
 * node:http pair, as @hono/node-server passes it, so Hono's `c.env.incoming` works), then an
 * execution context with `waitUntil()` (as Workers-style handlers expect). `request.signal`
 * fires when the client goes away before the response is complete, and then the response
 * body stream is cancelled.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { FetchHandler } from '../../adapters/from-fetch.ts'
import { expectsContinue } from '../../core/expect.ts'
import { CONTRADICTORY, type ForwardedScheme } from '../../core/forwarded-scheme.ts'
import type { ErrorLog } from '../../core/handler.ts'
import { peerOf } from '../../core/peer.ts'
import { answerFailure, ERROR_BODY, ERROR_HEADERS } from './failure.ts'
import { IncomingRequest, type RequestHooks } from './fetch-request.ts'
import { ResponseSender } from './fetch-response.ts'
import { LightResponse } from './light-response.ts'
import { requestUrl } from './request-url.ts'
import type { ExchangeRecord, ServeHandler, ServeOptions } from './serve.ts'
import { installFetchGlobals } from './web-globals.ts'

/** The third argument, for handlers written for Workers-style runtimes. */
export interface ExecutionContext {
  /** Keeps nothing alive (a worker process outlives its requests); logs the promise's failure. */
  waitUntil(promise: Promise<unknown>): void
  passThroughOnException(): void
}

export function serveFetch(handler: FetchHandler, options: ServeOptions): ServeHandler {
  installFetchGlobals()
  const context: ExecutionContext = {
    waitUntil: (promise) =>
      void Promise.resolve(promise).catch((error: unknown) =>
        options.errorLog.error('Error in a promise given to waitUntil()', error)
      ),
    passThroughOnException: () => {},
  }
  return {
    request: (req, res) => new FetchExchange(req, res, options).run(handler, context),
  }
}

const BAD_REQUEST_HEADERS: ReadonlyArray<[string, string]> = [
  ['Content-Type', 'text/plain; charset=utf-8'],
  ['Content-Length', '12'],
]

/**
 * One request to a fetch handler, and its response. Once closed, it is also the request's
 * record for `onFinish`.
 */
class FetchExchange implements RequestHooks, ExchangeRecord {
  readonly req: IncomingMessage
  readonly res: ServerResponse
  readonly startedAt = process.hrtime.bigint()
  status = 0
  completed = false
  readonly #log: ErrorLog
  readonly #forwardedScheme: ForwardedScheme | undefined
  readonly #sender: ResponseSender
  #controller: AbortController | undefined
  #clientGone = false
  #continueSent = false
  /** A response the worker sent itself (400, 500) instead of the handler's. */
  #own: { headers: ReadonlyArray<readonly [string, string]>; bytes: number } | undefined

  constructor(req: IncomingMessage, res: ServerResponse, options: ServeOptions) {
    this.req = req
    this.res = res
    this.#log = options.errorLog
    this.#forwardedScheme = options.forwardedScheme
    this.#sender = new ResponseSender(res, req.method === 'HEAD')
    // Read now (once per connection) for the access log: Node forgets it once the socket closes.
    if (req.socket && options.accessLog !== false) peerOf(req.socket)
    res.on('close', () => options.onFinish(this.#onClose()))
  }

  /**
   * Runs the handler and sends its Response. Returns a promise only when something had to be
   * waited for: a handler that returns a whole Response at once costs no promise.
   */
  run(handler: FetchHandler, context: ExecutionContext): Promise<void> | undefined {
    const scheme = this.#forwardedScheme?.schemeOf(this.req)
    const url = scheme === CONTRADICTORY ? undefined : requestUrl(this.req, scheme ?? 'http')
    if (url === undefined) {
      this.#badRequest()
      return undefined
    }
    let returned: unknown
    try {
      const request = new IncomingRequest(this.req, url, this) as unknown as Request
      returned = handler(request, { incoming: this.req, outgoing: this.res }, context)
    } catch (error) {
      this.#fail(error)
      return undefined
    }
    return isPromiseLike(returned) ? this.#sendLater(returned) : this.#send(returned)
  }

  async #sendLater(returned: PromiseLike<unknown>): Promise<void> {
    let response: unknown
    try {
      response = await returned
    } catch (error) {
      this.#fail(error)
      return
    }
    await this.#send(response)
  }

  #send(response: unknown): Promise<void> | undefined {
    try {
      const sending = this.#sender.send(checkResponse(response))
      return sending?.catch((error: unknown) => this.#fail(error))
    } catch (error) {
      this.#fail(error)
      return undefined
    }
  }

  #fail(error: unknown): void {
    if (this.#clientGone) return
    if (!this.res.headersSent) this.#own = { headers: ERROR_HEADERS, bytes: ERROR_BODY.length }
    answerFailure(this.req, this.res, this.#log, error)
  }

  signal(): AbortSignal {
    this.#controller ??= new AbortController()
    if (this.#clientGone) this.#controller.abort()
    return this.#controller.signal
  }

  /** Spec §5.4's rule for TSGI holds here too: 100 Continue only when the body is wanted. */
  beforeBodyRead(): void {
    if (this.#continueSent || this.res.headersSent) return
    this.#continueSent = true
    if (expectsContinue(this.req)) this.res.writeContinue()
  }

  #badRequest(): void {
    this.#own = { headers: BAD_REQUEST_HEADERS, bytes: 12 }
    this.res.shouldKeepAlive = false
    this.res.writeHead(400, 'Bad Request', BAD_REQUEST_HEADERS.flat())
    this.res.end('Bad Request\n')
  }

  get headers(): ReadonlyArray<readonly [string, string]> {
    return this.#own?.headers ?? this.#sender.headers
  }

  get bytes(): number {
    return this.#own?.bytes ?? this.#sender.bytes
  }

  /** Notes how the response ended, and stops the body if the client left before it did. */
  #onClose(): this {
    const res = this.res
    this.status = res.headersSent ? res.statusCode : 0
    this.completed = res.writableFinished
    if (!this.completed) {
      this.#clientGone = true
      this.#controller?.abort()
      this.#sender.cancel()
    }
    // A body the handler left unread (or half read) is discarded, to free the connection.
    if (!this.req.readableEnded) this.req.resume()
    return this
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function'
}

/** A Response, or anything that reads like one (status, headers, body). */
function checkResponse(value: unknown): Response {
  // A light Response is one by construction; reading its headers would build a Headers for
  // nothing (measured: about 3% of a worker's CPU on a hello-world).
  if (value instanceof LightResponse) return value as unknown as Response
  const like = value as Partial<Response> | null | undefined
  if (typeof like?.status === 'number' && typeof like.headers === 'object' && 'body' in like) {
    return value as Response
  }
  const what = value === null || value === undefined ? String(value) : `a ${typeof value}`
  throw new TypeError(`the fetch handler returned ${what}, not a Response`)
}
