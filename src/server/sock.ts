/**
 * Listening sockets. The master binds every address itself but never listens or accepts: it
 * holds bound handles and passes them to workers over IPC; a worker's listen() turns the shared
 * socket into a listening one, and the kernel spreads connections over the workers accepting on
 * it. A master that called listen() would accept connections itself, and they would hang.
 * @module
 */
import { chmodSync, existsSync, lstatSync, unlinkSync } from 'node:fs'
import net from 'node:net'
import { getSystemErrorName } from 'node:util'

import type { BindAddress as Address } from './config/address.ts'

export type { Address }

/**
 * A bound socket the master owns; `handle` is what travels to workers. With --balance
 * reuseport or roundrobin a TCP listener has no handle: each worker binds its own SO_REUSEPORT
 * socket or has node:cluster's master bind one, at `bound`, whose port the master fixed (port 0
 * resolved) so that all workers share it.
 */
export interface Listener {
  readonly address: Address
  /** The concrete address: port 0 resolved, host resolved to an IP. */
  readonly bound: Address
  readonly handle: object | undefined
  close(): void
}

/** Node's libuv TCP/Pipe handle, as cluster uses it: bound, not yet listening. */
interface ServerHandle {
  close(): void
  getsockname?(out: { address?: string; port?: number; family?: string }): number
}

type CreateServerHandle = (
  address: string | null,
  port: number | null,
  addressType: number | null,
  fd?: number
) => ServerHandle | number

/**
 * `net._createServerHandle` is how node:cluster's primary binds a shared socket without
 * listening (SCHED_NONE). No public API binds without listening, so we use the same function.
 */
function createServerHandle(): CreateServerHandle {
  const create = (net as unknown as { _createServerHandle?: CreateServerHandle })
    ._createServerHandle
  if (typeof create !== 'function') {
    throw new Error('this Node.js has no net._createServerHandle; cannot share listening sockets')
  }
  return create
}

/**
 * The IP to bind for a host: an IP as it is, a name through the resolver (node:dns is loaded
 * only then: a master that binds IPs stays about 0.5 MB smaller).
 */
async function resolveHost(
  address: Extract<Address, { kind: 'tcp' }>
): Promise<{ address: string; family: number }> {
  const family = net.isIP(address.host)
  if (family !== 0) return { address: address.host, family }
  const { lookup } = process.getBuiltinModule('node:dns/promises')
  try {
    return await lookup(address.host, { verbatim: true })
  } catch (error) {
    const code = (error as { code?: string }).code ?? String(error)
    throw new Error(
      `cannot bind ${formatAddress(address)}: cannot resolve ${address.host} (${code})`
    )
  }
}

export interface BindOptions {
  /** TCP: the workers bind the address themselves (--balance reuseport or roundrobin). */
  workersBind?: boolean
  /** The bits a Unix socket's mode leaves out of 0777 (--umask; 0 lets every user connect). */
  umask?: number
}

/** Binds `address`; throws an Error with a one-line message naming the address on failure. */
export async function bindListener(
  address: Address,
  { workersBind = false, umask = 0 }: BindOptions = {}
): Promise<Listener> {
  if (address.kind === 'unix') return bindUnix(address, umask)
  if (address.kind === 'fd') return adoptFd(address)
  const { address: ip, family } = await resolveHost(address)
  const result = createServerHandle()(ip, address.port, family)
  if (typeof result === 'number') throw bindError(result, formatAddress(address))
  const out: { address?: string; port?: number } = {}
  // libuv keeps a TCP bind's EADDRINUSE for the handle's next call: getsockname reports it. A
  // worker would not: the fd it receives is just unbound, and listen() on it picks a random port.
  const status = result.getsockname?.(out) ?? 0
  if (status !== 0) {
    result.close()
    throw bindError(status, formatAddress(address))
  }
  const bound: Address = { kind: 'tcp', host: out.address ?? ip, port: out.port ?? address.port }
  if (!workersBind) return listener(address, bound, result)
  // The bind above checked the address and fixed the port; the workers bind it themselves.
  result.close()
  return { address, bound, handle: undefined, close() {} }
}

/** SO_REUSEPORT for TCP listeners arrived in Node 22.12 and 23.1. */
export function hasReusePort(versions = process.versions.node): boolean {
  const [major = 0, minor = 0] = versions.split('.').map(Number)
  return major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12)
}

/**
 * Binds a Unix socket with mode 0777 minus `umask`, as Gunicorn does: connecting takes write
 * permission, and a proxy such as nginx runs as another user. The mode is set before any
 * worker listens, so no connection is possible before it.
 */
function bindUnix(address: { kind: 'unix'; path: string }, umask: number): Listener {
  removeStaleSocket(address.path)
  const result = createServerHandle()(address.path, -1, -1)
  if (typeof result === 'number') throw bindError(result, formatAddress(address))
  const bound = listener(address, address, result, () => removeStaleSocket(address.path))
  try {
    chmodSync(address.path, 0o777 & ~umask)
  } catch (error) {
    bound.close()
    const code = (error as { code?: string }).code ?? String(error)
    throw new Error(`cannot set the mode of ${formatAddress(address)} (${code})`)
  }
  return bound
}

/**
 * fd://N: a socket inherited from the parent (systemd socket activation, a supervisor). A TCP
 * socket is known by the address it is bound to, as Gunicorn logs it; a Unix one by its fd.
 */
function adoptFd(address: { kind: 'fd'; fd: number }): Listener {
  const result = createServerHandle()(null, null, null, address.fd)
  if (typeof result === 'number') {
    // Node takes only a TCP or Unix stream socket; anything else, or no open fd, is EINVAL.
    const name = getSystemErrorName(result)
    const reason = name === 'EINVAL' ? 'not an open stream socket' : name
    throw new Error(`cannot use ${formatAddress(address)}: ${reason} (${name})`)
  }
  const out: { address?: string; port?: number } = {}
  const named = result.getsockname?.(out) === 0 && out.address !== undefined
  const bound: Address = named ? { kind: 'tcp', host: out.address!, port: out.port! } : address
  return listener(address, bound, result)
}

function listener(
  address: Address,
  bound: Address,
  handle: ServerHandle,
  cleanup?: () => void
): Listener {
  let closed = false
  return {
    address,
    bound,
    handle,
    close() {
      if (closed) return
      closed = true
      handle.close()
      cleanup?.()
    },
  }
}

/** A socket file left by a previous run would make bind fail with EADDRINUSE. */
function removeStaleSocket(path: string): void {
  if (!existsSync(path)) return
  if (!lstatSync(path).isSocket()) throw new Error(`${path} exists and is not a socket`)
  unlinkSync(path)
}

function bindError(errno: number, where: string): Error {
  const name = getSystemErrorName(errno)
  const reason =
    name === 'EADDRINUSE' ? 'address in use' : name === 'EACCES' ? 'permission denied' : name
  return Object.assign(new Error(`cannot bind ${where}: ${reason} (${name})`), { code: name })
}

/** The address as users write it: `http://127.0.0.1:8000`, `unix:/run/app.sock`, `fd://3`. */
export function formatAddress(address: Address): string {
  if (address.kind === 'unix') return `unix:${address.path}`
  if (address.kind === 'fd') return `fd://${address.fd}`
  const host = address.host.includes(':') ? `[${address.host}]` : address.host
  return `http://${host}:${address.port}`
}
