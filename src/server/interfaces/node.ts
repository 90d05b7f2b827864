/**
 * Serving a node:http request listener from the worker: the app gets the worker's own `req`
 * and `res`, as if it had created the server, and `upgrade` requests when it listens for them
 * (./detect.ts). The worker adds what node:http would do without it (100 Continue), catches
 * what would crash the process (a listener that throws or rejects), and records the request
 * for the access log and --max-requests.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { expectsContinue } from '../../core/expect.ts'
import type { ErrorLog } from '../../core/handler.ts'
import { peerOf } from '../../core/peer.ts'
import type { NodeListener, UpgradeListener } from './detect.ts'
import { answerFailure } from './failure.ts'
import type { ExchangeRecord, ServeHandler, ServeOptions } from './serve.ts'

export function serveNode(
  listener: NodeListener,
  upgrade: UpgradeListener | undefined,
  options: ServeOptions
): ServeHandler {
  const forLog = options.accessLog ?? true
  const request = (req: IncomingMessage, res: ServerResponse) => {
    const record = new NodeRecord(req, res, forLog)
    res.on('close', () => options.onFinish(record.close()))
    callListener(listener, req, res, options.errorLog)
  }
  return upgrade ? { request, upgrade } : { request }
}

function callListener(
  listener: NodeListener,
  req: IncomingMessage,
  res: ServerResponse,
  log: ErrorLog
): void {
  // The worker listens for 'checkContinue'; node:http, when nobody does, answers this itself.
  if (expectsContinue(req)) {
    res.writeContinue()
  }
  try {
    const result = listener(req, res) as { then?: unknown } | undefined
    if (typeof result?.then === 'function') {
      ;(result as Promise<unknown>).then(undefined, (error: unknown) => fail(req, res, log, error))
    }
  } catch (error) {
    fail(req, res, log, error)
  }
}

function fail(req: IncomingMessage, res: ServerResponse, log: ErrorLog, error: unknown): void {
  if (!res.destroyed) answerFailure(req, res, log, error)
}

/**
 * One Node request's record, made when it starts and completed when its response closes. A
 * class, not an object literal with a getter: V8 makes such literals in old space, where they
 * keep each request's young objects alive past the next scavenge (measured: a third of the
 * worker's CPU went to GC).
 */
class NodeRecord implements ExchangeRecord {
  readonly req: IncomingMessage
  readonly res: ServerResponse
  readonly startedAt = process.hrtime.bigint()
  status = 0
  completed = false
  readonly #counter: { bytes: number } | undefined

  constructor(req: IncomingMessage, res: ServerResponse, forLog: boolean) {
    this.req = req
    this.res = res
    if (!forLog) return
    // Read now (once per connection): Node forgets the peer's address once the socket is closed.
    if (req.socket) peerOf(req.socket)
    // Patching res.write/res.end gives each response its own shape, which slows node:http's own
    // code on it: only done when the access log wants the byte count.
    this.#counter = countBodyBytes(res)
  }

  /** Notes how the response ended; called once, when it closes. */
  close(): this {
    this.status = this.res.headersSent ? this.res.statusCode : 0
    this.completed = this.res.writableFinished
    return this
  }

  get bytes(): number {
    return this.#counter?.bytes ?? 0
  }

  /** Parsed only when the access log format shows response headers. */
  get headers(): Array<[string, string]> {
    return sentHeaders(this.res)
  }
}

type WriteArgs = [chunk?: unknown, encoding?: unknown, callback?: unknown]

/** Wraps `res.write` and `res.end` on this response to add up the body bytes given to them. */
function countBodyBytes(res: ServerResponse): { bytes: number } {
  const counter = { bytes: 0 }
  const write = res.write as (...args: WriteArgs) => boolean
  const end = res.end as (...args: WriteArgs) => ServerResponse
  const count = (chunk: unknown, encoding: unknown) => {
    if (typeof chunk === 'string') {
      const name = typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8'
      counter.bytes += Buffer.byteLength(chunk, name)
    } else if (chunk instanceof Uint8Array) counter.bytes += chunk.byteLength
  }
  res.write = function (this: ServerResponse, ...args: WriteArgs) {
    count(args[0], args[1])
    return write.apply(this, args)
  } as ServerResponse['write']
  res.end = function (this: ServerResponse, ...args: WriteArgs) {
    count(args[0], args[1])
    return end.apply(this, args)
  } as ServerResponse['end']
  return counter
}

/**
 * The response headers as sent. Headers passed only to writeHead() (Fastify passes them all
 * that way) are not kept by node:http except in the header block it wrote, so that is read
 * when there is one; this runs only for access log formats that show response headers.
 */
function sentHeaders(res: ServerResponse): Array<[string, string]> {
  const block = (res as { _header?: unknown })._header
  if (typeof block === 'string') {
    return block
      .split('\r\n')
      .slice(1)
      .flatMap((line): Array<[string, string]> => {
        const colon = line.indexOf(':')
        return colon > 0 ? [[line.slice(0, colon), line.slice(colon + 1).trim()]] : []
      })
  }
  return Object.entries(res.getHeaders()).flatMap(([name, value]) =>
    (Array.isArray(value) ? value : [value]).map((item): [string, string] => [name, String(item)])
  )
}
