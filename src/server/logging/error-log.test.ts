import assert from 'node:assert/strict'
import { readFileSync, renameSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import type { TestContext } from 'node:test'
import { ErrorLog, LOG_LEVELS, isLogLevel } from './error-log.ts'
import type { LogLevel } from './error-log.ts'
import { collect, exited, moduleUrl, spawnModule, tempDir } from './test-support.ts'

const TIME = String.raw`\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}\]`

function linePattern(level: string, message: string, pid = process.pid): RegExp {
  return new RegExp(`^${TIME} \\[${pid}\\] \\[${level}\\] ${message}$`)
}

function read(path: string): string[] {
  return readFileSync(path, 'utf8').split('\n').slice(0, -1)
}

function openLog(t: TestContext, level: LogLevel): { log: ErrorLog; path: string } {
  const path = join(tempDir(t), 'error.log')
  const log = new ErrorLog({ path, level })
  t.after(() => log.close())
  return { log, path }
}

function logEveryLevel(log: ErrorLog): void {
  log.debug('d')
  log.info('i')
  log.warning('w')
  log.error('e')
  log.critical('c')
}

describe('ErrorLog', () => {
  it("writes Gunicorn's line format: [time] [pid] [LEVEL] message", async (t) => {
    const { log, path } = openLog(t, 'debug')
    logEveryLevel(log)
    await log.close()
    const expected = [
      ['DEBUG', 'd'],
      ['INFO', 'i'],
      ['WARNING', 'w'],
      ['ERROR', 'e'],
      ['CRITICAL', 'c'],
    ]
    const lines = read(path)
    assert.equal(lines.length, expected.length)
    lines.forEach((line, i) => assert.match(line, linePattern(expected[i]![0]!, expected[i]![1]!)))
  })

  it('drops messages below its level', async (t) => {
    const written: Record<LogLevel, string[]> = {} as Record<LogLevel, string[]>
    for (const level of LOG_LEVELS) {
      const { log, path } = openLog(t, level)
      logEveryLevel(log)
      await log.close()
      written[level] = read(path).map((line) => line.slice(-1))
    }
    assert.deepEqual(written, {
      debug: ['d', 'i', 'w', 'e', 'c'],
      info: ['i', 'w', 'e', 'c'],
      warning: ['w', 'e', 'c'],
      error: ['e', 'c'],
      critical: ['c'],
    })
  })

  it('applies a changed level to the next message, and reports it through isEnabledFor', async (t) => {
    const { log, path } = openLog(t, 'info')
    log.debug('hidden')
    assert.equal(log.isEnabledFor('debug'), false)
    log.level = 'debug'
    assert.equal(log.level, 'debug')
    assert.equal(log.isEnabledFor('debug'), true)
    log.debug('shown')
    log.level = 'error'
    log.warning('hidden too')
    log.log('critical', 'via log()')
    await log.close()
    const lines = read(path)
    assert.equal(lines.length, 2)
    assert.match(lines[0]!, linePattern('DEBUG', 'shown'))
    assert.match(lines[1]!, linePattern('CRITICAL', 'via log\\(\\)'))
  })

  it('appends the stack of an error, with its cause, on the following lines', async (t) => {
    const { log, path } = openLog(t, 'info')
    const cause = new Error('disk on fire')
    const error = new TypeError('boom', { cause })
    log.error('Error handling request /x', error)
    log.exception('Exception in worker process', new RangeError('too far'))
    log.critical('WORKER TIMEOUT (pid:123)', 'not an Error')
    await log.close()
    const text = readFileSync(path, 'utf8')
    const [first, second, ...rest] = text.split('\n')
    assert.match(first!, linePattern('ERROR', 'Error handling request /x'))
    assert.equal(second, 'TypeError: boom')
    assert.match(rest.join('\n'), /^ {4}at .*error-log\.test\.ts/m)
    assert.match(text, /\[cause\]: Error: disk on fire/)
    const exception = text.split('\n').findIndex((line) => line.includes('[ERROR] Exception in'))
    assert.ok(exception > 0)
    assert.equal(text.split('\n')[exception + 1], 'RangeError: too far')
    assert.match(text, /\[CRITICAL\] WORKER TIMEOUT \(pid:123\)\n'not an Error'\n$/)
  })

  it('writes lines to the new file after reopen() once the old one was renamed', async (t) => {
    const { log, path } = openLog(t, 'info')
    log.info('before rotation')
    await log.flush()
    renameSync(path, path + '.1')
    log.reopen()
    log.info('after rotation')
    await log.close()
    assert.match(read(path + '.1').join('\n'), linePattern('INFO', 'before rotation'))
    assert.match(read(path).join('\n'), linePattern('INFO', 'after rotation'))
  })

  it('close() flushes every queued line', async (t) => {
    const { log, path } = openLog(t, 'info')
    for (let i = 0; i < 5000; i++) log.info(`message ${i}`)
    await log.close()
    const lines = read(path)
    assert.equal(lines.length, 5000)
    assert.match(lines[4999]!, linePattern('INFO', 'message 4999'))
  })

  it("writes to stderr for '-'", async (t) => {
    const code = `
      const { ErrorLog } = await import(${JSON.stringify(moduleUrl('./error-log.ts'))})
      const log = new ErrorLog({ path: '-', level: 'info' })
      log.warning('to stderr')
      log.reopen()
      await log.close()`
    const child = spawnModule(t, code)
    const [stdout, stderr, status] = await Promise.all([
      collect(child.stdout),
      collect(child.stderr),
      exited(child),
    ])
    assert.equal(status, 0)
    assert.equal(stdout, '')
    assert.match(stderr.trimEnd(), linePattern('WARNING', 'to stderr', child.pid))
  })
})

describe('isLogLevel', () => {
  it("accepts Gunicorn's five level names", () => {
    for (const level of ['debug', 'info', 'warning', 'error', 'critical'])
      assert.ok(isLogLevel(level))
    for (const bad of ['warn', 'INFO', 'fatal', 'toString', '']) assert.ok(!isLogLevel(bad), bad)
  })
})
