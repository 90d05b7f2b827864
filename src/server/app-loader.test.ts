import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { fileURLToPath } from 'node:url'
import { runApp } from '../ref/testing.ts'
import { InvalidAppSpec, loadApp, parseAppSpec } from './app-loader.ts'
import { AppImportError, type AppImportFailure } from './errors.ts'

const FIXTURES = fileURLToPath(new URL('../../tests/fixtures/apps/', import.meta.url))
const inFixtures = { cwd: FIXTURES }

/** Loads `spec` expecting an AppImportError; returns it. */
async function loadFailure(
  spec: string,
  kind: AppImportFailure,
  cwd = FIXTURES
): Promise<AppImportError> {
  try {
    await loadApp(spec, { cwd })
  } catch (error) {
    assert.ok(error instanceof AppImportError, String(error))
    assert.equal(error.kind, kind, error.message)
    assert.equal(error.exitCode, 4)
    return error
  }
  assert.fail(`${spec} loaded`)
}

/** A directory removed after the test, with `files` (paths may have folders) written into it. */
function directoryWith(t: TestContext, files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsgi-loader-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true })
    writeFileSync(join(dir, name), content)
  }
  return dir
}

const APP_SOURCE = (text: string) =>
  `export function app(_e, start) { start('200 OK', [['Content-Type', 'text/plain']]); return [new TextEncoder().encode(${JSON.stringify(text)})] }\n`

async function bodyOf(spec: string, cwd: string): Promise<string> {
  const result = await runApp(await loadApp(spec, { cwd }))
  return result.text
}

test('parseAppSpec splits MODULE[:EXPORT], with app as the default export', () => {
  assert.deepEqual(parseAppSpec('app.ts'), {
    module: 'app.ts',
    target: { kind: 'export', name: 'app' },
  })
  assert.deepEqual(parseAppSpec(' src/app.ts:handler '), {
    module: 'src/app.ts',
    target: { kind: 'export', name: 'handler' },
  })
  assert.deepEqual(parseAppSpec('@acme/api:$app'), {
    module: '@acme/api',
    target: { kind: 'export', name: '$app' },
  })
  // A colon followed by a path belongs to the path (a Windows drive letter).
  assert.deepEqual(parseAppSpec('C:\\srv\\app.ts'), {
    module: 'C:\\srv\\app.ts',
    target: { kind: 'export', name: 'app' },
  })
  assert.throws(() => parseAppSpec(':app'), InvalidAppSpec)
  assert.throws(() => parseAppSpec('app.ts:'), {
    reason: 'is not MODULE[:EXPORT]: EXPORT is empty',
  })
  assert.throws(() => parseAppSpec('app.ts:make-app'), {
    reason: 'is not MODULE[:EXPORT]: EXPORT must be an export name',
  })
})

test('loads a TypeScript app, by default export name and by explicit export', async () => {
  assert.equal(await bodyOf('loader-hello.ts', FIXTURES), 'hello from loader-hello.ts\n')
  assert.equal(await bodyOf('loader-hello.ts:other', FIXTURES), 'other\n')
  assert.equal(await bodyOf('./loader-hello.mjs', FIXTURES), 'hello from loader-hello.mjs\n')
  assert.equal(
    await bodyOf(join(FIXTURES, 'loader-hello.mjs'), tmpdir()),
    'hello from loader-hello.mjs\n'
  )
})

test('a module that is not there: not-found, with the path looked at', async () => {
  const error = await loadFailure('missing.ts', 'not-found')
  assert.equal(
    error.message,
    `cannot find module "missing.ts": no file ${join(FIXTURES, 'missing.ts')}`
  )
})

test('a module named without its extension: not-found, suggesting the file', async () => {
  const error = await loadFailure('loader-hello', 'not-found')
  assert.equal(
    error.message,
    `cannot find module "loader-hello": no such package in node_modules from ${FIXTURES.replace(/\/$/, '')} up; did you mean "loader-hello.ts"?`
  )
})

test('a module that throws while importing: import-failed, with its error as the cause', async () => {
  const error = await loadFailure('loader-throws.ts', 'import-failed')
  assert.equal(
    error.message,
    'module "loader-throws.ts" failed to import: Error: loader-throws.ts refuses to load'
  )
  assert.ok(error.cause instanceof Error)
  assert.equal(error.cause.message, 'loader-throws.ts refuses to load')
})

