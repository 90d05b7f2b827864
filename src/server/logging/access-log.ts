/**
 * The access log: Gunicorn's `gunicorn.access` logger, one line per request in the configured
 * `access_log_format` (./format.ts, ./atoms.ts).
 * @module
 */
import { compileAccessLogFormat } from './format.ts'
import type { AccessFormatter } from './format.ts'
import { LogFile } from './log-file.ts'
import type { AccessRecord } from './atoms.ts'

export type { AccessRecord } from './atoms.ts'

export interface AccessLogOptions {
  /** null turns the log off; '-' is stdout; else a file opened for append. */
  path: string | null
  format: string
  /** Told when a line cannot be formatted or written; the default prints to stderr. */
  onError?: (error: Error) => void
}

export class AccessLog {
  readonly enabled: boolean
  readonly #file: LogFile | null
  readonly #format: AccessFormatter
  readonly #onError: ((error: Error) => void) | undefined

  /** Throws AccessLogFormatError for a bad format, even when the log is off. */
  constructor(options: AccessLogOptions) {
    this.#format = compileAccessLogFormat(options.format)
    this.#onError = options.onError
    this.#file =
      options.path === null
        ? null
        : new LogFile({ path: options.path, stdio: 1, onError: options.onError })
    this.enabled = this.#file !== null
  }

  log(record: AccessRecord): void {
    if (this.#file === null) return
    let line: string
    try {
      line = this.#format(record)
    } catch (error) {
      // Gunicorn logs a failed access line as an error and carries on with the request.
      return this.#reportFormatError(error)
    }
    this.#file.write(line + '\n')
  }

  /** The line `record` would produce, without writing it. */
  format(record: AccessRecord): string {
    return this.#format(record)
  }

  /** SIGUSR1: opens the path again after logrotate moved the file; no-op for stdout. */
  reopen(): void {
    this.#file?.reopen()
  }

  flush(): Promise<void> {
    return this.#file?.flush() ?? Promise.resolve()
  }

  close(): Promise<void> {
    return this.#file?.close() ?? Promise.resolve()
  }

  #reportFormatError(error: unknown): void {
    const failure = new Error('access log line could not be formatted', { cause: error })
    if (this.#onError) this.#onError(failure)
    else process.emitWarning(failure)
  }
}
