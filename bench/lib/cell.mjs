// One cell of the benchmark: one server under one load, on a fresh server. Launch it, time its
// first response, wait for every worker, warm up, measure (sampling the RSS of its process
// tree and the CPU time it uses meanwhile), stop it, and read how many requests each worker served.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { freePort, waitFirstResponse, waitWorkersUp } from './probe.mjs'
import { sampleTree } from './procs.mjs'
import { WORKERS } from './servers.mjs'

/** Time between every worker having loaded the app and the load: their listen() follows. */
const SETTLE_MS = 300
const MB = 1024 * 1024

/** Requests served per worker pid, from the files the apps write at exit (master excluded). */
export function readCounts(dir, master) {
  const counts = {}
  for (const name of readdirSync(dir)) {
    if (/^\d+$/.test(name) && Number(name) !== master) {
      counts[name] = Number(readFileSync(join(dir, name), 'utf8'))
    }
  }
  return counts
}

/** max/min of the per-worker counts; null when a worker served nothing or there is one. */
export function evenness(counts) {
  const values = Object.values(counts)
  if (values.length < 2 || Math.min(...values) === 0) return null
  return Math.max(...values) / Math.min(...values)
}

function logTail(path) {
  try {
    return readFileSync(path, 'utf8').trim().split('\n').slice(-5).join('\n')
  } catch {
    return ''
  }
}

/** Runs `load` against a new instance of `server`; resolves with the cell's figures. */
export async function runCell({ server, load, round, plan, ctx, generator }) {
  const countsDir = mkdtempSync(join(ctx.tmp, `${server.id}-${load.id}-`))
  const logPath = join(ctx.tmp, `${server.id}-${load.id}-${round}.log`)
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const cell = { server: server.id, load: load.id, round }
  const launched = performance.now()
  const instance = await server.launch({ ...ctx, port, countsDir, logPath })
  try {
    const now = () => performance.now()
    const answered = await waitFirstResponse(`${url}/`, {
      limitMs: 30_000,
      gone: instance.exited,
      now,
    })
    cell.launchMs = answered - launched
    await waitWorkersUp(countsDir, WORKERS, { limitMs: 15_000, master: instance.rootPid })
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS))
    if (plan.warmup) await generator.run(load, url, plan.warmup)
    const sampler = sampleTree(instance.rootPid)
    Object.assign(cell, await generator.run(load, url, plan.duration))
    const tree = sampler.stop()
    cell.rssTotalMB = tree.totalBytes / MB
    cell.rssMasterMB = tree.rootBytes / MB
    cell.anonTotalMB = tree.totalAnonBytes / MB
    cell.anonMasterMB = tree.rootAnonBytes / MB
    cell.processes = tree.processes
    cell.cpuUsPerRequest = cell.requests ? (tree.cpuSeconds * 1e6) / cell.requests : null
  } catch (error) {
    cell.failure = `${error.message}\n${logTail(logPath)}`.trim()
  } finally {
    cell.stoppedCleanly = await instance.stop()
  }
  cell.perWorker = readCounts(countsDir, instance.rootPid)
  cell.evenness = evenness(cell.perWorker)
  return cell
}
