/**
 * How a worker accepts connections. Each listener handle from the master gets a bare net.Server
 * that accepts and hands sockets to the worker's http.Server. When the worker holds as many
 * connections as its class allows, it closes its copies of the listeners, so the kernel gives
 * new connections to the other workers instead of this worker dropping them (what net.Server's
 * maxConnections does); below the cap again, it asks the master for fresh handles.
 * @module
 */
import type { Server as HttpServer } from 'node:http'
import net from 'node:net'

/** A listener a worker binds by address rather than receiving a handle. */
export interface SelfBoundListener {
  index: number
  host: string
  port: number
  balance: 'reuseport' | 'roundrobin'
}

export interface AcceptGateOptions {
  http: HttpServer
  /** Connections this worker may hold at once (1 for sync workers). */
  capacity: number
  backlog: number
  /** Ask the master for listener `index` again. */
  requestListener: (index: number) => void
  /** Called when the gate is closed and the last connection has ended. */
  onDrained: () => void
}

export class AcceptGate {
  readonly #options: AcceptGateOptions
  readonly #servers = new Map<number, net.Server>()
  readonly #paused = new Set<number>()
  /**
   * Listeners this worker bound by address (reuseport, roundrobin): never paused. Closing a
   * SO_REUSEPORT socket drops the connections it queued; under node:cluster, the last worker to
   * leave a round-robin handle closes the master's socket.
   */
  readonly #pinned = new Set<number>()
  #active = 0
  #closed = false

  constructor(options: AcceptGateOptions) {
    this.#options = options
  }

  get active(): number {
    return this.#active
  }

  /** Starts accepting on a listener handle the master sent (a bound TCP or Unix socket). */
  listen(index: number, handle: object): Promise<void> {
    if (this.#closed) return Promise.resolve()
    if (this.#active >= this.#options.capacity) {
      // Full again before the handle arrived: ask for it once a connection ends.
      this.#paused.add(index)
      return Promise.resolve()
    }
    this.#paused.delete(index)
    const server = this.#createServer(index)
    return new Promise((resolve, reject) => {
      server.once('error', reject)
      server.listen(handle, this.#options.backlog, () => {
        server.off('error', reject)
        resolve()
      })
    })
  }

  /**
   * Accepts on listener `index` by address: `reuseport` binds this worker's own SO_REUSEPORT
   * socket; `roundrobin` asks the node:cluster master, which accepts and hands connections out.
   */
  listenAddress(index: number, bind: SelfBoundListener): Promise<void> {
    const server = this.#createServer(index)
    this.#pinned.add(index)
    return new Promise((resolve, reject) => {
      server.once('error', reject)
      const { host, port, balance } = bind
      const options =
        balance === 'reuseport'
          ? { host, port, backlog: this.#options.backlog, reusePort: true, exclusive: true }
          : { host, port, backlog: this.#options.backlog }
      server.listen(options, () => {
        server.off('error', reject)
        resolve()
      })
    })
  }

  /** Stops accepting for good (drain); `onDrained` follows once every connection has ended. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#closeListeners()
    this.#checkDrained()
  }

  #createServer(index: number): net.Server {
    const server = net.createServer({ allowHalfOpen: true, noDelay: true })
    server.on('connection', (socket) => this.#accept(socket))
    this.#servers.set(index, server)
    return server
  }

  #accept(socket: net.Socket): void {
    this.#active++
    socket.once('close', () => this.#release())
    this.#options.http.emit('connection', socket)
    if (this.#active >= this.#options.capacity) this.#pause()
  }

  #release(): void {
    this.#active--
    if (this.#closed) this.#checkDrained()
    else if (this.#active < this.#options.capacity) this.#resume()
  }

  #pause(): void {
    for (const [index, server] of this.#servers) {
      if (this.#pinned.has(index)) continue
      this.#paused.add(index)
      server.close()
      this.#servers.delete(index)
    }
  }

  #resume(): void {
    for (const index of this.#paused) this.#options.requestListener(index)
    this.#paused.clear()
  }

  /** Closes this worker's copies of the listeners; the master's stay open, so nothing is lost. */
  #closeListeners(): void {
    for (const server of this.#servers.values()) {
      // net.Server.close, not http's: it must not touch the connections already accepted.
      server.close()
    }
    this.#servers.clear()
  }

  #checkDrained(): void {
    if (this.#active === 0) this.#options.onDrained()
  }
}
