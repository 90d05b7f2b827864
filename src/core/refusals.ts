/**
 * Requests the server answers itself, without calling the application: what llhttp lets
 * through although the spec or RFC 9112 rules it out.
 * @module
 */
import type { IncomingMessage } from 'node:http'
import { percentDecodeLatin1, splitUri } from './environ.ts'
import { soleHeader } from './header-name.ts'

export interface Refusal {
  status: number
  reason: string
}

export const BAD_REQUEST: Refusal = { status: 400, reason: 'Bad Request' }
const NOT_FOUND: Refusal = { status: 404, reason: 'Not Found' }
const VERSION_NOT_SUPPORTED: Refusal = { status: 505, reason: 'HTTP Version Not Supported' }

/** The answer `req` gets instead of reaching the application, or undefined. */
export function refusal(req: IncomingMessage, scriptName: string): Refusal | undefined {
  const version = versionRefusal(req)
  if (version) return version
  // RFC 9112 §3.2: more than one Host MUST get a 400; joined into HTTP_HOST it would give the
  // app a host that is none of them.
  if (soleHeader(req.rawHeaders, 'host') === null) return BAD_REQUEST
  // Asterisk form is for OPTIONS only (RFC 9112 §3.2.4); PATH_INFO '*' is its one exception.
  if (req.url === '*') return req.method === 'OPTIONS' ? undefined : BAD_REQUEST
  if (scriptName && !withinScriptName(req.url ?? '/', scriptName)) return NOT_FOUND
  return undefined
}

/**
 * SERVER_PROTOCOL is HTTP/1.0 or HTTP/1.1 (spec §4.1); llhttp accepts 0.9-style lines (400)
 * and 2.0 (505). The pre-fork workers apply it to every interface.
 */
export function versionRefusal(req: IncomingMessage): Refusal | undefined {
  if (req.httpVersionMajor === 1) return undefined
  return req.httpVersionMajor > 1 ? VERSION_NOT_SUPPORTED : BAD_REQUEST
}

/** Spec §4.1: a path outside SCRIPT_NAME is outside the application. */
function withinScriptName(url: string, scriptName: string): boolean {
  const path = percentDecodeLatin1(splitUri(url).path)
  return path === scriptName || path.startsWith(scriptName + '/')
}
