/**
 * The Request a fetch handler receives: built from the node:http request on demand. `method`,
 * `url` and `headers` come straight from the parsed request, `signal` is created when read, and
 * `text()`, `json()`, `arrayBuffer()` and `bytes()` read the body from the socket into one
 * buffer. A real WHATWG Request, with its body as a web stream, is built only when something
 * else is touched (`body`, `clone()`, `formData()`, `cache`…); from then on it answers. Most
 * handlers never need it, and building one costs more than the rest of the request.
 * @module
 */
import type { IncomingMessage } from 'node:http'
import { forwardTheRest, REAL } from './delegate.ts'
import { bodyStream, readWhole } from './incoming-body.ts'

/** What the request needs from its exchange (./fetch.ts). */
export interface RequestHooks {
  /** The request's abort signal, fired when the client goes away; created on first use. */
  signal(): AbortSignal
  /** Runs before the body is first read: 100 Continue goes out there when the client waits. */
  beforeBodyRead(): void
}

/** Captured at load, before ./web-globals.ts replaces the global. */
const NativeRequest = globalThis.Request
const decoder = new TextDecoder()

/** Methods whose requests have no body for fetch (a Request with one would throw). */
function hasBody(method: string): boolean {
  return method !== 'GET' && method !== 'HEAD'
}

export class IncomingRequest {
  readonly #req: IncomingMessage
  readonly #url: string
  readonly #hooks: RequestHooks
  #headers: Headers | undefined
  #real: Request | undefined
  #bodyTaken = false

  constructor(req: IncomingMessage, url: string, hooks: RequestHooks) {
    this.#req = req
    this.#url = url
    this.#hooks = hooks
  }

  get method(): string {
    return this.#req.method ?? 'GET'
  }

  get url(): string {
    return this.#url
  }

  get headers(): Headers {
    return (this.#headers ??= headersOf(this.#req.rawHeaders))
  }

  get signal(): AbortSignal {
    return this.#hooks.signal()
  }

  get body(): ReadableStream<Uint8Array> | null {
    return hasBody(this.method) ? this[REAL]().body : null
  }

  get bodyUsed(): boolean {
    return this.#bodyTaken || (this.#real?.bodyUsed ?? false)
  }

  text(): Promise<string> {
    if (this.#real) return this.#real.text()
    return this.#readBody().then((bytes) => decoder.decode(bytes))
  }

  json(): Promise<unknown> {
    if (this.#real) return this.#real.json()
    return this.text().then((text) => JSON.parse(text) as unknown)
  }

  arrayBuffer(): Promise<ArrayBuffer> {
    if (this.#real) return this.#real.arrayBuffer()
    return this.#readBody().then((bytes) => bytes.buffer as ArrayBuffer)
  }

  bytes(): Promise<Uint8Array> {
    if (this.#real) return this.#real.arrayBuffer().then((buffer) => new Uint8Array(buffer))
    return this.#readBody()
  }

  /** The real Request, built once; it takes over the body unless a read already took it. */
  [REAL](): Request {
    if (this.#real) return this.#real
    const method = this.method
    const init: RequestInit & { duplex?: 'half' } = {
      method,
      headers: this.headers,
      signal: this.signal,
    }
    if (hasBody(method) && !this.#bodyTaken) {
      init.body = bodyStream(this.#req, () => this.#hooks.beforeBodyRead())
      init.duplex = 'half'
    }
    this.#real = new NativeRequest(this.#url, init)
    return this.#real
  }

  #readBody(): Promise<Uint8Array> {
    if (this.#bodyTaken)
      return Promise.reject(new TypeError('Body is unusable: Body has already been read'))
    this.#bodyTaken = true
    if (!hasBody(this.method)) return Promise.resolve(new Uint8Array(0))
    this.#hooks.beforeBodyRead()
    return readWhole(this.#req)
  }
}

Object.setPrototypeOf(IncomingRequest.prototype, NativeRequest.prototype)
forwardTheRest(IncomingRequest.prototype, NativeRequest.prototype)

function headersOf(rawHeaders: readonly string[]): Headers {
  const headers = new Headers()
  for (let i = 0; i < rawHeaders.length; i += 2) headers.append(rawHeaders[i]!, rawHeaders[i + 1]!)
  return headers
}
