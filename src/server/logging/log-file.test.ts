import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { closeSync, constants, mkdirSync, openSync, readFileSync, renameSync } from 'node:fs'
import { Socket } from 'node:net'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { LogFile } from './log-file.ts'
import { collect, exited, moduleUrl, spawnModule, tempDir, waitForText } from './test-support.ts'

function lines(path: string): string[] {
  const text = readFileSync(path, 'utf8')
  assert.ok(text === '' || text.endsWith('\n'), 'the file ends with a whole line')
  return text === '' ? [] : text.slice(0, -1).split('\n')
}

function numbered(from: number, to: number): string[] {
  return Array.from({ length: to - from }, (_, i) => `line ${from + i}`)
}

const nextTick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

describe('LogFile on a regular file', () => {
  it('writes every line, in order, and close() flushes them all', async (t) => {
    const path = join(tempDir(t), 'app.log')
    const file = new LogFile({ path, stdio: 2 })
    for (const line of numbered(0, 20_000)) file.write(line + '\n')
    await file.close()
    assert.deepEqual(lines(path), numbered(0, 20_000))
  })

  it('appends to an existing file instead of truncating it', async (t) => {
    const path = join(tempDir(t), 'app.log')
    const first = new LogFile({ path, stdio: 2 })
    first.write('first run\n')
    await first.close()
    const second = new LogFile({ path, stdio: 2 })
    second.write('second run\n')
    await second.close()
    assert.deepEqual(lines(path), ['first run', 'second run'])
  })

  it('throws at construction when the file cannot be opened', (t) => {
    const path = join(tempDir(t), 'missing-dir', 'app.log')
    assert.throws(() => new LogFile({ path, stdio: 2 }), { code: 'ENOENT' })
  })

  it('drops and counts lines written after close()', async (t) => {
    const path = join(tempDir(t), 'app.log')
    const file = new LogFile({ path, stdio: 2 })
    file.write('kept\n')
    const closing = file.close()
    file.write('late\n')
    await closing
    file.write('later\n')
    assert.deepEqual(lines(path), ['kept'])
    assert.equal(file.droppedLines, 2)
  })

  it('flush() resolves once the queued lines are on disk', async (t) => {
    const path = join(tempDir(t), 'app.log')
    const file = new LogFile({ path, stdio: 2 })
    t.after(() => file.close())
    file.write('one\n')
    file.write('two\n')
    await file.flush()
    assert.deepEqual(lines(path), ['one', 'two'])
  })

  it('flushSync() writes the queued lines before returning', async (t) => {
    const path = join(tempDir(t), 'app.log')
    const file = new LogFile({ path, stdio: 2 })
    t.after(() => file.close())
    file.write('last words\n')
    file.flushSync()
    assert.deepEqual(lines(path), ['last words'])
  })

  it('drops lines beyond the buffer limit, counts them and reports once', async (t) => {
    const path = join(tempDir(t), 'app.log')
    const errors: Error[] = []
    const file = new LogFile({
      path,
      stdio: 2,
      maxBufferedChars: 21,
      onError: (e) => errors.push(e),
    })
    for (const line of ['0123456789\n', 'abcdefghi\n', 'overflow\n', 'overflow\n']) file.write(line)
    await file.close()
    assert.deepEqual(lines(path), ['0123456789', 'abcdefghi'])
    assert.equal(file.droppedLines, 2)
    assert.equal(errors.length, 1)
    assert.match(errors[0]!.message, /log buffer full/)
  })
})

describe('LogFile.reopen (logrotate, then SIGUSR1)', () => {
  it('writes the lines after reopen() to a new file at the path', async (t) => {
    const dir = tempDir(t)
    const path = join(dir, 'app.log')
    const file = new LogFile({ path, stdio: 2 })
    file.write('before\n')
    await file.flush()
    renameSync(path, path + '.1')
    file.write('after rename, before reopen\n')
    await file.flush()
    file.reopen()
    file.write('after reopen\n')
    await file.close()
    assert.deepEqual(lines(path + '.1'), ['before', 'after rename, before reopen'])
    assert.deepEqual(lines(path), ['after reopen'])
  })

  it('loses no line when reopen() happens while lines are queued and a write is in flight', async (t) => {
    const dir = tempDir(t)
    const path = join(dir, 'app.log')
    const file = new LogFile({ path, stdio: 2 })
    let next = 0
    for (let tick = 0; tick < 40; tick++) {
      for (let i = 0; i < 200; i++) file.write(`line ${next++}\n`)
      if (tick === 20) {
        renameSync(path, path + '.1')
        file.reopen()
      }
      await nextTick()
    }
    await file.close()
    const old = lines(path + '.1')
    const current = lines(path)
    // The first tick's lines were written (or in flight) on the old descriptor before reopen();
    // lines still queued then may go to either file; every later line goes to the new one.
    assert.ok(old.length >= 200 && current.length >= 19 * 200, `${old.length}/${current.length}`)
    assert.deepEqual([...old, ...current], numbered(0, next))
  })

  it('keeps writing to the old file and reports once when the path cannot be reopened', async (t) => {
    const dir = tempDir(t)
    const logDir = join(dir, 'logs')
    mkdirSync(logDir)
    const path = join(logDir, 'app.log')
    const errors: Error[] = []
    const file = new LogFile({ path, stdio: 2, onError: (e) => errors.push(e) })
    renameSync(logDir, join(dir, 'moved'))
    file.reopen()
    file.reopen()
    file.write('still logged\n')
    await file.close()
    assert.equal(errors.length, 1)
    assert.equal((errors[0] as NodeJS.ErrnoException).code, 'ENOENT')
    assert.deepEqual(lines(join(dir, 'moved', 'app.log')), ['still logged'])
  })

  it('is a no-op for stdout', async () => {
    const file = new LogFile({ path: '-', stdio: 1 })
    file.reopen()
    await file.close()
    assert.equal(file.droppedLines, 0)
  })
})

