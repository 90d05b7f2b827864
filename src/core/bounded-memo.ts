/**
 * A memo for the few strings a server sees over and over (header names, Host headers, status
 * lines), so each is worked out once. Bounded: past `limit` entries a value is worked out every
 * time, so a client or an app inventing new strings cannot grow it without end.
 * @module
 */

export function boundedMemo<T>(compute: (text: string) => T, limit = 1000): (text: string) => T {
  const seen = new Map<string, T>()
  return (text) => {
    let value = seen.get(text)
    if (value === undefined) {
      value = compute(text)
      if (seen.size < limit) seen.set(text, value)
    }
    return value
  }
}
