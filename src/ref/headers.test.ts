import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { TsgiError, type TsgiErrorCode } from './errors.ts'
import { Headers } from './headers.ts'
import { runApp } from './testing.ts'
import * as root from '../index.ts'
import type { HeaderList } from '../spec/types.ts'

function throwsCode(fn: () => unknown, code: TsgiErrorCode): void {
  assert.throws(fn, (error) => error instanceof TsgiError && error.code === code)
}

describe('Headers: wrapping a list', () => {
  it('wraps the list it is given, so changes show in that list', () => {
    const list: HeaderList = [['Content-Type', 'text/plain']]
    const headers = new Headers(list)
    assert.equal(headers.list, list)
    headers.set('X-A', '1').add('X-B', '2')
    headers.delete('content-type')
    assert.deepEqual(list, [
      ['X-A', '1'],
      ['X-B', '2'],
    ])
  })

  it('sees changes made to the list directly', () => {
    const list: HeaderList = []
    const headers = new Headers(list)
    list.push(['X-Late', 'yes'])
    assert.equal(headers.get('x-late'), 'yes')
    assert.equal(headers.size, 1)
  })

  it('starts from a new empty list by default', () => {
    const headers = new Headers()
    assert.deepEqual(headers.list, [])
    assert.equal(headers.size, 0)
  })

  it('refuses anything but an array with a TypeError', () => {
    for (const value of [{}, 'Content-Type: text/plain', new Map(), null]) {
      assert.throws(() => new Headers(value as unknown as HeaderList), TypeError)
    }
  })

  it('checks the headers already in the list', () => {
    throwsCode(() => new Headers([['Bad Name', 'x']]), 'TSGI_ERR_HEADER_NAME')
    throwsCode(() => new Headers([['X', 'a\r\nInjected: 1']]), 'TSGI_ERR_HEADER_VALUE')
    throwsCode(() => new Headers([['X'] as unknown as [string, string]]), 'TSGI_ERR_HEADERS_TYPE')
    throwsCode(
      () => new Headers([['X', 1] as unknown as [string, string]]),
      'TSGI_ERR_HEADERS_TYPE'
    )
  })
})

describe('Headers: reading', () => {
  const list = (): HeaderList => [
    ['Set-Cookie', 'a=1'],
    ['Content-Type', 'text/plain'],
    ['set-cookie', 'b=2'],
  ]

  it('get() returns the first value, matching any case, or undefined', () => {
    const headers = new Headers(list())
    assert.equal(headers.get('SET-COOKIE'), 'a=1')
    assert.equal(headers.get('content-type'), 'text/plain')
    assert.equal(headers.get('X-Missing'), undefined)
  })

  it('getAll() returns every value in order, never joined', () => {
    const headers = new Headers(list())
    assert.deepEqual(headers.getAll('Set-Cookie'), ['a=1', 'b=2'])
    assert.deepEqual(headers.getAll('X-Missing'), [])
  })

  it('has() matches any case, also for an empty value', () => {
    const headers = new Headers([['X-Empty', '']])
    assert.equal(headers.has('x-empty'), true)
    assert.equal(headers.has('x-other'), false)
  })

  it('size counts every pair', () => {
    assert.equal(new Headers(list()).size, 3)
  })

  it('iterates pairs, keys and values in order, names spelt as given', () => {
    const headers = new Headers(list())
    assert.deepEqual([...headers], list())
    assert.deepEqual([...headers.entries()], list())
    assert.deepEqual([...headers.keys()], ['Set-Cookie', 'Content-Type', 'set-cookie'])
    assert.deepEqual([...headers.values()], ['a=1', 'text/plain', 'b=2'])
  })

  it('yields copies of the pairs, so editing one leaves the list alone', () => {
    const headers = new Headers(list())
    for (const pair of headers) pair[1] = 'changed'
    assert.deepEqual(headers.list, list())
  })

  it('toString() gives the header block with CRLF line ends and a final empty line', () => {
    const headers = new Headers([
      ['Content-Type', 'text/plain'],
      ['X-Tab', 'a\tb'],
    ])
    assert.equal(headers.toString(), 'Content-Type: text/plain\r\nX-Tab: a\tb\r\n\r\n')
    assert.equal(String(new Headers()), '\r\n')
  })
})

