/**
 * `fromFetch(handler)`: a fetch handler as a TSGI app, so code written for Bun, Deno or
 * Workers runs under any TSGI server and its middleware. The handler gets a Request built from
 * the environ (./request-from-environ.ts), whose body streams from `tsgi.input` and whose
 * signal is `tsgi.signal`; its Response's body streams back chunk by chunk, and is cancelled
 * when the server ends the body early (the client went away, spec §5.1).
 * @module
 */
import { STATUS_CODES } from 'node:http'
import { isHopByHop } from '../core/rules.ts'
import type { Application, Chunk, ClosableBody, HeaderList } from '../spec/types.ts'
import { requestFromEnviron } from './request-from-environ.ts'

/**
 * A fetch handler: `(request) => Response`, as Bun.serve, Deno.serve and Workers call it; what
 * they pass after the request differs, hence the rest parameters. (Written as a method type so
 * that a handler with typed extra parameters, `(request, env: Env)`, still fits.)
 */
export type FetchHandler = {
  handler(request: Request, ...rest: unknown[]): Response | Promise<Response>
}['handler']

/** The TSGI app that serves each request with `handler`. */
export function fromFetch(handler: FetchHandler): Application {
  return async function fetchApp(environ, startResponse) {
    const response = await handler(requestFromEnviron(environ))
    startResponse(statusLine(response), headerList(response.headers))
    return response.body === null ? [] : new StreamBody(response.body)
  }
}

function statusLine(response: Response): string {
  const reason = response.statusText || STATUS_CODES[response.status] || ''
  return `${response.status} ${reason}`
}

/** The Response's headers, without the hop-by-hop ones: the TSGI server owns the connection. */
function headerList(headers: Headers): HeaderList {
  const list: HeaderList = []
  for (const [name, value] of headers) if (!isHopByHop(name)) list.push([name, value])
  return list
}

/** A web stream as a TSGI body: read chunk by chunk; close() cancels what was not read. */
class StreamBody implements AsyncIterable<Chunk>, ClosableBody {
  readonly #stream: ReadableStream<Uint8Array>
  #reader: ReadableStreamDefaultReader<Uint8Array> | undefined
  #finished = false

  constructor(stream: ReadableStream<Uint8Array>) {
    this.#stream = stream
  }

  [Symbol.asyncIterator](): AsyncIterator<Chunk> {
    const reader = (this.#reader = this.#stream.getReader())
    return {
      next: async () => {
        const result = await reader.read()
        if (result.done) this.#finished = true
        return result.done ? { done: true, value: undefined } : { done: false, value: result.value }
      },
      return: async () => {
        await this.close()
        return { done: true, value: undefined }
      },
    }
  }

  async close(): Promise<void> {
    if (this.#finished) return
    this.#finished = true
    await (this.#reader ?? this.#stream).cancel()
  }
}
