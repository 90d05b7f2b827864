// Instructions per request, counted by valgrind's callgrind: the one figure of a server's
// per-request cost that does not drift with the machine. On a shared 2-core VM, req/s and CPU
// time move by ±10% from one run to the next, more than most changes to the request path;
// instruction counts repeat within 1–3% (see NODE_FLAGS). They do not see the kernel,
// cache misses or waits, so req/s (bench/run.mjs) stays the figure users compare; this one is
// for steering.
//
// Each server runs 1 worker under callgrind (every process and thread counted), is warmed up
// with wrk until V8 has optimised the hot path, has its counters zeroed, serves a measured wrk
// run, and has its counters dumped: instructions ÷ requests answered. Usage:
//   node bench/instructions.mjs [--servers bare,tsgi-async,tsgi-node,tsgi-fetch,hono]
//                               [--warmup 60] [--duration 30] [--no-build] [--tsgi DIR]
import { execFileSync } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { findTool } from './lib/peers.mjs'
import { freePort, getStatus } from './lib/probe.mjs'
import { installCleanupHandlers, processTree, spawnGroup, stopGroup } from './lib/procs.mjs'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const apps = join(root, 'bench/apps')

/** Each server with 1 worker; `tsgi` is the checkout whose bin/tsgi.js runs. */
const SERVERS = {
  bare: () => ({
    args: ['--input-type=module', '-e', BARE_SERVER],
    env: { APP: join(apps, 'hello-node.mjs') },
  }),
  'tsgi-async': (tsgi) => tsgiArgs(tsgi, ['-k', 'async', join(apps, 'hello-tsgi.mjs') + ':app']),
  'tsgi-node': (tsgi) =>
    tsgiArgs(tsgi, ['--interface', 'node', join(apps, 'hello-node.mjs') + ':app']),
  // The peer for fetch apps, on node:cluster with 1 worker (its master's share is shown).
  hono: () => ({ args: [join(apps, 'hono-cluster.mjs')], env: { WORKERS: '1' } }),
  'tsgi-fetch': (tsgi) =>
    tsgiArgs(tsgi, ['--interface', 'fetch', join(apps, 'hello-hono.mjs') + ':app']),
}

/**
 * V8 sizes its young generation by how fast the process allocates, in time: under valgrind's
 * slow clock that made the count of scavenges per request, and so the result, move by 3%. A
 * fixed size makes collections a matter of bytes allocated, the same in every run.
 */
const NODE_FLAGS = ['--no-memory-reducer', '--min-semi-space-size=8', '--max-semi-space-size=8']

/** One plain node:http process serving the Node handler: the limit, with 1 worker. */
const BARE_SERVER = `
  const { createServer } = await import('node:http')
  const { app } = await import(process.env.APP)
  createServer(app).listen(Number(process.env.PORT), '127.0.0.1')
  process.on('SIGTERM', () => process.exit(0))
`

function tsgiArgs(tsgi, rest) {
  return { args: [join(tsgi, 'bin/tsgi.js'), '-w', '1', '-b', '127.0.0.1:$PORT', ...rest] }
}

const { values: options } = parseArgs({
  options: {
    servers: { type: 'string', default: 'bare,tsgi-async,tsgi-node,tsgi-fetch,hono' },
    warmup: { type: 'string', default: '60' },
    duration: { type: 'string', default: '30' },
    'no-build': { type: 'boolean', default: false },
    tsgi: { type: 'string', default: root },
  },
})

const say = (line) => process.stderr.write(`${line}\n`)

function need(command, pkg) {
  const { missing } = findTool(command, pkg, { install: true, say })
  if (missing) throw new Error(missing)
}

/**
 * wrk's count of requests answered; throws with its output when one failed. Its timeout is
 * long: under valgrind a request can wait a second behind V8 compiling the code it runs.
 */
function wrk(port, seconds) {
  const args = ['-t1', '-c50', '--timeout', '30s', `-d${seconds}s`, `http://127.0.0.1:${port}/`]
  const out = execFileSync('wrk', args, { encoding: 'utf8' })
  const answered = /(\d+) requests in/.exec(out)
  const failed = /Non-2xx or 3xx responses: (\d+)|Socket errors: .*/.exec(out)
  if (!answered) throw new Error(`no request count in wrk's output:\n${out}`)
  if (failed) throw new Error(`wrk saw errors:\n${out}`)
  return Number(answered[1])
}

