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

/**
 * A memo of one: the last string and its value. For strings that arrive new with every request
 * but are mostly the same (a Host header): comparing with the last one costs a string compare,
 * where a Map must hash the new string first (measured: about 1% of a hello request each).
 */
export function lastValueMemo<T>(compute: (text: string) => T): (text: string) => T {
  let lastText: string | undefined
  let lastValue: T
  return (text) => {
    if (text !== lastText) {
      lastValue = compute(text)
      lastText = text
    }
    return lastValue
  }
}
