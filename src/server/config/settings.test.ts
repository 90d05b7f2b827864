import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { renderSettingsDoc, SETTINGS_DOC } from '../../../scripts/build-settings-doc.ts'
import { helpText } from './describe.ts'
import { SECTIONS } from './setting.ts'
import { SETTINGS } from './settings.ts'

test('setting names and flags are unique, and every flag is well formed', () => {
  const names = SETTINGS.map((entry) => entry.name)
  assert.equal(new Set(names).size, names.length)
  const flags = SETTINGS.flatMap((entry) => entry.cli)
  assert.equal(new Set(flags).size, flags.length)
  for (const flag of flags) assert.match(flag, /^(-[a-zA-Z]|--[a-z][a-z_-]*[a-z])$/, flag)
  for (const reserved of ['-h', '--help', '-v', '--version'])
    assert.ok(!flags.includes(reserved), reserved)
})

test('every setting is camelCase, in a known section, documented, and reachable', () => {
  for (const entry of SETTINGS) {
    assert.match(entry.name, /^[a-z][a-zA-Z]*$/, entry.name)
    assert.ok((SECTIONS as readonly string[]).includes(entry.section), entry.name)
    assert.ok(
      entry.doc.split('\n\n').length >= 2,
      `${entry.name}: a summary line, a blank line, details`
    )
    // Only an object (Gunicorn's secure_scheme_headers) is for config files alone.
    const reachable = entry.cli.length > 0 || 'positional' in entry || entry.type === 'map'
    assert.ok(reachable, `${entry.name} has no flag`)
  }
})

test("flags carry Gunicorn's names and defaults", () => {
  const byName = new Map(SETTINGS.map((entry) => [entry.name, entry]))
  const expected: Array<[string, string[], unknown]> = [
    ['config', ['-c', '--config'], null],
    ['reload', ['--reload'], false],
    ['bind', ['-b', '--bind'], ['127.0.0.1:8000']],
    ['backlog', ['--backlog'], 2048],
    ['workers', ['-w', '--workers'], 1],
    ['workerClass', ['-k', '--worker-class'], 'async'],
    ['workerConnections', ['--worker-connections'], 1000],
    ['maxRequests', ['--max-requests'], 0],
    ['maxRequestsJitter', ['--max-requests-jitter'], 0],
    ['timeout', ['-t', '--timeout'], 30],
    ['gracefulTimeout', ['--graceful-timeout'], 30],
    ['keepAlive', ['--keep-alive'], 5],
    ['limitRequestLine', ['--limit-request-line'], 4094],
    ['limitRequestFields', ['--limit-request-fields'], 100],
    ['limitRequestFieldSize', ['--limit-request-field-size', '--limit-request-field_size'], 8190],
    ['pidfile', ['-p', '--pid'], null],
    ['umask', ['-m', '--umask'], 0],
    ['checkConfig', ['--check-config'], false],
    ['printConfig', ['--print-config'], false],
    ['accessLog', ['--access-logfile'], null],
    [
      'accessLogFormat',
      ['--access-logformat'],
      '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"',
    ],
    ['errorLog', ['--error-logfile', '--log-file'], '-'],
    ['logLevel', ['--log-level'], 'info'],
    ['procName', ['-n', '--name'], null],
    ['forwardedAllowIps', ['--forwarded-allow-ips'], ['127.0.0.1', '::1']],
    [
      'secureSchemeHeaders',
      [],
      { 'X-Forwarded-Protocol': 'ssl', 'X-Forwarded-Proto': 'https', 'X-Forwarded-Ssl': 'on' },
    ],
  ]
  for (const [name, cli, defaultValue] of expected) {
    const entry = byName.get(name as never)
    assert.ok(entry, name)
    assert.deepEqual(entry.cli, cli, name)
    assert.deepEqual(entry.default, defaultValue, name)
  }
})

test('--help lists every setting under its section', () => {
  const help = helpText()
  assert.match(help, /^usage: tsgi \[OPTIONS\] MODULE\[:EXPORT\]\n/)
  for (const section of SECTIONS) assert.ok(help.includes(`\n${section}:\n`), section)
  for (const entry of SETTINGS) {
    for (const flag of entry.cli) assert.ok(help.includes(flag), flag)
  }
  assert.match(
    help,
    /-w, --workers INT +The number of worker processes\. \[1; \$WEB_CONCURRENCY if set\]/
  )
  assert.ok(!help.includes('`'), 'no Markdown backticks in terminal text')
})

test('docs/settings.md is generated from the settings table and up to date', () => {
  let written = ''
  try {
    written = readFileSync(SETTINGS_DOC, 'utf8')
  } catch {
    // Missing counts as stale.
  }
  assert.ok(
    written === renderSettingsDoc(),
    'docs/settings.md is stale: run `npm run docs:settings` and commit the result'
  )
})

test('docs/settings.md documents every setting', () => {
  const doc = renderSettingsDoc()
  for (const entry of SETTINGS) assert.ok(doc.includes(`### \`${entry.name}\``), entry.name)
  assert.match(doc, /^<!-- Generated file: edit src\/server\/config\/settings\.ts/)
})
