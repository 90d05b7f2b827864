/**
 * What the worker does when an app fails, for the fetch and node interfaces as the core does
 * for TSGI (spec §5.3): before the headers went out, a 500; after, the connection is cut, so
 * the client sees a truncated response rather than a complete wrong one. Either way, logged.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { ErrorLog } from '../../core/handler.ts'
import { abortAfterFlush } from '../../core/transport.ts'

export const ERROR_BODY = 'Internal Server Error\n'
export const ERROR_HEADERS: ReadonlyArray<[string, string]> = [
  ['Content-Type', 'text/plain; charset=utf-8'],
  ['Content-Length', String(ERROR_BODY.length)],
]

/** Answers 500 or aborts, and logs `error` with the request's method and target. */
export function answerFailure(
  req: IncomingMessage,
  res: ServerResponse,
  log: ErrorLog,
  error: unknown
): void {
  const where = `${req.method} ${req.url}`
  if (res.headersSent) {
    log.error(`Error after the response started, aborting the connection: ${where}`, error)
    abortAfterFlush(res)
    return
  }
  log.error(`Error handling request ${where}`, error)
  for (const name of res.getHeaderNames()) res.removeHeader(name)
  res.writeHead(500, 'Internal Server Error', ERROR_HEADERS.flat())
  res.end(ERROR_BODY)
}
