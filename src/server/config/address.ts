/**
 * `--bind` addresses, parsed as Gunicorn's `util.parse_address` reads them: `HOST:PORT`,
 * `[V6]:PORT`, `HOST` (port 8000), `:PORT` (all IPv4 interfaces), `unix:PATH` (also
 * `unix://PATH`), `fd://N`, and an optional `tcp://` prefix. Settings keep the canonical string
 * (formatBindAddress); the arbiter parses it again into an Address to bind.
 * @module
 */
import { InvalidValue } from './invalid-value.ts'

export type BindAddress =
  | { kind: 'tcp'; host: string; port: number }
  | { kind: 'unix'; path: string }
  | { kind: 'fd'; fd: number }

/** Gunicorn's default port when an address names only a host. */
export const DEFAULT_PORT = 8000

/** Parses one bind string; throws InvalidValue (naming the string) when it is not an address. */
export function parseBindAddress(text: string): BindAddress {
  const value = text.trim()
  const invalid = (why: string) => new InvalidValue(`is not a valid address: ${why}`, text)
  const unix = /^unix:(?:\/\/)?/.exec(value)
  if (unix) {
    const path = value.slice(unix[0].length)
    if (path === '') throw invalid('unix: needs a path')
    return { kind: 'unix', path }
  }
  if (value.startsWith('fd://')) {
    const fd = value.slice('fd://'.length)
    if (!/^\d+$/.test(fd)) throw invalid('fd://N needs a file descriptor number')
    return { kind: 'fd', fd: Number(fd) }
  }
  return parseTcp(value.replace(/^tcp:\/\//, ''), invalid)
}

function parseTcp(value: string, invalid: (why: string) => InvalidValue): BindAddress {
  const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(value)
  if (bracketed) {
    if (!bracketed[1]) throw invalid('the brackets hold no IPv6 address')
    return tcp(bracketed[1], bracketed[2], invalid)
  }
  const parts = value.split(':')
  if (parts.length > 2) throw invalid(`write an IPv6 address in brackets ("[::1]:${DEFAULT_PORT}")`)
  const [host = '', port] = parts
  // Gunicorn would read "9000" as a host named 9000 on port 8000, and then fail to bind it.
  if (port === undefined && /^\d+$/.test(host)) {
    throw invalid(`a port alone needs a colon (":${host}")`)
  }
  return tcp(host, port, invalid)
}

function tcp(
  host: string,
  port: string | undefined,
  invalid: (why: string) => InvalidValue
): BindAddress {
  const number = port === undefined ? DEFAULT_PORT : Number(port)
  if (!/^\d*$/.test(port ?? '') || port === '' || number > 65535) {
    throw invalid(`the port must be a number from 0 to 65535`)
  }
  // An empty host binds every IPv4 interface, as Python's bind(('', port)) does for Gunicorn.
  return { kind: 'tcp', host: host === '' ? '0.0.0.0' : host.toLowerCase(), port: number }
}

/** The canonical form of an address, which parseBindAddress reads back unchanged. */
export function formatBindAddress(address: BindAddress): string {
  if (address.kind === 'unix') return `unix:${address.path}`
  if (address.kind === 'fd') return `fd://${address.fd}`
  const host = address.host.includes(':') ? `[${address.host}]` : address.host
  return `${host}:${address.port}`
}
