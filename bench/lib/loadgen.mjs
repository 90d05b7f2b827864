// The load generator, the same for every server: wrk (one thread, C code, so it leaves the
// most CPU to the servers), or autocannon when wrk is missing and could not be installed.
// Both return the same figures: good (2xx) responses per second, p50/p99 latency in ms, errors.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { spawnChild } from './procs.mjs'

const WRK_SCRIPT = fileURLToPath(new URL('./wrk.lua', import.meta.url))
/** A request slower than this counts as an error (a timeout), for both generators. */
const TIMEOUT_S = 5

/** Runs `command` to its end (killed after `limitMs`); resolves with its stdout and stderr. */
function run(command, args, env, limitMs) {
  return new Promise((resolve, reject) => {
    const child = spawnChild(
      command,
      args,
      {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
      'load'
    )
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), limitMs)
    child.once('error', reject)
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr })
    })
  })
}

/** Applies `load` to `url` for `seconds` with wrk. */
async function runWrk(load, url, seconds) {
  const args = ['-t1', `-c${load.connections}`, `-d${seconds}s`, `--timeout`, `${TIMEOUT_S}s`]
  const env = {
    BENCH_METHOD: load.method ?? 'GET',
    BENCH_BODY_BYTES: String(load.bodyBytes ?? 0),
    BENCH_CLOSE: load.close ? '1' : '0',
  }
  const out = await run(
    'wrk',
    [...args, '-s', WRK_SCRIPT, url + load.path],
    env,
    seconds * 1000 + 30_000
  )
  const line = /^BENCH_RESULT (.*)$/m.exec(out.stdout)?.[1]
  if (!line)
    throw new Error(
      `wrk gave no result (exit ${out.code ?? out.signal}): ${out.stderr.trim() || out.stdout.trim()}`
    )
  const r = JSON.parse(line)
  const socketErrors = r.connect + r.read + r.write + r.timeout
  const seconds_ = r.durationUs / 1e6
  return {
    requests: r.requests,
    seconds: seconds_,
    rps: (r.requests - r.status) / seconds_,
    p50Ms: r.p50Us / 1000,
    p99Ms: r.p99Us / 1000,
    maxMs: r.maxUs / 1000,
    errors: {
      non2xx: r.status,
      socket: socketErrors,
      connect: r.connect,
      read: r.read,
      write: r.write,
      timeout: r.timeout,
    },
    errorsTotal: r.status + socketErrors,
  }
}

/** A new temporary file holding `bytes` bytes, for autocannon's -i. */
function bodyFile(bytes) {
  const file = join(mkdtempSync(join(tmpdir(), 'tsgi-bench-body-')), 'body')
  writeFileSync(file, Buffer.alloc(bytes, 'x'))
  return file
}

/** Applies `load` to `url` for `seconds` with autocannon (its CLI, in its own process). */
async function runAutocannon(load, url, seconds, autocannonBin) {
  const args = [
    autocannonBin,
    '-j',
    '-n',
    `-c${load.connections}`,
    `-d${seconds}`,
    `-t${TIMEOUT_S}`,
  ]
  if (load.method) args.push('-m', load.method)
  const body = load.bodyBytes ? bodyFile(load.bodyBytes) : undefined
  if (body) args.push('-i', body, '-H', 'Content-Type=application/octet-stream')
  if (load.close) args.push('-H', 'Connection=close')
  const limitMs = seconds * 1000 + 30_000
  const out = await run(process.execPath, [...args, url + load.path], {}, limitMs).finally(
    () => body && rmSync(dirname(body), { recursive: true, force: true })
  )
  const r = JSON.parse(out.stdout.slice(out.stdout.indexOf('{')))
  const good = r['2xx'] ?? 0
  const socketErrors = (r.errors ?? 0) + (r.timeouts ?? 0)
  return {
    requests: good + (r.non2xx ?? 0),
    seconds: r.duration,
    rps: good / r.duration,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    maxMs: r.latency.max,
    errors: { non2xx: r.non2xx ?? 0, socket: socketErrors, timeout: r.timeouts ?? 0 },
    errorsTotal: (r.non2xx ?? 0) + socketErrors,
  }
}

/** The load generator chosen for the run: `{ name, version, run(load, url, seconds) }`. */
export function loadGenerator(peers) {
  if (peers.loadgen === 'wrk') {
    return { name: 'wrk', version: peers.wrk.version, run: runWrk }
  }
  const bin = peers.autocannon.bin
  return {
    name: 'autocannon',
    version: peers.autocannon.version,
    run: (load, url, seconds) => runAutocannon(load, url, seconds, bin),
  }
}
