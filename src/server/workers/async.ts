/**
 * The default worker class: one event loop serving up to --worker-connections connections at
 * once, with keep-alive. Right for I/O-bound apps, which is most Node apps.
 * @module
 */
import { Worker } from '../worker.ts'

export class AsyncWorker extends Worker {}
