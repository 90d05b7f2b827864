/**
 * The arbiter: the master process. It binds the listeners, forks the workers and hands them the
 * sockets, then runs one loop: wait for a signal, a worker event or the next tick; handle
 * queued signals; reap exited workers; kill silent ones; keep the worker count exact. Nothing
 * else acts: signal handlers and child events only queue (DESIGN.md, SIGNALS.md).
 * @module
 */
import { fork, type ChildProcess } from 'node:child_process'
import type { Cluster } from 'node:cluster'
import { fileURLToPath } from 'node:url'
import { CodeWatcher } from './code-watcher.ts'
import type { Config } from './config/config.ts'
import { ConfigError, EXIT } from './errors.ts'
import { heartbeatIntervalMs } from './heartbeat.ts'
import { holdLimits } from './rebalance.ts'
import { isWorkerMessage, type WorkerMessage } from './ipc.ts'
import { checkLogFiles } from './logging/check-files.ts'
import { ErrorLog, type LogLevel } from './logging/error-log.ts'
import { Pidfile } from './pidfile.ts'
import { SignalQueue, STOP_SIGNALS, type MasterSignal } from './signals.ts'
import { parseBindAddress as parseAddress } from './config/address.ts'
import { bindListener, hasReusePort, type Listener } from './sock.ts'
import { ListenerSet } from './listener-set.ts'
import { WorkerHandle } from './worker-handle.ts'
import type { WorkerSpec } from './worker-main.ts'
import { version } from './version.ts'

export interface ArbiterOptions {
  /** Re-reads every configuration source (file, TSGI_CMD_ARGS, argv), for HUP. */
  reloadConfig: () => Promise<Config>
}

/** What a reload opened before it changed anything (#prepareReload). */
interface PreparedReload {
  /** A new error log, when the config changed it. */
  log: ErrorLog | undefined
  listeners: Listener[]
  pidfile: Pidfile | undefined
}

type WorkerEvent =
  | { kind: 'exit'; worker: WorkerHandle; code: number | null; signal: NodeJS.Signals | null }
  | { kind: 'message'; worker: WorkerHandle; message: WorkerMessage }

/** A crash-looping app is respawned no faster than this, doubling from 100 ms. */
const MAX_RESPAWN_DELAY_MS = 10_000
/** A worker that served this long after booting resets the crash count. */
const STABLE_AFTER_MS = 10_000

