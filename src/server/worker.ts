/**
 * The worker: one process serving the app on the listeners the master hands it. It reports
 * liveness, counts requests for --max-requests, and drains or quits on the master's word.
 * Worker classes (workers/) differ only in how many connections they hold and in keep-alive.
 * @module
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { LineErrorStream } from '../core/error-stream.ts'
import { ForwardedScheme } from '../core/forwarded-scheme.ts'
import { AcceptGate, type SelfBoundListener } from './accept-gate.ts'
import type { Config } from './config/config.ts'
import { checkLimits, maxHeaderSize, rejectRequest, type RequestLimits } from './http/limits.ts'
import { formStatus } from './http/request-form.ts'
import type { ExchangeRecord, Serve, ServeHandler } from './interfaces/serve.ts'
import type { WorkerMessage } from './ipc.ts'
import type { AccessLog } from './logging/access-log.ts'
import type { ErrorLog } from './logging/error-log.ts'

export interface WorkerContext {
  config: Config
  /** Serves the app through the interface it speaks (interfaces/serve.ts). */
  serve: Serve
  log: ErrorLog
  accessLog: AccessLog
  /** Tells the master something; a no-op once the IPC channel is gone. */
  send: (message: WorkerMessage) => void
  /** Ends the process once the worker has stopped (flushes logs first). */
  exit: (code: number) => void
}

export class Worker {
  readonly context: WorkerContext
  readonly http: Server
  readonly #gate: AcceptGate
  readonly #limits: RequestLimits
  readonly #maxRequests: number
  readonly #keepAliveRequests: number
  #requests = 0
  /** Keep-alive connections the master asked this worker to close (rebalance.ts). */
  #toShed = 0
  #draining = false

