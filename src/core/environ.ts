/**
 * A `node:http` request as a TSGI environ (spec §4): the CGI keys, `HTTP_*` headers and `tsgi.*`.
 * @module
 */
import type { IncomingMessage } from 'node:http'
import type { Environ, ErrorStream, InputStream } from '../spec/types.ts'
import type { ClientSignal } from './client-signal.ts'
import { boundedMemo, lastValueMemo } from './bounded-memo.ts'
import { fileWrapper } from './file-wrapper.ts'
import type { ForwardedScheme } from './forwarded-scheme.ts'
import { peerOf } from './peer.ts'

export const TSGI_VERSION = Object.freeze([1, 0] as const)

/** What the server knows about itself: the same for every request it serves. */
export interface ServerContext {
  errors: ErrorStream
  urlScheme: 'http' | 'https'
  /** Trusted proxies may say a request came over HTTPS (forwarded-scheme.ts). */
  forwardedScheme?: ForwardedScheme | undefined
  scriptName: string
  multiprocess: boolean
  multithread: boolean
  runOnce: boolean
}

/**
 * Builds the environ for one request. Header values arrive from llhttp as latin-1 strings.
 * `input` and `signal` are this request's own: they are passed apart from the server's context
 * because merging them in with an object spread of the long-lived context made V8 keep every
 * request's objects past the next scavenge (a third of the worker's CPU went to GC).
 */
export function buildEnviron(
  req: IncomingMessage,
  ctx: ServerContext,
  input: InputStream,
  signal: ClientSignal,
  urlScheme: 'http' | 'https' = ctx.urlScheme
): Environ {
  const rawUri = req.url ?? '/'
  const { path, query } = splitUri(rawUri)
  const socket = req.socket
  const environ = {
    REQUEST_METHOD: req.method ?? 'GET',
    SCRIPT_NAME: ctx.scriptName,
    PATH_INFO: stripScriptName(percentDecodeLatin1(path), ctx.scriptName),
    QUERY_STRING: query,
    SERVER_NAME: '',
    SERVER_PORT: '',
    SERVER_PROTOCOL: protocol(req),
    RAW_URI: rawUri,
    'tsgi.version': TSGI_VERSION,
    'tsgi.url_scheme': urlScheme,
    'tsgi.input': input,
    'tsgi.errors': ctx.errors,
    'tsgi.multithread': ctx.multithread,
    'tsgi.multiprocess': ctx.multiprocess,
    'tsgi.run_once': ctx.runOnce,
    'tsgi.file_wrapper': fileWrapper,
  } as Environ
  const peer = socket ? peerOf(socket) : undefined
  if (peer) {
    environ.REMOTE_ADDR = peer.address
    environ.REMOTE_PORT = peer.port
  }
  addHeaders(environ, req.rawHeaders)
  setServerAddress(environ, socket)
  addSignal(environ, signal)
  return environ
}

/**
 * From Node 22 on, an AbortController costs about 0.1 µs: every environ gets its signal at
 * once, as a plain property. Node 20's costs about 8 µs, more than the rest of a hello request,
 * so there the signal is made on first read, behind an accessor whose Object.defineProperty
 * costs about 1.4 µs per request in a worker (measured with --cpu-prof; 0.4 µs alone).
 */
const EAGER_SIGNAL = Number(process.versions.node.split('.', 1)[0]) >= 22

/**
 * Adds `tsgi.signal`, last. The accessor goes in by defineProperty: one in the literal itself
 * would put the environ in V8's dictionary mode, and every key added and read after it would
 * pay for that. One getter, shared by every environ, reads this request's ClientSignal from a
 * symbol key (Object.keys, for-in and JSON leave it out): a getter closure per environ gave each
 * its own hidden class, made in old space, and kept every request's objects alive past the
 * next scavenge.
 */
function addSignal(environ: Environ, signal: ClientSignal): void {
  if (EAGER_SIGNAL) {
    environ['tsgi.signal'] = signal.signal
    return
  }
  ;(environ as WithClientSignal)[CLIENT_SIGNAL] = signal
  Object.defineProperty(environ, 'tsgi.signal', SIGNAL_PROPERTY)
}

const CLIENT_SIGNAL = Symbol('tsgi.clientSignal')

type WithClientSignal = Environ & { [CLIENT_SIGNAL]: ClientSignal }

const SIGNAL_PROPERTY: PropertyDescriptor = {
  get(this: WithClientSignal): AbortSignal {
    return this[CLIENT_SIGNAL].signal
  },
  enumerable: true,
  configurable: true,
}

/** Copies headers into CONTENT_TYPE, CONTENT_LENGTH and HTTP_* keys; repeated ones are joined. */
function addHeaders(environ: Environ, rawHeaders: string[]): void {
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const key = cgiKey(rawHeaders[i]!)
    if (key === null) continue
    const value = rawHeaders[i + 1]!
    const previous = environ[key] as string | undefined
    if (previous === undefined) environ[key] = value
    else environ[key] = previous + (key === 'HTTP_COOKIE' ? '; ' : ',') + value
  }
}

