import assert from 'node:assert/strict'
import type { IncomingMessage } from 'node:http'
import { test } from 'node:test'
import { CONTRADICTORY, ForwardedScheme, parseNetwork } from './forwarded-scheme.ts'

/** A request from `address` (none: a Unix socket) with these header lines. */
function request(address: string | undefined, ...headers: string[][]): IncomingMessage {
  const port = address ? 40000 : undefined
  const socket = { remoteAddress: address, remotePort: port, localPort: port && 8000 }
  return { rawHeaders: headers.flat(), socket } as unknown as IncomingMessage
}

const PROTO_HTTPS = ['X-Forwarded-Proto', 'https']

test('by default a loopback proxy sets the scheme with any of the three default headers', () => {
  const scheme = new ForwardedScheme()
  for (const address of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) {
    assert.equal(scheme.schemeOf(request(address, ['Host', 'a'], PROTO_HTTPS)), 'https', address)
  }
  assert.equal(scheme.schemeOf(request('127.0.0.1', ['X-Forwarded-Protocol', 'ssl'])), 'https')
  assert.equal(scheme.schemeOf(request('127.0.0.1', ['x-forwarded-ssl', 'on'])), 'https')
  assert.equal(scheme.schemeOf(request('127.0.0.1', ['X-Forwarded-Proto', 'http'])), 'http')
  assert.equal(scheme.schemeOf(request('127.0.0.1', ['Host', 'a'])), undefined)
})

test('values are compared exactly: any other value means http', () => {
  const scheme = new ForwardedScheme()
  for (const value of ['HTTPS', ' https', 'https,https', '']) {
    assert.equal(scheme.schemeOf(request('127.0.0.1', ['X-Forwarded-Proto', value])), 'http')
  }
})

test('a peer outside the allowed ones is not heard; a Unix socket peer always is', () => {
  const scheme = new ForwardedScheme()
  assert.equal(scheme.schemeOf(request('10.0.0.1', PROTO_HTTPS)), undefined)
  assert.equal(scheme.schemeOf(request('::ffff:10.0.0.1', PROTO_HTTPS)), undefined)
  assert.equal(scheme.schemeOf(request(undefined, PROTO_HTTPS)), 'https')
  // A TCP connection reset before its peer was read has a local port but no peer address.
  const reset = { remoteAddress: undefined, localPort: 8000 }
  const fromReset = { rawHeaders: PROTO_HTTPS, socket: reset } as unknown as IncomingMessage
  assert.equal(scheme.schemeOf(fromReset), undefined)
})

test('allowed peers can be addresses, networks of either family, or *', () => {
  const networks = new ForwardedScheme({ allowIps: ['10.0.0.0/8', 'fd00::/8', '192.0.2.7'] })
  for (const address of ['10.1.2.3', '::ffff:10.9.9.9', 'fd12::1', '192.0.2.7']) {
    assert.equal(networks.schemeOf(request(address, PROTO_HTTPS)), 'https', address)
  }
  for (const address of ['11.0.0.1', '127.0.0.1', 'fe80::1', '192.0.2.8']) {
    assert.equal(networks.schemeOf(request(address, PROTO_HTTPS)), undefined, address)
  }
  const any = new ForwardedScheme({ allowIps: ['*'] })
  assert.equal(any.schemeOf(request('203.0.113.9', PROTO_HTTPS)), 'https')
  const none = new ForwardedScheme({ allowIps: [] })
  assert.equal(none.schemeOf(request('127.0.0.1', PROTO_HTTPS)), undefined)
})

test('scheme headers that disagree are contradictory; ones that agree are not', () => {
  const scheme = new ForwardedScheme()
  const off = ['X-Forwarded-Ssl', 'off']
  assert.equal(scheme.schemeOf(request('127.0.0.1', PROTO_HTTPS, off)), CONTRADICTORY)
  assert.equal(scheme.schemeOf(request('127.0.0.1', PROTO_HTTPS, PROTO_HTTPS)), 'https')
  assert.equal(
    scheme.schemeOf(request('127.0.0.1', PROTO_HTTPS, ['X-Forwarded-Ssl', 'on'])),
    'https'
  )
  // From a peer that is not trusted, the headers are not read at all.
  assert.equal(scheme.schemeOf(request('10.0.0.1', PROTO_HTTPS, off)), undefined)
})

test('the headers and values can be chosen; none at all turns the headers off', () => {
  const custom = new ForwardedScheme({ secureSchemeHeaders: { 'X-Scheme': 'https' } })
  assert.equal(custom.schemeOf(request('127.0.0.1', ['X-Scheme', 'https'])), 'https')
  assert.equal(custom.schemeOf(request('127.0.0.1', PROTO_HTTPS)), undefined)
  const off = new ForwardedScheme({ secureSchemeHeaders: {} })
  assert.equal(off.schemeOf(request('127.0.0.1', PROTO_HTTPS)), undefined)
})

test('parseNetwork takes addresses and networks, and nothing else', () => {
  assert.deepEqual(parseNetwork('10.0.0.0/8'), { address: '10.0.0.0', bits: 8, family: 'ipv4' })
  assert.deepEqual(parseNetwork('::1'), { address: '::1', family: 'ipv6' })
  assert.deepEqual(parseNetwork('fd00::/128'), { address: 'fd00::', bits: 128, family: 'ipv6' })
  for (const bad of ['localhost', '10.0.0.0/33', '::/129', '10.0.0.1/', '10.0.0.1/x', '1.2.3']) {
    assert.equal(parseNetwork(bad), undefined, bad)
  }
  assert.throws(() => new ForwardedScheme({ allowIps: ['localhost'] }), /localhost/)
})
