/**
 * Serving a TSGI app from the worker: the core's request handler, unchanged (DESIGN.md). When
 * the app was taken for a TSGI app only as a guess (./detect.ts: a plain function of two
 * parameters), an app that returns no body, or a Response, is reported with the fix: a Node
 * listener returns nothing, a fetch handler a Response.
 * @module
 */
import { isBody } from '../../core/body.ts'
import { createRequestHandler, REQUEST_HANDLER_SERVER_OPTIONS } from '../../core/handler.ts'
import { TsgiError } from '../../ref/errors.ts'
import type { Application, Body } from '../../spec/types.ts'
import type { ServeHandler, ServeOptions } from './serve.ts'

/** `guess` is how detection described the app when it guessed; undefined when it knew. */
export function serveTsgi(
  app: Application,
  guess: string | undefined,
  options: ServeOptions
): ServeHandler {
  const served = guess === undefined ? app : withGuessHint(app, guess)
  return {
    request: createRequestHandler(served, options),
    serverOptions: REQUEST_HANDLER_SERVER_OPTIONS,
  }
}

/**
 * Checks the app's bodies until one is a TSGI body, which settles the guess; from then on the
 * app runs unwrapped. A Response is looked for only in a body that is not one: measured with a
 * 1 ms wait, `instanceof Response` on every body made V8 keep each request's objects past
 * scavenges (all of them promoted, then old-space collections), and each checked promise
 * costs a promise more per request.
 */
function withGuessHint(app: Application, guess: string): Application {
  let settled = false
  const check = (body: unknown): Body => {
    if (isBody(body)) {
      settled = true
      return body
    }
    if (body !== undefined && !(body instanceof Response)) return body as Body
    const got = body === undefined ? 'undefined' : 'a Response'
    throw new TsgiError(
      'TSGI_ERR_BODY_TYPE',
      `got ${got}. tsgi took the app for a TSGI app (environ, startResponse) because it is ${guess}; ` +
        'start tsgi with --interface node for a node:http listener (req, res), or --interface fetch ' +
        'for a fetch handler (request)'
    )
  }
  return (environ, startResponse) => {
    if (settled) return app(environ, startResponse)
    const result = app(environ, startResponse) as unknown
    if (typeof (result as { then?: unknown } | undefined)?.then === 'function') {
      return (result as Promise<unknown>).then(check)
    }
    return check(result)
  }
}
