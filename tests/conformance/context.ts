/**
 * What every conformance case needs: the server's address, the probe log, and clients that
 * are cleaned up after each test.
 * @module
 */
import { httpRequest, type HttpRequestOptions, type HttpResponse } from '../helpers/http.ts'
import { RawConnection, rawRequest, type RawOptions, type RawResult } from '../helpers/raw.ts'
import { ProbeLog } from './probe.ts'

/** A running server, as the start function hands it to the suite. */
export interface ServerUnderTest {
  /** The base URL, e.g. `http://127.0.0.1:8000`. */
  url: string
  /** Stops the server and ends every connection. */
  stop(): Promise<void>
  /** The server's error log so far, when it can be captured (else error logging is not checked). */
  log?(): string
}

export type StartServer = (env: Record<string, string>) => Promise<ServerUnderTest>

export interface SuiteOptions {
  /** The expected `tsgi.multiprocess`; only its type is checked when absent. */
  multiprocess?: boolean
  /** The expected `tsgi.multithread`; only its type is checked when absent. */
  multithread?: boolean
}

export class SuiteContext {
  readonly options: SuiteOptions
  #server: ServerUnderTest | undefined
  #probes: ProbeLog | undefined
  #connections = new Set<RawConnection>()

  constructor(options: SuiteOptions) {
    this.options = options
  }

  async begin(server: ServerUnderTest, probeDir: string): Promise<void> {
    this.#server = server
    this.#probes = new ProbeLog(probeDir)
  }

  async end(): Promise<void> {
    this.closeConnections()
    await this.#server?.stop()
  }

  get server(): ServerUnderTest {
    if (!this.#server) throw new Error('the server under test did not start')
    return this.#server
  }

  get probes(): ProbeLog {
    if (!this.#probes) throw new Error('the server under test did not start')
    return this.#probes
  }

  get host(): string {
    return new URL(this.server.url).hostname
  }

  get port(): number {
    return Number(new URL(this.server.url).port)
  }

  /** The server's log, or undefined when the start function cannot capture it. */
  log(): string | undefined {
    return this.server.log?.()
  }

  /** One request on a fresh connection through node:http. */
  request(path: string, options?: HttpRequestOptions): Promise<HttpResponse> {
    return httpRequest(new URL(path, this.server.url), options)
  }

  /** Raw bytes on a fresh connection (see rawRequest). */
  raw(bytes: string | Uint8Array, options?: RawOptions): Promise<RawResult> {
    return rawRequest(this.port, bytes, { host: this.host, ...options })
  }

  /** A raw connection closed after the current test. */
  async connect(): Promise<RawConnection> {
    const connection = await RawConnection.open(this.port, this.host)
    this.#connections.add(connection)
    return connection
  }

  closeConnections(): void {
    for (const connection of this.#connections) connection.destroy()
    this.#connections.clear()
  }
}
