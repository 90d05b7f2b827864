/**
 * Writing a fetch handler's Response to a node:http response. A light response
 * (./light-response.ts) goes out in one call with its Content-Length. A real one is streamed
 * from its body with backpressure; when its body is already complete (one chunk, then the
 * end, without waiting on I/O) it gets a Content-Length and one write too, and when its first
 * chunk is not ready the headers go out at once, so a slow stream (server-sent events) is not
 * held back.
 * @module
 */
import type { ServerResponse } from 'node:http'
import { allowsBody, headerPairs } from '../../core/rules.ts'
import { drained } from '../../core/transport.ts'
import { LIGHT, lightHeaderPairs, type LightState } from './light-response.ts'

type Pairs = Array<[string, string]>
type ReadResult = Awaited<ReturnType<ReadableStreamDefaultReader<Uint8Array>['read']>>
const PENDING = Symbol('pending')

/** One response on its way out; the exchange reads `headers` and `bytes` for the access log. */
export class ResponseSender {
  readonly #res: ServerResponse
  readonly #isHead: boolean
  #reader: ReadableStreamDefaultReader<Uint8Array> | undefined
  /** The headers sent, as writeHead took them: `[name, value, name, value…]`. */
  #sent: string[] = []
  /** Body bytes the response produced (also counted on HEAD, where none are sent). */
  bytes = 0

  constructor(res: ServerResponse, isHead: boolean) {
    this.#res = res
    this.#isHead = isHead
  }

  /** The header pairs sent (for the access log: built only when asked). */
  get headers(): Pairs {
    return headerPairs(this.#sent)
  }

  /**
   * Sends `response`. A body that must be streamed returns a promise, which settles once the
   * response has ended or the client has gone; a whole one is sent at once.
   */
  send(response: Response): Promise<void> | undefined {
    const light = (response as { [LIGHT]?: LightState })[LIGHT]
    if (light) {
      this.#sendWhole(light, lightHeaderPairs(light), light.body)
      return undefined
    }
    const head = { status: response.status, statusText: response.statusText }
    const pairs = [...response.headers] as Pairs
    const body = response.body
    if (body !== null) return this.#sendStream(head, pairs, body.getReader())
    this.#sendWhole(head, pairs, null)
    return undefined
  }

  /** The client has gone: stop the body (its stream's cancel() runs). */
  cancel(): void {
    this.#reader?.cancel().catch(() => {})
  }

  #sendWhole(head: Head, pairs: Pairs, body: string | Uint8Array | null): void {
    const length =
      body === null ? 0 : typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength
    // A HEAD response without a body says nothing of the GET's length (a framework's HEAD
    // often answers with the GET's headers and no body): no Content-Length of ours then.
    this.#writeHead(head, pairs, this.#isHead && body === null ? undefined : length)
    this.bytes = length
    if (body === null) this.#res.end()
    else this.#res.end(body)
  }

  async #sendStream(head: Head, pairs: Pairs, reader: ReadableStreamDefaultReader<Uint8Array>) {
    this.#reader = reader
    let pending = reader.read()
    const first = await soon(pending)
    if (first === PENDING) {
      this.#writeHead(head, pairs)
      this.#res.flushHeaders()
      return this.#pump(pending)
    }
    if (first.done) return this.#sendWhole(head, pairs, null)
    pending = reader.read()
    const second = await soon(pending)
    if (second !== PENDING && second.done) return this.#sendWhole(head, pairs, bytesOf(first.value))
    this.#writeHead(head, pairs)
    if (!this.#write(first.value)) await drained(this.#res)
    await this.#pump(pending)
  }

  /** Writes each chunk as it comes, waiting on 'drain'; a HEAD response stops at the headers. */
  async #pump(pending: Promise<ReadResult>): Promise<void> {
    const reader = this.#reader!
    if (this.#isHead) await reader.cancel()
    else {
      for (let next = await pending; !next.done; next = await reader.read()) {
        if (!this.#write(next.value) && !this.#res.destroyed) await drained(this.#res)
      }
    }
    if (!this.#res.destroyed) this.#res.end()
  }

  #write(chunk: unknown): boolean {
    const bytes = bytesOf(chunk)
    this.bytes += bytes.byteLength
    return this.#res.destroyed || this.#res.write(bytes)
  }

  /**
   * The body's own length when it is known and the status has a body to measure: it replaces
   * a Content-Length (or Transfer-Encoding) the handler set, which could be wrong. A streamed
   * body is held to the handler's Content-Length instead: node:http then refuses a chunk that
   * would overrun it, and an end that falls short, and the connection is cut (as spec §5.2
   * has it for TSGI) rather than a keep-alive connection getting out of step.
   */
  #writeHead(head: Head, pairs: Pairs, length?: number): void {
    const measured = length !== undefined && allowsBody(head.status)
    const flat: string[] = []
    for (const [name, value] of pairs) if (!(measured && framing(name))) flat.push(name, value)
    if (measured) flat.push('content-length', String(length))
    else this.#res.strictContentLength = true
    this.#res.writeHead(head.status, head.statusText || undefined, flat)
    this.#sent = flat
  }
}

interface Head {
  status: number
  statusText: string
}

function bytesOf(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk
  throw new TypeError(`the response body yielded ${typeof chunk}, not bytes (a Uint8Array)`)
}

function framing(name: string): boolean {
  const lower = name.toLowerCase()
  return lower === 'content-length' || lower === 'transfer-encoding'
}

/** The promise's result if it settles within this turn of the event loop, else PENDING. */
function soon<T>(promise: Promise<T>): Promise<T | typeof PENDING> {
  return Promise.race([
    promise,
    new Promise<typeof PENDING>((resolve) => setImmediate(resolve, PENDING)),
  ])
}
