/**
 * One response on the wire (spec §3 and §5.2): `startResponse`, `write`, and the rules for
 * when headers go out, how long the body may be and how it is framed.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { check, TsgiError } from '../ref/errors.ts'
import type { ExcInfo, HeaderList, StartResponse, Write } from '../spec/types.ts'
import { checkHeaders, declaredContentLength, parseStatus } from './rules.ts'

export class ResponseWriter {
  readonly #res: ServerResponse
  readonly #isHead: boolean
  #status: string | undefined
  #code = 0
  #reason = ''
  #headers: HeaderList = []
  #contentLength: number | undefined
  #headersSent = false
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

  get headers(): HeaderList {
    return this.#headers
  }

  /** `startResponse` as specified in spec §3. */
  readonly startResponse: StartResponse = (status, headers, excInfo?: ExcInfo): Write => {
    if (excInfo !== undefined) {
      // Headers already on the wire cannot be replaced: the error goes back to the app (§3.4).
      if (this.#headersSent) throw excInfo
    } else {
      check(this.#status === undefined, 'TSGI_ERR_START_RESPONSE_TWICE', `first "${this.#status}"`)
    }
    const parsed = parseStatus(status)
    const checked = checkHeaders(headers)
    this.#contentLength = declaredContentLength(checked)
    this.#status = status
    this.#code = parsed.code
    this.#reason = parsed.reason
    this.#headers = checked
    return this.write
  }

  /** The imperative `write` of spec §3.5. */
  readonly write: Write = (chunk) => {
    check(chunk instanceof Uint8Array, 'TSGI_ERR_WRITE_TYPE', `got ${typeof chunk}`)
    return this.send(chunk)
  }

  /**
   * Sends one body chunk, and the headers before the first non-empty one. Resolves when the
   * transport wants more (backpressure) or the connection is gone.
   */
  send(chunk: Uint8Array): Promise<void> {
    if (chunk.length === 0) return Promise.resolve()
    check(this.#status !== undefined, 'TSGI_ERR_START_RESPONSE_MISSING')
    this.bytes += chunk.length
    if (this.#contentLength !== undefined && this.bytes > this.#contentLength) {
      throw new TsgiError(
        'TSGI_ERR_CONTENT_LENGTH',
        `${this.bytes} bytes produced, Content-Length is ${this.#contentLength}`
      )
    }
    if (!this.#headersSent) this.#sendHeaders()
    if (this.#isHead || this.#res.write(chunk)) return Promise.resolve()
    return drained(this.#res)
  }

  /**
   * Ends the response once the body is exhausted. `knownLength` is the body's total when the
   * server could count it up front (an array body), to send Content-Length instead of chunks.
   */
  finish(): void {
    check(this.#status !== undefined, 'TSGI_ERR_START_RESPONSE_MISSING', 'the body ended')
    if (!this.#headersSent) {
      if (this.#contentLength === undefined && !this.#isHead && allowsBody(this.#code)) {
        this.#headers.push(['Content-Length', '0'])
        this.#contentLength = 0
      }
      this.#sendHeaders()
    }
    if (this.#contentLength !== undefined && this.bytes < this.#contentLength && !this.#isHead) {
      throw new TsgiError(
        'TSGI_ERR_CONTENT_LENGTH',
        `the body ended after ${this.bytes} of ${this.#contentLength} bytes`
      )
    }
    this.#res.end()
  }

  /** Sets Content-Length for a body whose size is known before it is sent (spec §5.2). */
  setKnownLength(length: number): void {
    if (this.#contentLength !== undefined || this.#headersSent || !allowsBody(this.#code)) return
    this.#headers.push(['Content-Length', String(length)])
    this.#contentLength = length
  }

  #sendHeaders(): void {
    this.#headersSent = true
    const flat: string[] = []
    for (const [name, value] of this.#headers) flat.push(name, value)
    this.#res.writeHead(this.#code, this.#reason, flat)
  }
}

function allowsBody(code: number): boolean {
  return code !== 204 && code !== 304 && code >= 200
}

/** Resolves on 'drain', or on 'close' so that a vanished client never leaves the app waiting. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done)
      res.off('close', done)
      resolve()
    }
    res.on('drain', done)
    res.on('close', done)
  })
}
