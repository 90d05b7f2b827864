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

test('small pools are evened exactly, as far as the total allows', () => {
  assert.deepEqual(connectionsToShed([6, 4]), [1, 0])
  assert.deepEqual(connectionsToShed([5, 5]), [0, 0])
  assert.deepEqual(connectionsToShed([6, 5]), [0, 0])
  assert.deepEqual(connectionsToShed([3, 1]), [1, 0])
  assert.deepEqual(connectionsToShed([2, 1]), [0, 0])
  assert.deepEqual(connectionsToShed([0, 0]), [0, 0])
})

test('from 20 connections a worker on, a twentieth of slack causes no churn', () => {
  assert.deepEqual(connectionsToShed([26, 24]), [0, 0])
  assert.deepEqual(connectionsToShed([27, 23]), [2, 0])
  assert.deepEqual(connectionsToShed([210, 190]), [0, 0])
  assert.deepEqual(connectionsToShed([212, 188]), [12, 0])
})

test('a single worker never sheds', () => {
  assert.deepEqual(connectionsToShed([100]), [0])
  assert.deepEqual(connectionsToShed([]), [])
})
