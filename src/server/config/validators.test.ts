import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { ConfigError } from '../errors.ts'
import { validateValue } from './config.ts'
import { InvalidValue } from './invalid-value.ts'
import { SETTINGS_BY_NAME } from './settings.ts'
import {
  bindList,
  boolean,
  configFile,
  directory,
  headerCountLimit,
  headerValues,
  intBetween,
  nonNegativeInt,
  seconds,
  MAX_SECONDS,
  oneOf,
  optionalAppSpec,
  optionalConfigFile,
  optionalString,
  positiveInt,
  proxyAddressList,
  string,
  umask,
  type Validator,
} from './validators.ts'

const context = { cwd: process.cwd() }

function accepts<T>(validate: Validator<T>, cases: ReadonlyArray<readonly [unknown, T]>): void {
  for (const [input, expected] of cases) {
    assert.deepEqual(validate(input, context), expected, `input ${JSON.stringify(input)}`)
  }
}

function rejects(validate: Validator<unknown>, inputs: readonly unknown[], reason: string): void {
  for (const input of inputs) {
    assert.throws(
      () => validate(input, context),
      (error) => error instanceof InvalidValue && error.reason === reason,
      `input ${JSON.stringify(input)}`
    )
  }
}

/** The one line a bad value for `name` produces, as the CLI prints it after "tsgi: error: ". */
function messageFor(
  name: string,
  raw: unknown,
  label = `--${name}`,
  source = 'the command line'
): string {
  try {
    validateValue(SETTINGS_BY_NAME.get(name)!, raw, context, label, source)
  } catch (error) {
    assert.ok(error instanceof ConfigError)
    assert.ok(!error.message.includes('\n'), 'one line')
    return error.message
  }
  assert.fail(`${JSON.stringify(raw)} was accepted`)
}

test('positiveInt takes whole numbers from 1, as numbers or digit strings', () => {
  accepts(positiveInt, [
    [1, 1],
    ['4', 4],
    [' 12 ', 12],
    [2048, 2048],
  ])
  rejects(
    positiveInt,
    [0, '0', -1, '-1', 1.5, '1.5', 'zero', '', '0x10', '1e3', true, null, [3]],
    'is not a positive integer'
  )
  assert.equal(
    messageFor('workers', 'zero', '--workers', 'TSGI_CMD_ARGS'),
    '--workers: "zero" is not a positive integer (from TSGI_CMD_ARGS)'
  )
  assert.equal(
    messageFor('workers', 0, 'workers', 'tsgi.config.ts'),
    'workers: 0 is not a positive integer (from tsgi.config.ts)'
  )
})

test('nonNegativeInt takes whole numbers from 0', () => {
  accepts(nonNegativeInt, [
    [0, 0],
    ['0', 0],
    ['30', 30],
  ])
  rejects(
    nonNegativeInt,
    [-1, '-5', 'never', 2.5, false, undefined],
    'is not a non-negative integer'
  )
  assert.equal(
    messageFor('maxRequests', '-5', '--max-requests'),
    '--max-requests: "-5" is not a non-negative integer (from the command line)'
  )
})

test('seconds go from 0 to the longest delay a Node timer keeps', () => {
  accepts(seconds, [
    [0, 0],
    ['30', 30],
    [MAX_SECONDS, 2147483],
  ])
  rejects(
    seconds,
    [-1, MAX_SECONDS + 1, '3000000', 'never', 2.5],
    'is not a number of seconds from 0 to 2147483'
  )
  for (const name of ['timeout', 'gracefulTimeout', 'keepAlive'] as const) {
    assert.match(
      messageFor(name, '3000000'),
      /"3000000" is not a number of seconds from 0 to 2147483/
    )
  }
})

test('intBetween takes whole numbers in its range, both ends included', () => {
  const validate = intBetween(0, 8190)
  accepts(validate, [
    [0, 0],
    ['8190', 8190],
    [4094, 4094],
  ])
  rejects(validate, [8191, '-1', 'big', 1.1], 'is not an integer from 0 to 8190')
  assert.equal(
    messageFor('limitRequestLine', '9000', '--limit-request-line'),
    '--limit-request-line: "9000" is not an integer from 0 to 8190 (from the command line)'
  )
})

test('headerCountLimit reads 0 as the maximum, 32768, as Gunicorn does', () => {
  accepts(headerCountLimit, [
    [100, 100],
    ['32768', 32768],
    [0, 32768],
  ])
  rejects(headerCountLimit, [32769, -1, 'many'], 'is not an integer from 0 to 32768')
})