test('a module that does not compile: import-failed', async (t) => {
  const dir = directoryWith(t, { 'broken.mjs': 'export const app = (\n' })
  const error = await loadFailure('broken.mjs', 'import-failed', dir)
  assert.match(error.message, /^module "broken\.mjs" failed to import: SyntaxError: /)
})

test('a missing export: missing-export, listing the exports there are', async () => {
  const error = await loadFailure('loader-no-app.ts', 'missing-export')
  assert.equal(
    error.message,
    'module "loader-no-app.ts" has no export "app" (its exports: default, handler, version); ' +
      'for the default export, write loader-no-app.ts:default'
  )
  assert.equal(typeof (await loadApp('loader-no-app.ts:handler', inFixtures)), 'function')
  assert.equal(typeof (await loadApp('loader-no-app.ts:default', inFixtures)), 'function')
})

test('a module without exports says so', async (t) => {
  const dir = directoryWith(t, { 'empty.mjs': 'globalThis.x = 1\n' })
  const error = await loadFailure('empty.mjs', 'missing-export', dir)
  assert.equal(error.message, 'module "empty.mjs" has no export "app" (it has no exports)')
})

test('an export that is not a function: not-callable, saying what it is', async () => {
  const error = await loadFailure('loader-not-function.ts', 'not-callable')
  assert.equal(
    error.message,
    'export "app" of module "loader-not-function.ts" is an object, not a function: ' +
      'a TSGI app is a function (environ, startResponse)'
  )
  const version = await loadFailure('loader-no-app.ts:version', 'not-callable')
  assert.match(version.message, /is a number, not a function/)
})

test('a malformed spec is an AppImportError too', async () => {
  const error = await loadFailure('loader-hello.ts:', 'invalid-spec')
  assert.equal(error.message, '"loader-hello.ts:" is not MODULE[:EXPORT]: EXPORT is empty')
})

test('a package name resolves through node_modules, from cwd upward', async (t) => {
  const dir = directoryWith(t, {
    'node_modules/plain-app/package.json': JSON.stringify({
      name: 'plain-app',
      main: 'lib/server.mjs',
    }),
    'node_modules/plain-app/lib/server.mjs': APP_SOURCE('plain main'),
    'node_modules/no-main/package.json': JSON.stringify({ name: 'no-main' }),
    'node_modules/no-main/index.js': APP_SOURCE('index.js').replace(
      'export function app',
      'exports.app = function'
    ),
    'project/src/.keep': '',
  })
  const nested = join(dir, 'project', 'src')
  assert.equal(await bodyOf('plain-app', nested), 'plain main')
  assert.equal(await bodyOf('no-main', dir), 'index.js')
  assert.equal(await bodyOf('plain-app/lib/server.mjs', dir), 'plain main')
})

test('package "exports" resolve with the import condition, subpaths and patterns', async (t) => {
  const dir = directoryWith(t, {
    'node_modules/@acme/api/package.json': JSON.stringify({
      name: '@acme/api',
      exports: {
        '.': { types: './index.d.ts', import: './esm/index.mjs', require: './cjs/index.cjs' },
        './admin': './esm/admin.mjs',
        './apps/*': { node: './esm/apps/*.mjs' },
      },
    }),
    'node_modules/@acme/api/esm/index.mjs': APP_SOURCE('esm index'),
    'node_modules/@acme/api/esm/admin.mjs': APP_SOURCE('admin'),
    'node_modules/@acme/api/esm/apps/shop.mjs': APP_SOURCE('shop'),
  })
  assert.equal(await bodyOf('@acme/api', dir), 'esm index')
  assert.equal(await bodyOf('@acme/api/admin:app', dir), 'admin')
  assert.equal(await bodyOf('@acme/api/apps/shop', dir), 'shop')
  await loadFailure('@acme/api/private', 'not-found', dir)
})

test('a package can name itself when it declares exports', async (t) => {
  const dir = directoryWith(t, {
    'package.json': JSON.stringify({ name: 'my-service', exports: { '.': './server.mjs' } }),
    'server.mjs': APP_SOURCE('self'),
  })
  assert.equal(await bodyOf('my-service', dir), 'self')
})

test('an unknown package: not-found', async (t) => {
  const dir = directoryWith(t, { 'readme.txt': '' })
  const error = await loadFailure('no-such-package', 'not-found', dir)
  assert.equal(
    error.message,
    `cannot find module "no-such-package": no such package in node_modules from ${dir} up`
  )
})
