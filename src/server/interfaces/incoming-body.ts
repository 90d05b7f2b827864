/**
 * Reading a node:http request body by pulling, for the fetch interface: `request.text()` and
 * friends read it whole, `request.body` streams it. Pulling (`read()` on 'readable') rather than
 * flowing keeps backpressure: a handler that reads slowly slows the client down.
 * @module
 */
import type { IncomingMessage } from 'node:http'

/** The next chunk of the body, or null at its end; rejects when the body cannot be read to its end. */
export function nextChunk(req: IncomingMessage): Promise<Buffer | null> {
  const chunk = req.read() as Buffer | null
  if (chunk !== null) return Promise.resolve(chunk)
  if (req.readableEnded) return Promise.resolve(null)
  if (req.destroyed) return Promise.reject(truncated(req))
  return new Promise((resolve, reject) => {
    const settle = (then: () => void) => {
      req.off('readable', onReadable)
      req.off('end', onEnd)
      req.off('close', onClose)
      then()
    }
    const onReadable = () => settle(() => resolve(nextChunk(req)))
    const onEnd = () => settle(() => resolve(null))
    const onClose = () => settle(() => (req.readableEnded ? resolve(null) : reject(truncated(req))))
    req.on('readable', onReadable)
    req.on('end', onEnd)
    req.on('close', onClose)
  })
}

/**
 * The whole body, copied once into bytes of its own: their ArrayBuffer holds this body and
 * nothing else, so `arrayBuffer()` can hand it out as it is (the parser's chunks are views on
 * buffers Node may share).
 */
export async function readWhole(req: IncomingMessage): Promise<Uint8Array> {
  const chunks: Buffer[] = []
  let length = 0
  for (let chunk = await nextChunk(req); chunk !== null; chunk = await nextChunk(req)) {
    chunks.push(chunk)
    length += chunk.length
  }
  const whole = new Uint8Array(length)
  let offset = 0
  for (const chunk of chunks) {
    whole.set(chunk, offset)
    offset += chunk.length
  }
  return whole
}

/**
 * The body as a web stream that reads a chunk only when asked (high-water mark 0). Cancelling
 * it discards the rest of the body, so the connection stays usable for the next request.
 * `beforeFirstRead` runs once, before the first read (100 Continue goes out there).
 */
export function bodyStream(
  req: IncomingMessage,
  beforeFirstRead: () => void
): ReadableStream<Uint8Array> {
  let first = true
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (first) beforeFirstRead()
        first = false
        const chunk = await nextChunk(req)
        if (chunk === null) controller.close()
        else controller.enqueue(chunk)
      },
      cancel() {
        req.resume()
      },
    },
    { highWaterMark: 0 }
  )
}

function truncated(req: IncomingMessage): Error {
  return req.errored ?? new Error('the client closed the connection before the request body ended')
}
