/**
 * Environ helpers (the wsgiref.util counterpart): URLs rebuilt from an environ, path shifting
 * for dispatchers, and a test environ.
 * @module
 */
import { LineErrorStream } from '../core/error-stream.ts'
import { TSGI_VERSION } from '../core/environ.ts'
import { fileWrapper } from '../core/file-wrapper.ts'
import { bytesInput } from '../core/input.ts'
import { TsgiError } from './errors.ts'
import type { Environ } from '../spec/types.ts'

export { isHopByHop } from '../core/rules.ts'

/** The environ keys the URL helpers read; a full Environ has them all. */
export type UriEnviron = Pick<Environ, 'tsgi.url_scheme' | 'SERVER_NAME' | 'SERVER_PORT'> & {
  HTTP_HOST?: string | undefined
  SCRIPT_NAME?: string | undefined
  PATH_INFO?: string | undefined
  QUERY_STRING?: string | undefined
}

/** The keys shiftPathInfo() reads and writes. */
export type PathEnviron = { SCRIPT_NAME?: string | undefined; PATH_INFO?: string | undefined }

/**
 * Fills in every key a TSGI environ must have, with test values, leaving the keys already
 * set alone; for tests and scripts that call an app without a server.
 */
export function setupTestingDefaults(environ: Partial<Environ> = {}): Environ {
  const env = environ as Environ
  env.SERVER_NAME ??= '127.0.0.1'
  env.SERVER_PROTOCOL ??= 'HTTP/1.0'
  env.HTTP_HOST ??= env.SERVER_NAME
  env.REQUEST_METHOD ??= 'GET'
  if (env.SCRIPT_NAME === undefined && env.PATH_INFO === undefined) {
    env.SCRIPT_NAME = ''
    env.PATH_INFO = '/'
  }
  env.SCRIPT_NAME ??= ''
  env.PATH_INFO ??= ''
  env.QUERY_STRING ??= ''
  env['tsgi.version'] ??= TSGI_VERSION
  env['tsgi.run_once'] ??= false
  env['tsgi.multithread'] ??= false
  env['tsgi.multiprocess'] ??= false
  env['tsgi.input'] ??= bytesInput()
  env['tsgi.errors'] ??= new LineErrorStream()
  env['tsgi.url_scheme'] ??= guessScheme(env)
  env['tsgi.signal'] ??= new AbortController().signal
  env['tsgi.file_wrapper'] ??= fileWrapper
  env.SERVER_PORT ??= env['tsgi.url_scheme'] === 'https' ? '443' : '80'
  return env
}

/** `https` when the HTTPS variable says so (`on`, `yes` or `1`), else `http`. */
export function guessScheme(environ: Partial<Environ>): 'http' | 'https' {
  const https = String(environ.HTTPS ?? '').toLowerCase()
  return https === 'on' || https === 'yes' || https === '1' ? 'https' : 'http'
}

/**
 * The application's base URL: scheme, host, and SCRIPT_NAME (`/` when empty), percent-encoded.
 * The host is HTTP_HOST as the client sent it, else SERVER_NAME with SERVER_PORT unless it is
 * the scheme's default port.
 *
 * @example applicationUri(environ) // 'http://example.com:8080/app'
 */
export function applicationUri(environ: UriEnviron): string {
  return `${environ['tsgi.url_scheme']}://${host(environ)}${quoteLatin1(environ.SCRIPT_NAME || '/', '/')}`
}

/**
 * The full URL of the request: applicationUri() plus PATH_INFO (percent-encoded, keeping
 * `/;=,`) and, when `includeQuery` holds and there is one, `?` and QUERY_STRING as received.
 * When SCRIPT_NAME is empty, applicationUri() already ends in the `/` PATH_INFO starts with.
 */
export function requestUri(environ: UriEnviron, includeQuery = true): string {
  const path = quoteLatin1(environ.PATH_INFO ?? '', '/;=,')
  let url = applicationUri(environ) + (environ.SCRIPT_NAME ? path : path.slice(1))
  if (includeQuery && environ.QUERY_STRING) url += '?' + environ.QUERY_STRING
  return url
}

