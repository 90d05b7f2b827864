/**
 * The client's address and port, read once per connection. Node's `remoteAddress` and
 * `remotePort` getters cost about 1,100 CPU instructions a request between them (counted with
 * callgrind on Node 20), as much as building the rest of the environ's CGI keys; a keep-alive
 * connection keeps its peer, so the first request reads it for all of them.
 * @module
 */
import type { Socket } from 'node:net'

/** The client's address and port, as the environ and the access log give them. */
export interface Peer {
  readonly address: string
  readonly port: string
}

const PEER = Symbol('tsgi.peer')

type PeerSocket = Socket & { [PEER]?: Peer | null }

/**
 * The connection's peer; null when the socket has none (a Unix socket). Reading it also keeps
 * it: Node can no longer tell a closed socket's peer unless it was read while open.
 */
export function peerOf(socket: Socket): Peer | null {
  const cached = (socket as PeerSocket)[PEER]
  if (cached !== undefined) return cached
  const address = socket.remoteAddress
  const peer = address ? { address, port: String(socket.remotePort) } : null
  ;(socket as PeerSocket)[PEER] = peer
  return peer
}
