import assert from 'node:assert/strict'
import { test } from 'node:test'
import { connectionsToShed } from './rebalance.ts'

test('a worker holding most of a burst sheds down to its share', () => {
  assert.deepEqual(connectionsToShed([40, 10]), [15, 0])
  assert.deepEqual(connectionsToShed([0, 50]), [0, 25])
})

test('a worker added by TTIN gets a share: the others shed toward it', () => {
  assert.deepEqual(connectionsToShed([30, 30, 0]), [10, 10, 0])
})

test('counts within a twentieth of the share (at least one) cause no churn', () => {
  assert.deepEqual(connectionsToShed([26, 24]), [0, 0])
  assert.deepEqual(connectionsToShed([27, 23]), [2, 0])
  assert.deepEqual(connectionsToShed([210, 190]), [0, 0])
  assert.deepEqual(connectionsToShed([212, 188]), [12, 0])
  assert.deepEqual(connectionsToShed([3, 1]), [0, 0])
  assert.deepEqual(connectionsToShed([4, 0]), [2, 0])
  assert.deepEqual(connectionsToShed([0, 0]), [0, 0])
})

test('a single worker never sheds', () => {
  assert.deepEqual(connectionsToShed([100]), [0])
  assert.deepEqual(connectionsToShed([]), [])
})
