// The servers the benchmark compares, each with 2 workers and the same hello app written for
// its interface (bench/apps/). launch() starts one; it returns the pid whose process tree is
// the server (for RSS), the workers' pids, and stop().
import { appendFileSync, closeSync, openSync } from 'node:fs'
import { join } from 'node:path'
import { hasExited, killSnapshot, processTree, snapshot, spawnGroup, stopGroup } from './procs.mjs'

export const WORKERS = 2

/** A server that is one command: it runs in its own process group, stopped with TERM. */
function command(build) {
  return (ctx) => {
    const { cmd, args, env = {} } = build(ctx)
    const log = openSync(ctx.logPath, 'a')
    const child = spawnGroup(cmd, args, {
      cwd: ctx.root,
      env: { ...process.env, ...env, BENCH_COUNTS: ctx.countsDir },
      stdio: ['ignore', log, log],
    })
    closeSync(log)
    return {
      rootPid: child.pid,
      workerPids: () => processTree(child.pid).slice(1),
      exited: () => hasExited(child),
      stop: () => stopGroup(child),
      signal: (signal) => child.kill(signal),
    }
  }
}

/** tsgi serving `app` through `appInterface` (named explicitly once tsgi has --interface). */
export const tsgiServer = (extra, appInterface, app) =>
  command(({ port, peers }) => ({
    cmd: process.execPath,
    args: [
      join(peers.tsgi.dir, 'bin/tsgi.js'),
      ...['-w', String(WORKERS), '-b', `127.0.0.1:${port}`, ...extra],
      ...(peers.tsgi.interfaces ? ['--interface', appInterface] : []),
      app,
    ],
  }))

const nodeScript = (script) =>
  command(({ port }) => ({
    cmd: process.execPath,
    args: [script],
    env: { PORT: String(port), WORKERS: String(WORKERS) },
  }))

const gunicorn = (extra) =>
  command(({ port, peers }) => ({
    cmd: peers.gunicorn.path,
    // Gunicorn's default keep-alive is 2 s; Node's and tsgi's are 5 s (sync workers ignore it).
    args: ['-w', String(WORKERS), '-b', `127.0.0.1:${port}`, '--keep-alive', '5', ...extra],
    env: { PYTHONDONTWRITEBYTECODE: '1' },
  }))

let pm2Apps = 0

/** PM2 cluster mode: `pm2 start -i 2` in the private home; the daemon is the process tree. */
async function launchPm2(ctx) {
  const { pm2 } = ctx
  const name = `bench-${++pm2Apps}`
  const env = { PORT: String(ctx.port), BENCH_COUNTS: ctx.countsDir }
  const args = ['start', 'bench/apps/pm2-server.mjs', '-i', String(WORKERS), '--name', name]
  let gone = false
  const started = pm2.run(args, env).then((result) => {
    if (result.code !== 0) {
      gone = true
      appendFileSync(ctx.logPath, result.output)
    }
    return result
  })
  return {
    rootPid: pm2.daemonPid,
    workerPids: () => pm2.workerPids(),
    exited: () => gone,
    reload: () => pm2.run(['reload', name]),
    async stop() {
      await started
      const workers = snapshot(pm2.daemonPid).slice(1)
      const result = await pm2.run(['delete', name])
      gone = true
      // `pm2 delete` returns once PM2 saw them stop; wait for the exits (and their counts).
      const killed = await killSnapshot(workers, 5000)
      return result.code === 0 && killed === 0
    },
  }
}

/**
 * The catalogue, in the order the report lists them. `needs` names what must be available;
 * `role` is 'limit' for the yardstick, 'tsgi' for ours, 'peer' for the others.
 */
export const SERVERS = [
  {
    id: 'bare',
    label: 'bare node:http ×2 (limit)',
    role: 'limit',
    needs: [],
    launch: nodeScript('bench/apps/bare-cluster.mjs'),
  },
  {
    id: 'tsgi-async',
    label: 'tsgi -k async, TSGI app',
    role: 'tsgi',
    needs: ['tsgi'],
    launch: tsgiServer(['-k', 'async'], 'tsgi', 'bench/apps/hello-tsgi.mjs'),
  },
  {
    id: 'tsgi-sync',
    label: 'tsgi -k sync, TSGI app',
    role: 'tsgi',
    needs: ['tsgi'],
    launch: tsgiServer(['-k', 'sync'], 'tsgi', 'bench/apps/hello-tsgi.mjs'),
  },
  {
    id: 'tsgi-fetch',
    label: 'tsgi --interface fetch, Hono app',
    role: 'tsgi',
    needs: ['tsgi', 'tsgi-interface', 'hono'],
    launch: tsgiServer([], 'fetch', 'bench/apps/hello-hono.mjs'),
  },
  {
    id: 'tsgi-node',
    label: 'tsgi --interface node, Node handler',
    role: 'tsgi',
    needs: ['tsgi', 'tsgi-interface'],
    launch: tsgiServer([], 'node', 'bench/apps/hello-node.mjs'),
  },
  {
    id: 'pm2',
    label: 'PM2 cluster, Node handler',
    role: 'peer',
    needs: ['pm2'],
    launch: launchPm2,
  },
  {
    id: 'hono',
    label: '@hono/node-server on node:cluster',
    role: 'peer',
    needs: ['hono'],
    launch: nodeScript('bench/apps/hono-cluster.mjs'),
  },
  {
    id: 'gunicorn-sync',
    label: 'gunicorn -k sync, WSGI app',
    role: 'peer',
    needs: ['gunicorn'],
    launch: gunicorn(['-k', 'sync', '--chdir', 'bench/apps', 'hello_wsgi:app']),
  },
  {
    id: 'gunicorn-gthread',
    label: 'gunicorn -k gthread --threads 4, WSGI app',
    role: 'peer',
    needs: ['gunicorn'],
    launch: gunicorn([
      '-k',
      'gthread',
      '--threads',
      '4',
      '--chdir',
      'bench/apps',
      'hello_wsgi:app',
    ]),
  },
]

/** Why `server` cannot run with these peers, or undefined when it can. */
export function whyUnavailable(server, peers) {
  for (const need of server.needs) {
    if (need === 'tsgi' && peers.tsgi.missing) return `skipped: ${peers.tsgi.missing}`
    if (need === 'tsgi-interface' && !peers.tsgi.interfaces)
      return 'skipped: tsgi has no --interface yet'
    if (need === 'pm2' && peers.pm2.missing) return `skipped: ${peers.pm2.missing}`
    if (need === 'hono') {
      const missing = peers.hono.missing ?? peers['@hono/node-server'].missing
      if (missing) return `skipped: ${missing}`
    }
    if (need === 'gunicorn' && peers.gunicorn.missing) return `skipped: ${peers.gunicorn.missing}`
  }
  return undefined
}
