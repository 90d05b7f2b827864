import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ConfigError } from '../errors.ts'
import { splitShellWords } from './shell-words.ts'

test('splits on blanks of any kind and length', () => {
  assert.deepEqual(splitShellWords('  -w 4\t--bind\n:9000  '), ['-w', '4', '--bind', ':9000'])
  assert.deepEqual(splitShellWords(''), [])
  assert.deepEqual(splitShellWords('   '), [])
})

test('keeps quoted blanks, and joins quoted and unquoted parts of one word', () => {
  assert.deepEqual(splitShellWords(`--access-logformat '%(h)s %(r)s' -n "my app"`), [
    '--access-logformat',
    '%(h)s %(r)s',
    '-n',
    'my app',
  ])
  assert.deepEqual(splitShellWords(`--name="a b"c'd e'`), ['--name=a bcd e'])
  assert.deepEqual(splitShellWords(`-n '' x`), ['-n', '', 'x'])
})

test('single quotes keep backslashes; double quotes unescape only \\" and \\\\', () => {
  assert.deepEqual(splitShellWords(String.raw`'a\"b' "c\"d" "e\\f" "g\h"`), [
    String.raw`a\"b`,
    'c"d',
    String.raw`e\f`,
    String.raw`g\h`,
  ])
})

test('a backslash outside quotes escapes the next character', () => {
  assert.deepEqual(splitShellWords(String.raw`my\ app \'x\' \\`), ['my app', "'x'", '\\'])
})

test('takes $ and # literally: no expansion, no comments', () => {
  assert.deepEqual(splitShellWords('-n $HOME #1'), ['-n', '$HOME', '#1'])
})

test('an unclosed quote or a trailing backslash is a ConfigError naming the source', () => {
  assert.throws(() => splitShellWords(`-n 'app`), {
    name: 'ConfigError',
    message: "TSGI_CMD_ARGS: the ' quote at position 4 is never closed",
  })
  assert.throws(() => splitShellWords('-n "a\\"', 'X'), {
    message: 'X: the " quote at position 4 is never closed',
  })
  assert.throws(
    () => splitShellWords('-n a\\'),
    (error) => error instanceof ConfigError && /last backslash/.test(error.message)
  )
})
