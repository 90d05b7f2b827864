import assert from 'node:assert/strict'
import { test } from 'node:test'
import { importHint } from './import-hint.ts'

const HINT = ' (Node loaded it as CommonJS: set "type": "module" in its package.json, or name it '

test('module syntax loaded as CommonJS: the hint names the fix for the file type', () => {
  const exported = new SyntaxError("Unexpected token 'export'")
  const imported = new SyntaxError('Cannot use import statement outside a module')
  assert.equal(importHint(exported, '/srv/app.js'), HINT + '.mjs)')
  assert.equal(importHint(imported, '/srv/app.ts'), HINT + '.mts)')
  assert.equal(importHint(imported, 'tsgi.config.cts'), HINT + '.mts)')
})

test('other errors get no hint', () => {
  assert.equal(importHint(new SyntaxError('Unexpected end of input'), 'app.js'), '')
  assert.equal(importHint(new Error("Unexpected token 'export'"), 'app.js'), '')
  assert.equal(importHint('Cannot use import statement outside a module', 'app.js'), '')
})
