/**
 * The URL a fetch handler sees as `request.url`, from the request target and the Host header.
 * The Host header is the client's word, and a URL is parsed from left to right: a Host of
 * `evil.test/admin?` would move the real path into the query, and a router would see `/admin`.
 * So a Host that could end the authority is refused (400), and anything beyond the plainest
 * targets goes through the URL parser, which resolves `..` segments and percent-encodes as
 * `new Request()` would. Plain targets, the usual case, cost a string concatenation.
 * @module
 */
import type { IncomingMessage } from 'node:http'
import { lastValueMemo } from '../../core/bounded-memo.ts'
import { soleHeader } from '../../core/header-name.ts'

/** A lowercase host name or IPv4 address, with an optional port: serialized as it is. */
const PLAIN_HOST = /^[a-z0-9.-]+(?::\d{1,5})?$/
/** Characters the URL parser keeps as they are in a path and query (no `'`, `"`, `<`, `\`…). */
const PLAIN_TARGET = /^\/[\w\-.~!$&()*+,;=:@/?%]*$/
/** A `.` or `..` segment, or a percent-encoded dot, which the parser would resolve. */
const DOT_SEGMENT = /\/\.{1,2}(?:[/?]|$)|%2e/i
/** Characters that would end the authority part of a URL, or no character at all. */
const NOT_A_HOST = /^$|[/?#@\\\s]/

/**
 * What a Host value is to the URL: one the authority cannot hold, a plain one, or one the URL
 * parser must see. Worked out when the value changes: it rarely does from request to request.
 */
const hostKind = lastValueMemo((host): 'invalid' | 'plain' | 'other' => {
  if (NOT_A_HOST.test(host)) return 'invalid'
  return PLAIN_HOST.test(host) ? 'plain' : 'other'
})

/** `http://host/path?query`, or undefined for a request that has no URL (answer 400). */
export function requestUrl(req: IncomingMessage, scheme: 'http' | 'https'): string | undefined {
  const target = req.url ?? '/'
  if (!target.startsWith('/')) return absoluteUrl(target, scheme)
  const header = soleHeader(req.rawHeaders, 'host')
  if (header === null) return undefined // two Host headers: no one URL (RFC 9112 §3.2)
  const host = header ?? socketHost(req)
  const kind = hostKind(host)
  if (kind === 'invalid') return undefined
  const url = `${scheme}://${host}${target}`
  if (kind === 'plain' && PLAIN_TARGET.test(target) && !DOT_SEGMENT.test(target)) return url
  return parsed(url)
}

/**
 * `GET http://example.com/a HTTP/1.1`: the target is the URL (its authority, not Host, names
 * the host: RFC 9112 §3.2.2), but the scheme is the connection's or a trusted proxy's: a client
 * writing `https://` on a plain connection must not make the request look secure. `*`
 * (OPTIONS *) has no URL.
 */
function absoluteUrl(target: string, scheme: 'http' | 'https'): string | undefined {
  if (!/^https?:\/\//i.test(target)) return undefined
  return parsed(target.replace(/^https?:/i, `${scheme}:`))
}

function parsed(url: string): string | undefined {
  try {
    return new URL(url).href
  } catch {
    return undefined
  }
}

/** An HTTP/1.0 request may lack a Host header: the address it reached stands in. */
function socketHost(req: IncomingMessage): string {
  const { localAddress, localPort } = req.socket
  if (!localAddress) return 'localhost'
  const name = localAddress.includes(':') ? `[${localAddress}]` : localAddress
  return localPort ? `${name}:${localPort}` : name
}
