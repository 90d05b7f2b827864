/**
 * Header names compared the way HTTP does, case-insensitively in ASCII only, on the request
 * path: the length first, then the name as it is (clients that send lowercase names pay nothing
 * more), then letter by letter, which makes no new string (toLowerCase did, on every request
 * whose `Host` or `Accept` came capitalized, as most clients send them).
 * @module
 */

const LOWER_A = 0x61
const LOWER_Z = 0x7a
const CASE_BIT = 0x20

/** Whether `name`, as the client or app spelled it, is the header `lowerName` (lowercase). */
export function isHeaderName(name: string, lowerName: string): boolean {
  if (name.length !== lowerName.length) return false
  if (name === lowerName) return true
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i)
    const lower = lowerName.charCodeAt(i)
    if (code === lower) continue
    if (lower < LOWER_A || lower > LOWER_Z || code !== lower - CASE_BIT) return false
  }
  return true
}

/**
 * The value of a header that may appear only once (Host), from Node's raw list: undefined when
 * it is absent, null when it is repeated. Read raw because `req.headers` is built on first use,
 * and a request whose app never reads it should not pay for it.
 */
export function soleHeader(rawHeaders: string[], lowerName: string): string | undefined | null {
  let value: string | undefined
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (!isHeaderName(rawHeaders[i]!, lowerName)) continue
    if (value !== undefined) return null
    value = rawHeaders[i + 1]!
  }
  return value
}
