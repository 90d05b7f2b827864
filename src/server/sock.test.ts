import assert from 'node:assert/strict'
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { holdPort } from '../../tests/helpers/ports.ts'
import { tempDir } from '../../tests/helpers/temp-dir.ts'
import { bindListener, formatAddress, type Address } from './sock.ts'

const tcp = (host: string, port = 0): Address => ({ kind: 'tcp', host, port })

test('an IP is bound as written, its port 0 resolved to the port the kernel chose', async (t) => {
  for (const host of ['127.0.0.1', '::1']) {
    const listener = await bindListener(tcp(host))
    t.after(() => listener.close())
    assert.equal(listener.bound.kind, 'tcp')
    const bound = listener.bound as { host: string; port: number }
    assert.equal(bound.host, host)
    assert.ok(bound.port > 0, formatAddress(listener.bound))
    assert.ok(listener.handle, 'the handle the workers get')
  }
})

test('a host name is resolved to an IP first', async (t) => {
  const listener = await bindListener(tcp('localhost'))
  t.after(() => listener.close())
  assert.match((listener.bound as { host: string }).host, /^(127\.0\.0\.1|::1)$/)
})

test('a name that does not resolve gets a one-line error naming the address', async () => {
  await assert.rejects(bindListener(tcp('no-such-host.invalid', 8000)), {
    message:
      /^cannot bind http:\/\/no-such-host\.invalid:8000: cannot resolve no-such-host\.invalid \([A-Z_]+\)$/,
  })
})

test('an address another server listens on is named, with the reason', async (t) => {
  const { port } = await holdPort(t)
  await assert.rejects(bindListener(tcp('127.0.0.1', port)), {
    message: `cannot bind http://127.0.0.1:${port}: address in use (EADDRINUSE)`,
  })
})

test('a Unix socket gets mode 0777 minus the umask, whatever the process umask', async (t) => {
  const dir = tempDir(t, 'tsgi-sock-')
  for (const [umask, mode] of [
    [undefined, 0o777],
    [0o007, 0o770],
    [0o077, 0o700],
  ] as const) {
    const path = join(dir, `${umask ?? 'default'}.sock`)
    const listener = await bindListener({ kind: 'unix', path }, { umask })
    t.after(() => listener.close())
    assert.equal(statSync(path).mode & 0o777, mode, `umask ${umask?.toString(8)}`)
  }
})
