import assert from 'node:assert/strict'
import { test } from 'node:test'
import { UsageError } from '../errors.ts'
import { COMMAND_LINE, parseCommandLine, type ParsedCommandLine } from './command-line.ts'

function parse(...args: string[]): ParsedCommandLine {
  return parseCommandLine(args, { source: COMMAND_LINE, actions: true })
}

function raw(parsed: ParsedCommandLine): Record<string, unknown> {
  return Object.fromEntries(parsed.values.map(({ name, raw: value }) => [name, value]))
}

function usageError(args: string[], message: string, source = COMMAND_LINE): void {
  assert.throws(
    () => parseCommandLine(args, { source, actions: source === COMMAND_LINE }),
    (error) => error instanceof UsageError && error.message === message && error.exitCode === 2
  )
}

test('reads values in every GNU form: --flag value, --flag=value, -f value, -fvalue', () => {
  assert.deepEqual(raw(parse('--workers', '4', '--timeout=10', '-k', 'sync', '-n3')), {
    workers: '4',
    timeout: '10',
    workerClass: 'sync',
    procName: '3',
  })
})

test('the last occurrence of a flag wins; list flags collect every occurrence', () => {
  assert.deepEqual(raw(parse('-w', '2', '--workers', '3', '-b', ':1', '--bind=:2', '-b:3')), {
    workers: '3',
    bind: [':1', ':2', ':3'],
  })
})

test('aliases set the same setting and messages name its first long flag', () => {
  const parsed = parse('--log-file', 'a.log', '--limit-request-field_size', '100')
  assert.deepEqual(raw(parsed), { errorLog: 'a.log', limitRequestFieldSize: '100' })
  assert.deepEqual(
    parsed.values.map((value) => value.label),
    ['--error-logfile', '--limit-request-field-size']
  )
})

test('boolean flags take no value', () => {
  assert.deepEqual(raw(parse('--check-config', '--print-config')), {
    checkConfig: true,
    printConfig: true,
  })
  usageError(['--check-config=true'], '--check-config takes no value')
})

test('the argument is the app; `--` ends the options; `-` and negative numbers are values', () => {
  assert.deepEqual(raw(parse('-w', '2', 'app.ts:handler')), { workers: '2', app: 'app.ts:handler' })
  assert.deepEqual(raw(parse('--', '-odd-name.ts')), { app: '-odd-name.ts' })
  assert.deepEqual(raw(parse('--access-logfile', '-', '-w', '-1')), {
    accessLog: '-',
    workers: '-1',
  })
})

test('-h/--help and -v/--version are actions, on the command line only', () => {
  assert.equal(parse('-h').help, true)
  assert.equal(parse('--version').version, true)
  assert.equal(parse('app.ts').help, false)
  usageError(['--help'], 'unknown option --help in TSGI_CMD_ARGS', 'TSGI_CMD_ARGS')
})

test('an unknown flag is a usage error with the closest flag suggested', () => {
  usageError(['--wrokers', '3'], 'unknown option --wrokers (did you mean --workers?)')
  usageError(['--max_requests=3'], 'unknown option --max_requests (did you mean --max-requests?)')
  usageError(['-x'], 'unknown option -x')
  usageError(
    ['--keepalive', '2'],
    'unknown option --keepalive in TSGI_CMD_ARGS (did you mean --keep-alive?)',
    'TSGI_CMD_ARGS'
  )
})

test("Gunicorn's flags that tsgi does without say what to do instead", () => {
  usageError(
    ['--preload'],
    "unknown option --preload (Gunicorn's; in tsgi: each worker loads the app; Node cannot fork a process that has loaded it)"
  )
  usageError(
    ['--reuse-port'],
    "unknown option --reuse-port (Gunicorn's; in tsgi: --balance reuseport)"
  )
  usageError(
    ['-u', 'www-data'],
    "unknown option -u (Gunicorn's; in tsgi: run tsgi as that user, with systemd's User= or supervisor's user=)"
  )
})

test('a missing value and a second argument are usage errors', () => {
  usageError(['-w'], '-w needs a value (INT)')
  usageError(['--bind', '--workers', '2'], '--bind needs a value (ADDRESS)')
  usageError(['app.ts', 'other.ts'], 'unexpected argument "other.ts": give one MODULE[:EXPORT]')
  usageError(['-w'], '-w needs a value (INT) in TSGI_CMD_ARGS', 'TSGI_CMD_ARGS')
})
