/**
 * An in-memory error log for tests: what the server core reports (its ErrorLog) and what apps
 * write to `tsgi.errors`, as lines a test can search.
 * @module
 */
import { inspect } from 'node:util'
import { LineErrorStream } from '../../src/core/error-stream.ts'
import type { ErrorLog } from '../../src/core/handler.ts'

export class LogCapture implements ErrorLog {
  readonly lines: string[] = []
  /** A `tsgi.errors` stream that writes into this log. */
  readonly errors = new LineErrorStream((line) => this.lines.push(line))

  error(message: string, error?: unknown): void {
    this.lines.push(error === undefined ? message : `${message} ${inspect(error)}`)
  }

  get text(): string {
    return this.lines.join('\n')
  }
}
