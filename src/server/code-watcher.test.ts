import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { tempDir } from '../../tests/helpers/temp-dir.ts'
import { waitUntil } from '../../tests/helpers/wait.ts'
import { CodeWatcher } from './code-watcher.ts'

/** A watcher over a new tree holding `files`, and the changes it reported so far. */
function watchedTree(t: TestContext, files: string[]): { root: string; changes: string[] } {
  const root = tempDir(t, 'tsgi-watch-')
  for (const file of files) {
    mkdirSync(join(root, file, '..'), { recursive: true })
    writeFileSync(join(root, file), '// v1\n')
  }
  const changes: string[] = []
  const watcher = new CodeWatcher(root, {
    onChange: (file) => changes.push(file),
    onError: (error) => assert.fail(error),
  })
  t.after(() => watcher.close())
  return { root, changes }
}

test('a changed source file is reported once per burst, relative to the root', async (t) => {
  const { root, changes } = watchedTree(t, ['app.ts', 'lib/util.mjs'])
  writeFileSync(join(root, 'lib/util.mjs'), '// v2\n')
  writeFileSync(join(root, 'app.ts'), '// v2\n')
  await waitUntil(() => changes.length > 0, { what: 'a change' })
  assert.deepEqual(changes, [join('lib', 'util.mjs')])
})

test('node_modules, dot directories and other files do not count', async (t) => {
  const { root, changes } = watchedTree(t, [
    'app.ts',
    'node_modules/dep/index.js',
    '.git/hooks/x.js',
    'notes.txt',
  ])
  // Written first: had any of them counted, it would be the burst's first change.
  writeFileSync(join(root, 'node_modules/dep/index.js'), '// v2\n')
  writeFileSync(join(root, '.git/hooks/x.js'), '// v2\n')
  writeFileSync(join(root, 'notes.txt'), 'v2\n')
  writeFileSync(join(root, '.app.ts.swp'), 'v2\n')
  writeFileSync(join(root, 'app.ts'), '// v2\n')
  await waitUntil(() => changes.length > 0, { what: 'a change' })
  assert.deepEqual(changes, ['app.ts'])
})

test('a directory made after the start is watched too', async (t) => {
  const { root, changes } = watchedTree(t, ['app.ts'])
  mkdirSync(join(root, 'routes'))
  // The new directory's watch starts when its creation is noticed: write until a change shows,
  // each write after the last one settled (a write within the settling time postpones it).
  await waitUntil(
    () => {
      writeFileSync(join(root, 'routes', 'new.ts'), '// v1\n')
      return changes.includes(join('routes', 'new.ts'))
    },
    { what: 'the new file seen', interval: 300 }
  )
  changes.length = 0
  writeFileSync(join(root, 'routes', 'new.ts'), '// v2\n')
  await waitUntil(() => changes.length > 0, { what: 'a change in the new directory' })
  assert.deepEqual(changes, [join('routes', 'new.ts')])
})
