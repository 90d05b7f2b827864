/**
 * Reads command-line arguments (the real ones, or TSGI_CMD_ARGS split into words) into raw
 * setting values, using the flags the settings table declares. GNU style, as Gunicorn's
 * argparse: `--workers 4`, `--workers=4`, `-w 4`, `-w4`; `--` ends the options. Values are not
 * validated here: config.ts does that, layer by layer.
 * @module
 */
import { UsageError } from '../errors.ts'
import { displayName, type Setting } from './setting.ts'
import { SETTINGS } from './settings.ts'
import { closest } from './suggest.ts'

/** A value one source gives a setting, before validation. */
export interface RawValue {
  readonly name: string
  /** How messages name the setting: the long flag for arguments, the key for config files. */
  readonly label: string
  readonly raw: unknown
}

export interface ParsedCommandLine {
  readonly values: readonly RawValue[]
  readonly help: boolean
  readonly version: boolean
}

export interface ParseOptions {
  /** Where the arguments come from, for messages. */
  readonly source: string
  /** Whether -h/--help and -v/--version are recognised (on the real command line only). */
  readonly actions: boolean
}

/** The source name of the real command line, as messages print it (`from the command line`). */
export const COMMAND_LINE = 'the command line'

const ACTION_FLAGS: Readonly<Record<string, 'help' | 'version'>> = {
  '-h': 'help',
  '--help': 'help',
  '-v': 'version',
  '--version': 'version',
}

const FLAGS: ReadonlyMap<string, Setting> = new Map(
  SETTINGS.flatMap((entry) => entry.cli.map((flag) => [flag, entry as Setting] as const))
)

const POSITIONAL: Setting | undefined = SETTINGS.find((entry) => 'positional' in entry)

/** Parses `args`; throws UsageError for an unknown flag, a missing value or an extra argument. */
export function parseCommandLine(
  args: readonly string[],
  options: ParseOptions
): ParsedCommandLine {
  return new CommandLineParser(options).parse(args)
}

class CommandLineParser {
  readonly #options: ParseOptions
  readonly #values = new Map<string, RawValue>()
  readonly #positionals: string[] = []
  readonly #actions = { help: false, version: false }

  constructor(options: ParseOptions) {
    this.#options = options
  }

  parse(args: readonly string[]): ParsedCommandLine {
    for (let i = 0; i < args.length; i++) {
      const arg = args[i]!
      if (arg === '--') {
        this.#positionals.push(...args.slice(i + 1))
        break
      }
      if (isOption(arg)) i += this.#option(arg, args[i + 1])
      else this.#positionals.push(arg)
    }
    this.#positional()
    return { values: [...this.#values.values()], ...this.#actions }
  }

  /** Handles one option; returns 1 when it consumed the next argument as its value. */
  #option(arg: string, next: string | undefined): number {
    const { flag, inline } = splitOption(arg)
    const action = this.#options.actions ? ACTION_FLAGS[flag] : undefined
    if (action) {
      if (inline !== undefined) throw this.#error(`${flag} takes no value`)
      this.#actions[action] = true
      return 0
    }
    const entry = FLAGS.get(flag) ?? this.#unknown(flag)
    if (entry.type === 'boolean') {
      if (inline !== undefined) throw this.#error(`${flag} takes no value`)
      this.#record(entry, true)
      return 0
    }
    if (inline !== undefined) {
      this.#record(entry, inline)
      return 0
    }
    if (next === undefined || isOption(next)) {
      throw this.#error(`${flag} needs a value (${entry.meta ?? 'VALUE'})`)
    }
    this.#record(entry, next)
    return 1
  }

  /** Lists collect every occurrence; other settings keep the last, as argparse does. */
  #record(entry: Setting, raw: string | true): void {
    const previous = this.#values.get(entry.name)
    const value = entry.type === 'list' ? [...((previous?.raw as string[]) ?? []), raw] : raw
    this.#values.set(entry.name, { name: entry.name, label: displayName(entry), raw: value })
  }

  #positional(): void {
    const [first, extra] = this.#positionals
    if (extra !== undefined) {
      throw this.#error(`unexpected argument ${JSON.stringify(extra)}: give one MODULE[:EXPORT]`)
    }
    if (first !== undefined && POSITIONAL) this.#record(POSITIONAL, first)
  }

  #unknown(flag: string): never {
    const instead = GUNICORN_ONLY[flag]
    if (instead) throw this.#error(`unknown option ${flag}`, ` (Gunicorn's; in tsgi: ${instead})`)
    const flags = [...FLAGS.keys(), ...(this.#options.actions ? Object.keys(ACTION_FLAGS) : [])]
    const suggestion = closest(
      flag,
      flags.filter((candidate) => candidate.startsWith('--'))
    )
    const hint = suggestion ? ` (did you mean ${suggestion}?)` : ''
    throw this.#error(`unknown option ${flag}`, hint)
  }

  /** A usage error; outside the real command line, it says where the arguments came from. */
  #error(message: string, hint = ''): UsageError {
    const where = this.#options.source === COMMAND_LINE ? '' : ` in ${this.#options.source}`
    return new UsageError(`${message}${where}${hint}`)
  }
}

/**
 * Gunicorn flags tsgi does without, and what to do instead: a Gunicorn habit gets an answer
 * rather than a guess at a typo (`--preload` is not `--reload`).
 */
const GUNICORN_ONLY: Readonly<Record<string, string>> = Object.fromEntries(
  (
    [
      [['--preload'], 'each worker loads the app; Node cannot fork a process that has loaded it'],
      [['--threads'], 'an async worker (-k async) serves its requests concurrently on one thread'],
      [['--reuse-port'], '--balance reuseport'],
      [['-D', '--daemon'], 'no daemon mode; run it under systemd, supervisor or a container'],
      [['-u', '--user'], "run tsgi as that user, with systemd's User= or supervisor's user="],
      [['-g', '--group'], "run tsgi as that group, with systemd's Group="],
    ] as const
  ).flatMap(([flags, instead]) => flags.map((flag) => [flag, instead]))
)

/** `-x…` and `--x…` are options; `-` alone is an argument, and so is `-1` (a negative number). */
function isOption(arg: string): boolean {
  return arg.length > 1 && arg.startsWith('-') && !/^-\d/.test(arg)
}

/** `--name=value` → (`--name`, `value`); `-w4` → (`-w`, `4`). */
function splitOption(arg: string): { flag: string; inline: string | undefined } {
  if (arg.startsWith('--')) {
    const equals = arg.indexOf('=')
    return equals < 0
      ? { flag: arg, inline: undefined }
      : { flag: arg.slice(0, equals), inline: arg.slice(equals + 1) }
  }
  return { flag: arg.slice(0, 2), inline: arg.length > 2 ? arg.slice(2) : undefined }
}
