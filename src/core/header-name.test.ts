import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isHeaderName } from './header-name.ts'

test('isHeaderName compares header names in any case, and only whole names', () => {
  for (const name of ['host', 'Host', 'HOST', 'hOsT'])
    assert.equal(isHeaderName(name, 'host'), true)
  for (const name of ['hos', 'hosts', 'ghost', 'X-Host', '']) {
    assert.equal(isHeaderName(name, 'host'), false, name)
  }
  assert.equal(isHeaderName('Content-Length', 'content-length'), true)
})
