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

/**
 * Bytes a connection buffers before a writer must wait for 'drain': 64 KiB, the default from
 * Node 22 on. Node 20's 16 KiB made a TSGI app streaming 100 KiB wait seven times per response
 * (measured: a third fewer responses per second).
 */
const SOCKET_HIGH_WATER_MARK = 64 * 1024

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
  /**
   * One spare handle per listener, kept once the worker has had to pause: resuming then costs
   * a listen() instead of an IPC round trip to the master, which matters for sync workers that
   * pause and resume on every connection.
   */
  readonly #spares = new Map<number, ClosableHandle>()
  readonly #requested = new Set<number>()
  #keepSpares = false
  #active = 0
  #closed = false
  /** Set while the worker holds more than the master allows: no accepting until down to it. */
  #holdAt: number | undefined

  constructor(options: AcceptGateOptions) {
    this.#options = options
  }

  get active(): number {
    return this.#active
  }

  /** Starts accepting on a listener handle the master sent (a bound TCP or Unix socket). */
  listen(index: number, handle: object): Promise<void> {
    this.#requested.delete(index)
    if (this.#closed) {
      closeHandle(handle)
      return Promise.resolve()
    }
    if (
      this.#servers.has(index) ||
      this.#active >= this.#options.capacity ||
      this.#holdAt !== undefined
    ) {
      // Accepting already, or full (or holding) again before the handle arrived: keep it for
      // the resume.
      this.#keepSpare(index, handle)
      if (!this.#servers.has(index)) this.#paused.add(index)
      return Promise.resolve()
    }
    this.#paused.delete(index)
    if (this.#keepSpares && !this.#spares.has(index)) this.#request(index)
    return this.#start(index, handle)
  }

  #start(index: number, handle: object): Promise<void> {
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

  /**
   * Accepts nothing until this worker holds no more than `limit` connections (rebalance.ts):
   * the clients whose connections it closes then reconnect to the other workers. Under load
   * the busiest worker, already awake, would otherwise win most of those accepts. At or below
   * the limit it ends an earlier hold. Listeners bound by address cannot pause; there the
   * kernel or node:cluster spreads the reconnects.
   */
  holdAt(limit: number): void {
    if (this.#closed) return
    if (this.#active <= limit) return this.#endHold()
    this.#holdAt = limit
    this.#pause()
  }

  #endHold(): void {
    if (this.#holdAt === undefined) return
    this.#holdAt = undefined
    if (this.#active < this.#options.capacity) this.#resume()
  }

  /** Stops accepting for good (drain); `onDrained` follows once every connection has ended. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#closeListeners()
    for (const spare of this.#spares.values()) closeHandle(spare)
    this.#spares.clear()
    this.#checkDrained()
  }

  #createServer(index: number): net.Server {
    const server = net.createServer({
      allowHalfOpen: true,
      noDelay: true,
      highWaterMark: SOCKET_HIGH_WATER_MARK,
    })
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
    else if (this.#holdAt !== undefined) {
      if (this.#active <= this.#holdAt) this.#endHold()
    } else if (this.#active < this.#options.capacity) this.#resume()
  }

  #pause(): void {
    this.#keepSpares = true
    for (const [index, server] of this.#servers) {
      if (this.#pinned.has(index)) continue
      this.#paused.add(index)
      server.close()
      this.#servers.delete(index)
    }
  }

  #resume(): void {
    for (const index of this.#paused) {
      const spare = this.#spares.get(index)
      if (!spare) {
        this.#request(index)
        continue
      }
      this.#spares.delete(index)
      this.#paused.delete(index)
      this.#request(index)
      this.#start(index, spare).catch(() => this.#request(index))
    }
  }

  #keepSpare(index: number, handle: object): void {
    const previous = this.#spares.get(index)
    if (previous) closeHandle(previous)
    this.#spares.set(index, handle as ClosableHandle)
  }

  /** Asks the master for listener `index`, unless a request is already on its way. */
  #request(index: number): void {
    if (this.#requested.has(index)) return
    this.#requested.add(index)
    this.#options.requestListener(index)
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

interface ClosableHandle {
  close(): void
}

/** Closes a listener handle this worker will not use (its own copy; the master keeps its own). */
function closeHandle(handle: object): void {
  try {
    ;(handle as ClosableHandle).close()
  } catch {
    // already closed
  }
}
