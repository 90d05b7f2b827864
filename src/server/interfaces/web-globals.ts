/**
 * The fetch fast path's switch of globals, made once in a worker that serves a fetch app:
 * `Response` becomes LightResponse (./light-response.ts), and `Request` and `fetch` learn to
 * take the worker's lazy requests (./fetch-request.ts), which only look like Requests until
 * their real one is built: `new Request(request)` and `fetch(request)` (a proxy's usual moves)
 * build it and use it. `instanceof Request` and `instanceof Response` hold for both kinds.
 * The worker process belongs to the app, so no one else sees the switch.
 * @module
 */
import { REAL } from './delegate.ts'
import { IncomingRequest } from './fetch-request.ts'
import { LightResponse } from './light-response.ts'

type RequestInfo = ConstructorParameters<typeof Request>[0]

let installed = false

/** Replaces Response, Request and fetch on globalThis; later calls do nothing. */
export function installFetchGlobals(): void {
  if (installed) return
  installed = true
  const NativeRequest = globalThis.Request
  const nativeFetch = globalThis.fetch
  const real = (input: unknown) => (input instanceof IncomingRequest ? input[REAL]() : input)

  class TsgiRequest extends NativeRequest {
    constructor(input: RequestInfo | URL, init?: RequestInit) {
      super(real(input) as RequestInfo | URL, init)
    }

    static override [Symbol.hasInstance](value: unknown): boolean {
      if (this !== TsgiRequest) return Function.prototype[Symbol.hasInstance].call(this, value)
      return Function.prototype[Symbol.hasInstance].call(NativeRequest, value)
    }
  }
  Object.defineProperty(TsgiRequest, 'name', { value: 'Request' })
  Object.defineProperty(LightResponse, 'name', { value: 'Response' })
  const tsgiFetch = (input: RequestInfo | URL, init?: RequestInit) =>
    nativeFetch(real(input) as RequestInfo | URL, init)
  define('Request', TsgiRequest)
  define('Response', LightResponse)
  define('fetch', tsgiFetch)
}

function define(name: 'Request' | 'Response' | 'fetch', value: unknown): void {
  Object.defineProperty(globalThis, name, { value, writable: true, configurable: true })
}
