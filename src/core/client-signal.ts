/**
 * `tsgi.signal` (spec §4.6), created when first asked for: on Node 20, where an AbortController
 * costs more than the rest of a hello-world request, that is when the app reads it (see
 * environ.ts). It holds no reference to the request, so an environ that outlives its exchange
 * keeps nothing else alive.
 * @module
 */
export class ClientSignal {
  #controller: AbortController | undefined
  #gone = false

  get signal(): AbortSignal {
    this.#controller ??= new AbortController()
    if (this.#gone) this.#controller.abort()
    return this.#controller.signal
  }

  /** The client went away before the response was complete. */
  abort(): void {
    this.#gone = true
    this.#controller?.abort()
  }
}
