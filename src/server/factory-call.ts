/**
 * The arguments of a factory call in `MODULE:createApp('prod', 2)`: literals only, as Gunicorn
 * takes them (it evaluates Python literals). Strings in single or double quotes with JSON's
 * escapes, numbers, `true`, `false` and `null`; no expressions, so the command line can never
 * run code of its own.
 * @module
 */

/** A value a factory call may pass. */
export type LiteralArgument = string | number | boolean | null

/** One literal, then a comma or the end, with blanks around (a sticky regex: no skipping). */
const LITERAL =
  /\s*(?:("(?:[^"\\]|\\.)*")|('(?:[^'\\]|\\.)*')|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|(true|false|null))\s*(,|$)/y

/** Parses the text between the parentheses; throws a SyntaxError whose message says what is wrong. */
export function parseCallArguments(text: string): LiteralArgument[] {
  if (text.trim() === '') return []
  const values: LiteralArgument[] = []
  LITERAL.lastIndex = 0
  for (;;) {
    const start = LITERAL.lastIndex
    const match = LITERAL.exec(text)
    if (!match)
      throw new SyntaxError(`argument ${values.length + 1} is not a literal: ${rest(text, start)}`)
    values.push(literalValue(match))
    if (match[5] === '') return values
    if (LITERAL.lastIndex === text.length)
      throw new SyntaxError('an argument is missing after the last comma')
  }
}

function literalValue(match: RegExpExecArray): LiteralArgument {
  const [, doubleQuoted, singleQuoted, number, keyword] = match
  if (doubleQuoted !== undefined) return JSON.parse(doubleQuoted) as string
  if (singleQuoted !== undefined) return JSON.parse(toDoubleQuoted(singleQuoted)) as string
  if (number !== undefined) return Number(number)
  return keyword === 'null' ? null : keyword === 'true'
}

/** `'it\'s "x"'` as the JSON string `"it's \"x\""`: the same escapes, the other quote. */
function toDoubleQuoted(literal: string): string {
  const body = literal.slice(1, -1).replace(/\\(.)|"/g, (all, escaped: string | undefined) => {
    if (escaped === undefined) return '\\"'
    return escaped === "'" ? "'" : all
  })
  return `"${body}"`
}

function rest(text: string, from: number): string {
  const tail = text.slice(from).trim()
  return JSON.stringify(tail.length > 20 ? `${tail.slice(0, 20)}…` : tail)
}
