/**
 * The access log's atoms, as Gunicorn's `glogging.Logger.atoms()` defines them: each name in an
 * access log format (`%(h)s`, `%({x-request-id}i)s`) resolves once, at compile time, to a
 * function from a request record to the text it prints.
 *
 * Like Gunicorn, the request atoms read the environ the application saw when there is one (so a
 * proxy middleware that rewrote REMOTE_ADDR shows in the log) and fall back to the request.
 * Values a client controls are escaped (./escape.ts); a missing value prints `-`, an empty one
 * prints nothing (Gunicorn's SafeAtoms).
 * @module
 */
import type { IncomingMessage } from 'node:http'
import { percentDecodeLatin1, splitUri } from '../../core/environ.ts'
import { isHeaderName } from '../../core/header-name.ts'
import { peerOf } from '../../core/peer.ts'
import { accessLogNow } from './clock.ts'
import { escapeLogValue } from './escape.ts'

/** What the worker knows about one finished (or abandoned) request. */
export interface AccessRecord {
  /**
   * Method, url, httpVersion, rawHeaders and the socket's peer are read. Node forgets the
   * remote address once the socket is closed unless it was read before (every interface reads
   * it with peerOf when the request starts), so log before the close or pass the environ.
   */
  req: IncomingMessage
  /** 0 if no response was sent. */
  status: number
  /** The response headers sent; read only for a format that shows one. */
  headers: ReadonlyArray<readonly [string, string]>
  /** Body bytes sent. */
  bytes: number
  /** `process.hrtime.bigint()` at request start. */
  startedAt: bigint
  /** Defaults to the time the line is formatted. */
  endedAt?: bigint
  environ?: Record<string, unknown>
}

/** One record on its way through the atoms of a format; computes the duration once. */
export class AtomContext {
  readonly record: AccessRecord
  #micros = -1

  constructor(record: AccessRecord) {
    this.record = record
  }

  /** Request duration in whole microseconds. */
  get micros(): number {
    if (this.#micros < 0) {
      const end = this.record.endedAt ?? process.hrtime.bigint()
      const nanos = end - this.record.startedAt
      this.#micros = nanos > 0n ? Number(nanos / 1000n) : 0
    }
    return this.#micros
  }

  /** The environ's value for `key` when it is a string. */
  env(key: string): string | undefined {
    const value = this.record.environ?.[key]
    return typeof value === 'string' ? value : undefined
  }
}

export type Atom = (ctx: AtomContext) => string

const dash: Atom = () => '-'

function escapedOrDash(value: string | undefined): string {
  return value === undefined ? '-' : escapeLogValue(value)
}

/** The client's address for `%(h)s` when there is no environ (a Node or fetch app). */
function peerAddress(socket: IncomingMessage['socket'] | null | undefined): string | undefined {
  return (socket && peerOf(socket)?.address) || undefined
}

/** The last value of a request header (Gunicorn builds its atoms from a dict: last one wins). */
export function lastRequestHeader(req: IncomingMessage, lowerName: string): string | undefined {
  const raw = req.rawHeaders
  for (let i = raw.length - 2; i >= 0; i -= 2) {
    const name = raw[i]!
    if (isHeaderName(name, lowerName)) return raw[i + 1]
  }
  return undefined
}

function lastResponseHeader(ctx: AtomContext, lowerName: string): string | undefined {
  const headers = ctx.record.headers
  for (let i = headers.length - 1; i >= 0; i--) {
    const [name, value] = headers[i]!
    if (isHeaderName(name, lowerName)) return value
  }
  return undefined
}

/** The user name of `Authorization: Basic ...`; undefined when absent or undecodable. */
export function basicAuthUser(authorization: string | undefined): string | undefined {
  if (!authorization || authorization.slice(0, 5).toLowerCase() !== 'basic') return undefined
  const space = authorization.indexOf(' ')
  if (space < 0) return undefined
  const decoded = Buffer.from(authorization.slice(space + 1).trim(), 'base64')
  const colon = decoded.indexOf(0x3a)
  try {
    const user = UTF8.decode(colon < 0 ? decoded : decoded.subarray(0, colon))
    return user === '' ? undefined : user
  } catch {
    return undefined
  }
}

const UTF8 = new TextDecoder('utf-8', { fatal: true })

function method(ctx: AtomContext): string | undefined {
  return ctx.env('REQUEST_METHOD') ?? ctx.record.req.method
}

function protocol(ctx: AtomContext): string {
  return ctx.env('SERVER_PROTOCOL') ?? `HTTP/${ctx.record.req.httpVersion}`
}

function rawUri(ctx: AtomContext): string | undefined {
  return ctx.env('RAW_URI') ?? ctx.record.req.url
}

function pathInfo(ctx: AtomContext): string | undefined {
  const fromEnviron = ctx.env('PATH_INFO')
  if (fromEnviron !== undefined) return fromEnviron
  const url = ctx.record.req.url
  return url === undefined ? undefined : percentDecodeLatin1(splitUri(url).path)
}

