import assert from 'node:assert/strict'
import { test } from 'node:test'
import { boundedMemo, lastValueMemo } from './bounded-memo.ts'

test('boundedMemo works a value out once per string, and no more than `limit` are kept', () => {
  const computed: string[] = []
  const upper = boundedMemo((text) => {
    computed.push(text)
    return text.toUpperCase()
  }, 2)
  assert.equal(upper('a'), 'A')
  assert.equal(upper('a'), 'A')
  assert.equal(upper('b'), 'B')
  assert.equal(upper('c'), 'C')
  assert.equal(upper('c'), 'C')
  assert.deepEqual(computed, ['a', 'b', 'c', 'c'], 'c came after the bound: worked out each time')
})

test('boundedMemo keeps nothing when the computation throws', () => {
  let calls = 0
  const strict = boundedMemo((text) => {
    calls++
    if (text === 'bad') throw new Error('bad')
    return text
  })
  assert.throws(() => strict('bad'))
  assert.throws(() => strict('bad'))
  assert.equal(calls, 2)
})

test('lastValueMemo works a value out again only when the string changes', () => {
  const computed: string[] = []
  const upper = lastValueMemo((text) => {
    computed.push(text)
    return text.toUpperCase()
  })
  for (const text of ['a', 'a', 'b', 'a', 'a']) assert.equal(upper(text), text.toUpperCase())
  assert.deepEqual(computed, ['a', 'b', 'a'])
  const failing = lastValueMemo((text) => {
    if (text === 'bad') throw new Error('bad')
    return text
  })
  assert.equal(failing('ok'), 'ok')
  assert.throws(() => failing('bad'))
  assert.throws(() => failing('bad'), 'a failure is not remembered')
  assert.equal(failing('ok'), 'ok')
})
