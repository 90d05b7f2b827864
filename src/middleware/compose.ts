/**
 * Stacking middleware around an application (spec §6).
 * @module
 */
import type { Application, Middleware } from '../spec/types.ts'

/**
 * Wraps `app` in `middleware`, the first listed outermost: `compose(app, a, b)` is `a(b(app))`,
 * so a request passes through `a`, then `b`, then reaches `app`, and the response comes back
 * the other way. Each middleware is called once, here, not per request.
 *
 * @example
 * const served = compose(app, showExceptions, contentLength)
 * // the same as showExceptions(contentLength(app)): showExceptions sees the errors
 * // of both contentLength and app.
 */
export function compose(app: Application, ...middleware: Middleware[]): Application {
  return middleware.reduceRight<Application>((inner, wrap) => wrap(inner), app)
}