async function waitUp(port, child) {
  const deadline = Date.now() + 120_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error('the server exited before it answered')
    if ((await getStatus(`http://127.0.0.1:${port}/`, 5000)) === 200) return
    await new Promise((done) => setTimeout(done, 200))
  }
  throw new Error('no answer within 120 s')
}

function callgrindControl(command, pids) {
  for (const pid of pids)
    execFileSync('callgrind_control', [command, String(pid)], { stdio: 'ignore' })
}

/**
 * The instructions in each dump file, by pid: `total` over the process's threads and `main` on
 * its main thread (callgrind's thread 1, the event loop). The other threads are V8's (garbage
 * collection, compilers) and libuv's: a major collection that falls in one run's window and
 * not in the other's moves the total by 2–3%, and the main thread's count not at all.
 */
function dumpedInstructions(dir) {
  const byPid = new Map()
  for (const name of readdirSync(dir)) {
    const pid = /^cg\.(\d+)\.1(?:-\d+)?$/.exec(name)?.[1]
    if (pid === undefined) continue
    const dump = readFileSync(join(dir, name), 'utf8')
    const count = Number(/^summary: (\d+)$/m.exec(dump)?.[1] ?? 0)
    const thread = Number(/^thread: (\d+)$/m.exec(dump)?.[1] ?? 1)
    const sums = byPid.get(Number(pid)) ?? { total: 0, main: 0 }
    sums.total += count
    if (thread === 1) sums.main += count
    byPid.set(Number(pid), sums)
  }
  return byPid
}

async function measure(id) {
  const dir = mkdtempSync(join(tmpdir(), `tsgi-instructions-${id}-`))
  const port = await freePort()
  const { args, env = {} } = SERVERS[id](options.tsgi)
  const log = openSync(join(dir, 'server.log'), 'a')
  const child = spawnGroup(
    'valgrind',
    [
      '--tool=callgrind',
      '--trace-children=yes',
      '--separate-threads=yes',
      `--callgrind-out-file=${join(dir, 'cg.%p')}`,
      process.execPath,
      ...NODE_FLAGS,
      ...args.map((arg) => arg.replace('$PORT', String(port))),
    ],
    { cwd: root, env: { ...process.env, ...env, PORT: String(port) }, stdio: ['ignore', log, log] }
  )
  closeSync(log)
  try {
    await waitUp(port, child)
    say(`${id}: warming up for ${options.warmup} s…`)
    wrk(port, options.warmup)
    const pids = processTree(child.pid)
    callgrindControl('--zero', pids)
    const requests = wrk(port, options.duration)
    callgrindControl('--dump', pids)
    const byPid = dumpedInstructions(dir)
    const sum = (key) => [...byPid.values()].reduce((all, sums) => all + sums[key], 0)
    // The master (tsgi's, or node:cluster's): the first process, when the server has workers.
    const master = pids.length > 1 ? (byPid.get(child.pid)?.total ?? 0) : undefined
    return {
      id,
      requests,
      perRequest: sum('total') / requests,
      mainThreads: sum('main') / requests,
      master: master && master / requests,
    }
  } finally {
    await stopGroup(child)
    rmSync(dir, { recursive: true, force: true })
  }
}

installCleanupHandlers()
need('valgrind', 'valgrind')
need('wrk', 'wrk')
if (!options['no-build'])
  execFileSync('npm', ['run', 'build'], { cwd: options.tsgi, stdio: 'ignore' })
const ids = options.servers.split(',')
for (const id of ids) if (!SERVERS[id]) throw new Error(`--servers: unknown server ${id}`)
const results = []
for (const id of ids) results.push(await measure(id))
const limit = results.find((r) => r.id === 'bare')
console.log(`Instructions per keep-alive hello request, 1 worker, Node ${process.versions.node}`)
console.log(
  '| server | requests measured | instructions per request | × bare | on main threads | × bare | of which the master |'
)
console.log('| --- | --- | --- | --- | --- | --- | --- |')
const times = (value, base) => (base ? `${(value / base).toFixed(3)}×` : '')
for (const { id, requests, perRequest, mainThreads, master } of results) {
  const inMaster = master === undefined ? '' : String(Math.round(master))
  console.log(
    `| ${id} | ${requests} | ${Math.round(perRequest)} | ${times(perRequest, limit?.perRequest)} | ` +
      `${Math.round(mainThreads)} | ${times(mainThreads, limit?.mainThreads)} | ${inMaster} |`
  )
}
