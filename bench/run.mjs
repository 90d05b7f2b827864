// The benchmark harness: `npm run bench` (quick), `npm run bench -- --full`,
// `npm run bench -- --reliability`. See bench/README.md, or run it with --help.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { loadGenerator } from './lib/loadgen.mjs'
import { LOADS, QUICK_LOADS } from './lib/loads.mjs'
import { findPeers, machine } from './lib/peers.mjs'
import { runPerformance } from './lib/perf.mjs'
import { Pm2 } from './lib/pm2.mjs'
import {
  cleanupAll,
  installCleanupHandlers,
  onCleanup,
  pinCpus,
  wasInterrupted,
} from './lib/procs.mjs'
import { runReliability } from './lib/reliability.mjs'
import { markdownReport } from './lib/report-md.mjs'
import { svgChart } from './lib/report-svg.mjs'
import { summarise } from './lib/stats.mjs'
import { performanceTargets, reliabilityTargets } from './lib/targets.mjs'
import { SERVERS, whyUnavailable } from './lib/servers.mjs'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')

const USAGE = `usage: npm run bench -- [OPTIONS]

  (no option)        quick run: ${QUICK_LOADS.join(', ')}; 2 rounds of 1 s warm-up + 2 s
  --full             every load; 3 rounds of 2 s warm-up + 8 s
  --reliability      failed requests during reloads, scaling, recycling and a killed worker
  --rounds N, --duration S, --warmup S     override the plan
  --servers a,b      only these servers (${SERVERS.map((s) => s.id).join(', ')})
  --loads a,b        only these loads (${LOADS.map((l) => l.id).join(', ')})
  --loadgen wrk|autocannon                 force the load generator (default: wrk if present)
  --pin              the load generator on CPU 0, the servers on the others (taskset), so
                     req/s measures each server's own cost per request, whatever its
                     workers' evenness (default: all share every core)
  --tsgi DIR         benchmark the tsgi checkout in DIR (default: this repository)
  --no-build         do not rebuild tsgi's dist/ first
  --no-install       do not apt-get or npm install missing peers
  --out DIR          where results go (default: bench/results)
  --note TEXT        a line for the report (what else ran on the machine, say)
  --render FILE      redo the figures, targets, .md and .svg of a results .json from its
                     cells, with this version's report code
`

function parseOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      full: { type: 'boolean' },
      reliability: { type: 'boolean' },
      rounds: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      servers: { type: 'string' },
      loads: { type: 'string' },
      loadgen: { type: 'string' },
      pin: { type: 'boolean' },
      tsgi: { type: 'string' },
      'no-build': { type: 'boolean' },
      'no-install': { type: 'boolean' },
      out: { type: 'string' },
      note: { type: 'string' },
      render: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  return values
}

function planOf(options) {
  const full = Boolean(options.full)
  const plan = {
    mode: options.reliability ? 'reliability' : full ? 'full' : 'quick',
    rounds: Number(options.rounds ?? (full ? 3 : 2)),
    duration: Number(options.duration ?? (full ? 8 : 2)),
    warmup: Number(options.warmup ?? (full ? 2 : 1)),
    pinned: Boolean(options.pin),
  }
  const loadIds = options.loads?.split(',') ?? (full ? LOADS.map((l) => l.id) : QUICK_LOADS)
  plan.loads = loadIds.map((id) => LOADS.find((l) => l.id === id) ?? fail(`unknown load ${id}`))
  const serverIds = options.servers?.split(',') ?? SERVERS.map((s) => s.id)
  plan.servers = serverIds.map(
    (id) => SERVERS.find((s) => s.id === id) ?? fail(`unknown server ${id}`)
  )
  for (const n of ['rounds', 'duration', 'warmup']) {
    if (!Number.isInteger(plan[n]) || plan[n] < 0) fail(`--${n} must be a whole number`)
  }
  return plan
}

/** A mistake in the options or the setup: reported in one line, without a stack. */
function fail(message) {
  throw Object.assign(new Error(message), { code: 'BENCH_USAGE' })
}

const say = (line) => console.log(line)

function stamp(date) {
  return date.toISOString().slice(0, 19).replace(/:/g, '-')
}

function describePeers(peers) {
  const line = (name, p, version = p.version) =>
    say(`  ${name.padEnd(18)} ${p.missing ? `MISSING: ${p.missing}` : version}`)
  say('Peers:')
  line(
    'tsgi',
    peers.tsgi,
    `${peers.tsgi.version}${peers.tsgi.interfaces ? ', has --interface' : ', no --interface yet'}`
  )
  if (peers.tsgi.buildNote) say(`  WARNING: ${peers.tsgi.buildNote}`)
  line('wrk', peers.wrk)
  line('gunicorn', peers.gunicorn, `${peers.gunicorn.version} on ${peers.gunicorn.python}`)
  for (const name of ['pm2', 'autocannon', 'hono', '@hono/node-server']) line(name, peers[name])
}

