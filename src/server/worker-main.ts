/**
 * The worker process's entry point: the master forks this module with the configuration in
 * the TSGI_WORKER environment variable, then sends the listener handles over IPC.
 * @module
 */
import { loadApp } from './app-loader.ts'
import { loadServe } from './interfaces/serve.ts'
import type { Config } from './config/config.ts'
import { EXIT } from './errors.ts'
import { heartbeatIntervalMs } from './heartbeat.ts'
import { isMasterMessage, type WorkerMessage } from './ipc.ts'
import { AccessLog } from './logging/access-log.ts'
import { ErrorLog, type LogLevel } from './logging/error-log.ts'
import type { SelfBoundListener } from './accept-gate.ts'
import type { Worker } from './worker.ts'
import { WORKER_CLASSES } from './workers/registry.ts'

/** What the master tells a new worker through TSGI_WORKER. */
export interface WorkerSpec {
  config: Config
  /** How many listener handles the master will send. */
  listeners: number
  /** Listeners this worker binds by address (--balance reuseport or roundrobin). */
  selfBound: SelfBoundListener[]
  /** A label for logs and the process title. */
  name: string
}

const spec = JSON.parse(process.env.TSGI_WORKER ?? '{}') as WorkerSpec
const { config } = spec
process.title = `tsgi: worker [${spec.name}]`
const log = new ErrorLog({ path: config.errorLog, level: config.logLevel as LogLevel })
const accessLog = new AccessLog({ path: config.accessLog ?? null, format: config.accessLogFormat })
const pendingHandles: Array<{ index: number; handle: object }> = []
const listening: Promise<void>[] = []
let listenersReceived = 0
let allListenersReceived!: () => void
const listenersArrived = new Promise<void>((resolve) => (allListenersReceived = resolve))
let worker: Worker | undefined
/** The master asked for a drain before the worker was booted (TTOU, HUP during a boot). */
let drainWhenBooted = false
let exiting = false

function send(message: WorkerMessage): void {
  if (process.connected) process.send?.(message, undefined, { swallowErrors: true } as object)
}

async function exit(code: number): Promise<void> {
  if (exiting) return
  exiting = true
  const flushed = Promise.allSettled([accessLog.close(), log.close()])
  await Promise.race([flushed, new Promise((resolve) => setTimeout(resolve, 1000).unref())])
  process.exit(code)
}

process.on('message', (message: unknown, handle: unknown) => {
  if (!isMasterMessage(message)) return
  if (message.type === 'listener' && handle) {
    if (worker) listening.push(worker.listen(message.index, handle as object))
    else pendingHandles.push({ index: message.index, handle: handle as object })
    if (++listenersReceived === spec.listeners) allListenersReceived()
  } else if (message.type === 'drain') {
    if (worker) worker.drain(false)
    else drainWhenBooted = true
  } else if (message.type === 'shed') {
    worker?.shed(message.limit)
  }
})

// Master-only signals reach workers too when sent to the process group: ignore them, since
// Node's defaults would end the worker (HUP) or stop it (TTIN, TTOU).
for (const signal of ['SIGHUP', 'SIGTTIN', 'SIGTTOU', 'SIGWINCH', 'SIGUSR2'] as const) {
  process.on(signal, () => {})
}
process.on('SIGTERM', () => (worker ? worker.drain(true) : void exit(0)))
process.on('SIGINT', () => void exit(0))
process.on('SIGQUIT', () => void exit(0))
process.on('SIGUSR1', () => {
  log.reopen()
  accessLog.reopen()
})
// The master is gone (killed, crashed): finish what is in flight, then go, leaving no orphan.
process.on('disconnect', () => (worker ? worker.drain(true) : void exit(0)))

// A first beat at once: the master counts silence from the spawn, and starting Node and this
// bundle can take a good part of a short --timeout on a loaded machine.
const beat = () => send({ type: 'heartbeat', connections: worker?.connections ?? 0 })
beat()
setInterval(beat, heartbeatIntervalMs(config.timeout)).unref()

async function boot(): Promise<Worker> {
  // The loader turns TypeScript support on only for a .ts app: tsx costs memory and start time.
  const app = await loadApp(config.app ?? '', { cwd: config.chdir, interface: config.interface })
  log.debug(`Serving ${config.app} as a ${app.interface} app: ${app.how}`)
  const WorkerClass = WORKER_CLASSES[config.workerClass as keyof typeof WORKER_CLASSES]
  const serve = await loadServe(app)
  return new WorkerClass({ config, serve, log, accessLog, send, exit: (code) => void exit(code) })
}

try {
  worker = await boot()
  // Drained before it served: it closes what it is given and exits, rather than serve until
  // the master kills it for not draining.
  if (drainWhenBooted) worker.drain(false)
  for (const { index, handle } of pendingHandles) listening.push(worker.listen(index, handle))
  for (const bind of spec.selfBound) listening.push(worker.listenAddress(bind))
  if (spec.listeners === 0) allListenersReceived()
  await listenersArrived
  await Promise.all(listening)
  send({ type: 'ready' })
} catch (error) {
  const exitCode = (error as { exitCode?: number }).exitCode ?? EXIT.WORKER_BOOT_ERROR
  const message = error instanceof Error ? error.message : String(error)
  log.error(`Worker failed to boot: ${message}`)
  send({ type: 'boot-error', exitCode, message })
  await exit(exitCode)
}
