/**
 * Gunicorn's request limits (--limit-request-line, --limit-request-fields,
 * --limit-request-field-size), checked on top of llhttp, which parses but does not bound them.
 * Over a limit the client gets a proper status and the connection is closed.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http'

export interface RequestLimits {
  /** Bytes in the request line; 0 = unlimited. */
  line: number
  /** Header fields; never unlimited. */
  fields: number
  /** Bytes in one header line (name, colon, space, value); 0 = unlimited. */
  fieldSize: number
}

/** Node's own cap on the whole header block: at least what the limits allow, within reason. */
export function maxHeaderSize(limits: RequestLimits): number {
  const line = limits.line || 8190
  const field = limits.fieldSize || 8190
  return Math.min(Math.max(16 * 1024, line + limits.fields * (field + 2) + 4), 1024 * 1024)
}

/**
 * Returns the status a request breaking a limit deserves, or 0 when it is within them.
 * 414 for the request line (Gunicorn answers 400; 414 is what RFC 9110 says), 431 for headers.
 */
export function checkLimits(req: IncomingMessage, limits: RequestLimits): number {
  if (limits.line > 0) {
    const lineLength = (req.method?.length ?? 0) + (req.url?.length ?? 0) + 11 // 2 spaces + HTTP/x.y
    if (lineLength > limits.line) return 414
  }
  const raw = req.rawHeaders
  if (raw.length / 2 > limits.fields) return 431
  if (limits.fieldSize > 0) {
    for (let i = 0; i < raw.length; i += 2) {
      if (raw[i]!.length + raw[i + 1]!.length + 2 > limits.fieldSize) return 431
    }
  }
  return 0
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  414: 'URI Too Long',
  431: 'Request Header Fields Too Large',
  505: 'HTTP Version Not Supported',
}

/** Answers a request that broke a limit, and closes the connection. */
export function rejectRequest(res: ServerResponse, status: number): void {
  const body = `${status} ${REASONS[status] ?? 'Bad Request'}\n`
  res.shouldKeepAlive = false
  res.writeHead(status, REASONS[status], {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
  })
  res.end(body)
}