function loadgenDescription(generator) {
  return generator.name === 'wrk'
    ? "wrk -t1 (one thread), each load's connection count, via bench/lib/wrk.lua"
    : "autocannon (its CLI, in its own process), each load's connection count"
}

function versionsOf(peers) {
  const v = (p) => p.version ?? 'missing'
  return {
    tsgi: v(peers.tsgi),
    gunicorn: peers.gunicorn.missing
      ? 'missing'
      : `${peers.gunicorn.version} on ${peers.gunicorn.python}`,
    pm2: v(peers.pm2),
    hono: v(peers.hono),
    honoNodeServer: v(peers['@hono/node-server']),
    autocannon: v(peers.autocannon),
  }
}

/**
 * What the load average says about other work. Only the figure from before the run tells:
 * the benchmark itself keeps both cores busy, so the one at the end is always high.
 */
function caveat(before) {
  return before > 0.3
    ? `> **Indicative only.** The machine was already busy before the run (1-minute load average ${before}): other work competed for the cores. Compare ratios within this run, not absolute numbers.`
    : `> The machine looked quiet before the run (1-minute load average ${before}); work that started beside the benchmark during it would not show here, so check \`uptime\` when in doubt.`
}

/** Writes <stamp>-<mode>.json, .md and (performance runs) .svg; returns their paths. */
function writeResults(result, outDir) {
  mkdirSync(outDir, { recursive: true })
  const pinned = result.cpuSharing.startsWith('pinned') ? '-pinned' : ''
  const base = join(outDir, `${stamp(new Date(result.startedAt))}-${result.mode}${pinned}`)
  writeFileSync(`${base}.json`, JSON.stringify(result, null, 2) + '\n')
  return [`${base}.json`, ...writeReports(result, base)]
}

/** Writes <base>.md and, for performance runs, <base>.svg; returns their paths. */
function writeReports(result, base) {
  const svgName = `${base.split('/').at(-1)}.svg`
  writeFileSync(`${base}.md`, markdownReport(result, svgName))
  const files = [`${base}.md`]
  if (result.mode !== 'reliability') {
    writeFileSync(`${base}.svg`, svgChart(result))
    files.push(`${base}.svg`)
  }
  return files
}

/** Finds the peers, and splits the planned servers into those that can run and the skipped. */
function prepare(options, plan) {
  const peers = findPeers(ROOT, {
    install: !options['no-install'],
    build: !options['no-build'],
    loadgen: options.loadgen,
    tsgiDir: options.tsgi && resolve(options.tsgi),
    say,
  })
  describePeers(peers)
  if (!['wrk', 'autocannon'].includes(peers.loadgen))
    fail(`unknown load generator ${peers.loadgen}`)
  if (peers[peers.loadgen].missing) fail(`no load generator: ${peers[peers.loadgen].missing}`)
  const servers = plan.servers.filter((s) => !whyUnavailable(s, peers))
  const skipped = plan.servers
    .filter((s) => whyUnavailable(s, peers))
    .map((s) => ({ server: s.id, reason: whyUnavailable(s, peers) }))
  for (const s of skipped) say(`  ${s.server}: ${s.reason}`)
  return { peers, servers, skipped }
}

/** --pin: CPU 0 for the load generator, the others for the servers. */
function cpuPlan() {
  const { cores } = machine()
  if (cores < 2) fail('--pin needs at least 2 CPUs')
  return { load: '0', servers: cores > 2 ? `1-${cores - 1}` : '1' }
}

/** How the load generator and the servers shared the CPUs (--pin), for the report. */
function cpuSharing(plan) {
  const { cores } = machine()
  if (!plan.pinned) {
    return `shared: the load generator and the servers run unpinned on the same ${cores} cores (no taskset)`
  }
  return `pinned: the load generator on CPU 0, every server on CPU${cores > 2 ? `s 1-${cores - 1}` : ' 1'} (taskset)`
}

/** The result's header: when, where, with what, how. */
function newResult({ plan, peers, servers, skipped, generator }) {
  const startedAt = new Date()
  return {
    mode: plan.mode,
    date: startedAt.toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
    startedAt: startedAt.toISOString(),
    machine: machine(),
    versions: versionsOf(peers),
    loadgen: {
      name: generator.name,
      version: generator.version,
      describe: loadgenDescription(generator),
    },
    cpuSharing: cpuSharing(plan),
    plan: { rounds: plan.rounds, duration: plan.duration, warmup: plan.warmup },
    servers: servers.map(({ id, label, role }) => ({ id, label, role })),
    loads: plan.loads,
    skipped,
  }
}

