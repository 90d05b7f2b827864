/**
 * Setting validators: small pure functions that take a raw value (a string from the command line
 * or TSGI_CMD_ARGS, any JSON-ish value from a config file) and return it normalized, or throw an
 * InvalidValue whose reason completes the sentence `<value> <reason>`.
 * @module
 */
import { existsSync, statSync } from 'node:fs'
import { extname, resolve } from 'node:path'
import { parseNetwork } from '../../core/forwarded-scheme.ts'
import { isToken } from '../../core/rules.ts'
import { InvalidAppSpec, parseAppSpec } from '../app-spec.ts'
import { parseBindAddress, formatBindAddress } from './address.ts'
import { InvalidValue } from './invalid-value.ts'

/** What validators may depend on besides the value: the directory tsgi was started in. */
export interface ValidateContext {
  readonly cwd: string
}

export type Validator<T> = (value: unknown, context: ValidateContext) => T

const DIGITS = /^\s*\d+\s*$/

/** An integer from a number or a string of decimal digits; undefined for anything else. */
function toInteger(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined
  if (typeof value === 'string' && DIGITS.test(value)) {
    const number = Number(value)
    return Number.isSafeInteger(number) ? number : undefined
  }
  return undefined
}

/** An integer >= 1 (a count that cannot be zero: workers, backlog). */
export const positiveInt: Validator<number> = (value) => {
  const number = toInteger(value)
  if (number === undefined || number < 1) throw new InvalidValue('is not a positive integer')
  return number
}

/** An integer >= 0 (0 usually means "off": timeouts, max requests). */
export const nonNegativeInt: Validator<number> = (value) => {
  const number = toInteger(value)
  if (number === undefined || number < 0) throw new InvalidValue('is not a non-negative integer')
  return number
}

/**
 * The longest delay a Node timer keeps (2^31 - 1 ms, about 24.8 days): a longer one fires at
 * once, which would turn a long timeout into none.
 */
export const MAX_SECONDS = Math.floor((2 ** 31 - 1) / 1000)

/** A number of seconds from 0 (usually "off") to what a Node timer can wait. */
export const seconds: Validator<number> = (value) => {
  const number = toInteger(value)
  if (number === undefined || number < 0 || number > MAX_SECONDS) {
    throw new InvalidValue(`is not a number of seconds from 0 to ${MAX_SECONDS}`)
  }
  return number
}

/** An integer from `min` to `max`, both included. */
export function intBetween(min: number, max: number): Validator<number> {
  return (value) => {
    const number = toInteger(value)
    if (number === undefined || number < min || number > max) {
      throw new InvalidValue(`is not an integer from ${min} to ${max}`)
    }
    return number
  }
}

/**
 * The header count limit: 0 to 32768, where 0 means the maximum, as Gunicorn's parser reads it
 * (`http/message.py`: a limit <= 0 becomes MAX_HEADERS).
 */
export const MAX_HEADER_FIELDS = 32768
export const headerCountLimit: Validator<number> = (value, context) =>
  intBetween(0, MAX_HEADER_FIELDS)(value, context) || MAX_HEADER_FIELDS

/** One of `choices`, compared case-insensitively (`--log-level DEBUG` works, as in Gunicorn). */
export function oneOf<const C extends readonly string[]>(choices: C): Validator<C[number]> {
  return (value) => {
    const lower = typeof value === 'string' ? value.trim().toLowerCase() : undefined
    const match = choices.find((choice) => choice === lower)
    if (match === undefined) throw new InvalidValue(`is not one of ${choices.join(', ')}`)
    return match
  }
}

/** A non-empty string, trimmed. */
export const string: Validator<string> = (value) => {
  if (typeof value !== 'string') throw new InvalidValue('is not a string')
  const trimmed = value.trim()
  if (trimmed === '') throw new InvalidValue('is empty')
  return trimmed
}

/** A string, or null for "not set" (null, or an empty string as Gunicorn's `-p ''` means none). */
export const optionalString: Validator<string | null> = (value, context) => {
  if (value === null || value === undefined) return null
  if (typeof value === 'string' && value.trim() === '') return null
  return string(value, context)
}

/** A boolean; from text, `true` or `false` in any case (Gunicorn's validate_bool). */
export const boolean: Validator<boolean> = (value) => {
  if (typeof value === 'boolean') return value
  const text = typeof value === 'string' ? value.trim().toLowerCase() : undefined
  if (text === 'true') return true
  if (text === 'false') return false
  throw new InvalidValue('is not true or false')
}

/**
 * A list of bind addresses, each normalized to `HOST:PORT`, `[V6]:PORT`, `unix:PATH` or
 * `fd://N`. A single string is a one-item list (Gunicorn accepts `bind = "…"` too).
 */
