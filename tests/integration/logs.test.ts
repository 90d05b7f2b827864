// What operators see: process titles, the access log in Gunicorn's format, and USR1 reopening
// the log files after logrotate moved them.
import assert from 'node:assert/strict'
import { existsSync, readFileSync, renameSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { FIXTURES, get, Tsgi } from './harness.ts'
import { tempDir } from '../helpers/temp-dir.ts'
import { waitUntil } from '../helpers/wait.ts'

const APP = `${FIXTURES}prefork.ts`

function title(pid: number): string {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim()
}

test(
  'process titles name the master and the workers',
  { skip: !existsSync('/proc/self/cmdline') && 'needs /proc' },
  async (t) => {
    const tsgi = await Tsgi.start(t, ['-n', 'shop', '-b', '127.0.0.1:0', APP])
    await tsgi.url()
    const [worker] = await tsgi.readyWorkers(1)
    assert.equal(title(tsgi.pid), 'tsgi: master [shop]')
    assert.equal(title(worker!), 'tsgi: worker [shop]')
  }
)

test('the access log writes one Gunicorn-format line per request, and USR1 reopens it', async (t) => {
  const dir = tempDir(t, 'tsgi-logs-')
  const accessLog = join(dir, 'access.log')
  const tsgi = await Tsgi.start(t, ['--access-logfile', accessLog, '-b', '127.0.0.1:0', APP])
  const url = await tsgi.url()
  await tsgi.readyWorkers(1)
  await get(`${url}/?q=1`, { headers: { 'User-Agent': 'curl/8', Referer: 'http://example.test/' } })
  const line = await waitUntil(() => readFileSync(accessLog, 'utf8').split('\n')[0] || false, {
    what: 'an access log line',
  })
  assert.match(
    line,
    /^127\.0\.0\.1 - - \[\d{2}\/\w{3}\/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\] "GET \/\?q=1 HTTP\/1\.1" 200 \d+ "http:\/\/example\.test\/" "curl\/8"$/
  )

  renameSync(accessLog, `${accessLog}.1`)
  const mark = tsgi.lines.length
  tsgi.signal('SIGUSR1')
  await tsgi.waitFor(/Handling signal: usr1/, 5000, mark)
  // The worker reopens on its own USR1 from the master; retry until a request lands anew.
  await waitUntil(
    async () => {
      await get(`${url}/after-rotate`)
      return existsSync(accessLog) && readFileSync(accessLog, 'utf8').includes('/after-rotate')
    },
    { what: 'a line in the reopened access log' }
  )
})

// Each interface keeps the headers it sent in its own form; the access log reads them only
// for a format that shows one.
const RESPONSE_HEADER_CASES = [
  { app: APP, args: [], header: 'content-type', value: () => 'text/plain' },
  {
    app: `${FIXTURES}fetch-prefork.ts`,
    args: ['--interface', 'fetch'],
    header: 'content-type',
    value: () => 'text/plain;charset=UTF-8',
  },
  {
    app: `${FIXTURES}node-prefork.ts`,
    args: ['--interface', 'node'],
    header: 'content-length',
    value: (body: string) => String(body.length),
  },
]

for (const { app, args, header, value } of RESPONSE_HEADER_CASES) {
  test(`the access log shows a response header of ${args[1] ?? 'a TSGI'} app`, async (t) => {
    const dir = tempDir(t, 'tsgi-logs-')
    const accessLog = join(dir, 'access.log')
    const format = `%(s)s %({${header}}o)s`
    const tsgi = await Tsgi.start(t, [
      ...['--access-logfile', accessLog, '--access-logformat', format],
      ...['-b', '127.0.0.1:0', ...args, app],
    ])
    const url = await tsgi.url()
    await tsgi.readyWorkers(1)
    const response = await get(url)
    const line = await waitUntil(() => readFileSync(accessLog, 'utf8').split('\n')[0] || false, {
      what: 'an access log line',
    })
    assert.equal(line, `200 ${value(response.body)}`)
  })
}