describe('LogFile shared by several processes', () => {
  it('keeps every line whole when two processes append to one file', async (t) => {
    const path = join(tempDir(t), 'shared.log')
    const writer = (name: string): string => `
      const { LogFile } = await import(${JSON.stringify(moduleUrl('./log-file.ts'))})
      const file = new LogFile({ path: ${JSON.stringify(path)}, stdio: 2 })
      for (let i = 0; i < 20000; i++) {
        file.write('${name} ' + i + ' ' + 'x'.repeat(i % 300) + '\\n')
        if (i % 500 === 0) await new Promise((resolve) => setImmediate(resolve))
      }
      await file.close()`
    const children = [spawnModule(t, writer('A')), spawnModule(t, writer('B'))]
    const codes = await Promise.all(children.map(exited))
    assert.deepEqual(codes, [0, 0])
    const seen: Record<string, number> = { A: 0, B: 0 }
    for (const line of lines(path)) {
      const match = /^([AB]) (\d+) (x*)$/.exec(line)
      assert.ok(match, `a torn line: ${JSON.stringify(line.slice(0, 80))}`)
      const [, name, index, padding] = match
      assert.equal(Number(index), seen[name!], 'each process’s lines in order')
      assert.equal(padding!.length, Number(index) % 300)
      seen[name!]!++
    }
    assert.deepEqual(seen, { A: 20_000, B: 20_000 })
  })
})

describe('LogFile on stdout', () => {
  it('waits for a stalled non-blocking pipe (EAGAIN) and then delivers every line whole', async (t) => {
    // The child's stdout is a FIFO that nobody reads until the child has filled it and queued
    // its lines, so every write of the log meets EAGAIN first. (A child_process pipe would not
    // do: Node reads it in the background.)
    const fifo = join(tempDir(t), 'stdout.fifo')
    execFileSync('mkfifo', [fifo])
    const readFd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK)
    const writeFd = openSync(fifo, 'w')
    const code = `
      import { writeSync } from 'node:fs'
      const { LogFile } = await import(${JSON.stringify(moduleUrl('./log-file.ts'))})
      process.stdout // Node makes a stdout pipe non-blocking
      const filler = 'f'.repeat(511) + '\\n'
      let filled = 0
      try { for (;;) { writeSync(1, filler); filled++ } } catch (error) {
        if (error.code !== 'EAGAIN') throw error
      }
      const file = new LogFile({ path: '-', stdio: 1, onError: (e) => process.stderr.write(e.message) })
      // Line 2500 is longer than the pipe holds: it goes out in partial writes.
      const padding = (i) => 'y'.repeat(i === 2500 ? 200000 : 100)
      for (let i = 0; i < 5000; i++) file.write('line ' + i + ' ' + padding(i) + '\\n')
      process.stderr.write('queued ' + filled + '\\n')
      await file.close()
      process.stderr.write('closed dropped=' + file.droppedLines + '\\n')`
    const child = spawnModule(t, code, ['ignore', writeFd, 'pipe'])
    closeSync(writeFd)
    const stderr = collect(child.stderr)
    await waitForText(child.stderr!, 'queued')
    const stdout = await collect(new Socket({ fd: readFd, readable: true, writable: false }))
    assert.equal(await exited(child), 0)
    assert.match(await stderr, /^queued [1-9]\d*\nclosed dropped=0\n$/)
    const logLines = stdout.split('\n').filter((line) => !line.startsWith('f'))
    assert.equal(logLines.pop(), '')
    assert.equal(logLines.length, 5000)
    logLines.forEach((line, i) => {
      assert.equal(line, `line ${i} ${'y'.repeat(i === 2500 ? 200_000 : 100)}`)
    })
  })

  it('survives a closed pipe (EPIPE): drops the lines, never throws', async (t) => {
    const code = `
      const { LogFile } = await import(${JSON.stringify(moduleUrl('./log-file.ts'))})
      const file = new LogFile({ path: '-', stdio: 1, onError: () => process.stderr.write('error\\n') })
      for (let round = 0; round < 20; round++) {
        for (let i = 0; i < 100; i++) file.write('line ' + i + '\\n')
        await file.flush()
      }
      await file.close()
      process.stderr.write('survived dropped=' + file.droppedLines + '\\n')`
    const child = spawnModule(t, code)
    child.stdout!.destroy()
    const stderr = collect(child.stderr)
    assert.equal(await exited(child), 0)
    const match = /^survived dropped=(\d+)\n$/.exec(await stderr)
    assert.ok(match, await stderr)
    assert.ok(Number(match[1]) > 0)
  })
})
