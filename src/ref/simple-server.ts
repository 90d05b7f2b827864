/**
 * The simple server (the wsgiref.simple_server counterpart): one process on `node:http`, for
 * development and tests. Production belongs to the `tsgi` command and its pre-fork workers.
 * @module
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  createRequestHandler,
  REQUEST_HANDLER_SERVER_OPTIONS,
  type HandlerOptions,
} from '../core/handler.ts'
import type { Application } from '../spec/types.ts'

export class SimpleServer {
  readonly http: Server
  readonly host: string
  #requestedPort: number
  #listening: Promise<AddressInfo> | undefined
  #closed: Promise<void>
  #markClosed!: () => void

  constructor(host: string, port: number, app: Application, options: HandlerOptions = {}) {
    this.host = host
    this.#requestedPort = port
    const handler = createRequestHandler(app, options)
    this.http = createServer(REQUEST_HANDLER_SERVER_OPTIONS, handler)
    // Without a listener Node answers `Expect: 100-continue` at once; with one, the 100 goes out
    // only when the app first reads tsgi.input (spec §5.4).
    this.http.on('checkContinue', handler)
    this.#closed = new Promise((resolve) => (this.#markClosed = resolve))
    this.http.on('close', () => this.#markClosed())
  }

  /** Binds the socket (once); resolves with the address, so port 0 reveals the port chosen. */
  listen(): Promise<AddressInfo> {
    this.#listening ??= new Promise((resolve, reject) => {
      this.http.once('error', reject)
      this.http.listen(this.#requestedPort, this.host, () => {
        this.http.off('error', reject)
        resolve(this.http.address() as AddressInfo)
      })
    })
    return this.#listening
  }

  /** The port bound, once listening. */
  get port(): number {
    return (this.http.address() as AddressInfo | null)?.port ?? this.#requestedPort
  }

  /** Serves until close() is called. */
  async serveForever(): Promise<void> {
    await this.listen()
    await this.#closed
  }

  /** Stops accepting, lets in-flight requests finish and closes idle keep-alive connections. */
  async close(): Promise<void> {
    if (!this.http.listening) return
    this.http.close()
    this.http.closeIdleConnections()
    await this.#closed
  }
}

/** Creates a simple server for `app` on host:port and starts binding it (wsgiref.make_server). */
export function makeServer(
  host: string,
  port: number,
  app: Application,
  options?: HandlerOptions
): SimpleServer {
  const server = new SimpleServer(host, port, app, options)
  server.listen().catch(() => {}) // the error is reported again by listen() / serveForever()
  return server
}