export class Arbiter {
  config: Config
  readonly #options: ArbiterOptions
  #log: ErrorLog
  readonly #listeners = new ListenerSet(
    (bind) => this.#bind(bind),
    () => this.#log
  )
  #pidfile: Pidfile | undefined
  readonly #workers = new Map<number, WorkerHandle>()
  readonly #events: WorkerEvent[] = []
  readonly #signals: SignalQueue
  #numWorkers: number
  #generation = 0
  #nextAge = 1
  #crashes = 0
  #respawnAt = 0
  #everReady = false
  #running = true
  #graceful = true
  #exitCode = 0
  #wake: () => void = () => {}
  #configBeforeReload: Config | undefined
  /** --reload's watch over the app's directory. */
  #codeWatcher: CodeWatcher | undefined
  /** When the master last told the workers how many connections each may hold. */
  #rebalancedAt = 0

  constructor(config: Config, options: ArbiterOptions) {
    this.config = config
    this.#options = options
    this.#numWorkers = config.workers
    checkLogFiles(config)
    this.#log = new ErrorLog({ path: config.errorLog, level: config.logLevel as LogLevel })
    this.#signals = new SignalQueue(() => this.#wake())
  }

  get #tickMs(): number {
    return heartbeatIntervalMs(this.config.timeout)
  }

  /** Runs until the server stops; resolves with the process exit code. */
  async run(): Promise<number> {
    try {
      await this.#start()
    } catch (error) {
      this.#log.error(`Error: ${error instanceof Error ? error.message : String(error)}`)
      this.#listeners.closeAll()
      await this.#log.close()
      return (error as { exitCode?: number }).exitCode ?? EXIT.CONFIG_ERROR
    }
    try {
      await this.#loop()
    } catch (error) {
      // A master without its loop would neither obey signals nor watch its workers, and would
      // never exit: stop everything, as Gunicorn does ("Unhandled exception in main loop").
      this.#halt('Unhandled error in the main loop', EXIT.CONFIG_ERROR, error)
    }
    await this.#shutdown()
    return this.#exitCode
  }

  async #loop(): Promise<void> {
    while (this.#running) {
      await this.#sleep(this.#tickMs)
      await this.#handleSignals()
      this.#handleEvents()
      this.#murderWorkers()
      this.#manageWorkers()
      this.#rebalanceConnections()
      if (this.#listeners.reloading && !this.#reloading) this.#listeners.finishReload()
    }
  }

  async #start(): Promise<void> {
    this.#setTitle()
    this.#log.info(`Starting tsgi ${version}`)
    this.#signals.install()
    this.#checkBalance()
    await this.#listeners.open(this.config.bind)
    this.#pidfile = writePidfile(this.config.pidfile)
    this.#log.info(`Using worker: ${this.config.workerClass}`)
    if (this.config.reload) this.#watchCode()
    this.#manageWorkers()
  }

  /**
   * --reload: a changed source file under the directory tsgi serves from reloads the workers
   * as HUP does, so a change that fails to load leaves the old ones serving.
   */
  #watchCode(): void {
    this.#codeWatcher = new CodeWatcher(process.cwd(), {
      onChange: (file) => {
        this.#log.info(`Worker reloading: ${file} modified`)
        this.#signals.push('SIGHUP')
      },
      onError: (error) => this.#log.warning(`--reload cannot watch everything: ${error.message}`),
    })
  }

  /**
   * Binds one address, trying again a second later while it is in use, up to 5 times as
   * Gunicorn does: the server being replaced (a restart, a deploy) often still holds it.
   * A stop signal ends the wait, and the next failed try ends the retries.
   */
  async #bind(bind: string): Promise<Listener> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await bindListener(parseAddress(bind), {
          workersBind: this.config.balance !== 'shared',
          umask: this.config.umask,
        })
      } catch (error) {
        const inUse = (error as { code?: string }).code === 'EADDRINUSE'
        if (!inUse || attempt === BIND_ATTEMPTS || this.#stopSignalled()) throw error
        this.#log.error(`Connection in use: ${bind}`)
        this.#log.error('Retrying in 1 second.')
        await this.#pauseUnlessStopped(BIND_RETRY_MS)
      }
    }
  }

  #stopSignalled(): boolean {
    return this.#signals.holds(...STOP_SIGNALS)
  }

  /**
   * Waits `ms` whatever else arrives (other signals, worker events: they wait for the loop),
   * unless a stop signal does.
   */
  async #pauseUnlessStopped(ms: number): Promise<void> {
    const until = Date.now() + ms
    while (!this.#stopSignalled() && Date.now() < until) {
      await this.#untilWoken(until - Date.now())
    }
  }

  #checkBalance(): void {
    if (this.config.balance === 'shared') return
    if (this.config.workerClass === 'sync') {
      throw new ConfigError(
        `--worker-class sync needs --balance shared: a busy sync worker must stop accepting`
      )
    }
    if (this.config.balance === 'reuseport' && !hasReusePort()) {
      throw new ConfigError(
        `--balance reuseport needs Node 22.12 or later (this is ${process.version})`
      )
    }
  }

  get #name(): string {
    return this.config.procName ?? this.config.app ?? 'tsgi'
  }

  /** The master's title in ps, from the running config (Gunicorn's proc_name). */
  #setTitle(): void {
    process.title = `tsgi: master [${this.#name}]`
  }

  // ---- the loop's waiting ----

  #sleep(ms: number): Promise<void> {
    if (this.#events.length > 0) return Promise.resolve()
    return this.#untilWoken(ms)
  }

  /** Resolves after `ms`, or sooner when a signal or a worker event wakes the master. */
  #untilWoken(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms)
      function done() {
        clearTimeout(timer)
        resolve()
      }
      this.#wake = done
    })
  }

  // ---- signals (SIGNALS.md) ----

  async #handleSignals(): Promise<void> {
    for (let signal = this.#signals.shift(); signal; signal = this.#signals.shift()) {
      this.#log.info(`Handling signal: ${signalName(signal)}`)
      await this.#signalHandlers[signal]()
    }
  }

  readonly #signalHandlers: Record<MasterSignal, () => void | Promise<void>> = {
    SIGHUP: () => this.#reload(),
    SIGTERM: () => this.#stop(true),
    SIGINT: () => this.#stop(false),
    SIGQUIT: () => this.#stop(false),
    SIGTTIN: () => this.#setWorkerCount(this.#numWorkers + 1),
    SIGTTOU: () => this.#setWorkerCount(this.#numWorkers - 1),
    SIGUSR1: () => this.#reopenLogs(),
    SIGUSR2: () => this.#log.warning('USR2 (binary upgrade) is not supported; use HUP to reload'),
    // Gunicorn stops its workers on WINCH only when daemonized; tsgi never daemonizes.
    SIGWINCH: () => this.#log.info('SIGWINCH ignored. Not daemonized'),
  }

  #stop(graceful: boolean): void {
    this.#running = false
    this.#graceful = graceful
  }

  #setWorkerCount(count: number): void {
    this.#numWorkers = Math.max(1, count)
    this.#log.info(`Number of workers: ${this.#numWorkers}`)
  }

  #reopenLogs(): void {
    this.#log.reopen()
    for (const worker of this.#workers.values()) worker.signal('SIGUSR1')
  }

  /**
   * HUP: re-read the configuration, start a new generation of workers, and retire the old
   * ones as the new ones report ready. A reload that cannot be prepared (the config, its log
   * files, its addresses, its pid file) changes nothing.
   */
  async #reload(): Promise<void> {
    let config: Config
    let prepared: PreparedReload
    try {
      config = await this.#options.reloadConfig()
      prepared = await this.#prepareReload(config)
    } catch (error) {
      this.#log.error(`Reload failed, keeping the running configuration: ${messageOf(error)}`)
      return
    }
    this.#configBeforeReload = this.config
    this.config = config
    this.#numWorkers = config.workers
    this.#setTitle()
    if (prepared.log) {
      const old = this.#log
      this.#log = prepared.log
      await old.close()
    }
    if (prepared.pidfile !== this.#pidfile) {
      this.#pidfile?.unlink()
      this.#pidfile = prepared.pidfile
    }
    this.#listeners.replace(prepared.listeners)
    this.#generation++
    for (const worker of this.#workers.values()) {
      if (!worker.active) continue
      worker.state = 'retiring'
      worker.retiredByReload = true
    }
    this.#log.info(`Reloading: starting ${this.#numWorkers} new workers`)
  }

  /**
   * What a reloaded config needs that can fail, done before anything changes, so that a
   * reload is all or nothing: its log files open, its new addresses bound, its new pid file
   * written. On a failure, what was opened is closed again and the error thrown.
   */
  async #prepareReload(config: Config): Promise<PreparedReload> {
    checkLogFiles(config)
    const log = this.#errorLogFor(config)
    try {
      const listeners = await this.#listeners.prepare(config.bind, this.config.bind)
      try {
        return { log, listeners, pidfile: this.#pidfileFor(config) }
      } catch (error) {
        this.#listeners.discard(listeners)
        throw error
      }
    } catch (error) {
      await log?.close()
      throw error
    }
  }

  /** The pid file a reloaded config names: the running one, or a new one, written now. */
  #pidfileFor(config: Config): Pidfile | undefined {
    if (config.pidfile === this.config.pidfile) return this.#pidfile
    return writePidfile(config.pidfile)
  }

  /**
   * The error log a reloaded config asks for, opened before anything changes (a path that
   * cannot be opened fails the reload); undefined when it asks for the running one.
   */
  #errorLogFor(config: Config): ErrorLog | undefined {
    if (config.errorLog === this.config.errorLog && config.logLevel === this.config.logLevel) {
      return undefined
    }
    return new ErrorLog({ path: config.errorLog, level: config.logLevel as LogLevel })
  }

  // ---- worker events ----

  #handleEvents(): void {
    for (let event = this.#events.shift(); event; event = this.#events.shift()) {
      if (event.kind === 'exit') this.#reapWorker(event.worker, event.code, event.signal)
      else this.#onMessage(event.worker, event.message)
    }
  }

  #onMessage(worker: WorkerHandle, message: WorkerMessage): void {
    switch (message.type) {
      case 'ready':
        return this.#onReady(worker)
      case 'boot-error':
        // Acted on when the worker exits, which it does right after saying this.
        worker.bootError = message.message
        return
      case 'retire':
        if (worker.state === 'ready') worker.state = 'retiring'
        return
      case 'need-listener':
        return this.#sendListener(worker, message.index)
      case 'heartbeat':
        return
    }
  }

  #onReady(worker: WorkerHandle): void {
    if (worker.state !== 'booting') return
    worker.state = 'ready'
    worker.readyAt = Date.now()
    this.#everReady = true
    this.#log.info(`Worker ready (pid: ${worker.pid})`)
  }

  /**
   * A worker that died before it was ready. At start (no worker ever came up), respawning
   * would loop forever: stop with its exit code (3, or 4 when the app failed to load). During
   * a reload, keep the old workers. Otherwise a replacement failed while others serve: retry
   * with backoff.
   */
  #onBootFailure(worker: WorkerHandle, code: number | null, signal: NodeJS.Signals | null): void {
    const reason = worker.bootError ?? `exited with ${signal ?? `code ${code}`} before it was ready`
    const exitCode = code === EXIT.APP_LOAD_ERROR ? EXIT.APP_LOAD_ERROR : EXIT.WORKER_BOOT_ERROR
    if (!this.#everReady) {
      this.#halt(`Worker failed to boot: ${reason}`, exitCode)
    } else if (worker.generation === this.#generation && this.#reloading) {
      this.#abortReload(reason)
    } else {
      this.#log.error(`Worker (pid:${worker.pid}) failed to boot: ${reason}`)
      this.#noteCrash(worker)
    }
  }

  get #reloading(): boolean {
    for (const worker of this.#workers.values())
      if (worker.retiredByReload && worker.state === 'retiring') return true
    return false
  }

  #abortReload(reason: string): void {
    this.#log.error(`Reload failed, the old workers keep serving: ${reason}`)
    this.#generation--
    if (this.#configBeforeReload) {
      this.config = this.#configBeforeReload
      this.#numWorkers = this.config.workers
      this.#setTitle()
      this.#restorePidfile()
    }
    this.#listeners.abortReload()
    for (const worker of this.#workers.values()) {
      if (worker.generation > this.#generation) this.#drainWorker(worker, 'SIGKILL')
      else if (worker.retiredByReload && worker.state === 'retiring') {
        worker.state = 'ready'
        worker.retiredByReload = false
      }
    }
  }

  /** An aborted reload that had moved the pid file writes it where the old config says. */
  #restorePidfile(): void {
    const path = this.config.pidfile ?? undefined
    if (this.#pidfile?.path === path) return
    this.#pidfile?.unlink()
    this.#pidfile = undefined
    try {
      this.#pidfile = writePidfile(path)
    } catch (error) {
      this.#log.error(messageOf(error))
    }
  }

  #reapWorker(worker: WorkerHandle, code: number | null, signal: NodeJS.Signals | null): void {
    this.#workers.delete(worker.pid)
    // One the arbiter killed (for a timeout, even while booting) is replaced, as Gunicorn does,
    // and its end was logged when it was killed: only a worker that died by itself while
    // booting is a boot failure.
    const killed = worker.killed || worker.abortedAt > 0
    if (worker.state === 'booting' && !killed) return this.#onBootFailure(worker, code, signal)
    const expected = worker.state === 'draining' || killed
    if (signal === 'SIGKILL' && !worker.killed) {
      this.#log.error(`Worker (pid:${worker.pid}) was sent SIGKILL! Perhaps out of memory?`)
    } else if (!expected) {
      this.#log.error(
        `Worker (pid:${worker.pid}) exited unexpectedly (${signal ?? `code ${code}`})`
      )
    }
    if (!expected) this.#noteCrash(worker)
  }

  /** Exponential backoff for workers that keep dying: 0, 100 ms, 200 ms, … 10 s. */
  #noteCrash(worker: WorkerHandle): void {
    const now = Date.now()
    if (worker.readyAt > 0 && now - worker.readyAt > STABLE_AFTER_MS) this.#crashes = 0
    this.#crashes++
    const delay =
      this.#crashes <= 1 ? 0 : Math.min(100 * 2 ** (this.#crashes - 2), MAX_RESPAWN_DELAY_MS)
    this.#respawnAt = now + delay
  }

  // ---- housekeeping ----

  /** Kills workers silent for longer than --timeout: SIGABRT, then SIGKILL a tick later. */
  #murderWorkers(): void {
    const now = Date.now()
    const timeoutMs = this.config.timeout * 1000
    const graceMs = this.config.gracefulTimeout * 1000
    for (const worker of this.#workers.values()) {
      if (worker.killed) continue
      if (worker.abortedAt > 0) {
        if (now - worker.abortedAt >= this.#tickMs) this.#kill(worker)
      } else if (timeoutMs > 0 && now - worker.lastBeat > timeoutMs) {
        this.#log.critical(
          `WORKER TIMEOUT (pid:${worker.pid}) silent for ${now - worker.lastBeat} ms` +
            (worker.state === 'booting'
              ? ' while booting: an app this slow to load needs a longer --timeout'
              : '')
        )
        worker.abortedAt = now
        worker.signal('SIGABRT')
      } else if (worker.state === 'draining' && now - worker.drainingSince > graceMs) {
        this.#log.warning(
          `Worker (pid:${worker.pid}) did not drain within ${this.config.gracefulTimeout} s`
        )
        this.#kill(worker)
      }
    }
  }

  #kill(worker: WorkerHandle): void {
    worker.killed = true
    worker.signal('SIGKILL')
  }

  /**
   * Keeps the count exact in one pass over the workers (oldest first, as the Map keeps spawn
   * order): spawn the missing ones, drain the oldest extra ones, and drain retiring workers
   * once enough new ones are ready to take their place.
   */
  #manageWorkers(): void {
    if (!this.#running) return
    let active = 0
    let ready = 0
    const retiring: WorkerHandle[] = []
    for (const worker of this.#workers.values()) {
      if (worker.active) active++
      if (worker.state === 'ready') ready++
      if (worker.state === 'retiring') retiring.push(worker)
    }
    this.#drainExtra(active - this.#numWorkers)
    this.#drainRetiring(retiring, ready - this.#numWorkers + retiring.length)
    for (
      let missing = this.#numWorkers - active;
      missing > 0 && Date.now() >= this.#respawnAt;
      missing--
    ) {
      this.#spawnWorker()
    }
  }

  /**
   * Spreads keep-alive connections (rebalance.ts): when a worker holds more than its share,
   * every ready worker is told how many it may hold, in one round from one set of counts, so
   * a worker held back in an earlier round is released whenever it is no longer over. Rounds
   * wait for a heartbeat from every worker newer than the last round: no decision on counts
   * that predate its own effect.
   */
  #rebalanceConnections(): void {
    // Sync workers hold one connection at a time and close it after the response.
    if (this.config.rebalance === 'off' || this.config.workerClass === 'sync') return
    const serving = [...this.#workers.values()].filter((worker) => worker.state === 'ready')
    if (serving.some((worker) => worker.connectionsAt <= this.#rebalancedAt)) return
    const limits = holdLimits(serving.map((worker) => worker.connections))
    if (!limits) return
    this.#rebalancedAt = Date.now()
    serving.forEach((worker, i) => {
      const limit = limits[i]!
      if (worker.connections > limit) {
        this.#log.debug(
          `Worker (pid:${worker.pid}) holds ${worker.connections} connections, its share is ${limit}: closing ${worker.connections - limit} and accepting none meanwhile`
        )
      }
      worker.send({ type: 'shed', limit })
    })
  }

  #drainExtra(extra: number): void {
    for (const worker of this.#workers.values()) {
      if (extra <= 0) return
      if (!worker.active) continue
      this.#drainWorker(worker, 'drain')
      extra--
    }
  }

  /** Drains retiring workers while at least --workers ready ones remain serving. */
  #drainRetiring(retiring: WorkerHandle[], canDrain: number): void {
    for (const worker of retiring.slice(0, Math.max(0, canDrain)))
      this.#drainWorker(worker, 'drain')
  }

  #drainWorker(worker: WorkerHandle, how: 'drain' | 'SIGTERM' | 'SIGKILL'): void {
    if (worker.state === 'draining') return
    worker.state = 'draining'
    worker.drainingSince = Date.now()
    if (how === 'SIGKILL') this.#kill(worker)
    else if (how === 'SIGTERM') worker.signal('SIGTERM')
    else worker.send({ type: 'drain' })
  }

  #spawnWorker(): void {
    const { path, execArgv } = workerEntry()
    const spec: WorkerSpec = {
      config: this.config,
      listeners: this.#listeners.current.filter((listener) => listener.handle).length,
      selfBound: this.#selfBoundListeners(),
      name: this.#name,
    }
    const env = { ...process.env, TSGI_WORKER: JSON.stringify(spec) }
    const child =
      this.config.balance === 'roundrobin'
        ? forkClusterWorker(path, execArgv, env)
        : fork(path, [], { env, execArgv, stdio: 'inherit' })
    const worker = new WorkerHandle(child, this.#nextAge++, this.#generation, Date.now())
    this.#workers.set(worker.pid, worker)
    child.on('message', (message: unknown) => this.#onChildMessage(worker, message))
    child.once('exit', (code, signal) => this.#queue({ kind: 'exit', worker, code, signal }))
    child.on('error', (error) => this.#log.error(`Worker (pid:${worker.pid}): ${error.message}`))
    this.#listeners.current.forEach((_, index) => this.#sendListener(worker, index))
    this.#log.info(`Booting worker with pid: ${worker.pid}`)
  }

  /** Heartbeats are recorded on arrival (recording is not acting); the rest is queued. */
  #onChildMessage(worker: WorkerHandle, message: unknown): void {
    if (!isWorkerMessage(message)) return
    worker.lastBeat = Date.now()
    if (message.type === 'heartbeat') {
      worker.connections = message.connections ?? 0
      worker.connectionsAt = worker.lastBeat
    } else this.#queue({ kind: 'message', worker, message })
  }

  #queue(event: WorkerEvent): void {
    this.#events.push(event)
    this.#wake()
  }

  /** The listeners each worker binds by address (--balance reuseport or roundrobin). */
  #selfBoundListeners(): WorkerSpec['selfBound'] {
    const balance = this.config.balance as 'reuseport' | 'roundrobin'
    return this.#listeners.current.flatMap((listener, index) =>
      !listener.handle && listener.bound.kind === 'tcp'
        ? [{ index, host: listener.bound.host, port: listener.bound.port, balance }]
        : []
    )
  }

  #sendListener(worker: WorkerHandle, index: number): void {
    const listener = this.#listeners.current[index]
    if (!listener?.handle) return
    worker.send({ type: 'listener', index, count: this.#listeners.current.length }, listener.handle)
  }

  // ---- stopping ----

  #halt(reason: string, exitCode: number, error?: unknown): void {
    this.#log.critical(reason, error)
    this.#log.info(`Shutting down: exit code ${exitCode}`)
    this.#exitCode = exitCode
    this.#stop(false)
  }

  /**
   * TERM: workers stop accepting, finish in-flight requests and close idle connections, within
   * --graceful-timeout; then anything left is killed. INT/QUIT: workers quit at once.
   */
  async #shutdown(): Promise<void> {
    this.#codeWatcher?.close()
    this.#listeners.closeAll()
    const signal = this.#graceful ? 'SIGTERM' : 'SIGQUIT'
    for (const worker of this.#workers.values()) {
      worker.state = 'draining'
      worker.signal(signal)
    }
    const deadline = Date.now() + this.config.gracefulTimeout * 1000
    while (this.#workers.size > 0 && Date.now() < deadline) {
      await this.#sleep(this.#tickMs)
      this.#handleEvents()
      this.#handleSignalsWhileStopping()
    }
    for (const worker of this.#workers.values()) this.#kill(worker)
    while (this.#workers.size > 0) {
      await this.#sleep(this.#tickMs)
      this.#handleEvents()
    }
    this.#signals.uninstall()
    this.#pidfile?.unlink()
    this.#log.info('Shutting down: Master')
    await this.#log.close()
  }

  /**
   * While the workers stop: a second TERM, INT or QUIT turns a graceful stop into a quick one;
   * USR1 still reopens the logs (logrotate does not know the server is stopping); the others
   * have nothing left to act on.
   */
  #handleSignalsWhileStopping(): void {
    for (let signal = this.#signals.shift(); signal; signal = this.#signals.shift()) {
      if (signal === 'SIGUSR1') this.#reopenLogs()
      else if (STOP_SIGNALS.includes(signal) && this.#graceful) {
        this.#log.info(`Handling signal: ${signalName(signal)}: stopping at once`)
        this.#graceful = false
        for (const worker of this.#workers.values()) worker.signal('SIGQUIT')
      } else this.#log.info(`Ignoring signal while stopping: ${signalName(signal)}`)
    }
  }
}

