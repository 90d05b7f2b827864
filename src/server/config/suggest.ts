/**
 * "Did you mean …?" for unknown flags and config keys.
 * @module
 */

/** Lowercase without `-` and `_`, so `max_requests` and `--max-requests` meet `maxRequests`. */
function fold(word: string): string {
  return word.toLowerCase().replace(/[-_]/g, '')
}

/** The candidate closest to `word`, if any is close enough to be a likely typo. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const target = fold(word)
  let best: string | undefined
  // Short words are close to many others by chance: allow fewer edits for them.
  let bestDistance = (target.length <= 4 ? 1 : target.length <= 8 ? 2 : 3) + 1
  for (const candidate of candidates) {
    const distance = editDistance(target, fold(candidate))
    if (distance < bestDistance) {
      best = candidate
      bestDistance = distance
    }
  }
  return best
}

/** Levenshtein distance, one row at a time. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution)
    }
    previous = current
  }
  return previous[b.length]!
}
