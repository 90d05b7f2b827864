/**
 * The messages master and workers exchange over the IPC channel `child_process.fork` opens.
 * One discriminated union per direction, so each side handles every kind (or the compiler says).
 * @module
 */

/** Worker → master. */
export type WorkerMessage =
  /**
   * Liveness: the worker's event loop is turning (DESIGN.md, "heartbeat"). It carries how many
   * connections the worker holds, for rebalancing (rebalance.ts).
   */
  | { type: 'heartbeat'; connections: number }
  /** The app is loaded and every listener accepts: the worker can take traffic. */
  | { type: 'ready' }
  /** The worker could not start; `exitCode` says why (errors.ts EXIT). It exits right after. */
  | { type: 'boot-error'; exitCode: number; message: string }
  /** The worker served --max-requests and wants a replacement before it drains. */
  | { type: 'retire'; requests: number }
  /** The worker closed its copy of listener `index` (accept gate) and wants it back when free. */
  | { type: 'need-listener'; index: number }

/** Master → worker (listener handles travel as the message's second argument). */
export type MasterMessage =
  /** Listener `index` of `count`, with its handle attached. */
  | { type: 'listener'; index: number; count: number }
  /** Stop accepting, finish in-flight requests, let keep-alive connections close, then exit. */
  | { type: 'drain' }
  /**
   * Hold no more than `limit` connections: close the excess, one after each of the next
   * responses, and accept none until down to it (rebalance.ts).
   */
  | { type: 'shed'; limit: number }

export function isWorkerMessage(value: unknown): value is WorkerMessage {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { type?: unknown }).type === 'string'
  )
}

export const isMasterMessage = isWorkerMessage as unknown as (
  value: unknown
) => value is MasterMessage
