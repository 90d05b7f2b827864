/**
 * Raw TCP clients for tests that need exact bytes on the wire: malformed requests, pipelining,
 * `Expect: 100-continue`, clients that vanish halfway. Strings are sent as latin-1, one byte
 * per character, so `'\xff'` in a test is the byte 0xFF.
 * @module
 */
import { EventEmitter } from 'node:events'
import { connect, type Socket } from 'node:net'
import { parseResponse, parseResponses, type ParsedResponse } from './http-response.ts'
import { DEFAULT_TIMEOUT_MS, matches, withTimeout, type TextPattern } from './wait.ts'

export type Bytes = string | Uint8Array

/** Bytes as a Buffer; strings are taken as latin-1. */
export function toBytes(bytes: Bytes): Buffer {
  return typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : Buffer.from(bytes)
}

/** One client connection, with bounded waits on what the server sends. */
export class RawConnection {
  readonly socket: Socket
  #chunks: Buffer[] = []
  #consumed = 0
  #closed = false
  #reset = false
  readonly #changes = new EventEmitter()

  private constructor(socket: Socket) {
    this.socket = socket
    socket.on('data', (data: Buffer) => {
      this.#chunks.push(data)
      this.#changes.emit('change')
    })
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') this.#reset = true
    })
    socket.on('close', () => {
      this.#closed = true
      this.#changes.emit('change')
    })
  }

  /** Connects to host:port (127.0.0.1 by default). */
  static open(
    port: number,
    host = '127.0.0.1',
    timeout = DEFAULT_TIMEOUT_MS
  ): Promise<RawConnection> {
    const socket = connect({ port, host })
    const connected = new Promise<RawConnection>((resolve, reject) => {
      socket.once('connect', () => resolve(new RawConnection(socket)))
      socket.once('error', reject)
    })
    return withTimeout(connected, timeout, `a connection to ${host}:${port}`).catch((error) => {
      socket.destroy()
      throw error
    })
  }

  /** Every byte received so far. */
  get received(): Buffer {
    if (this.#chunks.length > 1) this.#chunks = [Buffer.concat(this.#chunks)]
    return this.#chunks[0] ?? Buffer.alloc(0)
  }

  /** The bytes not yet taken by waitFor() or readResponse(). */
  get unread(): Buffer {
    return this.received.subarray(this.#consumed)
  }

  /** True once the connection is closed (by either side). */
  get closed(): boolean {
    return this.#closed
  }

  /** True when the server reset the connection rather than closing it. */
  get reset(): boolean {
    return this.#reset
  }

  get localPort(): number {
    return this.socket.localPort ?? 0
  }

  /** Sends bytes; resolves once they are handed to the kernel (a server that reads nothing stalls it). */
  write(bytes: Bytes, timeout = DEFAULT_TIMEOUT_MS): Promise<void> {
    const written = new Promise<void>((resolve, reject) => {
      this.socket.write(toBytes(bytes), (error) => (error ? reject(error) : resolve()))
    })
    return withTimeout(written, timeout, 'the server to take the bytes sent')
  }

  /** Half-closes: the server sees the end of the request stream. */
  end(): void {
    this.socket.end()
  }

  destroy(): void {
    this.socket.destroy()
  }

  /**
   * Waits until the unread bytes, as latin-1 text, match `pattern`; resolves with the text up to
   * the end of the match and marks it read.
   */
  waitFor(pattern: TextPattern, timeout = DEFAULT_TIMEOUT_MS): Promise<string> {
    return this.until(() => this.#take(pattern), timeout, `bytes matching ${String(pattern)}`)
  }

  /** Waits for the next whole response (or the part that came before the server closed). */
  readResponse(options: { head?: boolean; timeout?: number } = {}): Promise<ParsedResponse> {
    const next = () => {
      const response = parseResponse(this.unread, { head: options.head, eof: this.#closed })
      if (response) this.#consumed += response.size
      else if (this.#closed) throw new Error(`connection closed; unread: ${this.#describeUnread()}`)
      return response
    }
    return this.until(next, options.timeout ?? DEFAULT_TIMEOUT_MS, 'a response')
  }

  /** Resolves true once the connection is closed, false if it is still open after `timeout`. */
  async waitClosed(timeout = DEFAULT_TIMEOUT_MS): Promise<boolean> {
    try {
      await this.until(() => this.#closed || undefined, timeout, 'the connection to close')
      return true
    } catch {
      return false
    }
  }

  #take(pattern: TextPattern): string | undefined {
    const text = this.unread.toString('latin1')
    const end = matchEnd(text, pattern)
    if (end === undefined) {
      if (this.#closed) throw new Error(`connection closed; unread: ${this.#describeUnread()}`)
      return undefined
    }
    this.#consumed += end
    return text.slice(0, end)
  }

  #describeUnread(): string {
    return JSON.stringify(this.unread.toString('latin1').slice(0, 500))
  }

  /**
   * Re-checks `check` whenever bytes arrive or the connection closes, until it returns a value
   * other than undefined, and resolves with it; rejects when `check` throws or on timeout.
   */
  until<T>(check: () => T | undefined, timeout: number, what: string): Promise<T> {
    let test = () => {}
    const settled = new Promise<T>((resolve, reject) => {
      test = () => {
        try {
          const value = check()
          if (value !== undefined) resolve(value)
        } catch (error) {
          reject(error)
        }
      }
      this.#changes.on('change', test)
      test()
    })
    return withTimeout(settled, timeout, what).finally(() => this.#changes.off('change', test))
  }
}

function matchEnd(text: string, pattern: TextPattern): number | undefined {
  if (typeof pattern === 'string') {
    const at = text.indexOf(pattern)
    return at < 0 ? undefined : at + pattern.length
  }
  if (pattern instanceof RegExp) {
    const match = pattern.exec(text)
    return match ? match.index + match[0].length : undefined
  }
  return matches(text, pattern) ? text.length : undefined
}

export interface RawOptions {
  host?: string
  /** How long to wait in all; default 5 s. */
  timeout?: number
  /** Stop once this many final (non-1xx) responses are complete, rather than at close. */
  responses?: number
  /** Which responses answer a HEAD request, by position. */
  heads?: boolean[]
  /** Half-close the connection after sending. */
  end?: boolean
}

export interface RawResult {
  /** Every byte the server sent. */
  bytes: Buffer
  /** The same bytes as latin-1 text. */
  text: string
  /** The responses parsed from the bytes (interim 1xx ones included). */
  responses: ParsedResponse[]
  /** The server closed or reset the connection. */
  closed: boolean
  reset: boolean
  /** Neither the responses asked for nor a close came within the timeout. */
  timedOut: boolean
}

/**
 * Sends `bytes` on a new connection and collects what comes back: until the server closes
 * the connection, or until `responses` final responses are complete, or until the timeout.
 */
export async function rawRequest(
  port: number,
  bytes: Bytes,
  options: RawOptions = {}
): Promise<RawResult> {
  const connection = await RawConnection.open(port, options.host)
  try {
    await connection.write(bytes).catch(() => {}) // a server may close before reading it all
    if (options.end) connection.end()
    const timedOut = !(await waitForEnough(connection, options))
    const eof = connection.closed
    const received = connection.received
    return {
      bytes: received,
      text: received.toString('latin1'),
      responses: parseResponses(received, { heads: options.heads, eof }),
      closed: eof,
      reset: connection.reset,
      timedOut,
    }
  } finally {
    connection.destroy()
  }
}

async function waitForEnough(connection: RawConnection, options: RawOptions): Promise<boolean> {
  const wanted = options.responses
  const enough = () => {
    if (connection.closed) return true
    if (wanted === undefined) return undefined
    const responses = parseResponses(connection.received, { heads: options.heads })
    const finals = responses.filter((r) => r.status >= 200 && r.complete).length
    return finals >= wanted || undefined
  }
  try {
    await connection.until(enough, options.timeout ?? DEFAULT_TIMEOUT_MS, 'the responses')
    return true
  } catch {
    return connection.closed
  }
}

export type HeaderLines = Array<[string, string]> | Record<string, string>

/**
 * A request as latin-1 text, ready for a raw connection. A `Host` header is added on HTTP/1.1
 * unless one is given, and `Content-Length` for a body unless a framing header is given.
 */
export function requestText(
  method: string,
  target: string,
  headers: HeaderLines = [],
  body = '',
  version = 'HTTP/1.1'
): string {
  const lines = Array.isArray(headers) ? [...headers] : Object.entries(headers)
  const has = (name: string) => lines.some(([n]) => n.toLowerCase() === name)
  if (version === 'HTTP/1.1' && !has('host')) lines.unshift(['Host', 'tsgi.test'])
  if (body && !has('content-length') && !has('transfer-encoding')) {
    lines.push(['Content-Length', String(Buffer.byteLength(body, 'latin1'))])
  }
  const head = lines.map(([name, value]) => `${name}: ${value}\r\n`).join('')
  return `${method} ${target} ${version}\r\n${head}\r\n${body}`
}

/** A body in chunked framing (latin-1 text), one chunk per part, then the last chunk. */
export function chunked(parts: string[], trailers = ''): string {
  const chunks = parts.map(
    (part) => `${Buffer.byteLength(part, 'latin1').toString(16)}\r\n${part}\r\n`
  )
  return `${chunks.join('')}0\r\n${trailers}\r\n`
}
