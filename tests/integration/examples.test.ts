// Each interface page of docs/interfaces/ starts its example with one `npx tsgi …` line; this
// runs each example with exactly that line (`npx tsgi` is bin/tsgi.js, the program npx runs)
// and checks it serves. The port comes from TSGI_CMD_ARGS, so the line stays as written.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { checkFrameworkApp } from './framework-checks.ts'
import { get, ROOT, Tsgi } from './harness.ts'

/** The arguments of the doc's `npx tsgi` line that runs `example`. */
function commandLine(doc: string, example: string): string[] {
  const text = readFileSync(`${ROOT}docs/interfaces/${doc}`, 'utf8')
  const line = text.split('\n').find((l) => l.startsWith('npx tsgi ') && l.includes(example))
  assert.ok(line, `docs/interfaces/${doc} has a line "npx tsgi … ${example}"`)
  return line.slice('npx tsgi '.length).trim().split(/\s+/)
}

async function start(t: Parameters<typeof Tsgi.start>[0], doc: string, example: string) {
  const tsgi = await Tsgi.start(t, commandLine(doc, example), { TSGI_CMD_ARGS: '-b 127.0.0.1:0' })
  const url = await tsgi.url()
  await tsgi.readyWorkers(1)
  return url
}

for (const [doc, example, greeting] of [
  ['fetch.md', 'examples/fetch.ts', /^hello from a fetch handler\n$/],
  ['fetch.md', 'examples/hono.ts', /^hello from Hono\n$/],
  ['node.md', 'examples/express.ts', /^hello from Express\n$/],
] as const) {
  test(`${example} runs with the line in docs/interfaces/${doc}`, async (t) => {
    await checkFrameworkApp(await start(t, doc, example), greeting)
  })
}

test('examples/hello.ts runs with the line in docs/interfaces/tsgi.md', async (t) => {
  const url = await start(t, 'tsgi.md', 'examples/hello.ts')
  const res = await get(url, { headers: { 'User-Agent': 'vim' } })
  assert.equal(res.status, 200)
  assert.match(res.body, /^HTTP_USER_AGENT:vim<---$/m)
})
