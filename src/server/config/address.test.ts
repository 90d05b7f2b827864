import assert from 'node:assert/strict'
import { test } from 'node:test'
import { formatBindAddress, parseBindAddress } from './address.ts'
import { InvalidValue } from './invalid-value.ts'

test('parses the address forms Gunicorn accepts', () => {
  const cases: Array<[string, ReturnType<typeof parseBindAddress>]> = [
    ['127.0.0.1:8000', { kind: 'tcp', host: '127.0.0.1', port: 8000 }],
    ['localhost', { kind: 'tcp', host: 'localhost', port: 8000 }],
    ['LocalHost:9000', { kind: 'tcp', host: 'localhost', port: 9000 }],
    [':9000', { kind: 'tcp', host: '0.0.0.0', port: 9000 }],
    ['', { kind: 'tcp', host: '0.0.0.0', port: 8000 }],
    ['[::1]:8080', { kind: 'tcp', host: '::1', port: 8080 }],
    ['[::]', { kind: 'tcp', host: '::', port: 8000 }],
    ['tcp://example.com:81', { kind: 'tcp', host: 'example.com', port: 81 }],
    ['127.0.0.1:0', { kind: 'tcp', host: '127.0.0.1', port: 0 }],
    ['unix:/run/app.sock', { kind: 'unix', path: '/run/app.sock' }],
    ['unix:///run/app.sock', { kind: 'unix', path: '/run/app.sock' }],
    ['unix:relative.sock', { kind: 'unix', path: 'relative.sock' }],
    ['fd://3', { kind: 'fd', fd: 3 }],
  ]
  for (const [text, expected] of cases) assert.deepEqual(parseBindAddress(text), expected, text)
})

test('rejects what is not an address, saying why', () => {
  const cases: Array<[string, string]> = [
    ['8000', 'is not a valid address: a port alone needs a colon (":8000")'],
    ['::1', 'is not a valid address: write an IPv6 address in brackets ("[::1]:8000")'],
    ['localhost:', 'is not a valid address: the port must be a number from 0 to 65535'],
    ['localhost:http', 'is not a valid address: the port must be a number from 0 to 65535'],
    ['localhost:65536', 'is not a valid address: the port must be a number from 0 to 65535'],
    ['localhost:-1', 'is not a valid address: the port must be a number from 0 to 65535'],
    ['[]:80', 'is not a valid address: the brackets hold no IPv6 address'],
    ['unix:', 'is not a valid address: unix: needs a path'],
    ['fd://', 'is not a valid address: fd://N needs a file descriptor number'],
    ['fd://three', 'is not a valid address: fd://N needs a file descriptor number'],
  ]
  for (const [text, reason] of cases) {
    assert.throws(
      () => parseBindAddress(text),
      (error) => error instanceof InvalidValue && error.reason === reason && error.value === text,
      text
    )
  }
})

test('formatBindAddress writes the canonical form, which parses back to the same address', () => {
  for (const text of [
    '127.0.0.1:8000',
    '[::1]:80',
    'unix:/tmp/a.sock',
    'fd://4',
    'example.com:443',
  ]) {
    assert.equal(formatBindAddress(parseBindAddress(text)), text)
  }
  assert.equal(formatBindAddress(parseBindAddress('localhost')), 'localhost:8000')
  assert.equal(formatBindAddress(parseBindAddress('unix:///a.sock')), 'unix:/a.sock')
})
