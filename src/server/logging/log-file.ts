/**
 * A log destination: a file opened for append, or stdout/stderr. Lines are buffered and written
 * asynchronously, whole lines per write(2), one write in flight at a time, so that the event
 * loop never waits on the disk or on a slow pipe reader.
 *
 * Several worker processes may share one file: it is opened with O_APPEND, so each write lands
 * at the current end of the file, and a write never splits a line. For pipes (stdout under a
 * process manager) a write carries at most PIPE_BUF bytes of whole lines, the size POSIX
 * guarantees to arrive unbroken when several processes write to one pipe.
 * @module
 */
import { close, fstatSync, openSync, write, writeSync } from 'node:fs'
import { errorLogNow } from './clock.ts'

export interface LogFileOptions {
  /** A file path, opened for append (and created if missing), or '-' for `stdio`. */
  path: string
  /** The descriptor that '-' stands for: 1 (stdout, the access log) or 2 (stderr). */
  stdio: 1 | 2
  /** Lines arriving while this many characters wait unwritten are dropped and counted. */
  maxBufferedChars?: number
  /** Told about write failures, once per opening of the file; the default prints to stderr. */
  onError?: (error: Error) => void
}

/** Writes of regular files are batched up to this many characters. */
const FILE_CHUNK_CHARS = 1 << 20
/** POSIX PIPE_BUF on Linux: writes up to this size reach a pipe whole (counted in characters, so
 * a chunk of non-ASCII lines may exceed it in bytes; it is then merely not atomic). */
const PIPE_CHUNK_CHARS = 4096
const DEFAULT_MAX_BUFFERED_CHARS = 16 << 20
const RETRY_FIRST_MS = 1
const RETRY_MAX_MS = 100

export class LogFile {
  readonly path: string
  #fd: number
  #ownsFd: boolean
  #chunkChars: number
  /** Descriptors replaced by reopen(), closed once no write is in flight on them. */
  #retired: number[] = []
  #pending: string[] = []
  #pendingChars = 0
  /** A drain is scheduled or a write is in flight (or waiting to be retried). */
  #busy = false
  #closed = false
  #closing: Promise<void> | null = null
  /** The reader of a pipe went away (EPIPE): everything from now on is dropped. */
  #broken = false
  #dropped = 0
  #overflowing = false
  #errorReported = false
  #retryMs = RETRY_FIRST_MS
  #idleWaiters: Array<() => void> = []
  readonly #maxBufferedChars: number
  readonly #onError: (error: Error) => void

  constructor(options: LogFileOptions) {
    this.path = options.path
    this.#ownsFd = options.path !== '-'
    this.#fd = this.#ownsFd ? openSync(options.path, 'a') : options.stdio
    this.#chunkChars = chunkCharsFor(this.#fd)
    this.#maxBufferedChars = options.maxBufferedChars ?? DEFAULT_MAX_BUFFERED_CHARS
    this.#onError = options.onError ?? reportToStderr(options.path)
  }

  /** Lines dropped so far: after close(), after EPIPE, or while the buffer was full. */
  get droppedLines(): number {
    return this.#dropped
  }

