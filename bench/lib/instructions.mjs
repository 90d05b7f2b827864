// --instructions: how many CPU instructions each server executes per request, counted by
// valgrind's callgrind over a fixed number of keep-alive hello requests. req/s and CPU time
// move with whatever else the machine runs (±20% between rounds on a shared 2-core machine);
// an instruction count barely moves, so it is the figure to steer the per-request cost by,
// and to compare two versions of tsgi. What it leaves out (cache misses, waiting on memory,
// time in the kernel) the req/s of the other modes still shows.
import { spawnSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { freePort, waitFirstResponse, waitWorkersUp } from './probe.mjs'
import { processTree } from './procs.mjs'
import { WORKERS } from './servers.mjs'

/**
 * Requests before counting. Under valgrind a server takes about 30,000 requests to settle
 * (JIT tier-ups and the heap growing to its working size, both counted against the process):
 * measured, the 10,000th to 30,000th cost 1.5 times what the next 20,000 did.
 */
export const WARMUP_REQUESTS = 30000
/**
 * Requests per counted window. Large, because garbage collection comes in lumps: a major
 * collection costs as much as thousands of requests, and a short window that holds one reads
 * far higher than one that does not.
 */
export const WINDOW_REQUESTS = 20000
/** Windows counted; the figure is the last, and the earlier ones show whether it had settled. */
export const WINDOWS = 2
/** Windows further apart than this flag the figure as not settled. */
const SETTLED_WITHIN = 0.1
const CONNECTIONS = 10
/** Under valgrind a Node process starts 20–50 times slower than without. */
const START_LIMIT_MS = 300_000

/** Servers whose processes the harness does not start itself, so cannot run under valgrind. */
const NOT_COUNTED = {
  pm2: 'not counted: PM2 starts its workers from its daemon, outside valgrind',
}

export function whyNotCounted(server) {
  return NOT_COUNTED[server.id]
}

/**
 * The command prefix that runs a server under callgrind. Children are traced too (a tsgi
 * master forks its workers with a new node); the profiles are not needed, only live counts.
 * Heartbeat timeouts are turned off: a worker under valgrind can take minutes to boot.
 */
function valgrindPrefix(valgrind) {
  return [
    valgrind,
    '--tool=callgrind',
    '--trace-children=yes',
    '--callgrind-out-file=/dev/null',
    '--dump-instr=no',
    '-q',
  ]
}

const NO_TIMEOUTS = { TSGI_CMD_ARGS: '--timeout 0', GUNICORN_CMD_ARGS: '--timeout 0' }

/**
 * V8 compiles hot functions on a background thread, which valgrind runs only when the main
 * thread lets it: the optimized code would arrive tens of thousands of requests late. Compiled
 * on the main thread instead, the code the count measures is the same, only sooner.
 */
const NODE_FLAGS = ['--no-concurrent-recompilation']

/** One keep-alive GET of `/`; resolves with the status, 0 when it failed. */
function get(url, agent) {
  return new Promise((resolve) => {
    const req = request(url, { agent }, (res) => {
      res.resume()
      res.once('end', () => resolve(res.statusCode ?? 0))
      res.once('error', () => resolve(0))
    })
    req.once('error', () => resolve(0))
    req.end()
  })
}

/** Sends exactly `total` requests on CONNECTIONS keep-alive connections; returns the non-200s. */
async function sendRequests(url, total) {
  let left = total
  let failed = 0
  const loop = async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 })
    while (left > 0) {
      left--
      if ((await get(url, agent)) !== 200) failed++
    }
    agent.destroy()
  }
  await Promise.all(Array.from({ length: CONNECTIONS }, loop))
  return failed
}

/** Instructions executed so far by the processes `pids` (every thread), read live. */
function instructionsSoFar(pids) {
  const r = spawnSync('callgrind_control', ['-e', 'Ir', ...pids.map(String)], {
    encoding: 'utf8',
    timeout: 120_000,
  })
  let total = 0
  for (const line of (r.stdout ?? '').split('\n')) {
    const thread = /^\s*Th\s*\d+\s+([\d,]+)\s*$/.exec(line)
    if (thread) total += Number(thread[1].replaceAll(',', ''))
  }
  if (total === 0) throw new Error(`callgrind_control read no counts: ${r.stderr ?? r.error}`)
  return total
}

