/**
 * The server's errors and the process exit codes they map to (SIGNALS.md, "Exit codes").
 * Each error carries its exit code, so the CLI turns any of them into a status in one place.
 * @module
 */

/** Exit codes of the `tsgi` master; 3 and 4 are Gunicorn's, and mean the same. */
export const EXIT = {
  OK: 0,
  /** A setting has a bad value, or a config file cannot be read (Gunicorn exits 1 too). */
  CONFIG_ERROR: 1,
  /** The command line is wrong: unknown flag, missing value, no MODULE[:EXPORT] (argparse's 2). */
  USAGE_ERROR: 2,
  /** A worker failed before it was ready, for a reason other than the app (Gunicorn's 3). */
  WORKER_BOOT_ERROR: 3,
  /** The app could not be loaded: import failed, export missing or not an app (Gunicorn's 4). */
  APP_LOAD_ERROR: 4,
} as const

export type ExitCode = (typeof EXIT)[keyof typeof EXIT]

/** A setting, a config file or the command line is wrong. The message is one line. */
export class ConfigError extends Error {
  readonly exitCode: ExitCode = EXIT.CONFIG_ERROR

  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'ConfigError'
  }
}

/** The command line cannot be parsed; the CLI adds the usage line or a pointer to `--help`. */
export class UsageError extends ConfigError {
  override readonly exitCode: ExitCode = EXIT.USAGE_ERROR
  /** Print the usage line after the message (rather than the pointer to --help). */
  readonly showUsage: boolean

  constructor(message: string, options: { showUsage?: boolean } = {}) {
    super(message)
    this.name = 'UsageError'
    this.showUsage = options.showUsage ?? false
  }
}

/** Why an app could not be loaded; each kind gets its own message (app-loader.ts). */
export type AppImportFailure =
  /** The spec is not of the form MODULE[:EXPORT]. */
  | 'invalid-spec'
  /** No file at the path, or no such package. */
  | 'not-found'
  /** The module was found but threw (or failed to compile) while importing; see `cause`. */
  | 'import-failed'
  /** The module has no export of that name. */
  | 'missing-export'
  /** EXPORT is a factory call, and the factory is not a function, or it threw. */
  | 'factory-failed'
  /** The export (or what the factory returned) is not an app of any interface, or not of the forced one. */
  | 'not-an-app'

/** The app named by MODULE[:EXPORT] could not be loaded (Gunicorn's AppImportError). */
export class AppImportError extends Error {
  readonly exitCode: ExitCode = EXIT.APP_LOAD_ERROR
  readonly kind: AppImportFailure

  constructor(kind: AppImportFailure, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'AppImportError'
    this.kind = kind
  }
}

/**
 * Stops the whole server with `exitStatus` (Gunicorn's HaltServer): thrown where a respawn would
 * only fail again, such as a worker that cannot load the app.
 */
export class HaltServer extends Error {
  readonly reason: string
  readonly exitStatus: number

  constructor(reason: string, exitStatus: number = EXIT.CONFIG_ERROR) {
    super(reason)
    this.name = 'HaltServer'
    this.reason = reason
    this.exitStatus = exitStatus
  }
}