/** Gunicorn's: 5 tries a second apart for an address in use. */
const BIND_ATTEMPTS = 5
const BIND_RETRY_MS = 1000

/**
 * --balance roundrobin: fork through node:cluster, whose master accepts each connection and
 * hands it to the workers in turn (SCHED_RR). The policy must be set before the first fork.
 * node:cluster is loaded only here: a master that never uses it stays about 0.5 MB smaller.
 */
function forkClusterWorker(path: string, execArgv: string[], env: NodeJS.ProcessEnv): ChildProcess {
  // The module itself is the cluster object (what its default export types).
  const cluster = process.getBuiltinModule('node:cluster') as unknown as Cluster
  cluster.schedulingPolicy = cluster.SCHED_RR
  cluster.setupPrimary({ exec: path, args: [], execArgv, silent: false })
  return cluster.fork(env).process
}

/** The worker module: the compiled one next to us, or the TypeScript source under tsx. */
function workerEntry(): { path: string; execArgv: string[] } {
  const fromSource = import.meta.url.endsWith('.ts')
  const path = fileURLToPath(
    new URL(fromSource ? './worker-main.ts' : './worker-main.js', import.meta.url)
  )
  const inherited = process.execArgv.filter((arg) => !arg.startsWith('--inspect'))
  return {
    path,
    execArgv:
      fromSource && !inherited.includes('tsx') ? [...inherited, '--import', 'tsx'] : inherited,
  }
}

/** The pid file at `path`, written now; none without a path. */
function writePidfile(path: string | null | undefined): Pidfile | undefined {
  if (!path) return undefined
  const pidfile = new Pidfile(path)
  pidfile.create()
  return pidfile
}

/** `SIGHUP` → `hup`, as Gunicorn names signals in its log. */
function signalName(signal: MasterSignal): string {
  return signal.slice(3).toLowerCase()
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
