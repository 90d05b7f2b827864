/**
 * One response on the wire (spec §3 and §5.2): `startResponse`, `write`, and the rules for
 * when headers go out, how long the body may be and how it is framed.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { check, TsgiError } from '../ref/errors.ts'
import type { ExcInfo, HeaderList, StartResponse, Write } from '../spec/types.ts'
import {
  allowsBody,
  checkedFlatHeaders,
  flatContentLength,
  headerPairs,
  parseStatus,
} from './rules.ts'
import { drained } from './transport.ts'

export class ResponseWriter {
  readonly #res: ServerResponse
  readonly #isHead: boolean
  #status: string | undefined
  #code = 0
  #reason = ''
  /** The response headers as writeHead takes them: `[name, value, name, value…]`. */
  #headers: string[] = []
  #contentLength: number | undefined
  #headersSent = false
  /** startResponse was called, even if that call threw: it still counts (spec §3.4 rule 2). */
  #called = false
  #ended = false
  /** Body bytes the application produced (also counted on HEAD, where none are sent). */
  bytes = 0

  constructor(req: IncomingMessage, res: ServerResponse) {
    this.#res = res
    this.#isHead = req.method === 'HEAD'
  }

  get started(): boolean {
    return this.#status !== undefined
  }

  get headersSent(): boolean {
    return this.#headersSent
  }

  get statusCode(): number {
    return this.#code
  }

  /** The response headers as pairs (for the access log: built only when asked). */
  get headers(): HeaderList {
    return headerPairs(this.#headers)
  }

  /** `startResponse` as specified in spec §3. */
  readonly startResponse: StartResponse = (status, headers, excInfo?: ExcInfo): Write => {
    if (excInfo !== undefined) {
      // Headers already on the wire cannot be replaced: the error goes back to the app (§3.4).
      if (this.#headersSent) throw excInfo
    } else {
      if (this.#called) {
        const first = this.#status ?? 'invalid'
        throw new TsgiError('TSGI_ERR_START_RESPONSE_TWICE', `first "${first}"`)
      }
    }
    this.#called = true
    const parsed = parseStatus(status)
    // A copy: the list stays the application's, and Content-Length may be added (spec §3.2).
    const checked = checkedFlatHeaders(headers)
    this.#contentLength = flatContentLength(checked)
    check(
      parsed.code !== 204 || this.#contentLength === undefined,
      'TSGI_ERR_HEADER_VALUE',
      'Content-Length on a 204 response'
    )
    this.#status = status
    this.#code = parsed.code
    this.#reason = parsed.reason
    this.#headers = checked
    return this.write
  }

  /** The imperative `write` of spec §3.5. */
  readonly write: Write = (chunk) => {
    if (!(chunk instanceof Uint8Array))
      throw new TsgiError('TSGI_ERR_WRITE_TYPE', `got ${typeof chunk}`)
    return this.send(chunk) ?? Promise.resolve()
  }

  /**
   * Sends one body chunk, and the headers before the first non-empty one. Returns a promise only
   * when the transport wants the sender to wait (backpressure), which settles on 'drain' or when
   * the connection is gone; undefined when the next chunk may follow at once.
   */
  send(chunk: Uint8Array): Promise<void> | undefined {
    check(!this.#ended, 'TSGI_ERR_WRITE_AFTER_END')
    if (chunk.length === 0) return undefined
    this.#count(chunk)
    if (!this.#headersSent) this.#sendHeaders()
    // A response whose client is gone takes no more bytes, and would never emit 'drain'.
    if (this.#isHead || this.#res.destroyed || this.#res.write(chunk)) return undefined
    return drained(this.#res)
  }

  /**
   * Ends the response once the body is exhausted. `last` is the body's last chunk when the
   * server holds it (an array body): it goes out with the end, as one write.
   */
  finish(last?: Uint8Array): void {
    check(this.#status !== undefined, 'TSGI_ERR_START_RESPONSE_MISSING', 'the body ended')
    const hasLast = last !== undefined && last.length > 0
    if (hasLast) this.#count(last)
    if (!this.#headersSent) {
      const empty = this.bytes === 0
      if (empty && this.#contentLength === undefined && !this.#isHead && allowsBody(this.#code)) {
        this.#headers.push('Content-Length', '0')
        this.#contentLength = 0
      }
      this.#sendHeaders()
    }
    const bodyless = this.#isHead || !allowsBody(this.#code)
    if (this.#contentLength !== undefined && this.bytes < this.#contentLength && !bodyless) {
      throw new TsgiError(
        'TSGI_ERR_CONTENT_LENGTH',
        `the body ended after ${this.bytes} of ${this.#contentLength} bytes`
      )
    }
    this.#ended = true
    if (hasLast && !this.#isHead && !this.#res.destroyed) this.#res.end(last)
    else this.#res.end()
  }

  /** Counts a non-empty chunk the app produced; more than its Content-Length is an error. */
  #count(chunk: Uint8Array): void {
    check(this.#status !== undefined, 'TSGI_ERR_START_RESPONSE_MISSING')
    this.bytes += chunk.length
    if (this.#contentLength !== undefined && this.bytes > this.#contentLength) {
      throw new TsgiError(
        'TSGI_ERR_CONTENT_LENGTH',
        `${this.bytes} bytes produced, Content-Length is ${this.#contentLength}`
      )
    }
  }

  /** The body has ended, however it ended: from now on write() throws (spec §3.5). */
  markEnded(): void {
    this.#ended = true
  }

  /** Sets Content-Length for a body whose size is known before it is sent (spec §5.2). */
  setKnownLength(length: number): void {
    if (this.#contentLength !== undefined || this.#headersSent || !allowsBody(this.#code)) return
    if (this.#isHead && length === 0) return // HEAD gets no length of the server's own (spec §5.5)
    this.#headers.push('Content-Length', String(length))
    this.#contentLength = length
  }

  #sendHeaders(): void {
    this.#res.writeHead(this.#code, this.#reason, this.#headers)
    // Only now: if writeHead refused the headers, nothing is on the wire and a 500 can still go.
    this.#headersSent = true
  }
}
