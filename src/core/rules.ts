/**
 * The response rules of spec §3, checked in one place: the server core enforces them on every
 * response and the validator reports them with the same codes.
 * @module
 */
import { check, TsgiError } from '../ref/errors.ts'
import { boundedMemo } from './bounded-memo.ts'
import { isHeaderName } from './header-name.ts'
import type { Header, HeaderList } from '../spec/types.ts'

/** RFC 9110 §5.6.2 token characters. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
/** Control characters other than HTAB, and anything beyond latin-1. */
const BAD_VALUE_CHAR = /[\x00-\x08\x0a-\x1f\x7f]|[^\x00-\xff]/
const STATUS_LINE = /^([2-5]\d\d) ([^\x00-\x1f\x7f]*)$/

/** RFC 9110 §7.6.1 and RFC 9112: connection-specific headers only the server may send. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'trailers',
  'transfer-encoding',
  'upgrade',
])

/** True for an RFC 9110 token: the form of a header name (spec §3.2) or parameter. */
export function isToken(text: string): boolean {
  return TOKEN.test(text)
}

/** True for a valid header value: latin-1, no control characters but HTAB (spec §3.2). */
export function isHeaderValue(value: string): boolean {
  return !BAD_VALUE_CHAR.test(value)
}

/** True for a hop-by-hop header name, which applications must not set. */
export function isHopByHop(name: string): boolean {
  return HOP_BY_HOP.has(name.toLowerCase())
}

export interface ParsedStatus {
  readonly code: number
  readonly reason: string
}

/** Parses "NNN Reason" (spec §3.1); throws TSGI_ERR_STATUS naming the bad value. */
export function parseStatus(status: unknown): ParsedStatus {
  if (typeof status !== 'string') throw new TsgiError('TSGI_ERR_STATUS', `got ${typeof status}`)
  return parseStatusLine(status)
}

/** Memoized: apps send the same few status lines over and over. */
const parseStatusLine = boundedMemo((status: string): ParsedStatus => {
  const match = STATUS_LINE.exec(status)
  // The reason phrase goes on the wire like a header value: latin-1 only (RFC 9112 §4).
  if (!match || BAD_VALUE_CHAR.test(match[2]!)) {
    throw new TsgiError('TSGI_ERR_STATUS', JSON.stringify(status))
  }
  return Object.freeze({ code: Number(match[1]), reason: match[2] ?? '' })
})

// The checks below run on every header of every response: each builds its error message only
// when it fails (check()'s detail argument would be built every time).

/** Checks one header pair (spec §3.2) and returns its name lowercased. */
export function checkHeader(header: unknown): string {
  if (
    !Array.isArray(header) ||
    header.length !== 2 ||
    typeof header[0] !== 'string' ||
    typeof header[1] !== 'string'
  ) {
    throw new TsgiError(
      'TSGI_ERR_HEADERS_TYPE',
      `each header must be a [name, value] pair of strings, got ${describe(header)}`
    )
  }
  const name: string = header[0]
  const value: string = header[1]
  const lower = checkHeaderName(name)
  if (BAD_VALUE_CHAR.test(value)) {
    throw new TsgiError('TSGI_ERR_HEADER_VALUE', `${name}: ${JSON.stringify(value)}`)
  }
  return lower
}

/** A header name an app may send, lowercased. Memoized: apps send the same few names. */
const checkHeaderName = boundedMemo((name: string): string => {
  if (!TOKEN.test(name)) throw new TsgiError('TSGI_ERR_HEADER_NAME', JSON.stringify(name))
  const lower = name.toLowerCase()
  if (lower === 'status') throw new TsgiError('TSGI_ERR_HEADER_NAME', 'a header named "status"')
  if (HOP_BY_HOP.has(lower)) throw new TsgiError('TSGI_ERR_HOP_BY_HOP', name)
  return lower
})

/** Checks the header list (spec §3.2); returns it, typed. */
export function checkHeaders(headers: unknown): HeaderList {
  checkIsList(headers)
  for (const header of headers) checkHeader(header)
  return headers as HeaderList
}

/**
 * Checks the header list (spec §3.2) and returns it flat, `[name, value, name, value…]`, the
 * form node:http's writeHead takes: one new array per response, not a copy of every pair. The
 * copy is what goes out, so the app changing its list afterwards changes nothing.
 */
export function checkedFlatHeaders(headers: unknown): string[] {
  checkIsList(headers)
  const flat: string[] = []
  // Indexed: an array iterator per response costs more than the checks of a short list.
  for (let i = 0; i < headers.length; i++) {
    const header = headers[i]
    checkHeader(header)
    flat.push((header as Header)[0], (header as Header)[1])
  }
  return flat
}

/** Headers in the flat form of checkedFlatHeaders, as `[name, value]` pairs again. */
export function headerPairs(flat: readonly string[]): Header[] {
  const pairs: Header[] = []
  for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i]!, flat[i + 1]!])
  return pairs
}

function checkIsList(headers: unknown): asserts headers is unknown[] {
  if (!Array.isArray(headers)) {
    throw new TsgiError('TSGI_ERR_HEADERS_TYPE', `got ${describe(headers)}`)
  }
}

/** The Content-Length the headers declare, or undefined; throws on a malformed value. */
export function declaredContentLength(headers: HeaderList): number | undefined {
  let length: number | undefined
  for (const [name, value] of headers) length = withContentLength(length, name, value)
  return length
}

/** declaredContentLength for headers in the flat form of checkedFlatHeaders. */
export function flatContentLength(flat: readonly string[]): number | undefined {
  let length: number | undefined
  for (let i = 0; i < flat.length; i += 2)
    length = withContentLength(length, flat[i]!, flat[i + 1]!)
  return length
}

/** The Content-Length declared so far, after one more header: every value agrees, in digits. */
function withContentLength(length: number | undefined, name: string, value: string) {
  if (!isHeaderName(name, 'content-length')) return length
  check(/^\d{1,15}$/.test(value), 'TSGI_ERR_HEADER_VALUE', `Content-Length: ${value}`)
  // At most once (spec §3.2): even a repeated equal value makes clients such as Node's reject
  // the response (a duplicate Content-Length is a request-smuggling sign).
  check(length === undefined, 'TSGI_ERR_HEADER_VALUE', 'Content-Length appears twice')
  return Number(value)
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return `an array of ${value.length}`
  return typeof value
}

/** Whether a response with this status carries a body (RFC 9110 §6.4.1). */
export function allowsBody(code: number): boolean {
  return code !== 204 && code !== 304 && code >= 200
}