  /** Queues `text`, which must be one or more whole lines, each ending in '\n'. */
  write(text: string): void {
    if (this.#closed || this.#broken) {
      this.#dropped++
      return
    }
    if (this.#pendingChars + text.length > this.#maxBufferedChars) return this.#overflow()
    this.#pending.push(text)
    this.#pendingChars += text.length
    if (!this.#busy) {
      this.#busy = true
      setImmediate(this.#drain)
    }
  }

  /**
   * Opens the path again (SIGUSR1 after logrotate moved the file). Lines still queued go to the
   * new file; a write already in flight finishes on the old one, which is closed after it. If
   * the path cannot be opened, logging carries on into the old file and the error is reported.
   */
  reopen(): void {
    if (!this.#ownsFd || this.#closed) return
    let fd: number
    try {
      fd = openSync(this.path, 'a')
    } catch (error) {
      return this.#report(error)
    }
    this.#retired.push(this.#fd)
    this.#fd = fd
    this.#chunkChars = chunkCharsFor(fd)
    this.#broken = false
    this.#errorReported = false
    if (!this.#busy) this.#closeRetired()
  }

  /** Resolves once every line queued so far has been written (or dropped). */
  flush(): Promise<void> {
    if (!this.#busy) return Promise.resolve()
    return new Promise((resolve) => this.#idleWaiters.push(resolve))
  }

  /**
   * Writes the queued lines synchronously, for the last words of a process that is about to
   * exit. A write already in flight may then land after them.
   */
  flushSync(): void {
    if (this.#broken || this.#pending.length === 0) return
    const text = this.#pending.join('')
    this.#pending = []
    this.#pendingChars = 0
    try {
      writeAllSync(this.#fd, Buffer.from(text))
    } catch (error) {
      this.#report(error)
    }
  }

  /** Flushes, then closes the file. Lines written after this call are dropped. */
  close(): Promise<void> {
    this.#closing ??= this.#finish()
    return this.#closing
  }

  async #finish(): Promise<void> {
    this.#closed = true
    await this.flush()
    const fds = this.#ownsFd ? [...this.#retired, this.#fd] : []
    this.#retired = []
    await Promise.all(fds.map((fd) => new Promise((resolve) => close(fd, resolve))))
  }

  /** Takes the next chunk of whole lines and writes it; called only when no write is in flight. */
  #drain = (): void => {
    this.#closeRetired()
    const chunk = this.#takeChunk()
    if (chunk === null) return this.#becomeIdle()
    this.#writeFrom(this.#fd, Buffer.from(chunk), 0)
  }

  #takeChunk(): string | null {
    const pending = this.#pending
    if (pending.length === 0) return null
    let count = 0
    let chars = 0
    while (
      count < pending.length &&
      (count === 0 || chars + pending[count]!.length <= this.#chunkChars)
    ) {
      chars += pending[count]!.length
      count++
    }
    this.#pending = count === pending.length ? [] : pending.slice(count)
    this.#pendingChars -= chars
    return count === 1 ? pending[0]! : pending.slice(0, count).join('')
  }

  #writeFrom(fd: number, buffer: Buffer, offset: number): void {
    write(fd, buffer, offset, buffer.length - offset, null, (error, written) => {
      if (error) return this.#afterError(error, fd, buffer, offset)
      if (written === 0) return this.#retryLater(fd, buffer, offset)
      this.#retryMs = RETRY_FIRST_MS
      // A short write (a pipe, a signal) continues on the same descriptor: the rest of a line
      // must follow its beginning even if reopen() happened meanwhile.
      if (offset + written < buffer.length) this.#writeFrom(fd, buffer, offset + written)
      else this.#drain()
    })
  }

  #afterError(error: NodeJS.ErrnoException, fd: number, buffer: Buffer, offset: number): void {
    if (error.code === 'EAGAIN' || error.code === 'EWOULDBLOCK') {
      // stdout is a non-blocking pipe (Node makes it one) whose reader is behind.
      return this.#retryLater(fd, buffer, offset)
    }
    if (error.code === 'EPIPE') return this.#breakPipe()
    this.#report(error)
    this.#drain()
  }

  #retryLater(fd: number, buffer: Buffer, offset: number): void {
    setTimeout(() => this.#writeFrom(fd, buffer, offset), this.#retryMs)
    this.#retryMs = Math.min(this.#retryMs * 2, RETRY_MAX_MS)
  }

  /** Nobody reads the pipe any more: drop what is queued and all later lines, never throw. */
  #breakPipe(): void {
    this.#broken = true
    this.#dropped += this.#pending.length
    this.#pending = []
    this.#pendingChars = 0
    this.#becomeIdle()
  }

  #becomeIdle(): void {
    this.#busy = false
    this.#overflowing = false
    const waiters = this.#idleWaiters
    this.#idleWaiters = []
    for (const resolve of waiters) resolve()
  }

  #overflow(): void {
    this.#dropped++
    if (this.#overflowing) return
    this.#overflowing = true
    const limit = this.#maxBufferedChars
    this.#onError(new Error(`log buffer full (${limit} characters unwritten): dropping lines`))
  }

  #closeRetired(): void {
    for (const fd of this.#retired) close(fd, () => {})
    this.#retired = []
  }

  #report(error: unknown): void {
    if (this.#errorReported) return
    this.#errorReported = true
    this.#onError(error instanceof Error ? error : new Error(String(error)))
  }
}

function chunkCharsFor(fd: number): number {
  try {
    return fstatSync(fd).isFile() ? FILE_CHUNK_CHARS : PIPE_CHUNK_CHARS
  } catch {
    return PIPE_CHUNK_CHARS
  }
}

/** The default error sink: one error-log-shaped line on stderr, which may itself be gone. */
function reportToStderr(path: string): (error: Error) => void {
  return (error) => {
    const line = `${errorLogNow()} [${process.pid}] [ERROR] log ${path}: ${error.message}\n`
    try {
      writeSync(2, line)
    } catch {
      // stderr is closed or full: there is nowhere left to report to.
    }
  }
}

const SLEEP_CELL = new Int32Array(new SharedArrayBuffer(4))

/** Writes all of `buffer`, waiting out EAGAIN for at most about a second. */
function writeAllSync(fd: number, buffer: Buffer): void {
  let offset = 0
  for (let attempts = 0; offset < buffer.length; attempts++) {
    try {
      offset += writeSync(fd, buffer, offset, buffer.length - offset)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN' || attempts > 1000) throw error
      Atomics.wait(SLEEP_CELL, 0, 0, 1)
    }
  }
}