/**
 * The environ key for a header name: `HTTP_X_FOO`, or CONTENT_TYPE / CONTENT_LENGTH (spec §4.1).
 * Null for a name with an underscore, which the environ leaves out: `X_Forwarded_For` and
 * `X-Forwarded-For` would both become HTTP_X_FORWARDED_FOR, and a client could spoof what a
 * proxy set (the Gunicorn and nginx default).
 */
export function cgiKey(name: string): string | null {
  return commonCgiKey(name) ?? memoCgiKey(name)
}

const memoCgiKey = boundedMemo(toCgiKey)

function toCgiKey(name: string): string | null {
  if (name.includes('_')) return null
  const upper = name.toUpperCase().replace(/-/g, '_')
  if (upper === 'CONTENT_TYPE' || upper === 'CONTENT_LENGTH') return upper
  return 'HTTP_' + upper
}

/**
 * The headers most requests carry, in the two spellings clients send (RFC 9110's and HTTP/2's
 * lowercase). Found by comparing strings of the same length: every header name is a new string,
 * and a Map (the memo above) must hash it first, which took about 3% of a hello request.
 */
const COMMON_HEADERS = [
  'Accept',
  'Accept-Encoding',
  'Accept-Language',
  'Authorization',
  'Cache-Control',
  'Connection',
  'Content-Length',
  'Content-Type',
  'Cookie',
  'Host',
  'If-Modified-Since',
  'If-None-Match',
  'Origin',
  'Referer',
  'User-Agent',
  'X-Forwarded-For',
  'X-Forwarded-Host',
  'X-Forwarded-Proto',
  'X-Real-IP',
  'X-Request-ID',
]

/** By name length: `[spelling, key, spelling, key…]`. */
const COMMON_BY_LENGTH: string[][] = []
for (const name of COMMON_HEADERS) {
  const bucket = (COMMON_BY_LENGTH[name.length] ??= [])
  const key = toCgiKey(name)!
  bucket.push(name, key, name.toLowerCase(), key)
}

function commonCgiKey(name: string): string | undefined {
  const bucket = COMMON_BY_LENGTH[name.length]
  if (bucket === undefined) return undefined
  for (let i = 0; i < bucket.length; i += 2) if (bucket[i] === name) return bucket[i + 1]
  return undefined
}

/**
 * SERVER_NAME and SERVER_PORT come from the Host header when there is one, as in Gunicorn,
 * else from the listening socket; a Unix socket without a Host header gives `localhost`.
 */
function setServerAddress(environ: Environ, socket: IncomingMessage['socket'] | undefined): void {
  const defaultPort = environ['tsgi.url_scheme'] === 'https' ? '443' : '80'
  const host = environ.HTTP_HOST
  if (host) {
    const { name, port } = splitHost(host)
    environ.SERVER_NAME = name || socket?.localAddress || 'localhost'
    environ.SERVER_PORT = port || defaultPort
    return
  }
  environ.SERVER_NAME = socket?.localAddress || 'localhost'
  environ.SERVER_PORT = socket?.localPort ? String(socket.localPort) : defaultPort
}

/**
 * A Host header's name and port, each '' when absent or when the header is malformed. An object,
 * not a pair: destructuring an array goes through its iterator on every request.
 */
export const splitHost = lastValueMemo((host: string): Readonly<{ name: string; port: string }> => {
  const match = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(host)
  return Object.freeze({ name: match?.[1] ?? '', port: match?.[2] ?? '' })
})

/**
 * `HTTP/1.1` and `HTTP/1.0` without building the string on every request: from the version
 * numbers, as Node builds `httpVersion` anew for each request and comparing it reads it.
 */
function protocol(req: IncomingMessage): string {
  if (req.httpVersionMajor === 1) {
    if (req.httpVersionMinor === 1) return 'HTTP/1.1'
    if (req.httpVersionMinor === 0) return 'HTTP/1.0'
  }
  return `HTTP/${req.httpVersion}`
}

/** Splits a request target into its path and query; an absolute-form target loses its origin. */
export function splitUri(uri: string): { path: string; query: string } {
  let target = uri
  if (!target.startsWith('/')) {
    const schemeEnd = target.indexOf('://')
    if (schemeEnd >= 0) {
      const pathStart = target.indexOf('/', schemeEnd + 3)
      const queryStart = target.indexOf('?', schemeEnd + 3)
      const start =
        pathStart < 0 ? queryStart : queryStart < 0 ? pathStart : Math.min(pathStart, queryStart)
      target = start < 0 ? '/' : target.slice(start)
      if (target.startsWith('?')) target = '/' + target
    }
  }
  const hash = target.indexOf('#')
  if (hash >= 0) target = target.slice(0, hash)
  const q = target.indexOf('?')
  return q < 0
    ? { path: target, query: '' }
    : { path: target.slice(0, q), query: target.slice(q + 1) }
}

/** Decodes %XX escapes to the bytes they stand for, each as one latin-1 character (spec §4.1). */
export function percentDecodeLatin1(path: string): string {
  if (!path.includes('%')) return path
  return path.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) =>
    String.fromCharCode(parseInt(hex, 16))
  )
}

function stripScriptName(path: string, scriptName: string): string {
  if (scriptName && (path === scriptName || path.startsWith(scriptName + '/'))) {
    return path.slice(scriptName.length)
  }
  return path
}