describe('Headers: writing', () => {
  it('set() removes every header of that name and appends one at the end', () => {
    const headers = new Headers([
      ['X-A', '1'],
      ['Content-Type', 'text/plain'],
      ['x-a', '2'],
    ])
    headers.set('X-a', '3')
    assert.deepEqual(headers.list, [
      ['Content-Type', 'text/plain'],
      ['X-a', '3'],
    ])
  })

  it('delete() removes every header of that name and says whether there was one', () => {
    const headers = new Headers([
      ['X-A', '1'],
      ['X-B', '2'],
      ['x-a', '3'],
    ])
    assert.equal(headers.delete('x-A'), true)
    assert.deepEqual(headers.list, [['X-B', '2']])
    assert.equal(headers.delete('X-A'), false)
    assert.deepEqual(headers.list, [['X-B', '2']])
  })

  it('setDefault() returns the first value, adding the header only when missing', () => {
    const headers = new Headers([['Content-Type', 'text/html']])
    assert.equal(headers.setDefault('content-type', 'text/plain'), 'text/html')
    assert.equal(headers.setDefault('X-New', 'v'), 'v')
    assert.deepEqual(headers.list, [
      ['Content-Type', 'text/html'],
      ['X-New', 'v'],
    ])
  })

  it('add() appends, keeping the headers of the same name', () => {
    const headers = new Headers([['Set-Cookie', 'a=1']])
    headers.add('Set-Cookie', 'b=2')
    assert.deepEqual(headers.getAll('set-cookie'), ['a=1', 'b=2'])
  })

  it('add() formats parameters: _ becomes -, tokens bare, the rest quoted and escaped', () => {
    const headers = new Headers()
    headers.add('Content-Disposition', 'attachment', { filename: 'bud.gif' })
    headers.add('Content-Disposition', 'attachment', { file_name: 'my "best" \\ file.txt' })
    headers.add('Cache-Control', 'private', { max_age: '0', no_store: undefined, must: null })
    headers.add('X-Empty', 'v', { p: '' })
    assert.deepEqual(headers.getAll('Content-Disposition'), [
      'attachment; filename=bud.gif',
      'attachment; file-name="my \\"best\\" \\\\ file.txt"',
    ])
    assert.equal(headers.get('Cache-Control'), 'private; max-age=0; no-store; must')
    assert.equal(headers.get('X-Empty'), 'v; p=""')
  })

  it('add() with a null value leaves only the parameters', () => {
    const headers = new Headers().add('X-Params', null, { a: '1', b: undefined })
    assert.equal(headers.get('X-Params'), 'a=1; b')
  })

  it('refuses a bad name or value at the time it is added, leaving the list unchanged', () => {
    const headers = new Headers([['X-A', '1']])
    throwsCode(() => headers.set('Bad:Name', 'x'), 'TSGI_ERR_HEADER_NAME')
    throwsCode(() => headers.set('', 'x'), 'TSGI_ERR_HEADER_NAME')
    throwsCode(() => headers.set('X-A', 'a\nb'), 'TSGI_ERR_HEADER_VALUE')
    throwsCode(() => headers.set('X-A', 'nul\0'), 'TSGI_ERR_HEADER_VALUE')
    throwsCode(() => headers.add('X-A', 'euro €'), 'TSGI_ERR_HEADER_VALUE')
    throwsCode(() => headers.add('X-B', 'v', { p: 'a\r\nInjected: 1' }), 'TSGI_ERR_HEADER_VALUE')
    throwsCode(() => headers.add('X-B', 'v', { 'bad name': 'x' }), 'TSGI_ERR_HEADER_VALUE')
    throwsCode(() => headers.setDefault('X C', 'v'), 'TSGI_ERR_HEADER_NAME')
    throwsCode(() => headers.set('X-A', 1 as unknown as string), 'TSGI_ERR_HEADERS_TYPE')
    assert.deepEqual(headers.list, [['X-A', '1']])
  })

  it('accepts HTAB and latin-1 characters in values', () => {
    const headers = new Headers().set('X-Latin', 'caf\xe9\tok')
    assert.equal(headers.get('x-latin'), 'café\tok')
  })
})

describe('Headers with an app', () => {
  it('is what the package root exports, not the Fetch API’s Headers', () => {
    assert.equal(root.Headers, Headers)
    assert.notEqual(root.Headers, globalThis.Headers)
  })

  it('its list is what the app passes to startResponse', async () => {
    const result = await runApp((_environ, startResponse) => {
      const headers = new Headers().set('Content-Type', 'text/plain')
      headers.add('Content-Disposition', 'inline', { filename: 'a b.txt' })
      startResponse('200 OK', headers.list)
      return [new TextEncoder().encode('ok')]
    })
    assert.deepEqual(result.headers, [
      ['Content-Type', 'text/plain'],
      ['Content-Disposition', 'inline; filename="a b.txt"'],
    ])
  })
})
