/**
 * A `node:http` client for tests: one request, the whole response collected, bounded in time.
 * @module
 */
import { request, type Agent, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http'
import { DEFAULT_TIMEOUT_MS } from './wait.ts'

export interface HttpRequestOptions {
  method?: string
  headers?: OutgoingHttpHeaders
  /**
   * The request body. An array is sent as one write per element and, without a Content-Length
   * header, with chunked framing.
   */
  body?: string | Uint8Array | Array<string | Uint8Array>
  /** Defaults to a fresh connection per request (no keep-alive pool). */
  agent?: Agent | false
  timeout?: number
}

export interface HttpResponse {
  status: number
  reason: string
  headers: IncomingHttpHeaders
  /** Header names and values as received, in order. */
  rawHeaders: string[]
  body: Buffer
  /** The body as UTF-8 text. */
  text: string
}

/** Sends one request to `url` and resolves with the complete response. */
export function httpRequest(
  url: string | URL,
  options: HttpRequestOptions = {}
): Promise<HttpResponse> {
  const timeout = options.timeout ?? DEFAULT_TIMEOUT_MS
  const headers = { ...options.headers }
  if (typeof options.body === 'string' || options.body instanceof Uint8Array) {
    headers['content-length'] ??= Buffer.byteLength(options.body)
  }
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
      headers,
      agent: options.agent ?? false,
      signal: AbortSignal.timeout(timeout),
    })
    req.on('error', (error) => reject(describeError(error, url, timeout)))
    req.on('response', (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('error', (error) => reject(describeError(error, url, timeout)))
      res.on('end', () => {
        const body = Buffer.concat(chunks)
        resolve({
          status: res.statusCode ?? 0,
          reason: res.statusMessage ?? '',
          headers: res.headers,
          rawHeaders: res.rawHeaders,
          body,
          text: body.toString('utf8'),
        })
      })
    })
    sendBody(req, options.body)
  })
}

function sendBody(req: ReturnType<typeof request>, body: HttpRequestOptions['body']): void {
  if (Array.isArray(body)) for (const part of body) req.write(part)
  else if (body !== undefined) req.write(body)
  req.end()
}

function describeError(error: Error, url: string | URL, timeout: number): Error {
  if (error.name === 'AbortError')
    return new Error(`no complete response from ${url} in ${timeout} ms`)
  return error
}

/**
 * Reads the first chunk of the response body from `url`, then hangs up: a client that leaves
 * mid-response, for tests of what the server does when it is gone.
 */
export function firstChunkThenHangUp(url: string | URL): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, (res) => {
      res.once('data', (data: Buffer) => {
        resolve(data.toString())
        req.destroy()
      })
    })
    req.on('error', (error) =>
      error.message.includes('socket hang up') ? undefined : reject(error)
    )
    req.end()
  })
}