async function startPm2(ctx, result) {
  ctx.pm2 = new Pm2(ctx.peers.pm2.bin)
  await ctx.pm2.up()
  result.pm2DaemonStartMs = Math.round(ctx.pm2.daemonStartMs)
  say(
    `PM2 daemon started in ${result.pm2DaemonStartMs} ms, private PM2_HOME (pid ${ctx.pm2.daemonPid}).`
  )
}

/** Runs the chosen mode; fills in the result's measurements and targets. */
async function measure(result, { plan, servers, ctx, generator }) {
  if (servers.some((s) => s.id === 'pm2')) await startPm2(ctx, result)
  if (plan.mode === 'reliability') {
    const ids = servers.map((s) => s.id)
    const which = { tsgiOk: ids.includes('tsgi-async'), pm2Ok: ids.includes('pm2'), say }
    result.reliability = await runReliability(ctx, which)
    result.reliabilityClient = ctx.reliabilityClient ?? 'request loops'
    result.targets = reliabilityTargets(result.reliability)
    return
  }
  const rounds = `${plan.rounds} round${plan.rounds === 1 ? '' : 's'}`
  say(
    `Plan: ${rounds} × ${plan.loads.length} loads × ${servers.length} servers, ${plan.warmup} s warm-up + ${plan.duration} s each.`
  )
  result.cells = await runPerformance({ servers, loads: plan.loads, plan, ctx, generator, say })
  result.summary = summarise(result.cells)
  result.targets = performanceTargets(result.summary)
}

function finish(result, options) {
  result.loadAverageAtEnd = loadavg().map((n) => Number(n.toFixed(2)))
  result.caveat = caveat(result.machine.loadAverageAtStart[0])
  if (options.note) result.note = options.note
  say('\nTargets:')
  for (const t of result.targets) {
    say(`  ${t.met === null ? '–     ' : t.met ? 'met   ' : 'MISSED'} ${t.target}: ${t.measured}`)
  }
  const outDir = options.out ? resolve(options.out) : join(ROOT, 'bench/results')
  const files = writeResults(result, outDir)
  say(`\nWrote ${files.map((f) => relative(process.cwd(), f)).join(', ')}`)
}

/** --render: the reports of an earlier run, from its JSON, with the current report code. */
function render(path) {
  const result = JSON.parse(readFileSync(path, 'utf8'))
  if (result.mode === 'reliability') {
    result.targets = reliabilityTargets(result.reliability)
  } else {
    result.loads = result.loads.map((load) => LOADS.find((l) => l.id === load.id) ?? load)
    result.summary = summarise(result.cells)
    result.targets = performanceTargets(result.summary)
  }
  // The derived fields (summary, targets) are rewritten too; the cells are left as measured.
  writeFileSync(path, JSON.stringify(result, null, 2) + '\n')
  const files = [path, ...writeReports(result, resolve(path).replace(/\.json$/, ''))]
  say(`Wrote ${files.map((f) => relative(process.cwd(), f)).join(', ')}`)
}

async function main() {
  const options = parseOptions(process.argv.slice(2))
  if (options.help) return say(USAGE)
  if (options.render) return render(options.render)
  const plan = planOf(options)
  if (plan.pinned) pinCpus(cpuPlan())
  installCleanupHandlers()
  const { peers, servers, skipped } = prepare(options, plan)
  const generator = loadGenerator(peers)
  const result = newResult({ plan, peers, servers, skipped, generator })
  say(`Cores: ${result.cpuSharing}.`)
  const tmp = mkdtempSync(join(tmpdir(), 'tsgi-bench-'))
  const removeTmp = () => rmSync(tmp, { recursive: true, force: true })
  onCleanup(async () => removeTmp(), removeTmp)
  try {
    await measure(result, { plan, servers, ctx: { root: ROOT, tmp, peers }, generator })
  } finally {
    await cleanupAll()
  }
  finish(result, options)
}

main().catch(async (error) => {
  // Interrupted: the signal handler is cleaning up and exits; what broke was caused by that.
  if (wasInterrupted()) return
  const oneLine = error.code === 'BENCH_USAGE' || error.code?.startsWith('ERR_PARSE_ARGS')
  console.error(`bench: ${oneLine ? `${error.message} (--help lists the options)` : error.stack}`)
  await cleanupAll()
  process.exit(1)
})
