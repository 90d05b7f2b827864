import assert from 'node:assert/strict'
import { readFileSync, renameSync } from 'node:fs'
import { createServer } from 'node:http'
import type { IncomingMessage } from 'node:http'
import { connect } from 'node:net'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { AccessLog } from './access-log.ts'
import type { AccessRecord } from './access-log.ts'
import { AccessLogFormatError, DEFAULT_ACCESS_LOG_FORMAT } from './format.ts'
import { collect, exited, moduleUrl, spawnModule, tempDir } from './test-support.ts'

const CLF_TIME = String.raw`\[\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\]`

function fakeRecord(url: string): AccessRecord {
  const req = {
    method: 'GET',
    url,
    httpVersion: '1.1',
    rawHeaders: [],
    socket: { remoteAddress: '127.0.0.1' },
  } as unknown as IncomingMessage
  return { req, status: 200, headers: [], bytes: 2, startedAt: 0n, endedAt: 0n }
}

function read(path: string): string[] {
  return readFileSync(path, 'utf8').split('\n').slice(0, -1)
}

/**
 * Sends `request` to a real server on 127.0.0.1, which logs it when the response finishes (as a
 * worker does, while the socket still knows its peer), and resolves once the socket closed.
 */
async function serveOnce(log: AccessLog, request: string): Promise<void> {
  const server = createServer((req, res) => {
    const startedAt = process.hrtime.bigint()
    const responseHeaders = [
      ['Content-Type', 'text/plain'],
      ['X-Served-By', 'worker-1'],
    ] as const
    for (const [name, value] of responseHeaders) res.setHeader(name, value)
    res.on('finish', () => {
      log.log({ req, status: res.statusCode, headers: responseHeaders, bytes: 5, startedAt })
    })
    res.end('hello')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  try {
    const socket = connect((server.address() as AddressInfo).port, '127.0.0.1')
    socket.end(request)
    socket.resume()
    await new Promise((resolve) => socket.on('close', resolve))
  } finally {
    server.close()
  }
}

describe('AccessLog', () => {
  it('logs a real request in the default format plus header, method and path atoms', async (t) => {
    const path = join(tempDir(t), 'access.log')
    const format = DEFAULT_ACCESS_LOG_FORMAT + ' %({x-request-id}i)s %({x-served-by}o)s %(p)s %(U)s'
    const log = new AccessLog({ path, format })
    t.after(() => log.close())
    assert.equal(log.enabled, true)
    const credentials = Buffer.from('alice:secret').toString('base64')
    await serveOnce(
      log,
      'GET /a%20b?q=%22x%22 HTTP/1.1\r\nHost: 127.0.0.1\r\n' +
        'User-Agent: evil"agent \\\r\nReferer: http://r.example/\r\n' +
        `Authorization: Basic ${credentials}\r\nX-Request-Id: req-7\r\nConnection: close\r\n\r\n`
    )
    await log.close()
    const [line, ...more] = read(path)
    assert.deepEqual(more, [])
    const expected =
      `127.0.0.1 - alice ${CLF_TIME} "GET /a%20b\\?q=%22x%22 HTTP/1.1" 200 5 ` +
      String.raw`"http://r.example/" "evil\\"agent \\\\" req-7 worker-1 <${process.pid}> /a b$`
    assert.match(line!, new RegExp('^' + expected))
  })

  it('is off for a null path, and still rejects a bad format', async () => {
    const log = new AccessLog({ path: null, format: DEFAULT_ACCESS_LOG_FORMAT })
    assert.equal(log.enabled, false)
    log.log(fakeRecord('/'))
    log.reopen()
    await log.close()
    assert.throws(() => new AccessLog({ path: null, format: '%(h)q' }), AccessLogFormatError)
  })

  it('formats a record without writing it', () => {
    const log = new AccessLog({ path: null, format: '%(m)s %(U)s' })
    assert.equal(log.format(fakeRecord('/x?y')), 'GET /x')
  })

  it('reports a line that fails to format and carries on', async (t) => {
    const path = join(tempDir(t), 'access.log')
    const errors: Error[] = []
    const log = new AccessLog({ path, format: '%({boom}e)s', onError: (e) => errors.push(e) })
    const record = fakeRecord('/')
    record.environ = {
      get boom(): string {
        throw new Error('getter failed')
      },
    }
    log.log(record)
    log.log(fakeRecord('/'))
    await log.close()
    assert.deepEqual(read(path), ['-'])
    assert.equal(errors.length, 1)
    assert.match(String((errors[0]!.cause as Error).message), /getter failed/)
  })

  it('writes lines to the new file after reopen() once the old one was renamed', async (t) => {
    const path = join(tempDir(t), 'access.log')
    const log = new AccessLog({ path, format: '%(U)s' })
    t.after(() => log.close())
    log.log(fakeRecord('/before'))
    await log.flush()
    renameSync(path, path + '.1')
    log.reopen()
    log.log(fakeRecord('/after'))
    await log.close()
    assert.deepEqual(read(path + '.1'), ['/before'])
    assert.deepEqual(read(path), ['/after'])
  })

  it('close() flushes every queued line', async (t) => {
    const path = join(tempDir(t), 'access.log')
    const log = new AccessLog({ path, format: '%(U)s %(s)s' })
    for (let i = 0; i < 10_000; i++) log.log(fakeRecord(`/${i}`))
    await log.close()
    const lines = read(path)
    assert.equal(lines.length, 10_000)
    assert.equal(lines[9999], '/9999 200')
  })

  it("writes to stdout for '-'", async (t) => {
    const code = `
      const { AccessLog } = await import(${JSON.stringify(moduleUrl('./access-log.ts'))})
      const log = new AccessLog({ path: '-', format: '%(m)s %(U)s %(s)s' })
      const req = { method: 'GET', url: '/out', httpVersion: '1.1', rawHeaders: [], socket: {} }
      log.log({ req, status: 204, headers: [], bytes: 0, startedAt: 0n, endedAt: 0n })
      await log.close()`
    const child = spawnModule(t, code)
    const [stdout, stderr, status] = await Promise.all([
      collect(child.stdout),
      collect(child.stderr),
      exited(child),
    ])
    assert.equal(status, 0, stderr)
    assert.equal(stdout, 'GET /out 204\n')
  })
})
