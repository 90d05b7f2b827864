/**
 * A WHATWG Request from a TSGI environ, for fromFetch(). The URL is rebuilt from the environ
 * (requestUri, so a middleware's changes to the path show), the headers from the HTTP_* keys
 * and CONTENT_TYPE / CONTENT_LENGTH, the body streams from `tsgi.input` as the handler reads
 * it, and `tsgi.signal` is the request's signal.
 * @module
 */
import { isHopByHop } from '../core/rules.ts'
import { requestUri } from '../ref/util.ts'
import type { Environ, InputStream } from '../spec/types.ts'

const READ_SIZE = 64 * 1024

export function requestFromEnviron(environ: Environ): Request {
  const method = environ.REQUEST_METHOD
  const init: RequestInit & { duplex?: 'half' } = {
    method,
    headers: headersOf(environ),
    signal: environ['tsgi.signal'],
  }
  if (method !== 'GET' && method !== 'HEAD') {
    init.body = inputStream(environ['tsgi.input'])
    init.duplex = 'half'
  }
  return new Request(requestUri(environ), init)
}

function headersOf(environ: Environ): Headers {
  const headers = new Headers()
  for (const key of Object.keys(environ)) {
    if (!key.startsWith('HTTP_')) continue
    const value = environ[key]
    const name = key.slice(5).replaceAll('_', '-').toLowerCase()
    // The connection was the server's, and the body arrives without its transfer coding.
    if (typeof value === 'string' && !isHopByHop(name)) headers.append(name, value)
  }
  if (environ.CONTENT_TYPE) headers.set('content-type', environ.CONTENT_TYPE)
  if (environ.CONTENT_LENGTH) headers.set('content-length', environ.CONTENT_LENGTH)
  return headers
}

/** `tsgi.input` as a web stream, read only as the handler pulls (high-water mark 0). */
function inputStream(input: InputStream): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const chunk = await input.read(READ_SIZE)
        if (chunk.length === 0) controller.close()
        else controller.enqueue(chunk)
      },
    },
    { highWaterMark: 0 }
  )
}
