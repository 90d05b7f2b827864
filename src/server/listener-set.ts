/**
 * The master's listeners, from start through reloads. A reload is all or nothing: `prepare`
 * reuses the open listeners a new `bind` still names and binds the addresses it adds (closing
 * those again if one fails); `replace` serves the prepared set; the listeners it dropped stay
 * open until `finishReload`, so that `abortReload` can go back to them (the old workers never
 * stopped serving them). Under systemd socket activation, systemd's sockets are served whatever
 * `bind` says: the socket unit owns the addresses.
 * @module
 */
import { formatBindAddress } from './config/address.ts'
import type { ErrorLog } from './logging/error-log.ts'
import { formatAddress, type Listener } from './sock.ts'
import { takeListenFds } from './systemd.ts'

/** Binds one `bind` address (the arbiter's, which retries an address in use). */
export type BindAddress = (bind: string) => Promise<Listener>

export class ListenerSet {
  readonly #bind: BindAddress
  /** The error log is the arbiter's current one, which a reload may replace. */
  readonly #log: () => ErrorLog
  #current: Listener[] = []
  #beforeReload: Listener[] | undefined
  #activated = false

  constructor(bind: BindAddress, log: () => ErrorLog) {
    this.#bind = bind
    this.#log = log
  }

  /** The listeners served now, in the order the workers know them by (their index). */
  get current(): readonly Listener[] {
    return this.#current
  }

  /** A reload changed the listeners, and the ones it dropped are still open. */
  get reloading(): boolean {
    return this.#beforeReload !== undefined
  }

  /** At start: the sockets systemd passed, if it passed any, else `binds`; each is logged. */
  async open(binds: readonly string[]): Promise<void> {
    const activated = takeListenFds()
    this.#activated = activated.length > 0
    for (const bind of this.#activated ? activated : binds) {
      this.#current.push(await this.#bind(bind))
    }
    for (const listener of this.#current) this.#logListening(listener)
  }

  /**
   * The listeners for a reloaded `bind` (`binds`; `running` is the bind it replaces), without
   * serving them yet. Throws when an address cannot be bound, having closed the ones it bound.
   */
  async prepare(binds: readonly string[], running: readonly string[]): Promise<Listener[]> {
    if (this.#activated) {
      if (binds.join('\n') !== running.join('\n')) {
        this.#log().warning('bind changed, but the sockets come from systemd (LISTEN_FDS): kept')
      }
      return this.#current
    }
    const listeners: Listener[] = []
    try {
      for (const bind of binds) {
        const open = this.#current.find(
          (listener) =>
            formatBindAddress(listener.address) === bind && !listeners.includes(listener)
        )
        listeners.push(open ?? (await this.#bind(bind)))
      }
      return listeners
    } catch (error) {
      this.discard(listeners)
      throw error
    }
  }

  /** Closes the listeners of a prepared set that nothing serves (a reload that failed). */
  discard(listeners: readonly Listener[]): void {
    for (const listener of listeners) if (!this.#current.includes(listener)) listener.close()
  }

  /** Serves a prepared set; the listeners it drops close at finishReload. */
  replace(listeners: Listener[]): void {
    const current = this.#current
    if (listeners.length === current.length && listeners.every((l, i) => l === current[i])) return
    this.finishReload()
    for (const listener of listeners) if (!current.includes(listener)) this.#logListening(listener)
    this.#beforeReload = current
    this.#current = listeners
  }

  /** The reload is done (the old workers are gone): the listeners it dropped close. */
  finishReload(): void {
    const before = this.#beforeReload ?? []
    this.#beforeReload = undefined
    for (const listener of before) {
      if (this.#current.includes(listener)) continue
      listener.close()
      this.#log().info(`Stopped listening at: ${formatAddress(listener.bound)}`)
    }
  }

  /** The reload was aborted: serve the listeners it found again, and close the ones it bound. */
  abortReload(): void {
    const before = this.#beforeReload
    if (!before) return
    this.#beforeReload = undefined
    for (const listener of this.#current) if (!before.includes(listener)) listener.close()
    this.#current = before
  }

  /** At the end: every listener closes. */
  closeAll(): void {
    for (const listener of [...this.#current, ...(this.#beforeReload ?? [])]) listener.close()
    this.#current = []
    this.#beforeReload = undefined
  }

  #logListening(listener: Listener): void {
    this.#log().info(`Listening at: ${formatAddress(listener.bound)} (${process.pid})`)
  }
}
