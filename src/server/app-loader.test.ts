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
  const loaded = await loadApp(spec, { cwd })
  assert.equal(loaded.interface, 'tsgi', loaded.how)
  const result = await runApp(loaded.app)
  return result.text
}

test('parseAppSpec splits MODULE[:EXPORT], with app as the default export', () => {
  assert.deepEqual(parseAppSpec('app.ts'), {
    module: 'app.ts',
    target: { kind: 'export', name: 'app', implicit: true },
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
    target: { kind: 'export', name: 'app', implicit: true },
  })
  assert.throws(() => parseAppSpec(':app'), InvalidAppSpec)
  assert.throws(() => parseAppSpec('app.ts:'), {
    reason: 'is not MODULE[:EXPORT]: EXPORT is empty',
  })
  assert.throws(() => parseAppSpec('app.ts:make-app'), {
    reason: 'is not MODULE[:EXPORT]: EXPORT must be an export name or a factory call, name(...)',
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
  const error = await loadFailure('loader-no-app.ts:app', 'missing-export')
  assert.equal(
    error.message,
    'module "loader-no-app.ts" has no export "app" (its exports: default, handler, version); ' +
      'for the default export, write loader-no-app.ts:default'
  )
  const named = await loadFailure('loader-no-app.ts:server', 'missing-export')
  assert.match(named.message, /has no export "server"/)
  assert.equal((await loadApp('loader-no-app.ts:handler', inFixtures)).interface, 'tsgi')
  assert.equal((await loadApp('loader-no-app.ts:default', inFixtures)).interface, 'tsgi')
})

test('without EXPORT, a module with no app export serves its default export', async (t) => {
  const loaded = await loadApp('loader-no-app.ts', inFixtures)
  assert.equal(loaded.interface, 'tsgi')
  const dir = directoryWith(t, {
    'bun-style.mjs': 'export default { fetch: () => new Response("ok") }\n',
  })
  assert.equal((await loadApp('bun-style.mjs', { cwd: dir })).interface, 'fetch')
})

test('a module without exports says so', async (t) => {
  const dir = directoryWith(t, { 'empty.mjs': 'globalThis.x = 1\n' })
  const error = await loadFailure('empty.mjs', 'missing-export', dir)
  assert.equal(error.message, 'module "empty.mjs" has no export "app" (it has no exports)')
})

test('an export of no interface: not-an-app, saying what it is and what was expected', async () => {
  const error = await loadFailure('loader-not-function.ts', 'not-an-app')
  assert.equal(
    error.message,
    'export "app" of module "loader-not-function.ts" is an object (keys: port), not an app: ' +
      'expected a TSGI app (environ, startResponse), a fetch handler (request) => Response or ' +
      'an object with a fetch method, or a node:http listener (req, res), http.Server, Koa or ' +
      'Fastify app'
  )
  const version = await loadFailure('loader-no-app.ts:version', 'not-an-app')
  assert.match(version.message, /is a number, not an app/)
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

test('parseAppSpec reads a factory call with literal arguments', () => {
  assert.deepEqual(parseAppSpec('app.ts:createApp()'), {
    module: 'app.ts',
    target: { kind: 'call', name: 'createApp', args: [] },
  })
  assert.deepEqual(parseAppSpec(`C:\\srv\\app.ts:make('a:b(c)', "d\\"e", -1.5, true, null)`), {
    module: 'C:\\srv\\app.ts',
    target: { kind: 'call', name: 'make', args: ['a:b(c)', 'd"e', -1.5, true, null] },
  })
  assert.deepEqual(parseAppSpec(`app.ts:make('it\\'s', 'say "hi"')`).target, {
    kind: 'call',
    name: 'make',
    args: ["it's", 'say "hi"'],
  })
  assert.throws(() => parseAppSpec('app.ts:make(process.env)'), {
    reason:
      'is not MODULE[:EXPORT]: in the call of make, argument 1 is not a literal: "process.env"',
  })
  assert.throws(() => parseAppSpec("app.ts:make('a',)"), {
    reason:
      'is not MODULE[:EXPORT]: in the call of make, an argument is missing after the last comma',
  })
  assert.throws(() => parseAppSpec(':make()'), {
    reason: 'is not MODULE[:EXPORT]: MODULE is empty',
  })
})

const FACTORY_SOURCE = `
export function createApp(greeting = 'hello', times = 1) {
  return (_e, start) => { start('200 OK', [['Content-Type', 'text/plain']]); return [new TextEncoder().encode(String(greeting).repeat(times))] }
}
export async function createLater() {
  await new Promise((resolve) => setTimeout(resolve, 5))
  return { fetch: () => new Response('later') }
}
export function broken() { throw new Error('no config') }
export const notAFunction = 3
`

test('a factory call: called once with its arguments, awaited, and its result detected', async (t) => {
  const dir = directoryWith(t, { 'factory.mjs': FACTORY_SOURCE })
  assert.equal(await bodyOf('factory.mjs:createApp()', dir), 'hello')
  assert.equal(await bodyOf("factory.mjs:createApp('ab', 3)", dir), 'ababab')
  const later = await loadApp('factory.mjs:createLater()', { cwd: dir })
  assert.equal(later.interface, 'fetch')
  assert.equal(later.how, 'an object with a fetch method')
})

test('a factory that throws, or is not a function: factory-failed', async (t) => {
  const dir = directoryWith(t, { 'factory.mjs': FACTORY_SOURCE })
  const thrown = await loadFailure('factory.mjs:broken()', 'factory-failed', dir)
  assert.equal(thrown.message, 'broken() of module "factory.mjs" failed: Error: no config')
  assert.ok(thrown.cause instanceof Error)
  const notCallable = await loadFailure('factory.mjs:notAFunction(1)', 'factory-failed', dir)
  assert.equal(
    notCallable.message,
    'cannot call notAFunction(1): export "notAFunction" of module "factory.mjs" is a number'
  )
  const missing = await loadFailure('factory.mjs:makeApp()', 'missing-export', dir)
  assert.match(missing.message, /has no export "makeApp"/)
})

test('--interface forces the interface, and a mismatch says what was given', async (t) => {
  const dir = directoryWith(t, { 'factory.mjs': FACTORY_SOURCE })
  const forced = await loadApp('factory.mjs:createApp()', { cwd: dir, interface: 'node' })
  assert.equal(forced.interface, 'node')
  assert.equal(forced.how, 'given --interface node')
  try {
    await loadApp('factory.mjs:createLater()', { cwd: dir, interface: 'tsgi' })
    assert.fail('loaded')
  } catch (failure) {
    assert.ok(failure instanceof AppImportError)
    assert.equal(failure.kind, 'not-an-app')
    assert.equal(
      failure.message,
      'what createLater() returned of module "factory.mjs" is an object (keys: fetch), not an app: ' +
        'expected a TSGI app, a function (environ, startResponse); --interface tsgi was given'
    )
  }
})
