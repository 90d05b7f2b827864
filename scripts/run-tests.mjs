// Runs every test file under node:test with tsx as the loader, so tests are TypeScript
// and import the sources directly. Node 20's --test takes no globs, hence the file walk.
// Usage: node scripts/run-tests.mjs [path-filter ...]
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'

const ROOTS = ['src', 'tests']

function* testFiles(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) yield* testFiles(path)
    else if (entry.name.endsWith('.test.ts')) yield path
  }
}

const filters = process.argv.slice(2)
const files = ROOTS.flatMap((root) => [...testFiles(root)])
  .filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)))
  .sort()
if (files.length === 0) {
  console.error('run-tests: no test file matches', filters.join(' '))
  process.exit(1)
}
const concurrency = process.env.TSGI_TEST_CONCURRENCY ?? '3'
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...files],
  { stdio: 'inherit' }
)
process.exit(result.status ?? 1)
