/**
 * The `tsgi` command: resolve the configuration, answer --help, --version, --print-config and
 * --check-config, or change to `chdir` and run the arbiter. Every error becomes one message
 * and an exit code here (errors.ts EXIT).
 * @module
 */
import { Arbiter, type ArbiterOptions } from './arbiter.ts'
import { COMMAND_LINE, parseCommandLine } from './config/command-line.ts'
import { resolveConfig, type Config, type ResolveOptions } from './config/config.ts'
import { helpText, printConfigText, USAGE } from './config/describe.ts'
import { AppImportError, ConfigError, EXIT, HaltServer, UsageError } from './errors.ts'
import { checkLogFiles } from './logging/check-files.ts'
import { version } from './version.ts'

/** What the CLI touches outside itself; tests pass their own. */
export interface CliContext {
  readonly env: Readonly<Record<string, string | undefined>>
  readonly cwd: string
  stdout(text: string): void
  stderr(text: string): void
  chdir(directory: string): void
  runArbiter(config: Config, options: ArbiterOptions): Promise<number>
}

/** Runs `tsgi` with `argv`; resolves with the exit code for the process. */
export function main(argv: readonly string[] = process.argv.slice(2)): Promise<number> {
  return runCli(argv, {
    // A copy: the arbiter re-reads the environment as it was at start when it reloads.
    env: { ...process.env },
    cwd: process.cwd(),
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    chdir: (directory) => process.chdir(directory),
    runArbiter: (config, options) => new Arbiter(config, options).run(),
  })
}

export async function runCli(argv: readonly string[], context: CliContext): Promise<number> {
  try {
    return await run(argv, context)
  } catch (error) {
    return report(error, context)
  }
}

async function run(argv: readonly string[], context: CliContext): Promise<number> {
  // Before any config file is read, so that --help works whatever the files hold.
  const commandLine = parseCommandLine(argv, { source: COMMAND_LINE, actions: true })
  if (commandLine.help) return print(context, helpText())
  if (commandLine.version) return print(context, `tsgi ${version}\n`)
  const options: ResolveOptions = { argv, env: context.env, cwd: context.cwd }
  const resolved = await resolveConfig(options)
  const { config } = resolved
  if (config.printConfig) {
    context.stdout(printConfigText(resolved))
    // As in Gunicorn, --print-config implies --check-config, when there is an app to check.
    return config.app === null ? EXIT.OK : checkApp(config.app, config, context)
  }
  const app = requireApp(config)
  if (config.checkConfig) return checkApp(app, config, context)
  context.chdir(config.chdir)
  const reloadConfig = async () => (await resolveConfig(options)).config
  return context.runArbiter(config, { reloadConfig })
}

function print(context: CliContext, text: string): number {
  context.stdout(text)
  return EXIT.OK
}

function requireApp(config: Config): string {
  if (config.app !== null) return config.app
  throw new UsageError(
    'no application: give MODULE[:EXPORT] (tsgi app.ts, tsgi app.ts:handler), or set app in the config file',
    { showUsage: true }
  )
}

/** --check-config: load the app as a worker would; 0 when it loads, 1 when not (Gunicorn's). */
async function checkApp(app: string, config: Config, context: CliContext): Promise<number> {
  context.chdir(config.chdir)
  checkLogFiles(config)
  try {
    // Imported here only: the app loader pulls in every interface, which a serving master never
    // needs (workers load the app), and the master's memory is counted on every deployment.
    const { loadApp } = await import('./app-loader.ts')
    await loadApp(app, { cwd: config.chdir, interface: config.interface })
    return EXIT.OK
  } catch (error) {
    if (!(error instanceof AppImportError)) throw error
    report(error, context)
    return EXIT.CONFIG_ERROR
  }
}

/** Prints `error` for the user and returns the exit code it maps to. */
function report(error: unknown, context: CliContext): number {
  if (error instanceof UsageError) {
    const after = error.showUsage ? USAGE : "Run 'tsgi --help' to see every option."
    context.stderr(`tsgi: error: ${error.message}\n${after}\n`)
    return error.exitCode
  }
  if (error instanceof ConfigError || error instanceof AppImportError) {
    context.stderr(`tsgi: error: ${error.message}\n${causeStack(error)}`)
    return error.exitCode
  }
  if (error instanceof HaltServer) {
    context.stderr(`tsgi: error: ${error.reason}\n`)
    return error.exitStatus
  }
  context.stderr(
    `tsgi: unexpected error: ${error instanceof Error ? error.stack : String(error)}\n`
  )
  return EXIT.CONFIG_ERROR
}

/** The stack of the error a config file or an app threw while importing, to find it by. */
function causeStack(error: Error): string {
  const { cause } = error
  if (!(cause instanceof Error) || !cause.stack) return ''
  // The message already ends the line above; keep what follows it (code frame, call sites).
  const at = cause.stack.indexOf(cause.message)
  const stack =
    at < 0 ? cause.stack : cause.stack.slice(at + cause.message.length).replace(/^\n/, '')
  return stack.trim() === '' ? '' : `${stack.replace(/^/gm, '    ')}\n`
}
