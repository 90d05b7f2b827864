/**
 * Whether a request reached the proxy in front over HTTPS, as that proxy says in a header
 * (`X-Forwarded-Proto: https`): Gunicorn's `forwarded_allow_ips` and `secure_scheme_headers`.
 * Only a trusted peer may say it, or any client could make its request look secure. A peer on
 * a Unix socket is trusted, as in Gunicorn: only local processes can connect there.
 * @module
 */
import type { IncomingMessage } from 'node:http'
import { BlockList, isIPv4, isIPv6 } from 'node:net'
import { peerOf } from './peer.ts'

/** Gunicorn's default: the headers and values nginx, HAProxy and AWS's balancers send. */
export const DEFAULT_SECURE_SCHEME_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'X-Forwarded-Protocol': 'ssl',
  'X-Forwarded-Proto': 'https',
  'X-Forwarded-Ssl': 'on',
})

/** Gunicorn's default: a proxy on the same machine. */
export const DEFAULT_FORWARDED_ALLOW_IPS: readonly string[] = Object.freeze(['127.0.0.1', '::1'])

export interface ForwardedSchemeOptions {
  /** Addresses (`10.0.0.7`) and networks (`10.0.0.0/8`) of trusted proxies, or `*` for any. */
  allowIps?: readonly string[]
  /** Header name → the value that means HTTPS; any other value means HTTP. */
  secureSchemeHeaders?: Readonly<Record<string, string>>
}

/** Two scheme headers that disagree: the request gets a 400, as in Gunicorn. */
export const CONTRADICTORY = 'contradictory'

export type ForwardedSchemeAnswer = 'http' | 'https' | typeof CONTRADICTORY | undefined

export class ForwardedScheme {
  readonly #trustsAny: boolean
  readonly #trusted = new BlockList()
  /** Lowercase header name → the value that means HTTPS. */
  readonly #secureValues: ReadonlyMap<string, string>
  /** Indexed by name length: whether a scheme header has that length. */
  readonly #nameLengths: boolean[] = []

  constructor(options: ForwardedSchemeOptions = {}) {
    const allowIps = options.allowIps ?? DEFAULT_FORWARDED_ALLOW_IPS
    this.#trustsAny = allowIps.includes('*')
    for (const entry of allowIps) if (entry !== '*') addTrusted(this.#trusted, entry)
    const headers = options.secureSchemeHeaders ?? DEFAULT_SECURE_SCHEME_HEADERS
    this.#secureValues = new Map(
      Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value])
    )
    for (const name of this.#secureValues.keys()) this.#nameLengths[name.length] = true
  }

  /**
   * The scheme `req`'s scheme headers give, undefined when it has none or its peer is not
   * trusted. Each header line counts on its own and must equal the value exactly (case
   * included) to mean HTTPS. Most headers are skipped on their length alone: this runs for
   * every request.
   */
  schemeOf(req: IncomingMessage): ForwardedSchemeAnswer {
    const raw = req.rawHeaders
    let scheme: 'http' | 'https' | undefined
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i]!
      if (this.#nameLengths[name.length] !== true) continue
      const secure = this.#secureValues.get(name.toLowerCase())
      if (secure === undefined) continue
      if (scheme === undefined && !this.trusts(req)) return undefined
      const said = raw[i + 1] === secure ? 'https' : 'http'
      if (scheme !== undefined && said !== scheme) return CONTRADICTORY
      scheme = said
    }
    return scheme
  }

  /** Whether `req` comes from a trusted proxy (or over a Unix socket). */
  trusts(req: IncomingMessage): boolean {
    if (this.#trustsAny) return true
    const socket = req.socket
    if (!socket) return false
    const peer = peerOf(socket)
    // No peer: a Unix socket, which has no port either; or a TCP connection reset before its
    // peer was read (getpeername fails then), which proves nothing.
    if (peer === null) return socket.localPort === undefined
    return this.#trusted.check(peer.address, isIPv6(peer.address) ? 'ipv6' : 'ipv4')
  }
}

/** Adds `10.0.0.7` or `10.0.0.0/8` (validated by the settings; the library's caller too). */
function addTrusted(list: BlockList, entry: string): void {
  const network = parseNetwork(entry)
  if (network === undefined) {
    throw new TypeError(`not an IP address, a network (ADDRESS/BITS) or *: ${entry}`)
  }
  const { address, bits, family } = network
  if (bits === undefined) list.addAddress(address, family)
  else list.addSubnet(address, bits, family)
}

/** `10.0.0.0/8` → its parts; undefined when `entry` is neither an address nor a network. */
export function parseNetwork(entry: string): Network | undefined {
  const slash = entry.indexOf('/')
  const address = slash < 0 ? entry : entry.slice(0, slash)
  const family = isIPv6(address) ? 'ipv6' : isIPv4(address) ? 'ipv4' : undefined
  if (family === undefined) return undefined
  if (slash < 0) return { address, family }
  const text = entry.slice(slash + 1)
  const bits = /^\d{1,3}$/.test(text) ? Number(text) : NaN
  if (!(bits <= (family === 'ipv6' ? 128 : 32))) return undefined
  return { address, bits, family }
}

interface Network {
  address: string
  /** The prefix length; absent for a single address. */
  bits?: number
  family: 'ipv4' | 'ipv6'
}
