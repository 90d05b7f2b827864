import assert from 'node:assert/strict'
import type { IncomingMessage } from 'node:http'
import { describe, test } from 'node:test'
import { refusal } from './refusals.ts'

function request(url: string, options: { method?: string; major?: number; hosts?: number } = {}) {
  const rawHeaders = Array.from({ length: options.hosts ?? 1 }, (_, i) => [
    'Host',
    `h${i}.test`,
  ]).flat()
  return {
    url,
    method: options.method ?? 'GET',
    httpVersionMajor: options.major ?? 1,
    rawHeaders,
  } as unknown as IncomingMessage
}

describe('refusal', () => {
  test('an ordinary request goes to the app', () => {
    assert.equal(refusal(request('/x?y'), ''), undefined)
  })

  test('HTTP/0.9-style lines get 400, HTTP/2.0 and later 505', () => {
    assert.equal(refusal(request('/', { major: 0 }), '')?.status, 400)
    assert.equal(refusal(request('/', { major: 2 }), '')?.status, 505)
  })

  test('two Host headers: 400 (RFC 9112 §3.2); none is for node:http to refuse', () => {
    assert.equal(refusal(request('/', { hosts: 2 }), '')?.status, 400)
    assert.equal(refusal(request('/', { hosts: 0 }), ''), undefined)
  })

  test('asterisk form: OPTIONS only', () => {
    assert.equal(refusal(request('*', { method: 'OPTIONS' }), ''), undefined)
    assert.equal(refusal(request('*', { method: 'OPTIONS' }), '/app'), undefined)
    assert.equal(refusal(request('*'), '')?.status, 400)
  })

  test('a path outside SCRIPT_NAME: 404 (spec §4.1)', () => {
    const cases: Array<[url: string, inside: boolean]> = [
      ['/app', true],
      ['/app/', true],
      ['/app/x?q', true],
      ['/app%2Fx', true],
      ['http://h.test/app/x', true],
      ['/application', false],
      ['/ap', false],
      ['/', false],
      ['/other/app', false],
    ]
    for (const [url, inside] of cases) {
      assert.equal(refusal(request(url), '/app')?.status, inside ? undefined : 404, url)
    }
  })
})
