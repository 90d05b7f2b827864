/**
 * `Expect: 100-continue` (RFC 9110 §10.1.1): the client waits for a 100 before sending the body.
 * Every interface sends it only when the app starts reading, so a request the app refuses
 * unread never makes the client send its body.
 * @module
 */
import type { IncomingMessage } from 'node:http'
import { isHeaderName } from './header-name.ts'

/**
 * Whether the client asked for `100 Continue`. Reads the raw header list: `req.headers` is
 * built on first use, and a request that never touches it should not pay for it.
 */
export function expectsContinue(req: IncomingMessage): boolean {
  if (req.httpVersionMajor !== 1 || req.httpVersionMinor !== 1) return false
  const raw = req.rawHeaders
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!
    if (isHeaderName(name, 'expect')) {
      return raw[i + 1]!.trim().toLowerCase() === '100-continue'
    }
  }
  return false
}
