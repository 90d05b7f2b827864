import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { escapeLogValue } from './escape.ts'

describe('escapeLogValue', () => {
  it('returns ordinary text unchanged, including latin-1 and other Unicode letters', () => {
    const text = 'Mozilla/5.0 (X11; Linux) café ünïcode ✓'
    assert.equal(escapeLogValue(text), text)
    assert.equal(escapeLogValue(''), '')
  })

  it('escapes a double quote as \\" (Gunicorn SafeAtoms) and a backslash as \\\\', () => {
    assert.equal(escapeLogValue('say "hi"'), 'say \\"hi\\"')
    assert.equal(escapeLogValue('ends with \\'), 'ends with \\\\')
  })

  it('escapes CR, LF and TAB by name so that a value cannot start a new line', () => {
    const forged = 'x\r\n127.0.0.1 - - [01/Jan/2000:00:00:00 +0000] "GET /admin HTTP/1.1" 200'
    const escaped = escapeLogValue(forged)
    assert.ok(!escaped.includes('\n') && !escaped.includes('\r'))
    assert.equal(escaped.slice(0, 5), 'x\\r\\n')
    assert.equal(escapeLogValue('a\tb'), 'a\\tb')
  })

  it('escapes other C0 controls, DEL and C1 controls as \\xHH', () => {
    assert.equal(escapeLogValue('\x00\x1b[31m\x7f'), '\\x00\\x1b[31m\\x7f')
    assert.equal(escapeLogValue('next\u0085line\u009f'), 'next\\x85line\\x9f')
    assert.equal(escapeLogValue('\u00a0nbsp'), '\u00a0nbsp')
  })

  it('keeps the text around escapes in order', () => {
    assert.equal(escapeLogValue('"a"b\nc"'), '\\"a\\"b\\nc\\"')
  })
})
