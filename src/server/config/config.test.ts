import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { ConfigError, UsageError } from '../errors.ts'
import { resolveConfig, type ResolvedConfig } from './config.ts'
import { SETTINGS } from './settings.ts'

/** A fresh directory, removed after the test, with `files` written into it. */
function directoryWith(t: TestContext, files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsgi-config-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content)
  return dir
}

function resolveIn(
  cwd: string,
  argv: string[] = [],
  env: Record<string, string> = {}
): Promise<ResolvedConfig> {
  return resolveConfig({ argv, env, cwd })
}

/** The message of the ConfigError that resolving throws. */
async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error))
    return error.message
  }
  assert.fail('resolved without an error')
}

test('with no source set, every setting has its default', async (t) => {
  const dir = directoryWith(t)
  const { config, sources } = await resolveIn(dir)
  for (const entry of SETTINGS) {
    assert.equal(sources[entry.name], 'default', entry.name)
  }
  assert.deepEqual(config.bind, ['127.0.0.1:8000'])
  assert.equal(config.workers, 1)
  assert.equal(config.workerClass, 'async')
  assert.equal(config.keepAlive, 5)
  assert.equal(config.chdir, dir)
  assert.equal(config.config, null)
  assert.equal(config.app, null)
  assert.equal(config.errorLog, '-')
  assert.equal(config.accessLog, null)
})

test('the configuration is frozen, lists included', async (t) => {
  const { config } = await resolveIn(directoryWith(t), ['-b', ':1'])
  assert.ok(Object.isFrozen(config))
  assert.ok(Object.isFrozen(config.bind))
  assert.throws(() => {
    ;(config as { workers: number }).workers = 9
  }, TypeError)
})

test('each layer overrides the ones below: default < config file < TSGI_CMD_ARGS < command line', async (t) => {
  const dir = directoryWith(t, {
    'tsgi.config.json': JSON.stringify({ workers: 2, timeout: 10, keepAlive: 7 }),
  })
  const { config, sources } = await resolveIn(dir, ['-w', '4', 'app.ts'], {
    TSGI_CMD_ARGS: '--workers 3 --timeout 11',
  })
  assert.equal(config.workers, 4)
  assert.equal(sources.workers, 'the command line')
  assert.equal(config.timeout, 11)
  assert.equal(sources.timeout, 'TSGI_CMD_ARGS')
  assert.equal(config.keepAlive, 7)
  assert.equal(sources.keepAlive, 'tsgi.config.json')
  assert.equal(config.backlog, 2048)
  assert.equal(sources.backlog, 'default')
  assert.equal(config.app, 'app.ts')
})

test('a list from a higher layer replaces the lower one rather than adding to it', async (t) => {
  const dir = directoryWith(t, {
    'tsgi.config.json': JSON.stringify({ bind: ['127.0.0.1:1', '[::1]:1'] }),
  })
  assert.deepEqual((await resolveIn(dir)).config.bind, ['127.0.0.1:1', '[::1]:1'])
  const { config } = await resolveIn(dir, ['-b', ':2', '-b', 'unix:/tmp/x.sock'])
  assert.deepEqual(config.bind, ['0.0.0.0:2', 'unix:/tmp/x.sock'])
})

test('WEB_CONCURRENCY replaces the default worker count, and any layer overrides it', async (t) => {
  const dir = directoryWith(t)
  const fromEnv = await resolveIn(dir, [], { WEB_CONCURRENCY: '5' })
  assert.equal(fromEnv.config.workers, 5)
  assert.equal(fromEnv.sources.workers, 'WEB_CONCURRENCY')
  assert.equal((await resolveIn(dir, ['-w', '2'], { WEB_CONCURRENCY: '5' })).config.workers, 2)
  assert.equal(
    (await resolveIn(dir, [], { WEB_CONCURRENCY: '5', TSGI_CMD_ARGS: '-w 3' })).config.workers,
    3
  )
  const withFile = directoryWith(t, { 'tsgi.config.json': '{ "workers": 6 }' })
  assert.equal((await resolveIn(withFile, [], { WEB_CONCURRENCY: '5' })).config.workers, 6)
  assert.equal((await resolveIn(dir, [], { WEB_CONCURRENCY: '' })).config.workers, 1)
  assert.equal(
    await failure(resolveIn(dir, [], { WEB_CONCURRENCY: 'lots' })),
    'workers: "lots" is not a positive integer (from WEB_CONCURRENCY)'
  )
})

