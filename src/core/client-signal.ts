/**
 * `tsgi.signal` (spec §4.6), created only when the app asks for it: an AbortController costs
 * more than the rest of a hello-world request. It holds no reference to the request, so an
 * environ that outlives its exchange keeps nothing else alive.
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
