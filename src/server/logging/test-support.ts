/**
 * Helpers for the logging tests: temporary directories and child Node processes that import
 * this folder's modules (through tsx, as the test runner does).
 * @module
 */
import { spawn } from 'node:child_process'
import type { ChildProcess, StdioOptions } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'

/** A fresh directory, removed after the test. */
export function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsgi-logging-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** The URL of a module of this folder, for `await import(...)` inside a child's code. */
export function moduleUrl(file: string): string {
  return new URL(file, import.meta.url).href
}

/** Runs `code` (an ES module body) in a child Node process; killed after the test if alive. */
export function spawnModule(
  t: TestContext,
  code: string,
  stdio: StdioOptions = 'pipe'
): ChildProcess {
  const args = ['--import', 'tsx', '--input-type=module', '-e', code]
  const child = spawn(process.execPath, args, { stdio })
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  return child
}

/** Resolves with the exit code once the child has exited and its streams are closed. */
export function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.on('close', (code) => resolve(code)))
}

/** Everything a stream produces until it ends, as text. */
export async function collect(stream: NodeJS.ReadableStream | null): Promise<string> {
  let text = ''
  if (stream === null) return text
  for await (const chunk of stream) text += String(chunk)
  return text
}

/** Resolves when `stream` has produced text containing `marker`. */
export function waitForText(stream: NodeJS.ReadableStream, marker: string): Promise<void> {
  let seen = ''
  return new Promise((resolve) => {
    const onData = (chunk: Buffer | string): void => {
      seen += String(chunk)
      if (!seen.includes(marker)) return
      stream.off('data', onData)
      resolve()
    }
    stream.on('data', onData)
  })
}
