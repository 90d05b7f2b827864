/**
 * Writing to a node:http response whose client may be gone: waiting for 'drain' without
 * hanging on a closed socket, and cutting a started response without losing what was written.
 * @module
 */
import type { ServerResponse } from 'node:http'

/** Resolves on 'drain', or on 'close' so that a vanished client never leaves the app waiting. */
export function drained(res: ServerResponse): Promise<void> {
  if (res.destroyed) return Promise.resolve()
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done)
      res.off('close', done)
      resolve()
    }
    res.on('drain', done)
    res.on('close', done)
  })
}

/**
 * Closes the connection without ending the body, so the client sees it cut short (no last
 * chunk, or fewer bytes than Content-Length). The bytes already written go out first:
 * `destroy()` would drop those Node still holds corked, and the client would get nothing.
 */
export function abortAfterFlush(res: ServerResponse): void {
  const socket = res.socket
  if (!socket || socket.destroyed) return void res.destroy()
  // node:http corks the socket for the first write and uncorks on the next tick; newer Nodes
  // drop what is still corked on end(), so let that tick pass first.
  while (socket.writableCorked > 0) socket.uncork()
  setImmediate(() => socket.destroySoon())
}
