// The process entry bundles (scripts/bundle.mjs) reach Node's builtins through
// process.getBuiltinModule, never through an ES `import`: an import builds the builtin's
// namespace, which reads every lazy export (on Node 26 that loaded undici, crypto, http2,
// zlib and tls into each worker). And they are ASCII only. `npm test` builds dist/ first.
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'

const BUNDLE = fileURLToPath(new URL('../../dist/bundle/', import.meta.url))
/** Each bundle file's source, by file name. */
const bundles = () =>
  new Map(
    readdirSync(BUNDLE)
      .filter((name) => name.endsWith('.js'))
      .map((name) => [name, readFileSync(join(BUNDLE, name), 'utf8')])
  )

test('the bundles import no Node builtin as an ES module', () => {
  const sources = bundles()
  assert.ok(sources.has('cli.js') && sources.has('worker-main.js'), 'dist/bundle is built')
  for (const [name, source] of sources) {
    const builtinImport =
      /^\s*import\b[^;]*?\bfrom\s*["'](node:[^"']+|fs|net|http|os|path|util)["']/m
    assert.doesNotMatch(source, builtinImport, `${name} imports a builtin`)
  }
})

test('the bundles read the builtins they use from process.getBuiltinModule', () => {
  const sources = [...bundles().values()]
  for (const builtin of ['node:net', 'node:http', 'node:child_process'])
    assert.ok(
      sources.some((source) => source.includes(`process.getBuiltinModule("${builtin}")`)),
      `no bundle reads ${builtin}`
    )
})

// V8 holds each module's source for the life of the process; one non-ASCII character makes
// it hold the whole source as two bytes per character.
test('the bundles are ASCII only', () => {
  for (const [name, source] of bundles()) {
    const at = source.search(/[^\x00-\x7f]/)
    assert.equal(at, -1, `${name} has a non-ASCII character: …${source.slice(at - 30, at + 10)}…`)
  }
})
