/**
 * `tsgi.file_wrapper` (spec §4.5). The wrapper iterates a file from its current position; the
 * server recognises its own wrapper and streams the file straight to the socket instead of
 * pulling blocks through the application's iterator.
 * @module
 */
import { read as readFd, createReadStream, type ReadStream } from 'node:fs'
import type { FileHandle } from 'node:fs/promises'
import type { Chunk, FileSource, FileWrapper } from '../spec/types.ts'

export const DEFAULT_BLOCK_SIZE = 64 * 1024

export class FileBody implements FileWrapper {
  readonly source: FileSource
  readonly blockSize: number
  #closed = false

  constructor(source: FileSource, blockSize = DEFAULT_BLOCK_SIZE) {
    if (!Number.isInteger(blockSize) || blockSize <= 0) {
      throw new TypeError(
        `tsgi.file_wrapper: blockSize must be a positive integer, got ${blockSize}`
      )
    }
    this.source = source
    this.blockSize = blockSize
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Chunk> {
    for (;;) {
      const block = await this.#readBlock()
      if (block.length === 0) return
      yield block
    }
  }

  /** A stream of the rest of the file, for the server's direct path. */
  openStream(): ReadStream {
    const options = { highWaterMark: this.blockSize, autoClose: false }
    return typeof this.source === 'number'
      ? createReadStream('', { ...options, fd: this.source })
      : createReadStream('', { ...options, fd: this.source as FileHandle })
  }

  /** Closes the file: the application handed it over with the wrapper (spec §4.5). */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    if (typeof this.source !== 'number') await this.source.close()
  }

  async #readBlock(): Promise<Chunk> {
    const buffer = Buffer.allocUnsafe(this.blockSize)
    const bytesRead =
      typeof this.source === 'number'
        ? await readFromFd(this.source, buffer)
        : (await this.source.read(buffer, 0, buffer.length, null)).bytesRead
    return buffer.subarray(0, bytesRead)
  }
}

function readFromFd(fd: number, buffer: Buffer): Promise<number> {
  return new Promise((resolve, reject) =>
    readFd(fd, buffer, 0, buffer.length, null, (error, bytesRead) =>
      error ? reject(error) : resolve(bytesRead)
    )
  )
}

/** The `tsgi.file_wrapper` factory this server puts in every environ. */
export function fileWrapper(source: FileSource, blockSize?: number): FileWrapper {
  return new FileBody(source, blockSize)
}