test('oneOf takes one of its words in any case and returns it in lower case', () => {
  const validate = oneOf(['debug', 'info', 'warning'])
  accepts(validate, [
    ['info', 'info'],
    ['DEBUG', 'debug'],
    [' Warning ', 'warning'],
  ])
  rejects(validate, ['verbose', '', 1, null], 'is not one of debug, info, warning')
  assert.equal(
    messageFor('workerClass', 'gevent', '--worker-class'),
    '--worker-class: "gevent" is not one of async, sync (from the command line)'
  )
})

test('string takes non-empty text and trims it', () => {
  accepts(string, [
    ['-', '-'],
    ['  app.log ', 'app.log'],
  ])
  rejects(string, [3, null, ['a']], 'is not a string')
  rejects(string, ['', '   '], 'is empty')
  assert.equal(
    messageFor('errorLog', '', '--error-logfile'),
    '--error-logfile: "" is empty (from the command line)'
  )
})

test('optionalString reads null, undefined and empty text as "not set"', () => {
  accepts(optionalString, [
    [null, null],
    [undefined, null],
    ['', null],
    ['app.pid', 'app.pid'],
  ])
  rejects(optionalString, [42, {}], 'is not a string')
  assert.equal(
    messageFor('pidfile', 42, 'pidfile', 'tsgi.config.json'),
    'pidfile: 42 is not a string (from tsgi.config.json)'
  )
})

test('boolean takes booleans, and true or false in any case as text', () => {
  accepts(boolean, [
    [true, true],
    [false, false],
    ['TRUE', true],
    [' false ', false],
  ])
  rejects(boolean, ['yes', 1, 0, null, ''], 'is not true or false')
  assert.equal(
    messageFor('checkConfig', 'yes', 'checkConfig', 'tsgi.config.ts'),
    'checkConfig: "yes" is not true or false (from tsgi.config.ts)'
  )
})

test('bindList normalizes each address and takes a single string as a list of one', () => {
  accepts(bindList, [
    ['127.0.0.1:8000', ['127.0.0.1:8000']],
    [
      ['localhost', ':9000', '[::1]:80'],
      ['localhost:8000', '0.0.0.0:9000', '[::1]:80'],
    ],
    [
      ['unix:/run/app.sock', 'fd://3'],
      ['unix:/run/app.sock', 'fd://3'],
    ],
  ])
  rejects(bindList, [42, { host: 'x' }], 'is not an address or a list of addresses')
  rejects(bindList, [[]], 'is empty: bind at least one address')
  assert.equal(
    messageFor('bind', ['127.0.0.1:8000', '0.0.0.0:http'], 'bind', 'tsgi.config.ts'),
    'bind: "0.0.0.0:http" is not a valid address: the port must be a number from 0 to 65535 (from tsgi.config.ts)'
  )
  assert.equal(
    messageFor('bind', [8000], 'bind', 'tsgi.config.ts'),
    'bind: 8000 is not an address string (from tsgi.config.ts)'
  )
})

test('proxyAddressList takes addresses, networks and *, comma separated or as a list', () => {
  accepts(proxyAddressList, [
    ['127.0.0.1,::1', ['127.0.0.1', '::1']],
    [' 10.0.0.0/8 , fd00::/8,', ['10.0.0.0/8', 'fd00::/8']],
    ['*', ['*']],
    ['', []],
    [
      ['192.0.2.1', '2001:db8::/32'],
      ['192.0.2.1', '2001:db8::/32'],
    ],
  ])
  rejects(proxyAddressList, [42, { ip: '127.0.0.1' }], 'is not a comma-separated list of addresses')
  assert.equal(
    messageFor('forwardedAllowIps', '127.0.0.1,localhost', '--forwarded-allow-ips'),
    '--forwarded-allow-ips: "localhost" is not an IP address, a network (ADDRESS/BITS) or * (from the command line)'
  )
  assert.equal(
    messageFor('forwardedAllowIps', ['10.0.0.0/33'], 'forwardedAllowIps', 'tsgi.config.ts'),
    'forwardedAllowIps: "10.0.0.0/33" is not an IP address, a network (ADDRESS/BITS) or * (from tsgi.config.ts)'
  )
})

