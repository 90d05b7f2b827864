// The CLI's flow, in process, with a stand-in for the arbiter: what reaches `new Arbiter(config,
// { reloadConfig }).run()`, and how its results and errors become exit codes.
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import type { ArbiterOptions } from '../../src/server/arbiter.ts'
import { runCli, type CliContext } from '../../src/server/cli.ts'
import type { Config } from '../../src/server/config/config.ts'
import { HaltServer } from '../../src/server/errors.ts'
import { directoryWith } from '../helpers/temp-dir.ts'

const FIXTURES = fileURLToPath(new URL('../fixtures/apps/', import.meta.url))

interface Harness {
  context: CliContext
  stdout: string[]
  stderr: string[]
  chdirs: string[]
  arbiters: Array<{ config: Config; options: ArbiterOptions }>
}

function harness(
  cwd: string,
  env: Record<string, string> = {},
  runArbiter: (config: Config, options: ArbiterOptions) => Promise<number> = async () => 0
): Harness {
  const h: Harness = {
    stdout: [],
    stderr: [],
    chdirs: [],
    arbiters: [],
    context: undefined as never,
  }
  h.context = {
    env,
    cwd,
    stdout: (text) => h.stdout.push(text),
    stderr: (text) => h.stderr.push(text),
    chdir: (directory) => h.chdirs.push(directory),
    runArbiter: (config, options) => {
      h.arbiters.push({ config, options })
      return runArbiter(config, options)
    },
  }
  return h
}

test('serving: changes to chdir, then runs the arbiter with the config and returns its code', async (t) => {
  const dir = directoryWith(t)
  mkdirSync(join(dir, 'site'))
  const h = harness(dir, {}, async () => 7)
  const code = await runCli(['--chdir', 'site', '-w', '3', 'app.ts'], h.context)
  assert.equal(code, 7)
  assert.deepEqual(h.chdirs, [join(dir, 'site')])
  assert.equal(h.arbiters.length, 1)
  const { config } = h.arbiters[0]!
  assert.equal(config.workers, 3)
  assert.equal(config.app, 'app.ts')
  assert.deepEqual(h.stderr, [])
})

test('reloadConfig re-reads every source from the starting directory (HUP)', async (t) => {
  const dir = directoryWith(t, { 'tsgi.config.mjs': 'export default { workers: 2, timeout: 5 }\n' })
  const h = harness(dir, { TSGI_CMD_ARGS: '--timeout 9' })
  await runCli(['app.ts', '--keep-alive', '8'], h.context)
  const { config, options } = h.arbiters[0]!
  assert.equal(config.workers, 2)
  writeFileSync(join(dir, 'tsgi.config.mjs'), 'export default { workers: 4, timeout: 5 }\n')
  const reloaded = await options.reloadConfig()
  assert.equal(reloaded.workers, 4, 'the edited config file')
  assert.equal(reloaded.timeout, 9, 'TSGI_CMD_ARGS as at start')
  assert.equal(reloaded.keepAlive, 8, 'the original command line')
  writeFileSync(join(dir, 'tsgi.config.mjs'), 'export default { workers: "many" }\n')
  await assert.rejects(options.reloadConfig(), {
    name: 'ConfigError',
    message: 'workers: "many" is not a positive integer (from tsgi.config.mjs)',
  })
})

test('the app may come from the config file', async (t) => {
  const dir = directoryWith(t, { 'tsgi.config.json': '{ "app": "server.ts:handler" }' })
  const h = harness(dir)
  assert.equal(await runCli([], h.context), 0)
  assert.equal(h.arbiters[0]?.config.app, 'server.ts:handler')
})

test('a HaltServer from the arbiter prints its reason and exits with its status', async (t) => {
  const h = harness(directoryWith(t), {}, async () => {
    throw new HaltServer('App failed to load.', 4)
  })
  assert.equal(await runCli(['app.ts'], h.context), 4)
  assert.deepEqual(h.stderr, ['tsgi: error: App failed to load.\n'])
})

test('an unexpected error prints its stack and exits 1', async (t) => {
  const h = harness(directoryWith(t), {}, async () => {
    throw new TypeError('boom')
  })
  assert.equal(await runCli(['app.ts'], h.context), 1)
  assert.match(h.stderr.join(''), /^tsgi: unexpected error: TypeError: boom\n\s+at /)
})

test('--check-config loads the app without starting the arbiter', async (t) => {
  const h = harness(directoryWith(t))
  assert.equal(
    await runCli(['--check-config', '--chdir', FIXTURES, 'loader-hello.ts'], h.context),
    0
  )
  assert.deepEqual(h.arbiters, [])
  assert.deepEqual(h.chdirs, [FIXTURES.replace(/\/$/, '')])
  const missing = harness(directoryWith(t))
  assert.equal(
    await runCli(['--check-config', '--chdir', FIXTURES, 'loader-no-app.ts:app'], missing.context),
    1
  )
  assert.match(missing.stderr.join(''), /has no export "app"/)
})

test('--check-config without an app is a usage error (exit 2)', async (t) => {
  const h = harness(directoryWith(t))
  assert.equal(await runCli(['--check-config'], h.context), 2)
  assert.match(h.stderr.join(''), /^tsgi: error: no application: .*\nusage: tsgi /)
})

test('--print-config without an app prints and exits 0, starting nothing', async (t) => {
  const h = harness(directoryWith(t))
  assert.equal(await runCli(['--print-config'], h.context), 0)
  assert.match(h.stdout.join(''), /^config += null\napp += null\n/)
  assert.deepEqual(h.arbiters, [])
})
