/**
 * Stand-ins for Request and Response that keep only what they need and build the real object
 * on first use of anything else (./fetch-request.ts, ./light-response.ts). Their prototypes
 * inherit from the real ones, so `instanceof` holds; every member they do not define must then
 * be forwarded here, because the real getters and methods throw on any object but their own.
 * @module
 */
import { inspect } from 'node:util'

/** The method a stand-in answers with its real object, built on first call. */
export const REAL = Symbol('tsgi.real')

interface StandIn {
  [REAL](): object
}

/**
 * Defines on `proto` every member of `realProto` that `proto` lacks, as a forward to the real
 * object: getters read it, methods call it, setters are left out (Request and Response have none).
 */
export function forwardTheRest(proto: object, realProto: object): void {
  for (const key of Object.getOwnPropertyNames(realProto)) {
    if (key === 'constructor' || Object.prototype.hasOwnProperty.call(proto, key)) continue
    const descriptor = Object.getOwnPropertyDescriptor(realProto, key)!
    if (descriptor.get) {
      Object.defineProperty(proto, key, {
        get(this: StandIn) {
          return (this[REAL]() as Record<string, unknown>)[key]
        },
        configurable: true,
      })
    } else if (typeof descriptor.value === 'function') {
      Object.defineProperty(proto, key, {
        value(this: StandIn, ...args: unknown[]) {
          const real = this[REAL]() as Record<string, (...a: unknown[]) => unknown>
          return real[key]!(...args)
        },
        writable: true,
        configurable: true,
      })
    }
  }
  // util.inspect (console.log) shows the real object: the real inspect method would throw too.
  Object.defineProperty(proto, inspect.custom, {
    value(this: StandIn, depth: number, options: object) {
      return inspect(this[REAL](), { ...options, depth })
    },
    configurable: true,
  })
}