  constructor(context: WorkerContext) {
    this.context = context
    const { config } = context
    this.#limits = {
      line: config.limitRequestLine,
      fields: config.limitRequestFields,
      fieldSize: config.limitRequestFieldSize,
    }
    this.#maxRequests = maxRequestsWithJitter(config.maxRequests, config.maxRequestsJitter)
    this.#keepAliveRequests = config.keepAliveRequests
    this.http = this.#createHttpServer(this.#createHandler())
    this.#gate = new AcceptGate({
      http: this.http,
      capacity: this.capacity,
      backlog: config.backlog,
      requestListener: (index) => context.send({ type: 'need-listener', index }),
      onDrained: () => this.#exit(),
    })
  }

  /** Connections one worker holds at once (the worker class decides). */
  get capacity(): number {
    return this.context.config.workerConnections
  }

  /** Whether connections stay open between requests (the worker class decides). */
  get keepAlive(): boolean {
    return this.context.config.keepAlive > 0
  }

  get draining(): boolean {
    return this.#draining
  }

  /** Connections this worker holds now. */
  get connections(): number {
    return this.#gate.active
  }

  /**
   * The master's word on how many connections this worker may hold (rebalance.ts): above
   * `limit`, stop accepting until down to it, and close the excess after their next responses.
   */
  shed(limit: number): void {
    if (this.#draining) return
    this.#toShed = Math.max(0, this.#gate.active - limit)
    this.#gate.holdAt(limit)
  }

  /** Accepts on a listener the master sent. */
  listen(index: number, handle: object): Promise<void> {
    return this.#gate.listen(index, handle)
  }

  /** Accepts on a listener it binds by address (--balance reuseport or roundrobin). */
  listenAddress(bind: SelfBoundListener): Promise<void> {
    return this.#gate.listenAddress(bind.index, bind)
  }

  /**
   * Stops accepting and exits once in-flight requests are done. Responses from now on say
   * `Connection: close`. With `closeIdle` (TERM), idle keep-alive connections are closed at
   * once; without it (reload, max-requests) they close on their next response or at the
   * keep-alive timeout, so no client races a request against our close.
   */
  drain(closeIdle: boolean): void {
    if (!this.#draining) {
      this.#draining = true
      this.context.log.info(`Worker draining (pid: ${process.pid})`)
      this.#gate.close()
      const limit = this.context.config.gracefulTimeout * 1000
      setTimeout(() => this.#exit(), limit).unref()
    }
    this.#finishInFlight(closeIdle)
    if (closeIdle) this.http.closeIdleConnections()
  }

  /**
   * Requests already in flight when the drain began: a connection whose last response has not
   * sent its headers yet closes after it (`Connection: close`), so the responses pipelined
   * before it still go out; on TERM, the connections of the others are closed once their
   * response is done, instead of idling until the keep-alive timeout.
   */
  #finishInFlight(closeIdle: boolean): void {
    for (const socket of this.#gate.sockets as ReadonlySet<WorkerSocket>) {
      const res = socket[IN_FLIGHT]
      if (!res) continue
      if (!res.headersSent) closeAfter(res, socket)
      else if (closeIdle)
        res.once('finish', () => setImmediate(() => this.http.closeIdleConnections()))
    }
  }

  #createHttpServer(handler: ServeHandler): Server {
    const { config } = this.context
    const server = createServer({
      ...handler.serverOptions,
      keepAliveTimeout: config.keepAlive * 1000,
      maxHeaderSize: maxHeaderSize(this.#limits),
      // Bound how long a slow client may take to send its headers and its whole request.
      headersTimeout: 60_000,
      requestTimeout: 300_000,
    })
    server.maxHeadersCount = this.#limits.fields + 1
    const onRequest = (req: IncomingMessage, res: ServerResponse) =>
      this.#onRequest(req, res, handler)
    server.on('request', onRequest)
    server.on('checkContinue', onRequest)
    // Node answers an Expect other than 100-continue with a 417 of its own and keeps the
    // connection: a worker that keeps none (sync, --keep-alive 0, draining) closes it.
    server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => {
      if (this.#draining || !this.keepAlive) closeAfter(res, req.socket as WorkerSocket)
      res.writeHead(417)
      res.end()
    })
    // CONNECT is a proxy's method: node:http gives it a raw socket, not a request, and with no
    // listener drops the connection unanswered.
    server.on('connect', (_req: IncomingMessage, socket: Duplex) => {
      socket.end('HTTP/1.1 501 Not Implemented\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')
    })
    const { upgrade } = handler
    if (upgrade) {
      server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        if (this.#refusal(req) === 0) upgrade(req, socket, head)
        else socket.destroy()
      })
    }
    // The http.Server never listens itself (the gate accepts for it), so start Node's request
    // and headers timeout checks the way listening would.
    server.emit('listening')
    return server
  }

  #onRequest(req: IncomingMessage, res: ServerResponse, handler: ServeHandler): void {
    const socket = req.socket as WorkerSocket
    if (socket[CLOSING]) {
      // Pipelined behind the response that closes this connection: it will never be answered,
      // so the app must not run it; the client sends it again on a new connection.
      res.shouldKeepAlive = false
      res.end()
      return
    }
    if (
      this.#draining ||
      !this.keepAlive ||
      this.#reachesKeepAliveRequests(socket) ||
      this.#shedsOne()
    ) {
      closeAfter(res, socket)
    }
    const status = this.#refusal(req)
    if (status !== 0) {
      this.context.log.debug(`Rejected ${req.method} request with ${status}`)
      closeAfter(res, socket)
      rejectRequest(res, status)
      return
    }
    // On the connection, not in a Set of responses: a Set's add and delete per request cost
    // about 1% of a hello request (callgrind), its table growing and shrinking under load.
    socket[IN_FLIGHT] = res
    void handler.request(req, res)
  }

  /** The status the worker answers `req` with itself (a limit, the request's form), or 0. */
  #refusal(req: IncomingMessage): number {
    return checkLimits(req, this.#limits) || formStatus(req)
  }

  /** Counts a request on its connection; true when it is the last --keep-alive-requests allows. */
  #reachesKeepAliveRequests(socket: WorkerSocket): boolean {
    if (this.#keepAliveRequests === 0) return false
    const served = (socket[REQUESTS_SERVED] ?? 0) + 1
    socket[REQUESTS_SERVED] = served
    return served >= this.#keepAliveRequests
  }

  /** True while the master's last shed request is not yet used up (counting this one). */
  #shedsOne(): boolean {
    if (this.#toShed === 0) return false
    this.#toShed--
    return true
  }

  #createHandler(): ServeHandler {
    const { log, config } = this.context
    return this.context.serve({
      multiprocess: true,
      forwardedScheme: forwardedSchemeOf(config),
      accessLog: this.context.accessLog.enabled,
      errorLog: { error: (message, error) => log.exception(message, error) },
      errors: new LineErrorStream((line) => log.error(line)),
      onFinish: (record) => this.#onFinish(record),
    })
  }

  #onFinish(record: ExchangeRecord): void {
    const socket = record.req.socket as WorkerSocket | null
    if (socket?.[IN_FLIGHT] === record.res) socket[IN_FLIGHT] = undefined
    const { accessLog } = this.context
    if (accessLog.enabled) {
      accessLog.log(record)
    }
    this.#requests++
    if (this.#requests === this.#maxRequests) {
      this.context.log.info(
        `Autorestarting worker after current request (max-requests ${this.#maxRequests})`
      )
      this.context.send({ type: 'retire', requests: this.#requests })
    }
  }

  #exit(): void {
    this.context.log.info(`Worker exiting (pid: ${process.pid})`)
    this.context.exit(0)
  }
}

const REQUESTS_SERVED = Symbol('tsgi.requestsServed')
const CLOSING = Symbol('tsgi.closing')
/** The last response the app was asked for on a connection, until it is closed. */
const IN_FLIGHT = Symbol('tsgi.inFlight')

/** A connection, with what the worker notes on it. */
type WorkerSocket = IncomingMessage['socket'] & {
  [REQUESTS_SERVED]?: number
  [CLOSING]?: true
  [IN_FLIGHT]?: ServerResponse | undefined
}

/** `res` is the last response on its connection: it says `Connection: close`. */
function closeAfter(res: ServerResponse, socket: WorkerSocket | null): void {
  res.shouldKeepAlive = false
  if (socket) socket[CLOSING] = true
}

/** --max-requests plus a random 0..jitter, so workers started together don't retire together. */
function maxRequestsWithJitter(maxRequests: number, jitter: number): number {
  if (maxRequests <= 0) return 0
  return maxRequests + Math.floor(Math.random() * (jitter + 1))
}

/** The proxies' say on the scheme; none to hear when no header is configured. */
function forwardedSchemeOf(config: Config): ForwardedScheme | undefined {
  const { forwardedAllowIps, secureSchemeHeaders } = config
  if (Object.keys(secureSchemeHeaders).length === 0) return undefined
  return new ForwardedScheme({ allowIps: forwardedAllowIps, secureSchemeHeaders })
}
