/**
 * What a setting declares, and `setting()`, which settings.ts calls once per setting.
 * @module
 */
import type { Validator } from './validators.ts'

/** The sections of --help and docs/settings.md, in order (Gunicorn's section names). */
export const SECTIONS = [
  'Config File',
  'Debugging',
  'Server Socket',
  'Worker Processes',
  'Security',
  'Server Mechanics',
  'Logging',
  'Process Naming',
] as const

export type Section = (typeof SECTIONS)[number]

/**
 * How the command line reads a setting: `boolean` flags take no value, `list` flags may repeat
 * (each occurrence adds an item), the others take one value and the last occurrence wins. A
 * `map` (an object) has no flag: only config files set it, as in Gunicorn.
 */
export type SettingType = 'boolean' | 'integer' | 'string' | 'list' | 'map'

export interface Setting<N extends string = string, T = unknown> {
  /** camelCase, as in config files and the Config object. */
  readonly name: N
  readonly section: Section
  /** The flags, short first; the first long one names the setting in error messages. */
  readonly cli: readonly string[]
  /** Set by the command's argument (MODULE[:EXPORT]) rather than by a flag. */
  readonly positional?: boolean
  /** An environment variable that, when set and not empty, replaces the default. */
  readonly env?: string
  /** Turns the variable's text into a raw value (PORT=5000 → ['0.0.0.0:5000']). */
  readonly fromEnv?: (text: string) => unknown
  /** The placeholder for the value in --help (`-w INT`). */
  readonly meta?: string
  readonly type: SettingType
  /** Validated like any other value, so `'.'` can stand for the starting directory. */
  readonly default: T
  /** How --help and the docs describe the default when the value alone would not say it. */
  readonly defaultText?: string
  readonly validate: Validator<T>
  /** A one-line summary, a blank line, then the details (Markdown). */
  readonly doc: string
}

/** Declares a setting. T comes from the validator, so the default must be of its type. */
export function setting<const N extends string, T>(
  spec: Omit<Setting<N, T>, 'default'> & { readonly default: NoInfer<T> }
): Setting<N, T> {
  return Object.freeze({ ...spec, cli: Object.freeze([...spec.cli]), doc: dedent(spec.doc) })
}

/** The first paragraph of a setting's doc, on one line. */
export function summary(entry: Setting): string {
  return (entry.doc.split('\n\n')[0] ?? '').replace(/\s*\n\s*/g, ' ')
}

/** The flags that take the setting's long name: `--workers` (or the argument's placeholder). */
export function displayName(entry: Setting): string {
  return entry.cli.find((flag) => flag.startsWith('--')) ?? entry.name
}

/** Removes the indentation template literals carry in source, and the surrounding blank lines. */
function dedent(text: string): string {
  const lines = text.replace(/^\n+|\s+$/g, '').split('\n')
  const indents = lines.filter((line) => line.trim()).map((line) => /^ */.exec(line)![0].length)
  const cut = Math.min(...indents)
  return lines.map((line) => line.slice(cut).trimEnd()).join('\n')
}
