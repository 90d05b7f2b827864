/**
 * A convenient, checked view of a response's header list (the wsgiref.headers counterpart).
 * @module
 */
import { check } from './errors.ts'
import { isHeaderValue, isToken } from '../core/rules.ts'
import type { Header, HeaderList } from '../spec/types.ts'

/** `add()` parameters: a string value gives `name=value`, `null` or `undefined` a bare flag. */
export type HeaderParams = Record<string, string | null | undefined>

/**
 * Reads and edits a `HeaderList` in place, matching names without regard to case.
 *
 * This is not the Fetch API's global `Headers`, although it shares the name:
 * - it wraps the array it is given and changes that array, so `headers.list` is what the app
 *   passes to `startResponse` (spec §3.2);
 * - every header stays its own `[name, value]` pair, in order and with its name spelt as given:
 *   `get()` returns the first value and `getAll()` all of them, never joined with `, `;
 * - iteration yields those pairs; `keys()` may repeat a name;
 * - names and values are checked when they are added (TSGI_ERR_HEADER_NAME,
 *   TSGI_ERR_HEADER_VALUE), never trimmed or otherwise rewritten.
 *
 * @example
 * const headers = new Headers([['Content-Type', 'text/plain']])
 * headers.add('Content-Disposition', 'attachment', { filename: 'report 1.txt' })
 * startResponse('200 OK', headers.list)
 * // Content-Disposition: attachment; filename="report 1.txt"
 */
export class Headers implements Iterable<Header> {
  /** The wrapped list itself, not a copy. */
  readonly list: HeaderList

  /** Wraps `list` (a new empty one by default) after checking every header already in it. */
  constructor(list: HeaderList = []) {
    if (!Array.isArray(list)) throw new TypeError('Headers wraps an array of [name, value] pairs')
    for (const header of list) {
      check(Array.isArray(header) && header.length === 2, 'TSGI_ERR_HEADERS_TYPE', 'not a pair')
      checkHeader(header[0], header[1])
    }
    this.list = list
  }

  /** How many headers there are, counting repeated names. */
  get size(): number {
    return this.list.length
  }

  /** The value of the first header called `name`, or undefined. */
  get(name: string): string | undefined {
    const lower = name.toLowerCase()
    return this.list.find(([key]) => key.toLowerCase() === lower)?.[1]
  }

  /** The values of every header called `name`, in order; empty when there is none. */
  getAll(name: string): string[] {
    const lower = name.toLowerCase()
    return this.list.filter(([key]) => key.toLowerCase() === lower).map(([, value]) => value)
  }

  has(name: string): boolean {
    return this.get(name) !== undefined
  }

  /** Replaces every header called `name` with one `name: value` at the end of the list. */
  set(name: string, value: string): this {
    checkHeader(name, value)
    this.#removeAll(name)
    this.list.push([name, value])
    return this
  }

  /** Removes every header called `name`; false when there was none. */
  delete(name: string): boolean {
    return this.#removeAll(name) > 0
  }

  /** The first value of `name`; when there is none, adds `name: value` and returns `value`. */
  setDefault(name: string, value: string): string {
    const current = this.get(name)
    if (current !== undefined) return current
    this.add(name, value)
    return value
  }

  /**
   * Appends a header, keeping any others of the same name. Each parameter becomes `; key=value`
   * with `_` in `key` turned into `-` (so `{ max_age: '1' }` gives `max-age=1`), the value
   * quoted unless it is a token, or a bare `; key` when the value is null or undefined.
   * A null `value` leaves only the parameters.
   */
  add(name: string, value: string | null, params: HeaderParams = {}): this {
    const parts = value === null ? [] : [value]
    for (const [key, param] of Object.entries(params)) parts.push(formatParam(key, param))
    const joined = parts.join('; ')
    checkHeader(name, joined)
    this.list.push([name, joined])
    return this
  }

  /** Each header's name, in order; a name repeats when the header does. */
  *keys(): IterableIterator<string> {
    for (const [name] of this.list) yield name
  }

  *values(): IterableIterator<string> {
    for (const [, value] of this.list) yield value
  }

  /** Each header as a fresh `[name, value]` pair; changing one leaves the list alone. */
  *entries(): IterableIterator<Header> {
    for (const [name, value] of this.list) yield [name, value]
  }

  [Symbol.iterator](): IterableIterator<Header> {
    return this.entries()
  }

  /** The header block as sent on the wire: `Name: value\r\n` for each, then an empty line. */
  toString(): string {
    return this.list.map(([name, value]) => `${name}: ${value}\r\n`).join('') + '\r\n'
  }

  /** Removes, in place, every header called `name`; returns how many there were. */
  #removeAll(name: string): number {
    const lower = name.toLowerCase()
    let kept = 0
    for (const header of this.list) {
      if (header[0].toLowerCase() !== lower) this.list[kept++] = header
    }
    const removed = this.list.length - kept
    this.list.length = kept
    return removed
  }
}

function formatParam(key: string, value: string | null | undefined): string {
  const name = key.replace(/_/g, '-')
  check(isToken(name), 'TSGI_ERR_HEADER_VALUE', `parameter name ${JSON.stringify(name)}`)
  if (value === null || value === undefined) return name
  if (isToken(value)) return `${name}=${value}`
  // RFC 9110 §5.6.4 quoted-string: a backslash escapes `"` and `\` inside the quotes.
  return `${name}="${value.replace(/["\\]/g, '\\$&')}"`
}

function checkHeader(name: unknown, value: unknown): asserts name is string {
  check(
    typeof name === 'string' && typeof value === 'string',
    'TSGI_ERR_HEADERS_TYPE',
    `a header name and value must be strings, got ${typeof name} and ${typeof value}`
  )
  check(isToken(name), 'TSGI_ERR_HEADER_NAME', JSON.stringify(name))
  check(isHeaderValue(value), 'TSGI_ERR_HEADER_VALUE', `${name}: ${JSON.stringify(value)}`)
}
