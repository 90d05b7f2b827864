/**
 * The master's signal queue. Handlers only enqueue and wake the main loop: all work happens in
 * the loop, in arrival order, never inside a handler (Gunicorn's and Unicorn's rule).
 * @module
 */

/** The signals the master obeys (SIGNALS.md). CHLD is not here: child exits arrive as events. */
export const MASTER_SIGNALS = [
  'SIGHUP',
  'SIGTERM',
  'SIGINT',
  'SIGQUIT',
  'SIGTTIN',
  'SIGTTOU',
  'SIGUSR1',
  'SIGUSR2',
  'SIGWINCH',
] as const

export type MasterSignal = (typeof MASTER_SIGNALS)[number]

/** The signals that stop the master: TERM gracefully, INT and QUIT at once. */
export const STOP_SIGNALS: readonly MasterSignal[] = ['SIGTERM', 'SIGINT', 'SIGQUIT']

/** How many signals may wait before more are dropped (Gunicorn keeps 5). */
const QUEUE_LIMIT = 5

export class SignalQueue {
  #queue: MasterSignal[] = []
  #wake: () => void
  #handlers = new Map<MasterSignal, () => void>()

  constructor(wake: () => void) {
    this.#wake = wake
  }

  install(): void {
    for (const signal of MASTER_SIGNALS) {
      const handler = () => this.push(signal)
      this.#handlers.set(signal, handler)
      process.on(signal, handler)
    }
  }

  uninstall(): void {
    for (const [signal, handler] of this.#handlers) process.off(signal, handler)
    this.#handlers.clear()
  }

  push(signal: MasterSignal): void {
    if (this.#queue.length < QUEUE_LIMIT) this.#queue.push(signal)
    this.#wake()
  }

  shift(): MasterSignal | undefined {
    return this.#queue.shift()
  }

  /** Whether one of `signals` is waiting to be handled. */
  holds(...signals: MasterSignal[]): boolean {
    return this.#queue.some((signal) => signals.includes(signal))
  }
}
