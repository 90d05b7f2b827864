import assert from 'node:assert/strict'
import type { IncomingMessage } from 'node:http'
import { describe, it } from 'node:test'
import type { AccessRecord } from './atoms.ts'
import {
  AccessLogFormatError,
  DEFAULT_ACCESS_LOG_FORMAT,
  compileAccessLogFormat,
} from './format.ts'

function record(overrides: Partial<AccessRecord> = {}): AccessRecord {
  const req = {
    method: 'GET',
    url: '/index.html?x=1',
    httpVersion: '1.1',
    rawHeaders: ['Host', 'example.com', 'User-Agent', 'curl/8.0'],
    socket: { remoteAddress: '10.0.0.1' },
  } as unknown as IncomingMessage
  return {
    req,
    status: 200,
    headers: [],
    bytes: 1234,
    startedAt: 0n,
    endedAt: 0n,
    ...overrides,
  }
}

function render(format: string, overrides: Partial<AccessRecord> = {}): string {
  return compileAccessLogFormat(format)(record(overrides))
}

describe('compileAccessLogFormat', () => {
  it("renders Gunicorn's default format", () => {
    const line = render(DEFAULT_ACCESS_LOG_FORMAT)
    const pattern =
      /^10\.0\.0\.1 - - \[\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] "GET \/index\.html\?x=1 HTTP\/1\.1" 200 1234 "-" "curl\/8\.0"$/
    assert.match(line, pattern)
  })

  it('keeps literal text and turns %% into %', () => {
    assert.equal(render('100%% of %(m)s at 50%%'), '100% of GET at 50%')
    assert.equal(render('no fields'), 'no fields')
    assert.equal(render(''), '')
  })

  it('prints - for unknown keys, as SafeAtoms does', () => {
    assert.equal(render('[%(nope)s] [%(Z)s] [%({x}z)s] [%({x)s]'), '[-] [-] [-] [-]')
  })

  it('accepts %d for numeric atoms and prints other values unchanged', () => {
    assert.equal(render('%(s)d %(B)i %(b)u'), '200 1234 1234')
    assert.equal(render('%(s)d %(b)d', { status: 0 }), '- -')
  })

  it('applies width, alignment, zero padding, sign and precision like Python', () => {
    assert.equal(render('[%(m)6s]'), '[   GET]')
    assert.equal(render('[%(m)-6s]'), '[GET   ]')
    assert.equal(render('[%(m).2s]'), '[GE]')
    assert.equal(render('[%(s)06d]'), '[000200]')
    assert.equal(render('[%(s)-06d]'), '[200   ]')
    assert.equal(render('[%(s)+d] [%(s) d]'), '[+200] [ 200]')
    assert.equal(render('[%(s)+06d]'), '[+00200]')
    assert.equal(render('[%(s).5d]'), '[00200]')
    assert.equal(render('[%(s)5ld]'), '[  200]')
  })

  it('allows nested parentheses in a key, as Python does', () => {
    assert.equal(render('%({x(y)}i)s'), '-')
  })

  it('rejects formats that Python would reject or that need positional arguments', () => {
    for (const bad of ['%s', '%(h)', '%(h', '%(h)x', 'tail %', '%(h)*s', '%(h)f']) {
      assert.throws(() => compileAccessLogFormat(bad), AccessLogFormatError, bad)
    }
  })

  it('names the offset of the bad field', () => {
    assert.throws(
      () => compileAccessLogFormat('%(h)s %(s)q'),
      /offset 6: unsupported conversion '%q'/
    )
  })
})
