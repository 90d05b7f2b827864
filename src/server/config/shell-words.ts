/**
 * Splits TSGI_CMD_ARGS into arguments as a POSIX shell would (Gunicorn uses Python's
 * `shlex.split` for GUNICORN_CMD_ARGS): blanks separate words; single quotes keep everything
 * literally; double quotes keep everything but `\"` and `\\`; a backslash outside quotes
 * escapes the next character; quoted and unquoted parts of one word join. No expansion, no
 * comments.
 * @module
 */
import { ConfigError } from '../errors.ts'

const BLANK = /\s/

/** The words of `text`; throws a ConfigError naming `source` on an unfinished quote or escape. */
export function splitShellWords(text: string, source = 'TSGI_CMD_ARGS'): string[] {
  const words: string[] = []
  let word: string | undefined // undefined between words, so '' can be an (empty) word
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!
    if (BLANK.test(char)) {
      if (word !== undefined) words.push(word)
      word = undefined
    } else if (char === "'" || char === '"') {
      const end = closingQuote(text, i, source)
      word = (word ?? '') + unquote(text.slice(i + 1, end), char)
      i = end
    } else if (char === '\\') {
      if (i + 1 >= text.length)
        throw new ConfigError(`${source}: nothing follows the last backslash`)
      word = (word ?? '') + text[++i]
    } else {
      word = (word ?? '') + char
    }
  }
  if (word !== undefined) words.push(word)
  return words
}

/** The index of the quote closing the one at `start` (inside double quotes, `\"` is escaped). */
function closingQuote(text: string, start: number, source: string): number {
  const quote = text[start]
  for (let i = start + 1; i < text.length; i++) {
    if (quote === '"' && text[i] === '\\') i++
    else if (text[i] === quote) return i
  }
  throw new ConfigError(`${source}: the ${quote} quote at position ${start + 1} is never closed`)
}

function unquote(inner: string, quote: string): string {
  return quote === '"' ? inner.replace(/\\(["\\])/g, '$1') : inner
}
