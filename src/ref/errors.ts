/**
 * TSGI's error codes: one registry, stable codes, never reused (docs/errors.md lists them all and
 * a test keeps the two in step). A TsgiError names the broken rule in its `code`.
 * @module
 */

export const ERROR_CODES = {
  // The application call (spec §2)
  TSGI_ERR_APP_ARGS: 'the application must be called with exactly (environ, startResponse)',
  TSGI_ERR_BODY_TYPE: 'the application must return an iterable or async iterable of byte chunks',
  TSGI_ERR_CHUNK_TYPE: 'every body chunk must be a Uint8Array',
  // startResponse and write (spec §3)
  TSGI_ERR_START_RESPONSE_ARGS:
    'startResponse takes (status, headers) or (status, headers, excInfo)',
  TSGI_ERR_START_RESPONSE_TWICE: 'startResponse was called again without excInfo',
  TSGI_ERR_START_RESPONSE_MISSING: 'the body produced data before startResponse was called',
  TSGI_ERR_STATUS: 'the status must be "NNN Reason": three digits >= 100, a space, a reason phrase',
  TSGI_ERR_HEADERS_TYPE: 'headers must be an array of [name, value] string pairs',
  TSGI_ERR_HEADER_NAME: 'a header name must be an RFC 9110 token and not "status"',
  TSGI_ERR_HEADER_VALUE:
    'a header value must hold only latin-1 characters and no control characters',
  TSGI_ERR_HOP_BY_HOP: 'applications must not set hop-by-hop headers',
  TSGI_ERR_CONTENT_TYPE:
    'Content-Type is required, except on 1xx, 204 and 304, where it is forbidden',
  TSGI_ERR_CONTENT_LENGTH:
    'the body must have as many bytes as the Content-Length the application set',
  TSGI_ERR_EXC_INFO: 'excInfo may only be passed while handling an error',
  TSGI_ERR_WRITE_TYPE: 'write() takes one Uint8Array',
  TSGI_ERR_EXC_INFO_RETHROW:
    'startResponse must rethrow excInfo, unchanged, when the headers were already sent',
  TSGI_ERR_WRITE_AFTER_END: 'write() was called after the body ended',
  // The environ (spec §4)
  TSGI_ERR_ENVIRON_TYPE: 'the environ must be a plain object',
  TSGI_ERR_ENVIRON_MISSING_KEY: 'the environ lacks a required key',
  TSGI_ERR_ENVIRON_VALUE: 'an environ value has the wrong type or format',
  TSGI_ERR_INPUT_STREAM: 'tsgi.input must provide read, readline, readlines and async iteration',
  TSGI_ERR_INPUT_USAGE: 'tsgi.input was used against the rules (bad arguments, or close())',
  TSGI_ERR_ERROR_STREAM: 'tsgi.errors must provide write, writelines and flush, and takes strings',
  TSGI_ERR_ENVIRON_KEY: 'the environ holds a key it must not have',
  // Closing the body (spec §5)
  TSGI_ERR_ITER_AFTER_CLOSE: 'the body was iterated after it was closed',
  TSGI_ERR_NOT_CLOSED: 'the server did not close the body iterator',
  TSGI_ERR_ITER_PROTOCOL:
    "the server must open the body's iterator once and call next() and return() one at a time",
} as const

export type TsgiErrorCode = keyof typeof ERROR_CODES

/**
 * What the validator warns about (SHOULD rules, and likely mistakes that break no MUST): emitted
 * with `process.emitWarning(message, { type: 'TsgiWarning', code })`. Stable like the error codes.
 */
export const WARNING_CODES = {
  TSGI_WARN_STATUS_REASON: 'the status has no reason phrase',
  TSGI_WARN_UNKNOWN_METHOD: 'REQUEST_METHOD is not a method the validator knows',
  TSGI_WARN_VERSION_NOT_FROZEN: 'tsgi.version should be a frozen array',
  TSGI_WARN_HEADER_WHITESPACE: 'a header value should not begin or end with whitespace',
  TSGI_WARN_EXC_INFO_NOT_ERROR:
    'excInfo should be an Error: applications should throw Error objects',
  TSGI_WARN_BODY_NOT_ALLOWED:
    'a 204 or 304 response has no body; the server will not send these bytes',
  TSGI_WARN_CLOSED_TWICE:
    "the server ended the body's iterator, or closed the body, more than once",
} as const

export type TsgiWarningCode = keyof typeof WARNING_CODES

/** An error raised for a broken TSGI rule. `code` is stable; the message adds the detail. */
export class TsgiError extends Error {
  readonly code: TsgiErrorCode

  constructor(code: TsgiErrorCode, detail?: string) {
    super(detail ? `${ERROR_CODES[code]}: ${detail}` : ERROR_CODES[code])
    this.name = 'TsgiError'
    this.code = code
  }
}

/** Throws a TsgiError with `code` unless `condition` holds. */
export function check(condition: unknown, code: TsgiErrorCode, detail?: string): asserts condition {
  if (!condition) throw new TsgiError(code, detail)
}
