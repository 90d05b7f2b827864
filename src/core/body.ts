/**
 * The response body as the spec's server side handles it (spec §2.1, §5.1): checking what the
 * application returned, opening its iterator, and ending it once on every path. Shared by the
 * server core and the toFetch adapter.
 * @module
 */
import { TsgiError } from '../ref/errors.ts'
import type { Body, Chunk } from '../spec/types.ts'
import type { ErrorLog } from './handler.ts'

export function checkChunk(chunk: unknown): Chunk {
  if (chunk instanceof Uint8Array) return chunk
  throw new TsgiError('TSGI_ERR_CHUNK_TYPE', `got ${typeof chunk}`)
}

/** A TSGI body's shape (spec §2.1): an object with an iterator or an async iterator. */
export function isBody(body: unknown): body is Body {
  return (
    body !== null &&
    typeof body === 'object' &&
    (Symbol.asyncIterator in body || Symbol.iterator in body)
  )
}

export function checkBody(body: unknown): asserts body is Body {
  if (!isBody(body)) {
    throw new TsgiError('TSGI_ERR_BODY_TYPE', `got ${body === null ? 'null' : typeof body}`)
  }
}

export function openIterator(body: Body): Iterator<Chunk> | AsyncIterator<Chunk> {
  if (Symbol.asyncIterator in body) return body[Symbol.asyncIterator]()
  return body[Symbol.iterator]()
}

/**
 * Ends the iterator with `return()` and calls the body's `close()` when it has one, each once,
 * on every path: a generator's `finally` blocks always run (spec §5.1). Without an iterator
 * (getting it threw) there is only `close()` to call.
 */
export function closeBody(
  body: Body,
  iterator: Iterator<Chunk> | AsyncIterator<Chunk> | undefined,
  log: ErrorLog
): Promise<void> | undefined {
  const close = (body as Partial<{ close: () => unknown }>).close
  // An array's iterator has nothing to end and nothing to close: no promise, no extra turn.
  if (typeof iterator?.return !== 'function' && typeof close !== 'function') return undefined
  return endAndClose(body, iterator, close, log)
}

async function endAndClose(
  body: Body,
  iterator: Iterator<Chunk> | AsyncIterator<Chunk> | undefined,
  close: (() => unknown) | undefined,
  log: ErrorLog
): Promise<void> {
  try {
    await iterator?.return?.()
  } catch (error) {
    log.error('Error while ending the response body iterator', error)
  }
  if (typeof close !== 'function') return
  try {
    await close.call(body)
  } catch (error) {
    log.error('Error in the response body close()', error)
  }
}
