import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { check, ERROR_CODES, TsgiError, WARNING_CODES } from './errors.ts'

/** docs/errors.md and the registry must name the same codes: a test keeps them in step. */
const docs = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8')
const HEADING = /^### `(TSGI_[A-Z0-9_]+)`$/gm

/** Each documented code with the text of its section (up to the next heading). */
function sections(): Map<string, string> {
  const found = new Map<string, string>()
  const headings = [...docs.matchAll(HEADING)]
  headings.forEach((match, i) => {
    const end = headings[i + 1]?.index ?? docs.length
    const code = match[1]!
    assert.ok(!found.has(code), `${code} is documented twice`)
    found.set(code, docs.slice(match.index, end))
  })
  return found
}

const registry: Record<string, string> = { ...ERROR_CODES, ...WARNING_CODES }

test('every registered code is documented in docs/errors.md', () => {
  const documented = sections()
  const missing = Object.keys(registry).filter((code) => !documented.has(code))
  assert.deepEqual(missing, [], 'codes missing from docs/errors.md')
})

test('docs/errors.md documents no code that is not registered', () => {
  const unknown = [...sections().keys()].filter((code) => !(code in registry))
  assert.deepEqual(unknown, [], 'documented codes missing from src/ref/errors.ts')
})

test('each entry quotes the registry message and has an example and a fix', () => {
  for (const [code, text] of sections()) {
    assert.ok(
      text.includes(`\n> ${registry[code]}\n`),
      `${code}: quote the message "${registry[code]}"`
    )
    assert.match(text, /\*\*Example:\*\*\n\n```ts\n[^]+?\n```/, `${code}: an example`)
    assert.match(text, /\*\*Fix:\*\* \S/, `${code}: a fix`)
  }
})

test('errors are under "## Errors" and warnings under "## Warnings"', () => {
  const warningsAt = docs.indexOf('\n## Warnings\n')
  assert.ok(warningsAt > docs.indexOf('\n## Errors\n'))
  for (const match of docs.matchAll(HEADING)) {
    const isWarning = match[1]!.startsWith('TSGI_WARN_')
    assert.equal(match.index > warningsAt, isWarning, `${match[1]} is in the wrong section`)
  }
})

test('error codes start with TSGI_ERR_ and warning codes with TSGI_WARN_', () => {
  const errors = Object.keys(ERROR_CODES)
  const warnings = Object.keys(WARNING_CODES)
  assert.ok(errors.every((code) => /^TSGI_ERR_[A-Z0-9_]+$/.test(code)))
  assert.ok(warnings.every((code) => /^TSGI_WARN_[A-Z0-9_]+$/.test(code)))
})

test('TsgiError carries the code and the registry message; check() throws it', () => {
  const error = new TsgiError('TSGI_ERR_STATUS', '"200"')
  assert.equal(error.name, 'TsgiError')
  assert.equal(error.code, 'TSGI_ERR_STATUS')
  assert.equal(error.message, `${ERROR_CODES.TSGI_ERR_STATUS}: "200"`)
  assert.equal(new TsgiError('TSGI_ERR_STATUS').message, ERROR_CODES.TSGI_ERR_STATUS)
  assert.throws(() => check(false, 'TSGI_ERR_CHUNK_TYPE'), { code: 'TSGI_ERR_CHUNK_TYPE' })
  assert.doesNotThrow(() => check(1, 'TSGI_ERR_CHUNK_TYPE'))
})
