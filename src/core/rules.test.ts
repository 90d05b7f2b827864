import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  checkHeader,
  checkHeaders,
  declaredContentLength,
  isHopByHop,
  parseStatus,
} from './rules.ts'

const code = (name: string) => (error: unknown) => (error as { code?: string }).code === name

describe('parseStatus', () => {
  test('accepts "NNN Reason" for 200 to 599, reasons in latin-1, empty reasons', () => {
    assert.deepEqual(parseStatus('200 OK'), { code: 200, reason: 'OK' })
    assert.deepEqual(parseStatus('599 Any Thing'), { code: 599, reason: 'Any Thing' })
    assert.deepEqual(parseStatus('404 Gr\xfc\xdfe'), { code: 404, reason: 'Gr\xfc\xdfe' })
    assert.deepEqual(parseStatus('204 '), { code: 204, reason: '' })
  })

  const bad: unknown[] = [
    200,
    undefined,
    '200',
    '200OK',
    ' 200 OK',
    '20 OK',
    '2000 OK',
    'abc OK',
    '100 Continue',
    '600 Nope',
    '200 OK\r\nX-Injected: 1',
    '200 Tab\there',
    '200 \u014ck',
  ]
  for (const status of bad) {
    test(`refuses ${JSON.stringify(status)}`, () => {
      assert.throws(() => parseStatus(status), code('TSGI_ERR_STATUS'))
    })
  }
})

describe('checkHeader', () => {
  test('returns the lowercased name of a valid header', () => {
    assert.equal(checkHeader(['X-Thing', 'value\twith tab \xff']), 'x-thing')
    assert.equal(checkHeader(["!#$%&'*+-.^_`|~09azAZ", '']), "!#$%&'*+-.^_`|~09azaz")
  })

  const cases: Array<[header: unknown, error: string]> = [
    ['X: 1', 'TSGI_ERR_HEADERS_TYPE'],
    [['X'], 'TSGI_ERR_HEADERS_TYPE'],
    [['X', '1', '2'], 'TSGI_ERR_HEADERS_TYPE'],
    [['X', 1], 'TSGI_ERR_HEADERS_TYPE'],
    [['', '1'], 'TSGI_ERR_HEADER_NAME'],
    [['X Y', '1'], 'TSGI_ERR_HEADER_NAME'],
    [['X:Y', '1'], 'TSGI_ERR_HEADER_NAME'],
    [['X\xe9', '1'], 'TSGI_ERR_HEADER_NAME'],
    [['Status', '200'], 'TSGI_ERR_HEADER_NAME'],
    [['X', 'a\r\nb'], 'TSGI_ERR_HEADER_VALUE'],
    [['X', 'a\nb'], 'TSGI_ERR_HEADER_VALUE'],
    [['X', 'a\x00b'], 'TSGI_ERR_HEADER_VALUE'],
    [['X', 'a\x7fb'], 'TSGI_ERR_HEADER_VALUE'],
    [['X', '\u0100'], 'TSGI_ERR_HEADER_VALUE'],
    [['X', '\u{1f600}'], 'TSGI_ERR_HEADER_VALUE'],
    [['Connection', 'close'], 'TSGI_ERR_HOP_BY_HOP'],
    [['transfer-encoding', 'chunked'], 'TSGI_ERR_HOP_BY_HOP'],
    [['Keep-Alive', 'timeout=5'], 'TSGI_ERR_HOP_BY_HOP'],
    [['Upgrade', 'h2c'], 'TSGI_ERR_HOP_BY_HOP'],
  ]
  for (const [header, error] of cases) {
    test(`${JSON.stringify(header)}: ${error}`, () => {
      assert.throws(() => checkHeader(header), code(error))
    })
  }
})

describe('checkHeaders', () => {
  test('takes an array of valid pairs, duplicates included', () => {
    const headers = [
      ['Set-Cookie', 'a=1'],
      ['Set-Cookie', 'b=2'],
    ]
    assert.equal(checkHeaders(headers), headers)
  })

  test('refuses anything but an array', () => {
    for (const headers of [{ 'Content-Type': 'text/plain' }, null, 'X: 1', new Map()]) {
      assert.throws(() => checkHeaders(headers), code('TSGI_ERR_HEADERS_TYPE'))
    }
  })
})

describe('declaredContentLength', () => {
  test('reads Content-Length in any case; undefined without one', () => {
    assert.equal(declaredContentLength([['content-LENGTH', '42']]), 42)
    assert.equal(declaredContentLength([['Content-Type', 'text/plain']]), undefined)
  })

  for (const value of ['', '-1', '+1', '1.5', '0x10', ' 1', '1 ', '1e3', '1234567890123456']) {
    test(`refuses ${JSON.stringify(value)}`, () => {
      assert.throws(
        () => declaredContentLength([['Content-Length', value]]),
        code('TSGI_ERR_HEADER_VALUE')
      )
    })
  }

  test('refuses a second Content-Length, even of the same value (spec §3.2: at most once)', () => {
    for (const second of ['2', '1']) {
      const headers: Array<[string, string]> = [
        ['Content-Length', '1'],
        ['content-length', second],
      ]
      assert.throws(() => declaredContentLength(headers), code('TSGI_ERR_HEADER_VALUE'))
    }
  })
})

describe('isHopByHop', () => {
  test('knows the connection-specific headers in any case', () => {
    for (const name of [
      'Connection',
      'KEEP-ALIVE',
      'proxy-connection',
      'TE',
      'Trailer',
      'Upgrade',
    ]) {
      assert.ok(isHopByHop(name), name)
    }
    for (const name of ['Content-Length', 'Set-Cookie', 'Date', 'Server'])
      assert.ok(!isHopByHop(name), name)
  })
})
