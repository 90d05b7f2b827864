/**
 * Escaping for values a client controls (request line, headers, user name) before they enter a
 * log line, so that a client cannot forge lines or fields.
 * @module
 */

/**
 * True for the characters that need escaping: C0 controls (CR and LF would start a forged line),
 * `"` (Gunicorn's SafeAtoms escapes it as `\"`, or a value could close its quoted field), `\`
 * (else a value ending in `\` makes a parser read the closing quote as escaped), DEL, and the C1
 * controls (U+0085 is a line break to some readers). Gunicorn itself escapes only `"`; the rest
 * follows Apache's mod_log_config.
 */
function needsEscape(code: number): boolean {
  return code < 0x20 || code === 0x22 || code === 0x5c || (code >= 0x7f && code <= 0x9f)
}

const NAMED: Record<number, string> = {
  0x09: '\\t',
  0x0a: '\\n',
  0x0d: '\\r',
  0x22: '\\"',
  0x5c: '\\\\',
}

function escapeChar(code: number): string {
  return NAMED[code] ?? '\\x' + code.toString(16).padStart(2, '0')
}

/** The value itself when nothing needs escaping (the usual case: one scan, no allocation). */
export function escapeLogValue(value: string): string {
  for (let i = 0; i < value.length; i++) {
    if (needsEscape(value.charCodeAt(i))) return escapeFrom(value, i)
  }
  return value
}

function escapeFrom(value: string, first: number): string {
  let out = value.slice(0, first)
  let start = first
  for (let i = first; i < value.length; i++) {
    const code = value.charCodeAt(i)
    if (!needsEscape(code)) continue
    out += value.slice(start, i) + escapeChar(code)
    start = i + 1
  }
  return out + value.slice(start)
}
