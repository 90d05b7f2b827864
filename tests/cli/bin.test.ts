// The real `tsgi` command (bin/tsgi.js → dist/), spawned as a process: exit codes, what it
// prints, and TypeScript loading in a process that has no TypeScript loader of its own (on
// Node 20 that exercises the tsx registration). `npm test` builds dist/ first.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, readFileSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { before, test, type TestContext } from 'node:test'
import { fileURLToPath } from 'node:url'
import { SETTINGS } from '../../src/server/config/settings.ts'
import { directoryWith } from '../helpers/temp-dir.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const BIN = join(ROOT, 'bin', 'tsgi.js')
const FIXTURES = join(ROOT, 'tests', 'fixtures', 'apps')
const VERSION = (
  JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }
).version

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

before(() => {
  assert.ok(
    existsSync(join(ROOT, 'dist', 'server', 'cli.js')),
    'dist/ is missing: run `npm run build` first'
  )
})

/** The environment without anything that would change the command's behaviour. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env }
  for (const name of [
    'TSGI_CMD_ARGS',
    'PORT',
    'WEB_CONCURRENCY',
    'NODE_OPTIONS',
    'NODE_TEST_CONTEXT',
  ])
    delete env[name]
  return { ...env, ...extra }
}

/** Runs `tsgi args` in `cwd` and resolves when it exits; kills it if the test ends first. */
function tsgi(
  t: TestContext,
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {}
): Promise<Run> {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? FIXTURES,
    env: cleanEnv(options.env ?? {}),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

test('--version prints the package version and exits 0', async (t) => {
  for (const flag of ['-v', '--version']) {
    assert.deepEqual(await tsgi(t, [flag]), { code: 0, stdout: `tsgi ${VERSION}\n`, stderr: '' })
  }
})

test('--help prints the usage and every section, and exits 0, whatever the config file holds', async (t) => {
  const dir = directoryWith(t, { 'tsgi.config.json': '{ "nonsense": true }' })
  const run = await tsgi(t, ['--help'], { cwd: dir })
  assert.equal(run.code, 0)
  assert.equal(run.stderr, '')
  assert.match(run.stdout, /^usage: tsgi \[OPTIONS\] MODULE\[:EXPORT\]\n/)
  assert.match(run.stdout, /\nWorker Processes:\n {2}-w, --workers INT/)
  assert.deepEqual(await tsgi(t, ['-h'], { cwd: dir }), run)
})

test('an unknown flag exits 2 with one line and a pointer to --help', async (t) => {
  const run = await tsgi(t, ['--wrokers', '3', 'loader-hello.ts'])
  assert.equal(run.code, 2)
  assert.equal(run.stdout, '')
  assert.equal(
    run.stderr,
    "tsgi: error: unknown option --wrokers (did you mean --workers?)\nRun 'tsgi --help' to see every option.\n"
  )
})

test('a missing MODULE[:EXPORT] exits 2 with one line and the usage', async (t) => {
  const run = await tsgi(t, ['-w', '2'], { cwd: directoryWith(t) })
  assert.equal(run.code, 2)
  assert.equal(
    run.stderr,
    'tsgi: error: no application: give MODULE[:EXPORT] (tsgi app.ts, tsgi app.ts:handler), or set app in the config file\n' +
      'usage: tsgi [OPTIONS] MODULE[:EXPORT]\n'
  )
})

test('an invalid value exits 1 with one line naming the setting, the value and the source', async (t) => {
  const run = await tsgi(t, ['loader-hello.ts'], { env: { TSGI_CMD_ARGS: '--workers zero' } })
  assert.deepEqual(run, {
    code: 1,
    stdout: '',
    stderr: 'tsgi: error: --workers: "zero" is not a positive integer (from TSGI_CMD_ARGS)\n',
  })
  const fromFlag = await tsgi(t, ['-b', '8000', 'loader-hello.ts'])
  assert.equal(fromFlag.code, 1)
  assert.equal(
    fromFlag.stderr,
    'tsgi: error: --bind: "8000" is not a valid address: a port alone needs a colon (":8000") (from the command line)\n'
  )
})

test('a log file that cannot be opened exits 1 with one line naming the setting and the path', async (t) => {
  const dir = directoryWith(t)
  for (const flag of ['--error-logfile', '--access-logfile']) {
    const path = join(dir, 'missing', 'tsgi.log')
    const run = await tsgi(t, [flag, path, '-b', '127.0.0.1:0', 'loader-hello.ts'])
    assert.deepEqual(run, {
      code: 1,
      stdout: '',
      stderr: `tsgi: error: ${flag}: cannot open ${JSON.stringify(path)} for append (ENOENT)\n`,
    })
    const check = await tsgi(t, ['--check-config', flag, path, 'loader-hello.ts'])
    assert.equal(check.code, 1, '--check-config finds it too')
    assert.match(check.stderr, /cannot open .* for append \(ENOENT\)/)
  }
})

test('--print-config prints every effective value with its source, and exits 0', async (t) => {
  const dir = directoryWith(t, { 'tsgi.config.json': '{ "timeout": 60 }' })
  const run = await tsgi(t, ['--print-config', '-b', '[::1]:9000'], {
    cwd: dir,
    env: { TSGI_CMD_ARGS: `-w 3 -n 'my app'`, PORT: '5000' },
  })
  assert.equal(run.stderr, '')
  assert.equal(run.code, 0)
  const lines = run.stdout.trimEnd().split('\n')
  assert.equal(lines.length, SETTINGS.length, 'one line per setting')
  for (const expected of [
    `config                = ${JSON.stringify(join(dir, 'tsgi.config.json'))}`,
    'app                   = null',
    'bind                  = ["[::1]:9000"]  # from the command line',
    'workers               = 3  # from TSGI_CMD_ARGS',
    'timeout               = 60  # from tsgi.config.json',
    'procName              = "my app"  # from TSGI_CMD_ARGS',
    'keepAlive             = 5',
    'printConfig           = true  # from the command line',
  ]) {
    assert.ok(lines.includes(expected), `missing line: ${expected}\n${run.stdout}`)
  }
})

test('--print-config also checks the app when one is named (as Gunicorn)', async (t) => {
  const good = await tsgi(t, ['--print-config', 'loader-hello.ts'])
  assert.equal(good.code, 0)
  assert.match(good.stdout, /^app += "loader-hello\.ts" {2}# from the command line$/m)
  const bad = await tsgi(t, ['--print-config', 'loader-no-app.ts:app'])
  assert.equal(bad.code, 1)
  assert.match(bad.stderr, /^tsgi: error: module "loader-no-app\.ts" has no export "app"/)
})

test('--check-config exits 0 when the config and a TypeScript app load', async (t) => {
  for (const spec of ['loader-hello.ts', 'loader-hello.ts:other', 'loader-hello.mjs']) {
    assert.deepEqual(
      await tsgi(t, ['--check-config', spec]),
      { code: 0, stdout: '', stderr: '' },
      spec
    )
  }
  const viaChdir = await tsgi(t, ['--check-config', '--chdir', FIXTURES, 'loader-hello.ts'], {
    cwd: directoryWith(t),
  })
  assert.equal(viaChdir.code, 0, viaChdir.stderr)
})

test('--check-config exits 1 when the export is missing, naming the exports there are', async (t) => {
  const run = await tsgi(t, ['--check-config', 'loader-no-app.ts:app'])
  assert.equal(run.code, 1)
  assert.equal(
    run.stderr,
    'tsgi: error: module "loader-no-app.ts" has no export "app" (its exports: default, handler, version); ' +
      'for the default export, write loader-no-app.ts:default\n'
  )
})

test('--check-config exits 1 when the module throws, showing its error and where', async (t) => {
  const run = await tsgi(t, ['--check-config', 'loader-throws.ts'])
  assert.equal(run.code, 1)
  const [first, ...rest] = run.stderr.split('\n')
  assert.equal(
    first,
    'tsgi: error: module "loader-throws.ts" failed to import: Error: loader-throws.ts refuses to load'
  )
  assert.match(rest.join('\n'), /loader-throws\.ts:\d+/)
})

test('module syntax in a CommonJS package: the error says how to fix it', async (t) => {
  // What `npm init -y` writes since npm 11: Node then loads .js and .ts files as CommonJS.
  const dir = directoryWith(t, {
    'package.json': '{ "type": "commonjs" }',
    'app.js': 'export const app = () => []\n',
  })
  const hint =
    '(Node loaded it as CommonJS: set "type": "module" in its package.json, or name it .mjs)'
  const app = await tsgi(t, ['--check-config', 'app.js'], { cwd: dir })
  assert.equal(app.code, 1)
  // Node warns first, suggesting .mjs even for a .ts file: our line is the one to act on.
  const errorLine = (stderr: string) => stderr.split('\n').find((line) => line.startsWith('tsgi:'))
  assert.equal(
    errorLine(app.stderr),
    `tsgi: error: module "app.js" failed to import: SyntaxError: Unexpected token 'export' ${hint}`
  )
  writeFileSync(join(dir, 'tsgi.config.js'), 'import { cpus } from "node:os"\nexport default {}\n')
  const config = await tsgi(t, ['--check-config', 'app.js'], { cwd: dir })
  assert.notEqual(config.code, 0)
  assert.equal(
    errorLine(config.stderr),
    'tsgi: error: tsgi.config.js failed to load: SyntaxError: Cannot use import statement ' +
      `outside a module ${hint}`
  )
})

test('--check-config exits 1 for a module that is not there or an export that is not an app', async (t) => {
  const missing = await tsgi(t, ['--check-config', 'nowhere.ts'])
  assert.equal(missing.code, 1)
  assert.equal(
    missing.stderr,
    `tsgi: error: cannot find module "nowhere.ts": no file ${join(FIXTURES, 'nowhere.ts')}\n`
  )
  const notApp = await tsgi(t, ['--check-config', 'loader-not-function.ts'])
  assert.equal(notApp.code, 1)
  assert.match(
    notApp.stderr,
    /^tsgi: error: export "app" of module "loader-not-function\.ts" is an object \(keys: port\), not an app: expected /
  )
})

test('a tsgi.config.ts written with defineConfig from the package loads, with TypeScript syntax', async (t) => {
  const dir = directoryWith(t, {
    'tsgi.config.ts': [
      "import { defineConfig, type ConfigInput } from 'tsgi'",
      'const workers: number = 2',
      "const extra: ConfigInput = { keepAlive: 75, workerClass: 'sync' }",
      `export default defineConfig({ app: ${JSON.stringify(join(FIXTURES, 'loader-hello.ts'))}, workers, bind: ':9001', ...extra })`,
      '',
    ].join('\n'),
  })
  mkdirSync(join(dir, 'node_modules'))
  symlinkSync(ROOT, join(dir, 'node_modules', 'tsgi'), 'dir')
  const run = await tsgi(t, ['--print-config'], { cwd: dir })
  assert.equal(run.stderr, '')
  assert.equal(run.code, 0)
  for (const expected of [
    'workers               = 2  # from tsgi.config.ts',
    'bind                  = ["0.0.0.0:9001"]  # from tsgi.config.ts',
    'keepAlive             = 75  # from tsgi.config.ts',
    'workerClass           = "sync"  # from tsgi.config.ts',
  ]) {
    assert.ok(run.stdout.includes(`${expected}\n`), `missing line: ${expected}\n${run.stdout}`)
  }
})

test('a config file with an unknown key exits 1, suggesting the setting meant', async (t) => {
  const dir = directoryWith(t, { 'tsgi.config.mjs': 'export default { worker_class: "sync" }\n' })
  const run = await tsgi(t, ['loader-hello.ts'], { cwd: dir })
  assert.equal(run.code, 1)
  assert.equal(
    run.stderr,
    'tsgi: error: unknown setting "worker_class" in tsgi.config.mjs (did you mean "workerClass"?)\n'
  )
})

test('a .ts app outside any "type": "module" package loads, and its compile errors read well', async (t) => {
  // On Node 20, tsx compiles such a file to CommonJS: the exports then sit on the default
  // export, and compile errors only read right with tsx's require() hook installed too.
  const dir = directoryWith(t, {
    'server.ts': [
      'const greeting: string = "hi"',
      'export function app(_environ: unknown, start: (s: string, h: [string, string][]) => unknown) {',
      '  start("200 OK", [["Content-Type", "text/plain"]])',
      '  return [new TextEncoder().encode(greeting)]',
      '}',
      '',
    ].join('\n'),
    'broken.ts': 'export const app: number = (\n',
  })
  assert.deepEqual(await tsgi(t, ['--check-config', 'server.ts'], { cwd: dir }), {
    code: 0,
    stdout: '',
    stderr: '',
  })
  const missing = await tsgi(t, ['--check-config', 'server.ts:nope'], { cwd: dir })
  assert.equal(
    missing.stderr,
    'tsgi: error: module "server.ts" has no export "nope" (its exports: app)\n'
  )
  const broken = await tsgi(t, ['--check-config', 'broken.ts'], { cwd: dir })
  assert.equal(broken.code, 1)
  assert.match(broken.stderr, /^tsgi: error: module "broken\.ts" failed to import: \w*Error: /)
  assert.doesNotMatch(broken.stderr, /cycle/, 'not the require(esm) error that hides the real one')
})
