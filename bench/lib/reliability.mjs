// The reliability mode: failed requests while the server changes its workers under load. For
// tsgi: 3 HUP reloads, TTIN/TTOU, max-requests recycling, SIGKILL of a worker. For PM2: 3
// `pm2 reload`s, SIGKILL of a worker. Each scenario is bounded in time.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { startClient } from './client.mjs'
import { freePort, waitFirstResponse, waitWorkersUp } from './probe.mjs'
import { signalPid } from './procs.mjs'
import { SERVERS, WORKERS, tsgiServer } from './servers.mjs'

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const QUIET_MS = 1500
const WAIT_LIMIT_MS = 20_000

/** Resolves once `pattern` occurs at least `n` times in the log at `path` (false on timeout). */
async function logCount(path, pattern, n) {
  const deadline = Date.now() + WAIT_LIMIT_MS
  while (Date.now() < deadline) {
    const text = readFileSync(path, 'utf8')
    if ((text.match(pattern) ?? []).length >= n) return true
    await sleep(50)
  }
  return false
}

/** Resolves once the server has exactly `n` workers (false on timeout). */
async function workerCount(instance, n) {
  const deadline = Date.now() + WAIT_LIMIT_MS
  while (Date.now() < deadline) {
    if (instance.workerPids().length === n) return true
    await sleep(50)
  }
  return false
}

const READY = /Worker ready/g

const tsgiScenarios = [
  {
    scenario: '3 HUP reloads',
    graceful: true,
    alsoSync: true,
    async act(instance, log) {
      const waits = []
      for (let i = 1; i <= 3; i++) {
        const started = Date.now()
        instance.signal('SIGHUP')
        const done = await logCount(log, READY, WORKERS * (i + 1))
        waits.push(done ? `${Date.now() - started} ms` : 'timed out')
        await sleep(500)
      }
      return `reloads took ${waits.join(', ')}`
    },
  },
  {
    scenario: 'TTIN, TTIN, TTOU, TTOU',
    graceful: true,
    async act(instance, log) {
      instance.signal('SIGTTIN')
      await logCount(log, READY, WORKERS + 1)
      instance.signal('SIGTTIN')
      const up = await logCount(log, READY, WORKERS + 2)
      await sleep(500)
      instance.signal('SIGTTOU')
      await workerCount(instance, WORKERS + 1)
      instance.signal('SIGTTOU')
      const down = await workerCount(instance, WORKERS)
      return `scaled to ${up ? 4 : '?'} workers and back to ${down ? WORKERS : '?'}`
    },
  },
  {
    scenario: 'max-requests recycling',
    graceful: true,
    alsoSync: true,
    extra: ['--max-requests', '2000', '--max-requests-jitter', '200'],
    async act() {
      await sleep(6000)
      return '--max-requests 2000 --max-requests-jitter 200, 6 s'
    },
  },
  {
    scenario: 'SIGKILL of a worker',
    graceful: false,
    async act(instance, log) {
      const [victim] = instance.workerPids()
      signalPid(victim, 'SIGKILL')
      const back = await logCount(log, READY, WORKERS + 1)
      return back ? `killed ${victim}; replaced` : `killed ${victim}; no replacement seen`
    },
  },
]

const pm2Scenarios = [
  {
    scenario: '3 pm2 reloads',
    graceful: true,
    async act(instance) {
      const times = []
      for (let i = 0; i < 3; i++) {
        const started = Date.now()
        const { code } = await instance.reload()
        times.push(code === 0 ? `${Date.now() - started} ms` : `exit ${code}`)
        await sleep(500)
      }
      return `reloads took ${times.join(', ')}`
    },
  },
  {
    scenario: 'SIGKILL of a worker',
    graceful: false,
    async act(instance) {
      const [victim] = instance.workerPids()
      signalPid(victim, 'SIGKILL')
      await sleep(200)
      const back = await workerCount(instance, WORKERS)
      return back ? `killed ${victim}; replaced` : `killed ${victim}; no replacement seen`
    },
  },
]

/** One scenario: launch, start the client, wait, act, wait, stop, count. */
async function runScenario(server, launch, spec, ctx) {
  const countsDir = mkdtempSync(join(ctx.tmp, `rel-${server}-`))
  const logPath = join(countsDir, 'server.log')
  const port = await freePort()
  const url = `http://127.0.0.1:${port}/`
  const instance = await launch({ ...ctx, port, countsDir, logPath })
  const result = {
    server,
    scenario: spec.scenario,
    graceful: spec.graceful,
    ok: 0,
    failed: 0,
    reasons: {},
  }
  const started = Date.now()
  try {
    await waitFirstResponse(url, {
      limitMs: 30_000,
      gone: instance.exited,
      now: () => performance.now(),
    })
    await waitWorkersUp(countsDir, WORKERS, { limitMs: 15_000, master: instance.rootPid })
    const client = startClient(url)
    ctx.reliabilityClient = client.describe
    await sleep(QUIET_MS)
    result.notes = await spec.act(instance, logPath)
    await sleep(QUIET_MS)
    Object.assign(result, await client.stop())
  } catch (error) {
    result.notes = `failed: ${error.message}`
  } finally {
    await instance.stop()
  }
  result.seconds = (Date.now() - started) / 1000
  // Every worker that loaded the app left a marker, including those killed before they could
  // write a count.
  const markers = readdirSync(countsDir).filter(
    (f) => f.endsWith('.up') && f !== `${instance.rootPid}.up`
  )
  result.workersSeen = markers.length
  return result
}

/** The tsgi server for a scenario: the TSGI app, with `flags` and the scenario's extra flags. */
function tsgiWith(spec, flags = []) {
  return tsgiServer([...flags, ...(spec.extra ?? [])], 'tsgi', 'bench/apps/hello-tsgi.mjs')
}

/** Every scenario for the servers available; `say` prints a line per scenario. */
export async function runReliability(ctx, { tsgiOk, pm2Ok, say }) {
  const results = []
  const pm2 = SERVERS.find((s) => s.id === 'pm2')
  const plan = [
    ...(tsgiOk ? tsgiScenarios.map((s) => ['tsgi', tsgiWith(s), s]) : []),
    // The same Node handler PM2 serves, reloaded by tsgi: the like-for-like comparison.
    ...(tsgiOk && ctx.peers.tsgi.interfaces
      ? [['tsgi-node', tsgiServer([], 'node', 'bench/apps/hello-node.mjs'), tsgiScenarios[0]]]
      : []),
    // Sync workers stop and start accepting on every connection: reloads and recycling with them.
    ...(tsgiOk
      ? tsgiScenarios
          .filter((s) => s.alsoSync)
          .map((s) => ['tsgi-sync', tsgiWith(s, ['-k', 'sync']), s])
      : []),
    ...(pm2Ok ? pm2Scenarios.map((s) => ['pm2', pm2.launch, s]) : []),
  ]
  for (const [server, launch, spec] of plan) {
    const result = await runScenario(server, launch, spec, ctx)
    say(
      `${server.padEnd(9)} ${spec.scenario.padEnd(24)} ok ${result.ok}  failed ${result.failed} ${JSON.stringify(result.reasons)}  ${result.notes ?? ''}`
    )
    results.push(result)
  }
  return results
}