function queryString(ctx: AtomContext): string | undefined {
  const fromEnviron = ctx.env('QUERY_STRING')
  if (fromEnviron !== undefined) return fromEnviron
  const url = ctx.record.req.url
  return url === undefined ? undefined : splitUri(url).query
}

function header(ctx: AtomContext, cgiKey: string, lowerName: string): string | undefined {
  return ctx.env(cgiKey) ?? lastRequestHeader(ctx.record.req, lowerName)
}

function requestLine(ctx: AtomContext): string {
  return escapeLogValue(`${method(ctx) ?? '-'} ${rawUri(ctx) ?? '-'} ${protocol(ctx)}`)
}

/** `T`, `M`, `D`, `L`: whole seconds, milliseconds, microseconds, and `S.uuuuuu`. */
const durationAtoms: Record<string, Atom> = {
  T: (ctx) => String(Math.floor(ctx.micros / 1e6)),
  M: (ctx) => String(Math.floor(ctx.micros / 1e3)),
  D: (ctx) => String(ctx.micros),
  L: (ctx) => `${Math.floor(ctx.micros / 1e6)}.${String(ctx.micros % 1e6).padStart(6, '0')}`,
}

const requestAtoms: Record<string, Atom> = {
  h: (ctx) => escapedOrDash(ctx.env('REMOTE_ADDR') ?? peerAddress(ctx.record.req.socket)),
  l: dash,
  u: (ctx) => escapedOrDash(basicAuthUser(header(ctx, 'HTTP_AUTHORIZATION', 'authorization'))),
  t: () => accessLogNow(),
  r: requestLine,
  m: (ctx) => escapedOrDash(method(ctx)),
  U: (ctx) => escapedOrDash(pathInfo(ctx)),
  q: (ctx) => escapedOrDash(queryString(ctx)),
  H: (ctx) => escapeLogValue(protocol(ctx)),
  f: (ctx) => escapedOrDash(header(ctx, 'HTTP_REFERER', 'referer')),
  a: (ctx) => escapedOrDash(header(ctx, 'HTTP_USER_AGENT', 'user-agent')),
}

/**
 * `s`, `B`, `b`. With no response sent there is no status and no length: `s` and `b` print `-`.
 * Gunicorn's `b` prints `-` only then, and `0` for an empty body (its `resp.sent` starts at 0).
 */
const responseAtoms: Record<string, Atom> = {
  s: (ctx) => (ctx.record.status === 0 ? '-' : String(ctx.record.status)),
  B: (ctx) => String(ctx.record.bytes),
  b: (ctx) => (ctx.record.status === 0 ? '-' : String(ctx.record.bytes)),
}

function pidAtom(): Atom {
  const text = `<${process.pid}>`
  return () => text
}

/** A value from the environ or the process environment, printed when it is a primitive. */
function printable(value: unknown): string | undefined {
  if (typeof value === 'string') return escapeLogValue(value)
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value)
  }
  return undefined
}

/** Gunicorn lower-cases environ keys for `{name}e`, so the name matches in any case. */
function environValue(environ: Record<string, unknown>, name: string, upper: string): unknown {
  if (name in environ) return environ[name]
  if (upper in environ) return environ[upper]
  const lower = name.toLowerCase()
  for (const key of Object.keys(environ)) {
    if (key.toLowerCase() === lower) return environ[key]
  }
  return undefined
}

/**
 * `{name}e`: Gunicorn's is the WSGI environ (CGI keys, HTTP_*, wsgi.*); its docs call it an
 * "environment variable". Both are honoured: the request's environ first, then the process's.
 */
function environAtom(name: string): Atom {
  const upper = name.toUpperCase()
  return (ctx) => {
    const environ = ctx.record.environ
    const value = environ === undefined ? undefined : environValue(environ, name, upper)
    return printable(value ?? process.env[name] ?? process.env[upper]) ?? '-'
  }
}

/** Resolves `{name}i`, `{name}o`, `{name}e`; the suffix and name match in any case. */
function bracedAtom(key: string): Atom {
  const close = key.lastIndexOf('}')
  if (close !== key.length - 2) return dash
  const name = key.slice(1, close).toLowerCase()
  switch (key[close + 1]!.toLowerCase()) {
    case 'i':
      return (ctx) => escapedOrDash(lastRequestHeader(ctx.record.req, name))
    case 'o':
      return (ctx) => escapedOrDash(lastResponseHeader(ctx, name))
    case 'e':
      return environAtom(key.slice(1, close))
    default:
      return dash
  }
}

/** The atom for a format key; unknown keys print `-`, as Gunicorn's SafeAtoms does. */
export function resolveAtom(key: string): Atom {
  if (key.startsWith('{')) return bracedAtom(key)
  if (key === 'p') return pidAtom()
  if (Object.hasOwn(requestAtoms, key)) return requestAtoms[key]!
  if (Object.hasOwn(responseAtoms, key)) return responseAtoms[key]!
  if (Object.hasOwn(durationAtoms, key)) return durationAtoms[key]!
  return dash
}
