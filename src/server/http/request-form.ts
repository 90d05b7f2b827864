/**
 * Requests whose form rules them out for every interface, although llhttp lets them through:
 * the worker answers them itself, before any app.
 * @module
 */
import type { IncomingMessage } from 'node:http'
import { lastValueMemo } from '../../core/bounded-memo.ts'
import { soleHeader } from '../../core/header-name.ts'
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
  const host = soleHeader(req.rawHeaders, 'host')
  if (host === null) return 400
  return host === undefined || isValidHost(host) ? 0 : 400
}