/** Counts one server: launch under valgrind, warm up, then two counted windows. */
async function countServer(server, ctx) {
  const countsDir = mkdtempSync(join(ctx.tmp, `${server.id}-instructions-`))
  const logPath = join(ctx.tmp, `${server.id}-instructions.log`)
  const port = await freePort()
  const url = `http://127.0.0.1:${port}/`
  const row = { server: server.id, windows: [], failed: 0 }
  const wrap = {
    prefix: valgrindPrefix(ctx.peers.valgrind.path),
    nodeFlags: NODE_FLAGS,
    env: NO_TIMEOUTS,
  }
  const instance = await server.launch({ ...ctx, port, countsDir, logPath, wrap })
  try {
    const now = () => performance.now()
    await waitFirstResponse(url, { limitMs: START_LIMIT_MS, gone: instance.exited, now })
    await waitWorkersUp(countsDir, WORKERS, { limitMs: START_LIMIT_MS, master: instance.rootPid })
    row.failed += await sendRequests(url, WARMUP_REQUESTS)
    const pids = processTree(instance.rootPid)
    row.processes = pids.length
    let before = instructionsSoFar(pids)
    for (let w = 0; w < WINDOWS; w++) {
      row.failed += await sendRequests(url, WINDOW_REQUESTS)
      const after = instructionsSoFar(pids)
      row.windows.push((after - before) / WINDOW_REQUESTS)
      before = after
    }
    const now2 = processTree(instance.rootPid)
    if (now2.join() !== pids.join()) throw new Error('a process of the server changed mid-count')
    row.perRequest = row.windows.at(-1)
    row.settled = Math.abs(row.windows[0] / row.perRequest - 1) <= SETTLED_WITHIN
  } catch (error) {
    row.failure = error.message
  } finally {
    row.stoppedCleanly = await instance.stop()
  }
  return row
}

/** Counts every server in turn; `say` reports each as it is done. */
export async function runInstructions({ servers, ctx, say }) {
  const rows = []
  for (const [i, server] of servers.entries()) {
    const row = await countServer(server, ctx)
    rows.push(row)
    const figure = row.failure
      ? `FAILED: ${row.failure}`
      : `${Math.round(row.perRequest)} instructions/request (windows: ${row.windows.map(Math.round).join(', ')}${row.settled ? '' : ', NOT SETTLED'})`
    say(`[${i + 1}/${servers.length}] ${server.id.padEnd(17)} ${figure}  non-200: ${row.failed}`)
  }
  return rows
}

const perRequest = (rows, id) => rows.find((r) => r.server === id && !r.failure)?.perRequest

/**
 * The throughput targets of issue 5, read from instruction counts: a CPU-bound server's req/s
 * goes as the inverse of its cost per request, so "0.95× bare" becomes bare's count divided by
 * tsgi's. Marked as such: these complement the req/s targets, they do not replace them.
 */
export function instructionsTargets(rows) {
  const ratio = (cheaper, costlier) => {
    const a = perRequest(rows, cheaper)
    const b = perRequest(rows, costlier)
    return a && b ? a / b : undefined
  }
  const target = (text, value, goal) => ({
    target: `${text} (by instructions per request)`,
    measured: value === undefined ? 'not measured' : `${value.toFixed(2)}×`,
    met: value === undefined ? null : value >= goal,
  })
  return [
    target('tsgi async ≥ 0.95× bare (keep-alive hello)', ratio('bare', 'tsgi-async'), 0.95),
    target('tsgi async ≥ 5× gunicorn sync', ratio('gunicorn-sync', 'tsgi-async'), 5),
    target('tsgi fetch ≥ @hono/node-server', ratio('hono', 'tsgi-fetch'), 1),
  ]
}
