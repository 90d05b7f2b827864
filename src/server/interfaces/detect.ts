/**
 * Which interface an app speaks: TSGI, fetch or node:http (docs/interfaces/). The loader hands
 * over whatever MODULE:EXPORT named (or the factory call returned); this module says how to
 * call it, by its shape or as `--interface` forces, and when nothing fits it says what it found
 * and what it expected.
 *
 * The rule, in order (auto):
 * - an object with a `fetch` method (a Hono app, `export default { fetch }`) → fetch;
 * - an `http.Server` with a request listener, a Fastify app (its `server` once `ready()`), a
 *   Koa app (its `callback()`) → node; an `http.Server` or Fastify app also gets upgrades;
 * - a generator function → tsgi (neither other kind returns an iterator);
 * - a function with `handle` and `use` methods (Express, Connect) → node;
 * - a function named `handleRequest` of two parameters (Koa's `app.callback()`) → node;
 * - a function of one or three parameters, `(request)` or `(request, env, ctx)` → fetch: a TSGI
 *   app takes exactly two (spec §2.2), a node:http listener two;
 * - any other function → tsgi, as a guess: a function of two parameters may be any of the
 *   three. The guess is recorded, so that an app that then returns no body is reported with a
 *   pointer to `--interface`.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import type { FetchHandler } from '../../adapters/from-fetch.ts'
import type { Application } from '../../spec/types.ts'
import { AppImportError } from '../errors.ts'

/** The interfaces `--interface` names; `auto` detects. */
export const INTERFACES = ['tsgi', 'fetch', 'node'] as const
export type InterfaceName = (typeof INTERFACES)[number]
export type InterfaceChoice = InterfaceName | 'auto'

export type NodeListener = (req: IncomingMessage, res: ServerResponse) => unknown
export type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void

/** An app, and how to call it. `how` says what was found, for logs and error messages. */
export type LoadedApp =
  | {
      readonly interface: 'tsgi'
      readonly app: Application
      readonly how: string
      readonly guessed: boolean
    }
  | { readonly interface: 'fetch'; readonly handler: FetchHandler; readonly how: string }
  | {
      readonly interface: 'node'
      readonly listener: NodeListener
      /** Present when the app listens for `upgrade` (WebSocket handshakes). */
      readonly upgrade?: UpgradeListener
      readonly how: string
    }

type AnyFunction = (...args: never[]) => unknown
type Shape = Record<string, unknown>

/** What every kind looks like, for messages about a value that is none of them. */
export const EXPECTED =
  'a TSGI app (environ, startResponse), a fetch handler (request) => Response or an object ' +
  'with a fetch method, or a node:http listener (req, res), http.Server, Koa or Fastify app'

/**
 * Resolves `value` to an interface. `label` names it in messages (`export "app" of module
 * "app.ts"`). Throws AppImportError('not-an-app') when it fits none, or not the forced one.
 */
export async function detectInterface(
  value: unknown,
  choice: InterfaceChoice,
  label: string
): Promise<LoadedApp> {
  const found = choice === 'auto' ? await detectAuto(value) : await asForced(value, choice)
  if (found) return found
  const expected = choice === 'auto' ? EXPECTED : expectedFor(choice)
  const hint = choice === 'auto' ? '' : `; --interface ${choice} was given`
  throw new AppImportError(
    'not-an-app',
    `${label} is ${describeValue(value)}, not an app: expected ${expected}${hint}`
  )
}

async function detectAuto(value: unknown): Promise<LoadedApp | undefined> {
  if (typeof value === 'function') return detectFunction(value as AnyFunction)
  if (!isObject(value)) return undefined
  if (typeof value.fetch === 'function') return fetchApp(value, 'an object with a fetch method')
  return asNodeObject(value)
}

function detectFunction(fn: AnyFunction): LoadedApp {
  if (isGeneratorFunction(fn)) return tsgiApp(fn, 'a generator function', false)
  const shape = fn as unknown as Shape
  if (typeof shape.handle === 'function' && typeof shape.use === 'function') {
    return nodeListener(fn, 'a function with handle and use methods (Express, Connect)')
  }
  if (fn.name === 'handleRequest' && fn.length === 2) {
    return nodeListener(fn, "a function named handleRequest (Koa's app.callback())")
  }
  if (fn.length === 1 || fn.length === 3) {
    return fetchApp(fn, `a function of ${fn.length} parameter${fn.length === 1 ? '' : 's'}`)
  }
  return tsgiApp(fn, `${describeValue(fn)}, which may be any interface`, true)
}

