/**
 * Temporary folders for tests, each removed when its test ends, pass or fail.
 * @module
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'

/** A new empty folder named `prefix` plus random letters, removed after test `t`. */
export function tempDir(t: TestContext, prefix = 'tsgi-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** A temporary folder holding `files` (name to content), removed after test `t`. */
export function directoryWith(t: TestContext, files: Record<string, string> = {}): string {
  const dir = tempDir(t)
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content)
  return dir
}
