/**
 * The error validators throw, and how values are shown in error messages.
 * @module
 */

/**
 * A value a validator rejected. `reason` completes a sentence about the value ("is not a
 * positive integer"); `value` is the part to show when it is not the whole input (one list item).
 */
export class InvalidValue extends Error {
  readonly reason: string
  readonly value: unknown
  readonly hasValue: boolean

  constructor(reason: string, ...value: [] | [unknown]) {
    super(reason)
    this.name = 'InvalidValue'
    this.reason = reason
    this.hasValue = value.length > 0
    this.value = value[0]
  }
}

/** A value as a user would recognise it in an error message: strings quoted, the rest as JSON. */
export function showValue(value: unknown): string {
  if (typeof value === 'function') return `[function ${value.name || 'anonymous'}]`
  if (value === undefined) return 'undefined'
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}
