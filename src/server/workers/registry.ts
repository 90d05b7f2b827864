/**
 * Worker classes by the name --worker-class takes (Gunicorn's SUPPORTED_WORKERS).
 * @module
 */
import type { Worker, WorkerContext } from '../worker.ts'
import { AsyncWorker } from './async.ts'
import { SyncWorker } from './sync.ts'

export const WORKER_CLASSES = {
  async: AsyncWorker,
  sync: SyncWorker,
} as const satisfies Record<string, new (context: WorkerContext) => Worker>

export type WorkerClassName = keyof typeof WORKER_CLASSES