function host(environ: UriEnviron): string {
  if (environ.HTTP_HOST) return environ.HTTP_HOST
  const defaultPort = environ['tsgi.url_scheme'] === 'https' ? '443' : '80'
  const port = environ.SERVER_PORT
  return port === defaultPort ? environ.SERVER_NAME : `${environ.SERVER_NAME}:${port}`
}

/** Characters never percent-encoded (RFC 3986 unreserved). */
const UNRESERVED = /[A-Za-z0-9_.~-]/

/**
 * Percent-encodes an environ string. Environ strings hold one character per byte (spec §4.1),
 * so each character is its own byte: 'é' (U+00E9) becomes `%E9`, never UTF-8's `%C3%A9`.
 */
function quoteLatin1(text: string, safe = '/'): string {
  let quoted = ''
  for (const char of text) {
    const code = char.codePointAt(0)!
    if (code > 0xff)
      throw new TsgiError('TSGI_ERR_ENVIRON_VALUE', `${JSON.stringify(text)} is not latin-1`)
    if (UNRESERVED.test(char) || safe.includes(char)) quoted += char
    else quoted += '%' + code.toString(16).toUpperCase().padStart(2, '0')
  }
  return quoted
}

/**
 * Moves the first segment of PATH_INFO to the end of SCRIPT_NAME and returns it, for apps that
 * dispatch on path segments. Empty and `.` segments in the middle of PATH_INFO are dropped,
 * and SCRIPT_NAME is normalised (`..` removes the segment before it). Returns:
 * - the segment name, e.g. `'b'` for SCRIPT_NAME `/a`, PATH_INFO `/b/c` (→ `/a/b`, `/c`);
 * - `''` when PATH_INFO is `/`: SCRIPT_NAME gains a trailing `/` and PATH_INFO becomes empty;
 * - `undefined` when PATH_INFO is empty (nothing changes) or its only segment is `.`.
 *
 * As in wsgiref, except: PATH_INFO must be empty or start with `/` (spec §4.1), else this
 * throws TSGI_ERR_ENVIRON_VALUE; and SCRIPT_NAME never starts with `//`, which POSIX path
 * rules would keep but which means nothing in a URL path.
 */
export function shiftPathInfo(environ: PathEnviron): string | undefined {
  const pathInfo = environ.PATH_INFO ?? ''
  if (pathInfo === '') return undefined
  if (!pathInfo.startsWith('/')) {
    throw new TsgiError('TSGI_ERR_ENVIRON_VALUE', `PATH_INFO ${JSON.stringify(pathInfo)}`)
  }
  // ['', ...middle, last]: wsgiref drops empty and '.' segments from the middle only.
  const parts = pathInfo.split('/')
  const middle = parts.slice(1, -1).filter((part) => part !== '' && part !== '.')
  const rest = [...middle, parts[parts.length - 1]!]
  const name = rest.shift()!
  let scriptName = normalizePath(`${environ.SCRIPT_NAME ?? ''}/${name}`)
  if (scriptName.endsWith('/')) scriptName = scriptName.slice(0, -1)
  if (name === '' && !scriptName.endsWith('/')) scriptName += '/'
  environ.SCRIPT_NAME = scriptName
  environ.PATH_INFO = ['', ...rest].join('/')
  return name === '.' ? undefined : name
}

/**
 * Resolves `.`, `..` and repeated slashes in a path. An absolute path stays absolute and `..`
 * stops at its root; a relative one keeps its leading `..` segments; an empty result is `.`.
 */
function normalizePath(path: string): string {
  const absolute = path.startsWith('/')
  const segments: string[] = []
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue
    const canPop = segments.length > 0 && segments[segments.length - 1] !== '..'
    if (segment !== '..') segments.push(segment)
    else if (canPop) segments.pop()
    else if (!absolute) segments.push(segment)
  }
  const joined = segments.join('/')
  return absolute ? '/' + joined : joined || '.'
}
