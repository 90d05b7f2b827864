/**
 * `tsgi.input` (spec §4.3): a pull reader over the request body's chunks. It never reads past
 * the body's end: Node's parser ends the stream at Content-Length or at the last chunk of a
 * chunked body, and `read()` simply returns what is left.
 * @module
 */
import type { Chunk, InputStream } from '../spec/types.ts'

const EMPTY = new Uint8Array(0)
const NEWLINE = 0x0a

/** An InputStream over any async iterable of chunks (a request, or bytes in a test). */
export class ChunkInput implements InputStream {
  readonly #body: AsyncIterable<Chunk>
  #source: AsyncIterator<Chunk> | undefined
  #chunks: Chunk[] = []
  #buffered = 0
  #ended = false
  /** Why the body could not be read to its end; every later read rejects with it (spec §4.3). */
  #failure: { error: unknown } | undefined
  #beforeFirstRead: (() => void) | undefined

  /**
   * @param source the body's chunks, opened lazily on the first read.
   * @param beforeFirstRead called once before the first read: the server sends
   *   `100 Continue` there, so a client that asked for it sends the body only when the app wants it.
   */
  constructor(source: AsyncIterable<Chunk>, beforeFirstRead?: () => void) {
    this.#body = source
    this.#beforeFirstRead = beforeFirstRead
  }

  async read(size?: number): Promise<Chunk> {
    const want = wanted(size)
    while (this.#buffered < want && (await this.#pull()));
    return this.#take(Math.min(want, this.#buffered))
  }

  async readline(size?: number): Promise<Chunk> {
    const limit = wanted(size)
    let scanned = 0
    for (;;) {
      const end = this.#indexOfNewline(scanned)
      if (end >= 0) return this.#take(Math.min(end + 1, limit))
      scanned = this.#buffered
      if (this.#buffered >= limit || !(await this.#pull())) {
        return this.#take(Math.min(this.#buffered, limit))
      }
    }
  }

  async readlines(hint?: number): Promise<Chunk[]> {
    const limit = wanted(hint)
    const lines: Chunk[] = []
    let total = 0
    for (;;) {
      const line = await this.readline()
      if (line.length === 0) return lines
      lines.push(line)
      total += line.length
      if (total >= limit) return lines
    }
  }

  /** Yields the body as it arrives, chunk by chunk (not line by line, unlike WSGI). */
  async *[Symbol.asyncIterator](): AsyncIterator<Chunk> {
    if (this.#buffered > 0) yield this.#take(this.#buffered)
    // Never yield an empty chunk mid-body: readers take one for the end of the body.
    while (await this.#pull()) if (this.#buffered > 0) yield this.#take(this.#buffered)
  }

  /** Pulls one chunk from the source into the buffer; false at the end of the body. */
  async #pull(): Promise<boolean> {
    if (this.#failure) throw this.#failure.error
    if (this.#ended) return false
    if (!this.#source) {
      this.#beforeFirstRead?.()
      this.#beforeFirstRead = undefined
      this.#source = this.#body[Symbol.asyncIterator]()
    }
    let next: IteratorResult<Chunk>
    try {
      next = await this.#source.next()
    } catch (error) {
      // A truncated body must never look complete to a later read.
      this.#failure = { error }
      throw error
    }
    if (next.done) {
      this.#ended = true
      return false
    }
    if (next.value.length > 0) {
      this.#chunks.push(next.value)
      this.#buffered += next.value.length
    }
    return true
  }

  #indexOfNewline(from: number): number {
    let offset = 0
    for (const chunk of this.#chunks) {
      if (from < offset + chunk.length) {
        const at = chunk.indexOf(NEWLINE, Math.max(0, from - offset))
        if (at >= 0) return offset + at
      }
      offset += chunk.length
    }
    return -1
  }

  /** Removes and returns the first `size` buffered bytes. */
  #take(size: number): Chunk {
    if (size === 0) return EMPTY
    this.#buffered -= size
    const first = this.#chunks[0]!
    if (first.length === size) return this.#chunks.shift()!
    if (first.length > size) {
      this.#chunks[0] = first.subarray(size)
      return first.subarray(0, size)
    }
    const out = new Uint8Array(size)
    let filled = 0
    while (filled < size) {
      const chunk = this.#chunks[0]!
      const part = Math.min(chunk.length, size - filled)
      out.set(chunk.subarray(0, part), filled)
      filled += part
      if (part === chunk.length) this.#chunks.shift()
      else this.#chunks[0] = chunk.subarray(part)
    }
    return out
  }
}

/** An InputStream over bytes already in memory (tests, `setupTestingDefaults`). */
export function bytesInput(bytes: Uint8Array | string = EMPTY): InputStream {
  const body = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes
  return new ChunkInput(
    (async function* () {
      if (body.length > 0) yield body
    })()
  )
}

/** A size argument as a byte count: undefined, null or negative mean "all". */
function wanted(size: number | undefined): number {
  if (size === undefined || size === null || size < 0) return Number.POSITIVE_INFINITY
  if (!Number.isInteger(size))
    throw new TypeError(`tsgi.input: size must be an integer, got ${size}`)
  return size
}
