import assert from 'node:assert/strict'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { peerOf } from './peer.ts'

/** Connects a client to a fresh server on `listenOn`; returns both ends and a cleanup. */
async function connectedPair(listenOn: net.ListenOptions) {
  const server = net.createServer()
  server.listen(listenOn)
  await once(server, 'listening')
  const accepted = once(server, 'connection') as Promise<[net.Socket]>
  const address = server.address() as net.AddressInfo | string
  const client =
    typeof address === 'string'
      ? net.connect({ path: address })
      : net.connect({ host: address.address, port: address.port })
  await once(client, 'connect')
  const [socket] = await accepted
  const close = () => {
    client.destroy()
    socket.destroy()
    server.close()
  }
  return { client, socket, close }
}

test('peerOf gives the TCP peer, and still gives it once the socket is closed', async (t) => {
  const { client, socket, close } = await connectedPair({ host: '127.0.0.1', port: 0 })
  t.after(close)
  const peer = peerOf(socket)
  assert.deepEqual(peer, { address: '127.0.0.1', port: String(client.localPort) })
  assert.equal(peerOf(socket), peer, 'read once per connection: the same object every time')
  socket.destroy()
  await once(socket, 'close')
  assert.equal(socket.remoteAddress, peer?.address)
  assert.equal(peerOf(socket), peer)
})

test('peerOf is null on a Unix socket', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsgi-peer-'))
  const { socket, close } = await connectedPair({ path: join(dir, 's.sock') })
  t.after(() => {
    close()
    rmSync(dir, { recursive: true, force: true })
  })
  assert.equal(peerOf(socket), null)
})