test('umask reads octal with a leading 0 or 0o, hex with 0x, decimal, up to 0777', () => {
  accepts(umask, [
    ['0', 0],
    ['007', 0o7],
    ['0o027', 0o27],
    ['0O777', 0o777],
    ['0x1f', 0x1f],
    ['18', 18],
    [0o22, 0o22],
  ])
  rejects(
    umask,
    ['08', '0o8', '-1', '1000', 'rw', 1.5, -1, 0o1000, true],
    'is not a umask from 0 to 0777 (octal: 007 or 0o007)'
  )
  assert.equal(
    messageFor('umask', '0o8', '--umask'),
    '--umask: "0o8" is not a umask from 0 to 0777 (octal: 007 or 0o007) (from the command line)'
  )
})

test('headerValues takes an object of header names to string values, each name once', () => {
  accepts(headerValues, [
    [{ 'X-Forwarded-Proto': 'https' }, { 'X-Forwarded-Proto': 'https' }],
    [{}, {}],
  ])
  rejects(
    headerValues,
    ['X-Forwarded-Proto: https', null, [['a', 'b']]],
    'is not an object of header names to values'
  )
  assert.equal(
    messageFor(
      'secureSchemeHeaders',
      { 'X Proto': 'https' },
      'secureSchemeHeaders',
      'tsgi.config.ts'
    ),
    'secureSchemeHeaders: "X Proto" is not a header name (from tsgi.config.ts)'
  )
  assert.equal(
    messageFor('secureSchemeHeaders', { 'X-Ssl': true }, 'secureSchemeHeaders', 'tsgi.config.ts'),
    'secureSchemeHeaders: true is not a string (for X-Ssl) (from tsgi.config.ts)'
  )
  assert.equal(
    messageFor(
      'secureSchemeHeaders',
      { 'X-Ssl': 'on', 'x-ssl': 'on' },
      'secureSchemeHeaders',
      'tsgi.config.ts'
    ),
    'secureSchemeHeaders: "x-ssl" names a header twice (from tsgi.config.ts)'
  )
})

test('directory takes an existing directory and makes it absolute', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsgi-validators-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(join(dir, 'file.txt'), '')
  assert.equal(directory('.', { cwd: dir }), dir)
  assert.equal(directory(dir, context), dir)
  assert.throws(() => directory('missing', { cwd: dir }), { reason: 'does not exist' })
  assert.throws(() => directory('file.txt', { cwd: dir }), { reason: 'is not a directory' })
  assert.equal(
    messageFor('chdir', '/no/such/dir'),
    '--chdir: "/no/such/dir" does not exist (from the command line)'
  )
})

test('configFile takes an existing file with a config extension and makes it absolute', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsgi-validators-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  for (const name of ['a.ts', 'a.mts', 'a.js', 'a.mjs', 'a.json', 'a.yaml'])
    writeFileSync(join(dir, name), '')
  const inDir = { cwd: dir }
  for (const name of ['a.ts', 'a.mts', 'a.js', 'a.mjs', 'a.json'])
    assert.equal(configFile(name, inDir), join(dir, name))
  assert.throws(() => configFile('a.yaml', inDir), {
    reason: 'is not a .ts, .mts, .js, .mjs, .json file',
  })
  assert.throws(() => configFile('b.ts', inDir), { reason: 'does not exist' })
  assert.equal(optionalConfigFile(null, inDir), null)
  assert.equal(
    messageFor('config', 'nope.ts'),
    '--config: "nope.ts" does not exist (from the command line)'
  )
})

test('optionalAppSpec checks the form of MODULE[:EXPORT] only', () => {
  accepts(optionalAppSpec, [
    [null, null],
    ['app.ts', 'app.ts'],
    ['app.ts:handler', 'app.ts:handler'],
    ['@scope/pkg:app', '@scope/pkg:app'],
    ['missing-file.ts', 'missing-file.ts'],
  ])
  rejects(optionalAppSpec, [':app'], 'is not MODULE[:EXPORT]: MODULE is empty')
  rejects(optionalAppSpec, ['app.ts:'], 'is not MODULE[:EXPORT]: EXPORT is empty')
  rejects(
    optionalAppSpec,
    ['app.ts:create-app', 'app.ts:1st'],
    'is not MODULE[:EXPORT]: EXPORT must be an export name or a factory call, name(...)'
  )
  assert.equal(
    messageFor('app', 'app.ts:', 'app'),
    'app: "app.ts:" is not MODULE[:EXPORT]: EXPORT is empty (from the command line)'
  )
})

test('every setting default passes its own validator', () => {
  for (const entry of SETTINGS_BY_NAME.values()) {
    assert.doesNotThrow(() => entry.validate(entry.default, context), entry.name)
  }
})
