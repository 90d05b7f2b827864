/**
 * Content-Length for responses that are short enough to buffer.
 * @module
 */
import { transformBody } from './body.ts'
import { check } from '../ref/errors.ts'
import { checkHeaders, declaredContentLength, parseStatus } from '../core/rules.ts'
import type {
  Application,
  Chunk,
  ExcInfo,
  Header,
  HeaderList,
  StartResponse,
  Write,
} from '../spec/types.ts'

export interface ContentLengthOptions {
  /** The most body bytes held back while waiting for the end of the body. Default 64 KiB. */
  maxBuffer?: number
}

const EMPTY = new Uint8Array(0)

/**
 * Gives responses without a Content-Length one, when their body is short: the body is held
 * back until it ends, then sent in one chunk after headers that carry its length, so the
 * client sees the size up front and HTTP/1.1 needs no chunked framing.
 *
 * A body that grows past `maxBuffer` bytes is streamed from there on, unchanged and without
 * Content-Length: its headers and first bytes go out as soon as the limit is passed, never later.
 * Left alone: responses that set Content-Length, 204 and 304, `text/event-stream` (a stream
 * whose events must not wait), and responses sent with `write()`.
 *
 * A HEAD request still runs the app and reads its body, so that the HEAD response carries the
 * Content-Length a GET would; no body chunk is passed on. Past `maxBuffer` the body is ended
 * early: a GET would have no Content-Length either.
 *
 * @example
 * const served = contentLength(app, { maxBuffer: 256 * 1024 })
 */
export function contentLength(app: Application, options: ContentLengthOptions = {}): Application {
  const maxBuffer = options.maxBuffer ?? 64 * 1024
  if (!Number.isSafeInteger(maxBuffer) || maxBuffer < 0) {
    throw new RangeError(`maxBuffer must be a whole number of bytes >= 0, got ${maxBuffer}`)
  }
  return async function contentLengthApp(environ, startResponse) {
    const isHead = environ.REQUEST_METHOD === 'HEAD'
    const response = new HeldResponse(startResponse, isHead, maxBuffer)
    const body = await app(environ, response.startResponse)
    // Already passed on (a Content-Length, a 204…): the body goes out as it is, which also
    // keeps a tsgi.file_wrapper body recognisable to the server (spec §4.5).
    if (response.passedOn) return body
    return transformBody(body, (chunks) => response.body(chunks))
  }
}

interface PendingStart {
  status: string
  headers: HeaderList
  excInfo: ExcInfo
}

/** One response: its startResponse call and body bytes, held back until their length is known. */
class HeldResponse {
  readonly #start: StartResponse
  readonly #isHead: boolean
  readonly #maxBuffer: number
  #pending: PendingStart | undefined
  #passedOn = false
  #serverWrite: Write | undefined
  #held: Chunk[] = []
  #heldBytes = 0

  constructor(start: StartResponse, isHead: boolean, maxBuffer: number) {
    this.#start = start
    this.#isHead = isHead
    this.#maxBuffer = maxBuffer
  }

  /** True once the server's startResponse was called: from then on bytes pass straight on. */
  get passedOn(): boolean {
    return this.#passedOn
  }

  /** The app's startResponse: checked now (spec §3), passed on later or at once. */
  readonly startResponse: StartResponse = (status, headers, excInfo?) => {
    if (this.#passedOn) {
      this.#serverWrite = this.#start(status, headers, excInfo)
      return this.#write
    }
    this.#checkCall(excInfo)
    const code = parseStatus(status).code
    const checked = checkHeaders(headers)
    this.#pending = { status, headers: checked, excInfo }
    if (!needsLength(code, checked)) this.#passOn()
    return this.#write
  }

  #checkCall(excInfo: ExcInfo): void {
    if (excInfo === undefined) {
      check(
        this.#pending === undefined,
        'TSGI_ERR_START_RESPONSE_TWICE',
        `first "${this.#pending?.status}"`
      )
    } else {
      // Nothing was sent yet, so the new response replaces the old one (spec §3.4), held
      // bytes included: the client gets a clean error response, not a mixed one.
      this.#held = []
      this.#heldBytes = 0
    }
  }

  /** `write()` (spec §3.5): the response streams from here on, with the server's framing. */
  readonly #write: Write = (chunk) => {
    check(chunk instanceof Uint8Array, 'TSGI_ERR_WRITE_TYPE', `got ${typeof chunk}`)
    if (!this.#passedOn) this.#passOn()
    return this.#serverWrite!(chunk)
  }

  /** Calls the server's startResponse with the pending status and headers, plus `extra`. */
  #passOn(extra?: Header): void {
    const { status, headers, excInfo } = this.#pending!
    this.#passedOn = true
    this.#serverWrite = this.#start(status, extra ? [...headers, extra] : headers, excInfo)
  }

  /** The body as passed on: one chunk out for each chunk in, empty while holding back. */
  async *body(chunks: AsyncIterable<Chunk>): AsyncGenerator<Chunk> {
    for await (const chunk of chunks) {
      if (!this.#holding()) {
        yield this.#held.length > 0 ? this.#release(chunk) : chunk
        continue
      }
      this.#hold(chunk)
      if (this.#heldBytes <= this.#maxBuffer) {
        yield EMPTY
        continue
      }
      this.#passOn()
      if (this.#isHead) return // ends the body, which sends the HEAD response's headers
      yield this.#release()
    }
    if (this.#holding()) {
      this.#passOn(['Content-Length', String(this.#heldBytes)])
      if (this.#isHead) return
    }
    if (this.#held.length > 0) yield this.#release()
  }

  /** True while startResponse was called and its call is held back. */
  #holding(): boolean {
    return this.#pending !== undefined && !this.#passedOn
  }

  /** Keeps a copy: the app may reuse a chunk's memory once the next chunk is asked for. */
  #hold(chunk: Chunk): void {
    if (chunk.length === 0) return
    this.#held.push(chunk.slice())
    this.#heldBytes += chunk.length
  }

  /** The held bytes (and `more`) as one chunk. */
  #release(more?: Chunk): Chunk {
    if (more) this.#hold(more)
    const chunk = this.#held.length === 1 ? this.#held[0]! : Buffer.concat(this.#held)
    this.#held = []
    this.#heldBytes = 0
    return chunk
  }
}

/** False where a Content-Length is set, not allowed, or would hold back a live stream. */
function needsLength(code: number, headers: HeaderList): boolean {
  if (code === 204 || code === 304) return false
  if (declaredContentLength(headers) !== undefined) return false
  const type = headers.find(([name]) => name.toLowerCase() === 'content-type')?.[1]
  return !type?.toLowerCase().startsWith('text/event-stream')
}
