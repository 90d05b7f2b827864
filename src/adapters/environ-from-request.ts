/**
 * A TSGI environ from a WHATWG Request (spec §4), for toFetch(). What a fetch runtime does not
 * tell (the protocol version, the peer) is left out or taken from the options; the path is the
 * URL's, percent-decoded to latin-1 as spec §4.1 requires.
 * @module
 */
import { LineErrorStream } from '../core/error-stream.ts'
import { cgiKey, percentDecodeLatin1, splitHost, TSGI_VERSION } from '../core/environ.ts'
import { fileWrapper } from '../core/file-wrapper.ts'
import type { Environ, ErrorStream, InputStream } from '../spec/types.ts'

export interface EnvironParts {
  url: URL
  /** The mount point (SCRIPT_NAME); the path must start with it. */
  scriptName: string
  input: InputStream
  errors: ErrorStream | undefined
  signal: () => AbortSignal
  remoteAddress: string | undefined
  multiprocess: boolean
}

/** The environ for `request`; `parts.url` is its parsed URL. */
export function environFromRequest(request: Request, parts: EnvironParts): Environ {
  const { url } = parts
  const path = percentDecodeLatin1(url.pathname)
  const scheme = url.protocol === 'https:' ? 'https' : 'http'
  const environ: Environ = {
    REQUEST_METHOD: request.method,
    SCRIPT_NAME: parts.scriptName,
    PATH_INFO: path.slice(parts.scriptName.length),
    QUERY_STRING: url.search.slice(1),
    SERVER_NAME: url.hostname,
    SERVER_PORT: url.port || (scheme === 'https' ? '443' : '80'),
    SERVER_PROTOCOL: 'HTTP/1.1',
    RAW_URI: url.pathname + url.search,
    'tsgi.version': TSGI_VERSION,
    'tsgi.url_scheme': scheme,
    'tsgi.input': parts.input,
    'tsgi.errors': parts.errors ?? new LineErrorStream(),
    // A fetch runtime serves requests concurrently on its event loop.
    'tsgi.multithread': true,
    'tsgi.multiprocess': parts.multiprocess,
    'tsgi.run_once': false,
    get 'tsgi.signal'() {
      return parts.signal()
    },
    'tsgi.file_wrapper': fileWrapper,
  }
  if (parts.remoteAddress) environ.REMOTE_ADDR = parts.remoteAddress
  addHeaders(environ, request.headers)
  return environ
}

/** Whether the URL's path lies under `scriptName` (spec §4.1: else the app is not called). */
export function isUnder(url: URL, scriptName: string): boolean {
  if (scriptName === '') return true
  const path = percentDecodeLatin1(url.pathname)
  return path === scriptName || path.startsWith(scriptName + '/')
}

/** Headers as CGI keys; names holding `_` are dropped, as the server does (spec §4.1). */
function addHeaders(environ: Environ, headers: Headers): void {
  for (const [name, value] of headers) {
    const key = cgiKey(name)
    if (key === null) continue
    const previous = environ[key] as string | undefined
    // Headers yields Set-Cookie once per value; every other name comes joined already.
    environ[key] = previous === undefined ? value : `${previous},${value}`
  }
  const host = environ.HTTP_HOST
  if (host) {
    const { name, port } = splitHost(host)
    if (name) environ.SERVER_NAME = name
    if (port) environ.SERVER_PORT = port
  }
}
