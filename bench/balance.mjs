// Compares the --balance strategies side by side: throughput and evenness (max/min requests
// per worker) for keep-alive and connection-close loads, with wrk on 127.0.0.1.
// Usage: node bench/balance.mjs [seconds] (needs wrk; reuseport needs Node >= 22.12)
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const seconds = Number(process.argv[2] ?? 5)
const modes = ['shared', 'reuseport', 'roundrobin']
const loads = { 'keep-alive': [], 'connection-close': ['-H', 'Connection: close'] }

function start(mode, counts) {
  const child = spawn(
    process.execPath,
    ['bin/tsgi.js', '-w', '2', '--balance', mode, '-b', '127.0.0.1:0', 'bench/apps/hello-count.ts'],
    {
      env: { ...process.env, TSGI_BENCH_COUNTS: counts },
      stdio: ['ignore', 'ignore', 'pipe'],
    }
  )
  return new Promise((resolve, reject) => {
    let log = ''
    child.stderr.on('data', (d) => {
      log += d
      const url = /Listening at: (\S+)/.exec(log)?.[1]
      if (url && (log.match(/Worker ready/g) ?? []).length >= 2) resolve({ child, url })
    })
    child.once('exit', () => reject(new Error(`tsgi exited:\n${log}`)))
  })
}

for (const [load, extra] of Object.entries(loads)) {
  for (const mode of modes) {
    const counts = mkdtempSync(join(tmpdir(), 'tsgi-balance-'))
    const { child, url } = await start(mode, counts)
    const wrk = spawnSync('wrk', ['-t1', '-c50', `-d${seconds}s`, ...extra, url + '/'], {
      encoding: 'utf8',
    })
    const rps = /Requests\/sec:\s+([\d.]+)/.exec(wrk.stdout)?.[1]
    child.kill('SIGTERM')
    await new Promise((resolve) => child.once('exit', resolve))
    const perWorker = readdirSync(counts).map((pid) =>
      Number(readFileSync(join(counts, pid), 'utf8'))
    )
    rmSync(counts, { recursive: true, force: true })
    const evenness = Math.max(...perWorker) / Math.max(1, Math.min(...perWorker))
    console.log(
      `${load.padEnd(17)} ${mode.padEnd(10)} ${rps} req/s  per worker ${perWorker.join('/')}  max/min ${evenness.toFixed(2)}`
    )
  }
}
