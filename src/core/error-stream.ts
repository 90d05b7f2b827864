/**
 * `tsgi.errors` (spec §4.4): text the application wants in the server's error log.
 * @module
 */
import type { ErrorStream } from '../spec/types.ts'

/** An ErrorStream that hands whole lines to `sink` (the error log, or stderr by default). */
export class LineErrorStream implements ErrorStream {
  #pending = ''
  #sink: (line: string) => void

  constructor(sink: (line: string) => void = (line) => process.stderr.write(line + '\n')) {
    this.#sink = sink
  }

  write(text: string): void {
    if (typeof text !== 'string') throw new TypeError('tsgi.errors.write() takes a string')
    const lines = (this.#pending + text).split('\n')
    this.#pending = lines.pop() ?? ''
    for (const line of lines) this.#sink(line)
  }

  writelines(lines: Iterable<string>): void {
    for (const line of lines) this.write(line)
  }

  flush(): void {
    if (this.#pending === '') return
    this.#sink(this.#pending)
    this.#pending = ''
  }
}