test('PORT makes the default bind 0.0.0.0:$PORT, only when no layer sets bind', async (t) => {
  const dir = directoryWith(t)
  const fromEnv = await resolveIn(dir, [], { PORT: '5000' })
  assert.deepEqual(fromEnv.config.bind, ['0.0.0.0:5000'])
  assert.equal(fromEnv.sources.bind, 'PORT')
  assert.deepEqual((await resolveIn(dir, ['-b', '127.0.0.1:1'], { PORT: '5000' })).config.bind, [
    '127.0.0.1:1',
  ])
  const withFile = directoryWith(t, { 'tsgi.config.json': '{ "bind": "unix:/tmp/app.sock" }' })
  assert.deepEqual((await resolveIn(withFile, [], { PORT: '5000' })).config.bind, [
    'unix:/tmp/app.sock',
  ])
  assert.equal(
    await failure(resolveIn(dir, [], { PORT: 'http' })),
    'bind: "0.0.0.0:http" is not a valid address: the port must be a number from 0 to 65535 (from PORT)'
  )
})

test('TSGI_CMD_ARGS is split like a shell would: quotes keep spaces', async (t) => {
  const { config } = await resolveIn(directoryWith(t), [], {
    TSGI_CMD_ARGS: `-n 'my app' --access-logformat "%(h)s \\"%(r)s\\"" app.ts`,
  })
  assert.equal(config.procName, 'my app')
  assert.equal(config.accessLogFormat, '%(h)s "%(r)s"')
  assert.equal(config.app, 'app.ts')
})

test('an invalid value fails with one line naming the setting, the value and its source', async (t) => {
  const dir = directoryWith(t, { 'tsgi.config.json': '{ "timeout": "soon" }' })
  assert.equal(
    await failure(resolveIn(dir)),
    'timeout: "soon" is not a number of seconds from 0 to 2147483 (from tsgi.config.json)'
  )
  const clean = directoryWith(t)
  assert.equal(
    await failure(resolveIn(clean, [], { TSGI_CMD_ARGS: '--workers zero' })),
    '--workers: "zero" is not a positive integer (from TSGI_CMD_ARGS)'
  )
  assert.equal(
    await failure(resolveIn(clean, ['-k', 'gevent'])),
    '--worker-class: "gevent" is not one of async, sync (from the command line)'
  )
})

test('a value overridden by a higher layer must still be valid', async (t) => {
  assert.equal(
    await failure(resolveIn(directoryWith(t), ['-w', '2'], { TSGI_CMD_ARGS: '-w 0' })),
    '--workers: "0" is not a positive integer (from TSGI_CMD_ARGS)'
  )
})

test('usage errors in either argument source are UsageErrors (exit 2)', async (t) => {
  const dir = directoryWith(t)
  await assert.rejects(resolveIn(dir, ['--nope']), UsageError)
  await assert.rejects(resolveIn(dir, [], { TSGI_CMD_ARGS: '--nope' }), {
    message: 'unknown option --nope in TSGI_CMD_ARGS',
  })
})

const CONFIG_FILES: Record<string, string> = {
  'tsgi.config.ts': `const workers: number = 2\nexport default { workers, procName: 'from-ts' }\n`,
  'tsgi.config.mts': `const workers: number = 2\nexport default { workers, procName: 'from-mts' }\n`,
  'tsgi.config.js': `export default { workers: 2, procName: 'from-js' }\n`,
  'tsgi.config.mjs': `export default { workers: 2, procName: 'from-mjs' }\n`,
  'tsgi.config.json': `{ "workers": 2, "procName": "from-json" }\n`,
}

for (const [name, content] of Object.entries(CONFIG_FILES)) {
  test(`reads a ${name.slice('tsgi.config'.length)} config file found by default`, async (t) => {
    const dir = directoryWith(t, { [name]: content })
    const { config, sources } = await resolveIn(dir)
    assert.equal(config.workers, 2)
    assert.equal(config.procName, `from-${name.split('.').pop()}`)
    assert.equal(config.config, join(dir, name))
    assert.equal(sources.workers, name)
    assert.equal(sources.config, 'default')
  })
}

test('reads a CommonJS config file', async (t) => {
  const dir = directoryWith(t, { 'settings.js': 'module.exports = { workers: 3 }\n' })
  assert.equal((await resolveIn(dir, ['-c', 'settings.js'])).config.workers, 3)
})

test('the default search takes the first of .ts, .mts, .js, .mjs, .json', async (t) => {
  const dir = directoryWith(t, {
    'tsgi.config.json': '{ "procName": "json" }',
    'tsgi.config.mjs': 'export default { procName: "mjs" }',
  })
  assert.equal((await resolveIn(dir)).config.procName, 'mjs')
  writeFileSync(join(dir, 'tsgi.config.ts'), 'export default { procName: "ts" }')
  assert.equal((await resolveIn(dir)).config.procName, 'ts')
})

