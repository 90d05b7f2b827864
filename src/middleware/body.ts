/**
 * Wrapping a response body without breaking spec §5: the inner body must be ended and closed
 * exactly once, whichever way the response ends.
 *
 * The pitfall this solves: a middleware written as `async function* (body) { for await (...) }`
 * closes the inner body only if its own generator runs. When the server ends the response
 * before the first chunk (the client went away), it calls `return()` on a generator that never
 * started, whose `finally` blocks therefore never run, and the app's `close()` is never called.
 * It also never calls the inner body's `close()` method at all, since `for await` only knows
 * `return()`.
 * @module
 */
import { check } from '../ref/errors.ts'
import type { Body, Chunk, ClosableBody } from '../spec/types.ts'

/**
 * Turns the inner body's chunks into the outer body's: typically an async generator that loops
 * over `chunks` and yields. It may buffer, add chunks, stop early or catch the inner body's
 * errors; the inner body is closed for it in every case. Spec §6 wants at least one chunk
 * out (an empty one will do) for each chunk in, so that streaming responses keep streaming.
 */
export type BodyTransform = (chunks: AsyncIterable<Chunk>) => AsyncIterable<Chunk>

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined })

/**
 * Wraps `body` so that `transform` sees its chunks, keeping the close rules of spec §5: the
 * inner body's iterator is ended with `return()` and its `close()` called once each, when it is
 * exhausted, when `transform` stops reading, or when the outer body is ended (`return()`) or
 * closed (`close()`), even before its first chunk.
 *
 * @example
 * const upper: Middleware = (app) => async (environ, startResponse) =>
 *   transformBody(await app(environ, startResponse), async function* (chunks) {
 *     for await (const chunk of chunks) yield toUpperCase(chunk)
 *   })
 */
export function transformBody(body: Body, transform: BodyTransform): TransformedBody {
  return new TransformedBody(body, transform)
}

/** transformBody() for the common case: one chunk out for each chunk in. */
export function mapBody(
  body: Body,
  map: (chunk: Chunk) => Chunk | Promise<Chunk>
): TransformedBody {
  return new TransformedBody(body, async function* (chunks) {
    for await (const chunk of chunks) yield await map(chunk)
  })
}

/** The body transformBody() returns: an async iterator of its own and a `close()` method. */
export class TransformedBody implements AsyncIterableIterator<Chunk>, ClosableBody {
  readonly #inner: Body
  readonly #transform: BodyTransform
  #innerIterator: Iterator<Chunk> | AsyncIterator<Chunk> | undefined
  #innerClosed: Promise<void> | undefined
  #output: AsyncIterator<Chunk> | undefined
  #closed: Promise<void> | undefined

  constructor(inner: Body, transform: BodyTransform) {
    this.#inner = inner
    this.#transform = transform
  }

  [Symbol.asyncIterator](): this {
    return this
  }

  /**
   * The next transformed chunk. Once the transform is done or has thrown, the inner body is
   * closed at once, so that a plain `for await` reader needs no close() call; a close() error
   * is then reported to the next close() caller (the server), not in place of the first error.
   */
  async next(): Promise<IteratorResult<Chunk>> {
    if (this.#closed) return DONE
    let result: IteratorResult<Chunk>
    try {
      this.#output ??= this.#transform(this.#source())[Symbol.asyncIterator]()
      result = await this.#output.next()
      if (!result.done) {
        check(result.value instanceof Uint8Array, 'TSGI_ERR_CHUNK_TYPE', 'from the transform')
      }
    } catch (error) {
      await this.close().catch(() => {})
      throw error
    }
    if (result.done) await this.close()
    return result
  }

  /** Ends the body early: the same as close(). */
  async return(): Promise<IteratorResult<Chunk>> {
    await this.close()
    return DONE
  }

  /**
   * Ends the transform (its `finally` blocks run), then the inner body; only the first call
   * does anything, later ones wait for it. An error from either is thrown after both ran.
   */
  close(): Promise<void> {
    this.#closed ??= this.#finish()
    return this.#closed
  }

  async #finish(): Promise<void> {
    try {
      await this.#output?.return?.()
    } finally {
      await this.#closeInner()
    }
  }

  /** The inner body as the transform reads it: stopping early closes the inner body. */
  #source(): AsyncIterable<Chunk> {
    const iterator: AsyncIterator<Chunk> = {
      next: () => this.#pull(),
      return: async () => {
        await this.#closeInner()
        return DONE
      },
    }
    return { [Symbol.asyncIterator]: () => iterator }
  }

  async #pull(): Promise<IteratorResult<Chunk>> {
    if (this.#innerClosed) return DONE
    this.#innerIterator ??= openIterator(this.#inner)
    const result = await this.#innerIterator.next()
    if (result.done) {
      await this.#closeInner()
      return DONE
    }
    check(result.value instanceof Uint8Array, 'TSGI_ERR_CHUNK_TYPE', `got ${typeof result.value}`)
    return result
  }

  #closeInner(): Promise<void> {
    this.#innerClosed ??= closeBody(this.#inner, this.#innerIterator)
    return this.#innerClosed
  }
}

/**
 * Closes a body as a server does (spec §5.1): `return()` on its iterator, when one was opened,
 * then the body's own `close()`, when it has one. Both run even if the first throws. For a
 * middleware that drops a body it will not send.
 */
export async function closeBody(
  body: Body,
  iterator?: Iterator<Chunk> | AsyncIterator<Chunk>
): Promise<void> {
  try {
    await iterator?.return?.()
  } finally {
    const close = (body as Partial<ClosableBody>).close
    if (typeof close === 'function') await close.call(body)
  }
}

function openIterator(body: Body): Iterator<Chunk> | AsyncIterator<Chunk> {
  if (Symbol.asyncIterator in body) return body[Symbol.asyncIterator]()
  return body[Symbol.iterator]()
}
