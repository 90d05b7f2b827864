/**
 * How a worker accepts connections. Each listener handle from the master gets a bare net.Server
 * that accepts and hands sockets to the worker's http.Server. When the worker holds as many
 * connections as its class allows, it stops accepting on its copies of the listeners, so the
 * kernel gives new connections to the other workers instead of this worker dropping them (what
 * net.Server's maxConnections does); below the cap again, it accepts again.
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
  /** Listeners open in this worker: accepting, or stopped (see stopAccepting). */
  readonly #servers = new Map<number, net.Server>()
  /** Open listeners that stop and start accepting in place (stopAccepting works on them). */
  readonly #stoppable = new Set<number>()
  readonly #stopped = new Set<number>()
  /** Listeners closed to pause, where stopping in place failed: resuming asks the master. */
  readonly #released = new Set<number>()
  /**
   * Listeners this worker bound by address (reuseport, roundrobin): never paused. Closing a
   * SO_REUSEPORT socket drops the connections it queued; under node:cluster, the last worker to
   * leave a round-robin handle closes the master's socket.
   */
  readonly #pinned = new Set<number>()
  readonly #requested = new Set<number>()
  /** The connections this worker holds: counted per connection, not per request. */
  readonly #sockets = new Set<net.Socket>()
  #closed = false
  /** Set while the worker holds more than the master allows: no accepting until down to it. */
  #holdAt: number | undefined

  constructor(options: AcceptGateOptions) {
    this.#options = options
  }

  get active(): number {
    return this.#sockets.size
  }

  /** The connections this worker holds now. */
  get sockets(): ReadonlySet<net.Socket> {
    return this.#sockets
  }

  /** Starts accepting on a listener handle the master sent (a bound TCP or Unix socket). */
  listen(index: number, handle: object): Promise<void> {
    this.#requested.delete(index)
    if (this.#closed || this.#servers.has(index)) {
      closeHandle(handle)
      return Promise.resolve()
    }
    this.#released.delete(index)
    const server = this.#createServer(index)
    return new Promise((resolve, reject) => {
      server.once('error', reject)
      server.listen(handle, this.#options.backlog, () => {
        server.off('error', reject)
        if (canStopAccepting(server)) this.#stoppable.add(index)
        // Full (or holding) again before the handle arrived: stop at once.
        if (!this.#accepting) this.#pause()
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
    if (this.active <= limit) return this.#endHold()
    this.#holdAt = limit
    this.#pause()
  }

  #endHold(): void {
    if (this.#holdAt === undefined) return
    this.#holdAt = undefined
    if (this.#accepting) this.#resume()
  }

  /** Stops accepting for good (drain); `onDrained` follows once every connection has ended. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#closeListeners()
    this.#checkDrained()
  }

  get #accepting(): boolean {
    return !this.#closed && this.#holdAt === undefined && this.active < this.#options.capacity
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
    this.#sockets.add(socket)
    socket.once('close', () => this.#release(socket))
    this.#options.http.emit('connection', socket)
    if (this.active >= this.#options.capacity) this.#pause()
  }

  #release(socket: net.Socket): void {
    this.#sockets.delete(socket)
    if (this.#closed) this.#checkDrained()
    else if (this.#holdAt !== undefined) {
      if (this.active <= this.#holdAt) this.#endHold()
    } else if (this.active < this.#options.capacity) this.#resume()
  }

  #pause(): void {
    for (const [index, server] of this.#servers) {
      if (this.#pinned.has(index) || this.#stopped.has(index)) continue
      if (this.#stoppable.has(index) && stopAccepting(server)) this.#stopped.add(index)
      else this.#releaseListener(index, server)
    }
  }

  #resume(): void {
    for (const index of this.#stopped) {
      this.#stopped.delete(index)
      const server = this.#servers.get(index)!
      if (!startAccepting(server)) this.#releaseListener(index, server)
    }
    for (const index of this.#released) this.#request(index)
  }

  /** Closes this worker's copy of a listener; it asks the master for it again on resume. */
  #releaseListener(index: number, server: net.Server): void {
    // net.Server.close, not http's: it must not touch the connections already accepted.
    server.close()
    this.#servers.delete(index)
    this.#stoppable.delete(index)
    this.#released.add(index)
  }

  /** Asks the master for listener `index`, unless a request is already on its way. */
  #request(index: number): void {
    if (this.#requested.has(index)) return
    this.#requested.add(index)
    this.#options.requestListener(index)
  }

  /** Closes this worker's copies of the listeners; the master's stay open, so nothing is lost. */
  #closeListeners(): void {
    for (const server of this.#servers.values()) server.close()
    this.#servers.clear()
    this.#stopped.clear()
  }

  #checkDrained(): void {
    if (this.active === 0) this.#options.onDrained()
  }
}

/**
 * The libuv stream calls of a listener handle (a TCP or Pipe wrap). A listening socket shares
 * its poll watcher with reading: once flagged as reading (readStart, which changes nothing else
 * on a listener), readStop takes it out of the event loop's poll set and readStart puts it back.
 * The socket stays open, its queue keeps filling, and the other workers keep accepting from it.
 * Closing the handle instead would cost a round trip to the master for a fresh one on every
 * resume: a sync worker pauses on every connection, and that round trip was three quarters of
 * its CPU per request and most of the master's.
 */
interface StreamHandle {
  readStart?: () => number
  readStop?: () => number
}

function handleOf(server: net.Server): StreamHandle | undefined {
  return (server as unknown as { _handle?: StreamHandle | null })._handle ?? undefined
}

/** Flags the listener as reading; false when its handle cannot stop in place (then: close). */
function canStopAccepting(server: net.Server): boolean {
  const handle = handleOf(server)
  return typeof handle?.readStop === 'function' && handle.readStart?.() === 0
}

function stopAccepting(server: net.Server): boolean {
  return handleOf(server)?.readStop?.() === 0
}

function startAccepting(server: net.Server): boolean {
  return handleOf(server)?.readStart?.() === 0
}

/** Closes a listener handle this worker will not use (its own copy; the master keeps its own). */
function closeHandle(handle: object): void {
  try {
    ;(handle as { close(): void }).close()
  } catch {
    // already closed
  }
}