async function asForced(value: unknown, choice: InterfaceName): Promise<LoadedApp | undefined> {
  const how = `given --interface ${choice}`
  if (choice === 'tsgi')
    return typeof value === 'function' ? tsgiApp(value as AnyFunction, how, false) : undefined
  if (choice === 'fetch') {
    if (typeof value === 'function') return fetchApp(value as AnyFunction, how)
    return isObject(value) && typeof value.fetch === 'function' ? fetchApp(value, how) : undefined
  }
  if (typeof value === 'function') return nodeListener(value as AnyFunction, how)
  return isObject(value) ? asNodeObject(value) : undefined
}

/** An http.Server, a Fastify app or a Koa app; undefined for any other object. */
async function asNodeObject(value: Shape): Promise<LoadedApp | undefined> {
  if (isHttpServer(value)) return serverApp(value, 'an http.Server')
  if (typeof value.routing === 'function' && typeof value.ready === 'function') {
    // Fastify registers its plugins (routes, WebSocket support) in ready().
    await (value.ready as () => Promise<unknown>).call(value)
    if (isHttpServer(value.server)) return serverApp(value.server, 'a Fastify app')
  }
  if (typeof value.callback === 'function' && typeof value.use === 'function') {
    const listener = (value.callback as () => unknown).call(value)
    if (typeof listener === 'function') return nodeListener(listener as AnyFunction, 'a Koa app')
  }
  return undefined
}

interface EmitterServer extends Shape {
  emit(event: string, ...args: unknown[]): boolean
  listenerCount(event: string): number
}

/** A node:http (or compatible) server: it emits 'request' to the app's listeners. */
function isHttpServer(value: unknown): value is EmitterServer {
  return (
    isObject(value) &&
    typeof value.listen === 'function' &&
    typeof value.emit === 'function' &&
    typeof value.listenerCount === 'function' &&
    (value.listenerCount as (event: string) => number)('request') > 0
  )
}

/** The server's own listeners serve: 'request', and 'upgrade' when it has any. */
function serverApp(server: EmitterServer, how: string): LoadedApp {
  const listener: NodeListener = (req, res) => server.emit('request', req, res)
  if (server.listenerCount('upgrade') === 0) return { interface: 'node', listener, how }
  const upgrade: UpgradeListener = (req, socket, head) => server.emit('upgrade', req, socket, head)
  return { interface: 'node', listener, upgrade, how: `${how} with upgrade listeners` }
}

function tsgiApp(fn: AnyFunction, how: string, guessed: boolean): LoadedApp {
  return { interface: 'tsgi', app: fn as unknown as Application, how, guessed }
}

function fetchApp(target: AnyFunction | Shape, how: string): LoadedApp {
  const handler =
    typeof target === 'function'
      ? (target as unknown as FetchHandler)
      : ((target.fetch as AnyFunction).bind(target) as unknown as FetchHandler)
  return { interface: 'fetch', handler, how }
}

function nodeListener(fn: AnyFunction, how: string): LoadedApp {
  return { interface: 'node', listener: fn as unknown as NodeListener, how }
}

function expectedFor(choice: InterfaceName): string {
  if (choice === 'tsgi') return 'a TSGI app, a function (environ, startResponse)'
  if (choice === 'fetch')
    return 'a fetch handler, a function (request) or an object with a fetch method'
  return 'a node:http listener (req, res), an http.Server, a Koa app or a Fastify app'
}

function isGeneratorFunction(fn: AnyFunction): boolean {
  const kind = Object.getPrototypeOf(fn)?.constructor?.name
  return kind === 'GeneratorFunction' || kind === 'AsyncGeneratorFunction'
}

function isObject(value: unknown): value is Shape {
  return typeof value === 'object' && value !== null
}

/** `a function of 2 parameters`, `an object (keys: a, b)`, `a string`, `undefined`. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value)
  if (typeof value === 'function') {
    const count = value.length
    return `a function of ${count} parameter${count === 1 ? '' : 's'}`
  }
  if (Array.isArray(value)) return 'an array'
  if (typeof value !== 'object') return `a ${typeof value}`
  const keys = Object.keys(value).slice(0, 5)
  return keys.length === 0 ? 'an object with no keys' : `an object (keys: ${keys.join(', ')})`
}
