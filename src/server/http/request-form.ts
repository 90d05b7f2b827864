/**
 * Requests whose form rules them out for every interface, although llhttp lets them through:
 * the worker answers them itself, before any app.
 * @module
 */
import type { IncomingMessage } from 'node:http'
import { lastValueMemo } from '../../core/bounded-memo.ts'
import { isHeaderName } from '../../core/header-name.ts'
import { versionRefusal } from '../../core/refusals.ts'

/**
 * A Host value as RFC 3986 writes an authority's host and port: a bracketed IP literal or a
 * name of unreserved, sub-delim and percent characters, then an optional `:` and digits.
 * Empty is allowed (RFC 9112 §3.2: a target without an authority).
 */
const VALID_HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[\w\-.~%!$&'()*+,;=]*)(?::\d*)?$/

/** A server sees the same Host value request after request: it is checked when it changes. */
const isValidHost = lastValueMemo((host) => VALID_HOST.test(host))

/**
 * The status a request of a form no app should see deserves, or 0:
 * - 505, or 400 for a 0.9-style line: HTTP/1.x only (SERVER_PROTOCOL, spec §4.1);
 * - 400 for more than one Host header, or one with an invalid value, which RFC 9112 §3.2 says
 *   MUST get a 400: a Host of `h:abc` or `a b` would otherwise reach SERVER_NAME, or a router,
 *   as it is, and of two Host headers a Node app would see the first, a proxy maybe the other.
 */
export function formStatus(req: IncomingMessage): number {
  const version = versionRefusal(req)
  if (version) return version.status
  return hostStatus(req.rawHeaders)
}

/**
 * Reads the raw header list: `req.headers` is built on first use, and a request no app reads
 * it for should not pay for it (about 0.3 µs of a hello request, measured with --cpu-prof).
 */
function hostStatus(rawHeaders: string[]): number {
  let host: string | undefined
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (!isHeaderName(rawHeaders[i]!, 'host')) continue
    if (host !== undefined) return 400
    host = rawHeaders[i + 1]!
  }
  return host === undefined || isValidHost(host) ? 0 : 400
}
