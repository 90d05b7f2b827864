/**
 * The error log: Gunicorn's `gunicorn.error` logger, one line per message in Gunicorn's format,
 * `[2026-11-23 21:04:05 +0000] [PID] [LEVEL] message`, with an error's stack on the lines after.
 * @module
 */
import { inspect } from 'node:util'
import { errorLogNow } from './clock.ts'
import { LogFile } from './log-file.ts'

export const LOG_LEVELS = ['debug', 'info', 'warning', 'error', 'critical'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

/** A level's rank: messages rank at least the log's threshold to be written. */
const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warning: 2, error: 3, critical: 4 }

export function isLogLevel(name: string): name is LogLevel {
  return Object.hasOwn(RANK, name)
}

export interface ErrorLogOptions {
  /** '-' for stderr, else a file opened for append. */
  path: string
  level: LogLevel
  /** Told when the log cannot be written; the default prints to stderr. */
  onError?: (error: Error) => void
}

/** The text after a message for `error`: its stack, extra properties and causes. */
export function describeError(error: unknown): string {
  return inspect(error, { depth: 4, breakLength: Infinity })
}

export class ErrorLog {
  readonly #file: LogFile
  /** `' [PID] [LEVEL] '` for each rank, built once. */
  readonly #prefixes: string[]
  #level: LogLevel = 'info'
  #threshold = RANK.info

  constructor(options: ErrorLogOptions) {
    this.#file = new LogFile({ path: options.path, stdio: 2, onError: options.onError })
    this.#prefixes = LOG_LEVELS.map((level) => ` [${process.pid}] [${level.toUpperCase()}] `)
    this.level = options.level
  }

  get path(): string {
    return this.#file.path
  }

  get level(): LogLevel {
    return this.#level
  }

  /** A new level applies to the next message (HUP reloads the configuration). */
  set level(level: LogLevel) {
    this.#level = level
    this.#threshold = RANK[level]
  }

  isEnabledFor(level: LogLevel): boolean {
    return RANK[level] >= this.#threshold
  }

  debug(msg: string): void {
    if (this.#threshold <= RANK.debug) this.#emit(RANK.debug, msg)
  }

  info(msg: string): void {
    if (this.#threshold <= RANK.info) this.#emit(RANK.info, msg)
  }

  warning(msg: string): void {
    if (this.#threshold <= RANK.warning) this.#emit(RANK.warning, msg)
  }

  /** Logs `msg`; with `error`, its stack follows on the next lines. */
  error(msg: string, error?: unknown): void {
    if (this.#threshold <= RANK.error) this.#emit(RANK.error, msg, error)
  }

  critical(msg: string, error?: unknown): void {
    if (this.#threshold <= RANK.critical) this.#emit(RANK.critical, msg, error)
  }

  /** Python's `logger.exception`: an error-level message with the error's stack. */
  exception(msg: string, error: unknown): void {
    this.error(msg, error)
  }

  log(level: LogLevel, msg: string, error?: unknown): void {
    if (RANK[level] >= this.#threshold) this.#emit(RANK[level], msg, error)
  }

  /** SIGUSR1: opens the path again after logrotate moved the file; no-op for stderr. */
  reopen(): void {
    this.#file.reopen()
  }

  flush(): Promise<void> {
    return this.#file.flush()
  }

  /** Writes queued lines synchronously: for the last message before `process.exit()`. */
  flushSync(): void {
    this.#file.flushSync()
  }

  close(): Promise<void> {
    return this.#file.close()
  }

  #emit(rank: number, msg: string, error?: unknown): void {
    const detail = error === undefined ? '' : '\n' + describeError(error)
    this.#file.write(errorLogNow() + this.#prefixes[rank] + msg + detail + '\n')
  }
}
