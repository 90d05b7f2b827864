/**
 * Bounded waits for tests: every helper here gives up with a clear error after a timeout, so a
 * broken server fails a test instead of hanging the run. None of them sleeps for a fixed time.
 * @module
 */
import type { EventEmitter } from 'node:events'

export const DEFAULT_TIMEOUT_MS = 5000

/** Settles like `promise`, or rejects once `ms` have passed, naming `what` was awaited. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)
  })
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer))
}

/** Resolves with the arguments of the next `event` that passes `filter`. */
export function waitForEvent(
  emitter: EventEmitter,
  event: string,
  options: { timeout?: number; filter?: (...args: unknown[]) => boolean } = {}
): Promise<unknown[]> {
  let listener: ((...args: unknown[]) => void) | undefined
  const seen = new Promise<unknown[]>((resolve) => {
    listener = (...args) => {
      if (!options.filter || options.filter(...args)) resolve(args)
    }
    emitter.on(event, listener)
  })
  const bounded = withTimeout(seen, options.timeout ?? DEFAULT_TIMEOUT_MS, `event "${event}"`)
  return bounded.finally(() => emitter.off(event, listener!))
}

/** What waitFor() looks for in a stream's text: a substring, a pattern or a test. */
export type TextPattern = string | RegExp | ((text: string) => boolean)

/**
 * Collects a readable stream's output (e.g. a child's stdout) until the text so far matches
 * `pattern`, and resolves with that text. Rejects when the stream ends first or on timeout.
 */
export function waitFor(
  stream: NodeJS.ReadableStream,
  pattern: TextPattern,
  options: { timeout?: number } = {}
): Promise<string> {
  let text = ''
  let cleanup = () => {}
  const found = new Promise<string>((resolve, reject) => {
    const onData = (data: Buffer | string) => {
      text += data.toString()
      if (matches(text, pattern)) resolve(text)
    }
    const onEnd = () =>
      reject(new Error(`stream ended before ${describe(pattern)}; got ${tail(text)}`))
    stream.on('data', onData)
    stream.on('end', onEnd)
    cleanup = () => {
      stream.off('data', onData)
      stream.off('end', onEnd)
    }
  })
  const bounded = withTimeout(found, options.timeout ?? DEFAULT_TIMEOUT_MS, describe(pattern))
  return bounded.finally(cleanup)
}

/**
 * Checks `condition` every `interval` ms until it returns a value other than undefined, null
 * or false, and resolves with that value: for state only visible by looking (files other
 * processes write).
 */
export async function waitUntil<T>(
  condition: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  options: { timeout?: number; interval?: number; what?: string | (() => string) } = {}
): Promise<T> {
  const timeout = options.timeout ?? DEFAULT_TIMEOUT_MS
  const deadline = Date.now() + timeout
  for (;;) {
    const value = await condition()
    if (value !== undefined && value !== null && value !== false) return value
    if (Date.now() >= deadline) {
      const what = typeof options.what === 'function' ? options.what() : options.what
      throw new Error(`timed out after ${timeout} ms waiting for ${what ?? 'a condition'}`)
    }
    await new Promise((resolve) => setTimeout(resolve, options.interval ?? 10))
  }
}

export function matches(text: string, pattern: TextPattern): boolean {
  if (typeof pattern === 'string') return text.includes(pattern)
  if (pattern instanceof RegExp) return pattern.test(text)
  return pattern(text)
}

function describe(pattern: TextPattern): string {
  return typeof pattern === 'function'
    ? 'the expected output'
    : `output matching ${String(pattern)}`
}

function tail(text: string): string {
  return JSON.stringify(text.length > 500 ? '…' + text.slice(-500) : text)
}
