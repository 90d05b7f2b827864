import assert from 'node:assert/strict'
import type { IncomingMessage } from 'node:http'
import { test } from 'node:test'
import { formStatus } from './request-form.ts'

function request(host: string | undefined, major = 1): IncomingMessage {
  const rawHeaders = ['User-Agent', 't', ...(host === undefined ? [] : ['Host', host])]
  return { httpVersionMajor: major, rawHeaders } as unknown as IncomingMessage
}

test('HTTP/1.x with a valid Host, or none, goes to the app', () => {
  for (const host of [
    undefined,
    '',
    'example.com',
    'example.com:8080',
    '127.0.0.1:80',
    '[::1]:8000',
    'a_b.test',
    'h:',
  ]) {
    assert.equal(formStatus(request(host)), 0, String(host))
  }
})

test('other versions get 505, or 400 for a 0.9-style line', () => {
  assert.equal(formStatus(request('h', 2)), 505)
  assert.equal(formStatus(request('h', 0)), 400)
})

test('a Host value that is no host and port gets 400 (RFC 9112 §3.2)', () => {
  for (const host of [
    'a b',
    'h:abc',
    'h/x?y',
    'evil.test/admin?',
    'user@h',
    '[::1',
    'h:80:80',
    'h\\x',
  ]) {
    assert.equal(formStatus(request(host)), 400, host)
  }
})

test('more than one Host header gets 400 (RFC 9112 §3.2), however each is spelled', () => {
  for (const rawHeaders of [
    ['Host', 'a', 'Host', 'a'],
    ['host', 'a', 'Accept', '*/*', 'HOST', 'b'],
  ]) {
    const req = { httpVersionMajor: 1, rawHeaders } as unknown as IncomingMessage
    assert.equal(formStatus(req), 400, JSON.stringify(rawHeaders))
  }
})
