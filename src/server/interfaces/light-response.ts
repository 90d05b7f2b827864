/**
 * A Response that, for a body of a string, bytes (a Uint8Array, an ArrayBuffer or another view
 * on one) or nothing, only remembers what it was given, so the worker can write it to the
 * socket in one call: no body stream, no Headers object unless the handler reads `headers`.
 * Any other body, an unusual init, or the use of any other member builds the real Response,
 * which then answers everything. ./web-globals.ts installs it as the global `Response` in
 * workers that serve a fetch app, so the handler's `new Response('hi')` (or a framework's
 * `c.text('hi')`) takes this path. Bytes are kept, not copied as the real Response copies
 * them: a handler that changes them after `new Response(bytes)` sends the changed bytes.
 * @module
 */
import { isArrayBuffer } from 'node:util/types'
import { isHeaderName } from '../../core/header-name.ts'
import { forwardTheRest, REAL } from './delegate.ts'

/** Captured at load, before ./web-globals.ts replaces the global. */
export const NativeResponse = globalThis.Response

/** What a light response holds until its real Response is built. */
export interface LightState {
  readonly status: number
  readonly statusText: string
  readonly body: string | Uint8Array | null
  /** The headers as the handler gave them. */
  readonly headersInit: HeadersInit | undefined
  /** Built when the handler reads `headers`; it then holds the headers to send. */
  headers: Headers | undefined
}

type HeadersInit = ConstructorParameters<typeof Headers>[0]
type BodyInit = ConstructorParameters<typeof Response>[0]

export const LIGHT = Symbol('tsgi.light')
const TEXT_TYPE = 'text/plain;charset=UTF-8'
/** Statuses whose responses have no body (Response's null body statuses). */
const NULL_BODY = new Set([101, 103, 204, 205, 304])
const REASON = /^[\t\x20-\x7e\x80-\xff]*$/
const NOT_LIGHT = Symbol('not light')

export class LightResponse {
  [LIGHT]: LightState | undefined
  #real: Response | undefined

  constructor(body?: BodyInit | null, init?: ResponseInit) {
    const state = lightState(body, init)
    if (state) this[LIGHT] = state
    else this.#real = new NativeResponse(body, init)
  }

  static [Symbol.hasInstance](value: unknown): boolean {
    // Responses made before the switch, or by fetch(), are real ones, and Responses too.
    if (this !== LightResponse) return Function.prototype[Symbol.hasInstance].call(this, value)
    return Function.prototype[Symbol.hasInstance].call(NativeResponse, value)
  }

  static json(data: unknown, init: ResponseInit = {}): Response {
    const text = JSON.stringify(data)
    if (text === undefined) throw new TypeError('Response.json: the data is not JSON serializable')
    const headers = new Headers(init.headers)
    if (!headers.has('content-type')) headers.set('content-type', 'application/json')
    return new LightResponse(text, { ...init, headers }) as unknown as Response
  }

  get status(): number {
    return this[LIGHT]?.status ?? this[REAL]().status
  }

  get ok(): boolean {
    const status = this.status
    return status >= 200 && status <= 299
  }

  get statusText(): string {
    return this[LIGHT]?.statusText ?? this[REAL]().statusText
  }

  get headers(): Headers {
    const state = this[LIGHT]
    if (!state) return this[REAL]().headers
    return (state.headers ??= defaultHeaders(state))
  }

  [REAL](): Response {
    if (this.#real) return this.#real
    const state = this[LIGHT]!
    this[LIGHT] = undefined
    this.#real = new NativeResponse(state.body, {
      status: state.status,
      statusText: state.statusText,
      headers: state.headers ?? state.headersInit,
    })
    return this.#real
  }
}

Object.setPrototypeOf(LightResponse, NativeResponse)
Object.setPrototypeOf(LightResponse.prototype, NativeResponse.prototype)
forwardTheRest(LightResponse.prototype, NativeResponse.prototype)

/** The state to keep, or undefined when the real Response must be built now (it also validates). */
function lightState(body: unknown, init: ResponseInit | undefined): LightState | undefined {
  const kept = lightBody(body)
  if (kept === NOT_LIGHT || (init !== undefined && (typeof init !== 'object' || init === null)))
    return undefined
  const status = init?.status ?? 200
  const statusText = init?.statusText ?? ''
  const validStatus = Number.isInteger(status) && status >= 200 && status <= 599
  if (!validStatus || !REASON.test(statusText)) return undefined
  if (NULL_BODY.has(status) && kept !== null) return undefined
  return { status, statusText, body: kept, headersInit: init?.headers, headers: undefined }
}

/**
 * The body to keep: a string, the bytes of an ArrayBuffer or a view on one (as a Uint8Array
 * over the same memory, not a copy: the real Response's two copies of a large body cost more
 * than the rest of the request), or null; NOT_LIGHT for anything else (streams, blobs, forms).
 */
function lightBody(body: unknown): LightState['body'] | typeof NOT_LIGHT {
  if (body === undefined || body === null) return null
  if (typeof body === 'string' || body instanceof Uint8Array) return body
  // A detached buffer reads as empty, as in the real Response (a view on one cannot be made).
  if (isArrayBuffer(body)) return body.byteLength === 0 ? new Uint8Array(0) : new Uint8Array(body)
  if (ArrayBuffer.isView(body) && isArrayBuffer(body.buffer)) {
    if (body.byteLength === 0) return new Uint8Array(0)
    return new Uint8Array(body.buffer, body.byteOffset, body.byteLength)
  }
  return NOT_LIGHT
}

/** The Headers the real Response would have: the given ones, and a type for a string body. */
function defaultHeaders(state: LightState): Headers {
  const headers = new Headers(state.headersInit)
  if (typeof state.body === 'string' && !headers.has('content-type'))
    headers.set('content-type', TEXT_TYPE)
  return headers
}

/**
 * The header pairs to send for a light response that never built its Headers: from the init as
 * given (a Headers object, pairs, or a record), with the type a string body gets by default.
 */
export function lightHeaderPairs(state: LightState): Array<[string, string]> {
  const pairs = state.headers ? [...state.headers] : initPairs(state.headersInit)
  if (typeof state.body === 'string' && !pairs.some(([name]) => isContentType(name))) {
    pairs.push(['content-type', TEXT_TYPE])
  }
  return pairs
}

function initPairs(init: HeadersInit | undefined): Array<[string, string]> {
  if (init === undefined) return []
  if (init instanceof Headers) return [...init]
  if (Array.isArray(init)) return init.map(headerPair)
  return Object.entries(init as Record<string, unknown>).map(([name, value]) => [
    name,
    String(value),
  ])
}

function headerPair(pair: unknown): [string, string] {
  if (!Array.isArray(pair) || pair.length !== 2)
    throw new TypeError('a header must be a [name, value] pair')
  return [String(pair[0]), String(pair[1])]
}

function isContentType(name: string): boolean {
  return isHeaderName(name, 'content-type')
}
