/**
 * Header names compared the way HTTP does, case-insensitively, on the request path: the length
 * first, then the name as it is (clients that send lowercase names pay nothing more), and only
 * then lowercased, which makes a new string.
 * @module
 */

/** Whether `name`, as the client or app spelled it, is the header `lowerName` (lowercase). */
export function isHeaderName(name: string, lowerName: string): boolean {
  return (
    name.length === lowerName.length && (name === lowerName || name.toLowerCase() === lowerName)
  )
}
