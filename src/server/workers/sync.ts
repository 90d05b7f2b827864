/**
 * The sync worker class: one connection, one request at a time, no keep-alive, like Gunicorn's
 * sync worker. A busy worker closes its listeners, so new connections wait in the kernel's
 * queue for an idle worker instead of queueing behind a CPU-bound request.
 * @module
 */
import { Worker } from '../worker.ts'

export class SyncWorker extends Worker {
  override get capacity(): number {
    return 1
  }

  override get keepAlive(): boolean {
    return false
  }
}
