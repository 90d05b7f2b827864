import assert from 'node:assert/strict'
import { test } from 'node:test'
import { takeListenFds } from './systemd.ts'

test('the sockets passed to this pid are fd 3 on, and the variables are taken away', () => {
  const env = { LISTEN_PID: '42', LISTEN_FDS: '2', LISTEN_FDNAMES: 'web:admin', HOME: '/root' }
  assert.deepEqual(takeListenFds(env, 42), ['fd://3', 'fd://4'])
  assert.deepEqual(env, { HOME: '/root' })
})

test('variables meant for another pid are left alone, as sd_listen_fds does', () => {
  const env = { LISTEN_PID: '41', LISTEN_FDS: '1' }
  assert.deepEqual(takeListenFds(env, 42), [])
  assert.deepEqual(env, { LISTEN_PID: '41', LISTEN_FDS: '1' })
  assert.deepEqual(takeListenFds({ LISTEN_FDS: '1' }, 42), [])
  assert.deepEqual(takeListenFds({}, 42), [])
})

test('no sockets passed means none: bind applies', () => {
  assert.deepEqual(takeListenFds({ LISTEN_PID: '42', LISTEN_FDS: '0' }, 42), [])
  assert.deepEqual(takeListenFds({ LISTEN_PID: '42' }, 42), [])
})

test('a LISTEN_FDS that is not a count is a one-line error naming it and its value', () => {
  for (const value of ['', 'two', '-1', '1.5']) {
    const env = { LISTEN_PID: '42', LISTEN_FDS: value }
    assert.throws(() => takeListenFds(env, 42), {
      message: `LISTEN_FDS must be the number of sockets systemd passed, got "${value}"`,
    })
  }
})