export const bindList: Validator<readonly string[]> = (value) => {
  const items = typeof value === 'string' ? [value] : value
  if (!Array.isArray(items)) throw new InvalidValue('is not an address or a list of addresses')
  if (items.length === 0) throw new InvalidValue('is empty: bind at least one address')
  return items.map((item: unknown) => {
    if (typeof item !== 'string') throw new InvalidValue('is not an address string', item)
    return formatBindAddress(parseBindAddress(item))
  })
}

/**
 * Trusted proxies: a comma-separated string (Gunicorn's form, and the command line's) or a
 * list, each item an IP address, a network (`10.0.0.0/8`) or `*` (any peer). Blank items are
 * dropped, so `''` trusts no TCP peer.
 */
export const proxyAddressList: Validator<readonly string[]> = (value) => {
  const items: unknown = typeof value === 'string' ? value.split(',') : value
  if (!Array.isArray(items)) throw new InvalidValue('is not a comma-separated list of addresses')
  return items
    .map((item: unknown) => {
      if (typeof item !== 'string') throw new InvalidValue('is not an address string', item)
      return item.trim()
    })
    .filter((item) => item !== '')
    .map((item) => {
      if (item !== '*' && parseNetwork(item) === undefined) {
        throw new InvalidValue('is not an IP address, a network (ADDRESS/BITS) or *', item)
      }
      return item
    })
}

/** An object of header names to values (config files only), each name once in any case. */
export const headerValues: Validator<Readonly<Record<string, string>>> = (value) => {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidValue('is not an object of header names to values')
  }
  const seen = new Set<string>()
  for (const [name, text] of Object.entries(value)) {
    if (!isToken(name)) throw new InvalidValue('is not a header name', name)
    if (seen.has(name.toLowerCase())) throw new InvalidValue('names a header twice', name)
    seen.add(name.toLowerCase())
    if (typeof text !== 'string') throw new InvalidValue(`is not a string (for ${name})`, text)
  }
  return Object.freeze({ ...(value as Record<string, string>) })
}

/**
 * A umask from 0 to 0o777: a number (a config file's `0o007`), or text in octal with a leading
 * `0` or `0o` (`007`, `0o007`), in hex with `0x`, or in decimal, as Gunicorn reads it.
 */
export const umask: Validator<number> = (value) => {
  const number = typeof value === 'string' ? parseUmask(value.trim()) : value
  if (typeof number !== 'number' || !Number.isInteger(number) || number < 0 || number > 0o777) {
    throw new InvalidValue('is not a umask from 0 to 0777 (octal: 007 or 0o007)')
  }
  return number
}

function parseUmask(text: string): number | undefined {
  const octal = /^0o?([0-7]+)$/i.exec(text)
  if (octal) return parseInt(octal[1]!, 8)
  if (/^0x[0-9a-f]+$/i.test(text)) return parseInt(text.slice(2), 16)
  return /^(?:0|[1-9]\d*)$/.test(text) ? Number(text) : undefined
}

/** An existing directory, made absolute against the starting directory (Gunicorn's chdir). */
export const directory: Validator<string> = (value, context) => {
  const path = resolve(context.cwd, string(value, context))
  if (!existsSync(path)) throw new InvalidValue('does not exist')
  if (!statSync(path).isDirectory()) throw new InvalidValue('is not a directory')
  return path
}

/** The extensions a config file may have, in the order the default search tries them. */
export const CONFIG_FILE_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs', '.json'] as const

/** An existing config file, made absolute against the starting directory. */
export const configFile: Validator<string> = (value, context) => {
  const path = resolve(context.cwd, string(value, context))
  if (!(CONFIG_FILE_EXTENSIONS as readonly string[]).includes(extname(path))) {
    throw new InvalidValue(`is not a ${CONFIG_FILE_EXTENSIONS.join(', ')} file`)
  }
  if (!existsSync(path)) throw new InvalidValue('does not exist')
  if (!statSync(path).isFile()) throw new InvalidValue('is not a file')
  return path
}

/** `configFile`, or null when no config file is named. */
export const optionalConfigFile: Validator<string | null> = (value, context) =>
  value === null || value === undefined ? null : configFile(value, context)

/** `MODULE[:EXPORT]`, checked for form only (loading it is the app loader's job), or null. */
export const optionalAppSpec: Validator<string | null> = (value, context) => {
  const spec = optionalString(value, context)
  if (spec === null) return null
  try {
    parseAppSpec(spec)
  } catch (error) {
    if (error instanceof InvalidAppSpec) throw new InvalidValue(error.reason)
    throw error
  }
  return spec
}