test('-c names the file: from the command line first, else from TSGI_CMD_ARGS', async (t) => {
  const dir = directoryWith(t, {
    'tsgi.config.json': '{ "procName": "default" }',
    'a.json': '{ "procName": "a" }',
    'b.json': '{ "procName": "b" }',
  })
  const fromEnv = await resolveIn(dir, [], { TSGI_CMD_ARGS: '-c b.json' })
  assert.equal(fromEnv.config.procName, 'b')
  assert.equal(fromEnv.sources.config, 'TSGI_CMD_ARGS')
  const fromArgs = await resolveIn(dir, ['--config', 'a.json'], { TSGI_CMD_ARGS: '-c b.json' })
  assert.equal(fromArgs.config.procName, 'a')
  assert.equal(fromArgs.config.config, join(dir, 'a.json'))
})

test('a config file outside the directory is named by its absolute path', async (t) => {
  const elsewhere = directoryWith(t, { 'conf.json': '{ "workers": -1 }' })
  const message = await failure(resolveIn(directoryWith(t), ['-c', join(elsewhere, 'conf.json')]))
  assert.equal(
    message,
    `workers: -1 is not a positive integer (from ${join(elsewhere, 'conf.json')})`
  )
})

test('an unknown key is an error that suggests the closest setting', async (t) => {
  const cases: Array<[object, string]> = [
    [{ worker: 2 }, 'unknown setting "worker" in tsgi.config.json (did you mean "workers"?)'],
    [
      { max_requests: 2 },
      'unknown setting "max_requests" in tsgi.config.json (did you mean "maxRequests"?)',
    ],
    [
      { keepalive: 2 },
      'unknown setting "keepalive" in tsgi.config.json (did you mean "keepAlive"?)',
    ],
    [{ preload_app: true }, 'unknown setting "preload_app" in tsgi.config.json'],
    [
      { config: 'other.json' },
      'config: a config file cannot name another one (in tsgi.config.json)',
    ],
  ]
  for (const [settings, message] of cases) {
    const dir = directoryWith(t, { 'tsgi.config.json': JSON.stringify(settings) })
    assert.equal(await failure(resolveIn(dir)), message)
  }
})

test('a config file key set to undefined leaves the setting to the layers below', async (t) => {
  const dir = directoryWith(t, {
    'tsgi.config.mjs': 'export default { workers: undefined, timeout: 9 }',
  })
  const { config } = await resolveIn(dir, [], { WEB_CONCURRENCY: '4' })
  assert.equal(config.workers, 4)
  assert.equal(config.timeout, 9)
})

test('a config file that cannot be used is a ConfigError naming it', async (t) => {
  const cases: Array<[string, string, RegExp]> = [
    [
      'tsgi.config.mjs',
      'throw new Error("no config today")',
      /^tsgi\.config\.mjs failed to load: Error: no config today$/,
    ],
    [
      'tsgi.config.mjs',
      'export const workers = 2',
      /^tsgi\.config\.mjs has no default export: write export default defineConfig/,
    ],
    [
      'tsgi.config.mjs',
      'export default [1, 2]',
      /^tsgi\.config\.mjs: the settings must be an object, not \[1,2\]$/,
    ],
    ['tsgi.config.json', '{ "workers": 2, }', /^tsgi\.config\.json is not valid JSON: /],
    ['tsgi.config.ts', 'export default { workers: }', /^tsgi\.config\.ts failed to load: /],
  ]
  for (const [name, content, pattern] of cases) {
    const message = await failure(resolveIn(directoryWith(t, { [name]: content })))
    assert.match(message, pattern)
  }
})

test('resolving again reads the config file again (HUP reload)', async (t) => {
  for (const name of ['tsgi.config.ts', 'tsgi.config.mjs', 'tsgi.config.json', 'tsgi.config.js']) {
    const dir = directoryWith(t)
    const write = (workers: number) =>
      writeFileSync(
        join(dir, name),
        name.endsWith('.json')
          ? JSON.stringify({ workers })
          : `export default { workers: ${workers} }\n`
      )
    write(2)
    assert.equal((await resolveIn(dir)).config.workers, 2, name)
    write(3)
    assert.equal((await resolveIn(dir)).config.workers, 3, name)
  }
})

test('chdir is relative to the starting directory, from any layer', async (t) => {
  const dir = directoryWith(t, { 'tsgi.config.json': '{ "chdir": "site" }' })
  mkdirSync(join(dir, 'site'))
  mkdirSync(join(dir, 'other'))
  assert.equal((await resolveIn(dir)).config.chdir, join(dir, 'site'))
  assert.equal((await resolveIn(dir, ['--chdir', 'other'])).config.chdir, join(dir, 'other'))
})
