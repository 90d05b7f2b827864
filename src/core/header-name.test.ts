import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isHeaderName, soleHeader } from './header-name.ts'

test('isHeaderName compares header names in any case, and only whole names', () => {
  for (const name of ['host', 'Host', 'HOST', 'hOsT'])
    assert.equal(isHeaderName(name, 'host'), true)
  for (const name of ['hos', 'hosts', 'ghost', 'X-Host', '']) {
    assert.equal(isHeaderName(name, 'host'), false, name)
  }
  assert.equal(isHeaderName('Content-Length', 'content-length'), true)
})

test('isHeaderName folds ASCII letters only', () => {
  // toLowerCase would fold these: the Kelvin sign to k, a dotted capital I to i.
  assert.equal(isHeaderName('\u212Aeep-Alive', 'keep-alive'), false)
  assert.equal(isHeaderName('\u0130f-Match', 'if-match'), false)
  // '-' and '\r' differ by the case bit alone; only letters have a case.
  assert.equal(isHeaderName('content\rtype', 'content-type'), false)
  assert.equal(isHeaderName('Content_Type', 'content-type'), false)
  assert.equal(isHeaderName('CONTENT-TYPE', 'content-type'), true)
})

test('soleHeader: the one value, undefined when absent, null when repeated in any case', () => {
  assert.equal(soleHeader(['Accept', '*/*', 'Host', 'h'], 'host'), 'h')
  assert.equal(soleHeader(['Host', ''], 'host'), '')
  assert.equal(soleHeader(['Accept', '*/*'], 'host'), undefined)
  assert.equal(soleHeader(['Host', 'a', 'Accept', '*/*', 'HOST', 'a'], 'host'), null)
})
