import assert from 'node:assert/strict'
import { test } from 'node:test'
import { holdLimits } from './rebalance.ts'

test('a worker holding most of a burst is held to its share; the others get the limit', () => {
  assert.deepEqual(holdLimits([40, 10]), [25, 26])
  assert.deepEqual(holdLimits([0, 50]), [26, 25])
})

test('a worker added by TTIN gets a share: the others are held to theirs', () => {
  assert.deepEqual(holdLimits([30, 30, 0]), [20, 20, 21])
})

test('small pools are evened exactly, as far as the total allows', () => {
  assert.deepEqual(holdLimits([6, 4]), [5, 5])
  assert.deepEqual(holdLimits([3, 1]), [2, 2])
  assert.equal(holdLimits([5, 5]), undefined)
  assert.equal(holdLimits([6, 5]), undefined)
  assert.equal(holdLimits([2, 1]), undefined)
  assert.equal(holdLimits([0, 0]), undefined)
})

test('from 20 connections a worker on, a twentieth of slack causes no churn', () => {
  assert.equal(holdLimits([26, 24]), undefined)
  assert.deepEqual(holdLimits([27, 23]), [25, 26])
  assert.equal(holdLimits([210, 190]), undefined)
  assert.deepEqual(holdLimits([212, 188]), [200, 210])
})

test('a single worker is never held', () => {
  assert.equal(holdLimits([100]), undefined)
  assert.equal(holdLimits([]), undefined)
})
