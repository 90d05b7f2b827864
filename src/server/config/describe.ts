/**
 * Settings as text for people: `--help` and `--print-config`, both generated from the table.
 * @module
 */
import type { ResolvedConfig } from './config.ts'
import { DEFAULT_SOURCE } from './config.ts'
import { showValue } from './invalid-value.ts'
import { SECTIONS, summary, type Setting } from './setting.ts'
import { SETTINGS } from './settings.ts'

export const USAGE = 'usage: tsgi [OPTIONS] MODULE[:EXPORT]'

const INTRO = `Serves the TSGI app EXPORT (default: app) of MODULE, a .ts, .mts, .js or .mjs file or a
package, with a pre-fork server. Settings come from, lowest first: defaults, the config file,
TSGI_CMD_ARGS, the command line. docs/settings.md describes each one.`

const ACTIONS: ReadonlyArray<readonly [string, string]> = [
  ['-h, --help', 'Show this help and exit.'],
  ['-v, --version', 'Print the version and exit.'],
]

const COLUMN = 34

/** The text `tsgi --help` prints. */
export function helpText(): string {
  const lines = [USAGE, '', INTRO, '', ...ACTIONS.map(([left, text]) => row(left, text))]
  for (const section of SECTIONS) {
    lines.push('', `${section}:`)
    for (const entry of SETTINGS.filter((candidate) => candidate.section === section)) {
      // Docs are Markdown; a terminal shows `code` better without its backticks.
      const text = summary(entry).replaceAll('`', '')
      lines.push(row(flagsText(entry), `${text}${defaultSuffix(entry)}`))
    }
  }
  return `${lines.join('\n')}\n`
}

function row(left: string, text: string): string {
  const indented = `  ${left}`
  if (indented.length < COLUMN) return indented.padEnd(COLUMN) + text
  return `${indented}\n${' '.repeat(COLUMN)}${text}`
}

/**
 * `-w, --workers INT`; the argument's placeholder for the positional setting; the name of one
 * only config files set.
 */
export function flagsText(entry: Setting): string {
  if (entry.positional) return entry.meta ?? entry.name
  if (entry.cli.length === 0) return `${entry.name} (config file)`
  return entry.cli.join(', ') + (entry.meta ? ` ${entry.meta}` : '')
}

function defaultSuffix(entry: Setting): string {
  return entry.type === 'boolean' ? '' : ` [${describeDefault(entry)}]`
}

/** The default in words: `1; $WEB_CONCURRENCY when set`, `none`, `127.0.0.1:8000`. */
export function describeDefault(entry: Setting): string {
  const text = entry.defaultText ?? plainValue(entry.default)
  if (!entry.env) return text
  if (!entry.fromEnv) return `${text}; $${entry.env} if set`
  return `${text}; ${plainValue(entry.fromEnv(`$${entry.env}`))} if ${entry.env} is set`
}

function plainValue(value: unknown): string {
  if (value === null || value === undefined) return 'none'
  if (Array.isArray(value)) return value.map(plainValue).join(', ')
  return String(value)
}

/**
 * The text `tsgi --print-config` prints: `name = value` per setting, values in JSON, and the
 * source of every value that is not the default (Gunicorn prints only the values).
 */
export function printConfigText({ config, sources }: ResolvedConfig): string {
  const width = Math.max(...SETTINGS.map((entry) => entry.name.length))
  const lines = SETTINGS.map(({ name }) => {
    const line = `${name.padEnd(width)} = ${showValue(config[name])}`
    return sources[name] === DEFAULT_SOURCE ? line : `${line}  # from ${sources[name]}`
  })
  return `${lines.join('\n')}\n`
}
