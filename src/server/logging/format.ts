/**
 * Compiles a Gunicorn access log format, a Python %-format over a mapping
 * (`'%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"'`), into a function that
 * builds one line from literals and atoms. The format is parsed once; a line costs one pass
 * over the compiled parts.
 * @module
 */
import { AtomContext, resolveAtom } from './atoms.ts'
import type { AccessRecord, Atom } from './atoms.ts'

/** Gunicorn's default `access_log_format`. */
export const DEFAULT_ACCESS_LOG_FORMAT =
  '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"'

export type AccessFormatter = (record: AccessRecord) => string

/** A format that Python's `%` operator would reject, or that needs positional arguments. */
export class AccessLogFormatError extends Error {
  constructor(format: string, offset: number, problem: string) {
    super(`access log format ${JSON.stringify(format)}, offset ${offset}: ${problem}`)
    this.name = 'AccessLogFormatError'
  }
}

/** One `%(key)flags width .precision conversion` field. */
interface FieldSpec {
  key: string
  leftAlign: boolean
  zeroPad: boolean
  sign: '' | '+' | ' '
  width: number
  precision: number
  numeric: boolean
}

type Part = string | Atom

export function compileAccessLogFormat(format: string): AccessFormatter {
  const parts: Part[] = parseFormat(format).map((p) => (typeof p === 'string' ? p : fieldAtom(p)))
  if (parts.length === 0) return () => ''
  if (parts.length === 1 && typeof parts[0] === 'string') {
    const constant = parts[0]
    return () => constant
  }
  return (record) => {
    const ctx = new AtomContext(record)
    let line = ''
    for (const part of parts) line += typeof part === 'string' ? part : part(ctx)
    return line
  }
}

/** Splits the format into literal text (with `%%` already a `%`) and fields. */
function parseFormat(format: string): Array<string | FieldSpec> {
  const parts: Array<string | FieldSpec> = []
  let literal = ''
  let index = 0
  for (let percent = format.indexOf('%'); percent >= 0; percent = format.indexOf('%', index)) {
    literal += format.slice(index, percent)
    if (format[percent + 1] === '%') {
      literal += '%'
      index = percent + 2
      continue
    }
    const field = parseField(format, percent)
    if (literal) parts.push(literal)
    literal = ''
    parts.push(field.spec)
    index = field.end
  }
  literal += format.slice(index)
  if (literal) parts.push(literal)
  return parts
}

const CONVERSION = /([-+ #0]*)(\d*)(?:\.(\d*))?[hlL]?(.?)/y

function parseField(format: string, percent: number): { spec: FieldSpec; end: number } {
  if (format[percent + 1] !== '(') {
    throw new AccessLogFormatError(format, percent, "'%' must start '%(name)s' or be doubled")
  }
  const keyEnd = matchingParen(format, percent + 1)
  CONVERSION.lastIndex = keyEnd + 1
  const [match, flags, width, precision, conversion] = CONVERSION.exec(format)!
  if (!conversion || !'sdiu'.includes(conversion)) {
    const problem = conversion ? `unsupported conversion '%${conversion}'` : 'incomplete field'
    throw new AccessLogFormatError(format, percent, `${problem}; use %(name)s or %(name)d`)
  }
  const spec: FieldSpec = {
    key: format.slice(percent + 2, keyEnd),
    leftAlign: flags!.includes('-'),
    zeroPad: flags!.includes('0'),
    sign: flags!.includes('+') ? '+' : flags!.includes(' ') ? ' ' : '',
    width: width ? Number(width) : 0,
    precision: precision === undefined ? -1 : Number(precision),
    numeric: conversion !== 's',
  }
  return { spec, end: keyEnd + 1 + match.length }
}

/** The index of the `)` closing the `(` at `open`; Python allows nested parentheses in keys. */
function matchingParen(format: string, open: number): number {
  let depth = 0
  for (let i = open; i < format.length; i++) {
    if (format[i] === '(') depth++
    else if (format[i] === ')' && --depth === 0) return i
  }
  throw new AccessLogFormatError(format, open - 1, "unterminated '%(' key")
}

function isPlain(spec: FieldSpec): boolean {
  return !spec.numeric && spec.width === 0 && spec.precision < 0
}

function fieldAtom(spec: FieldSpec): Atom {
  const atom = resolveAtom(spec.key)
  if (isPlain(spec)) return atom
  return (ctx) => applySpec(atom(ctx), spec)
}

/**
 * Width, alignment, precision and sign as Python's `%` applies them. A `d` field whose value is
 * not an integer (`-` for a missing one) prints the value as `s` would, where Python would fail.
 */
function applySpec(value: string, spec: FieldSpec): string {
  const isInteger = spec.numeric && isIntegerText(value)
  let text = isInteger ? formatInteger(value, spec) : value
  if (!isInteger && spec.precision >= 0) text = text.slice(0, spec.precision)
  if (text.length >= spec.width) return text
  if (spec.leftAlign) return text.padEnd(spec.width)
  if (isInteger && spec.zeroPad) return zeroPad(text, spec.width)
  return text.padStart(spec.width)
}

function isIntegerText(value: string): boolean {
  const start = value.startsWith('-') ? 1 : 0
  if (value.length === start) return false
  for (let i = start; i < value.length; i++) {
    const code = value.charCodeAt(i)
    if (code < 0x30 || code > 0x39) return false
  }
  return true
}

function formatInteger(value: string, spec: FieldSpec): string {
  const negative = value.startsWith('-')
  let digits = negative ? value.slice(1) : value
  if (spec.precision > digits.length) digits = digits.padStart(spec.precision, '0')
  return (negative ? '-' : spec.sign) + digits
}

function zeroPad(text: string, width: number): string {
  const hasSign = text.startsWith('-') || text.startsWith('+') || text.startsWith(' ')
  if (!hasSign) return text.padStart(width, '0')
  return text[0] + text.slice(1).padStart(width - 1, '0')
}
