// Finds, and installs when it can, everything the benchmark compares against: wrk and
// gunicorn from Debian's packages (as root, with apt-get), pm2, autocannon, hono and
// @hono/node-server from the project's devDependencies (npm install). What it cannot get is
// reported with the reason, and the servers that need it are skipped, never silently.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { cpus, loadavg, release, totalmem } from 'node:os'
import { join } from 'node:path'

const NPM_PEERS = ['pm2', 'autocannon', 'hono', '@hono/node-server']

function sh(command, args, options = {}) {
  const r = spawnSync(command, args, { encoding: 'utf8', timeout: 600_000, ...options })
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}`.trim(), status: r.status }
}

function which(command) {
  const r = sh('sh', ['-c', `command -v ${command}`])
  return r.ok ? r.out : undefined
}

/** apt-get install, with one `apt-get update` and a retry when the package lists are stale. */
function aptInstall(pkg, say) {
  if (process.getuid?.() !== 0) return `${pkg} is missing and the benchmark is not running as root`
  say(`installing ${pkg} with apt-get…`)
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  if (sh('apt-get', ['install', '-y', pkg], { env }).ok) return undefined
  sh('apt-get', ['update'], { env })
  const retry = sh('apt-get', ['install', '-y', pkg], { env })
  return retry.ok ? undefined : `apt-get install ${pkg} failed: ${retry.out.split('\n').at(-1)}`
}

/** `command` on PATH, or installed from Debian's `pkg` if allowed: `{ path }` or `{ missing }`. */
export function findTool(command, pkg, { install, say }) {
  let path = which(command)
  if (!path && install) {
    const failure = aptInstall(pkg, say)
    if (failure) return { missing: failure }
    path = which(command)
  }
  return path ? { path } : { missing: `${command} not found${install ? '' : ' (--no-install)'}` }
}

/** A Debian-packaged tool and its version: `{ path, version }` or `{ missing }`. */
function debianTool(command, pkg, versionArgs, versionPattern, options) {
  const { path, missing } = findTool(command, pkg, options)
  if (!path) return { missing }
  const text = sh(path, versionArgs).out
  return { path, version: versionPattern.exec(text)?.[1] ?? text.split('\n')[0] }
}

function packageVersion(root, name) {
  const file = join(root, 'node_modules', name, 'package.json')
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')).version : undefined
}

/** The npm peers, running `npm install` once when one is missing and installing is allowed. */
function npmPeers(root, { install, say }) {
  const missing = () => NPM_PEERS.filter((name) => !packageVersion(root, name))
  if (missing().length && install) {
    say(`installing the devDependencies (${missing().join(', ')} missing) with npm install…`)
    const r = sh('npm', ['install', '--no-audit', '--no-fund'], { cwd: root })
    if (!r.ok) say(`npm install failed: ${r.out.split('\n').at(-1)}`)
  }
  const found = {}
  for (const name of NPM_PEERS) {
    const version = packageVersion(root, name)
    found[name] = version ? { version } : { missing: `${name} is not installed (npm install)` }
  }
  found.pm2.bin = join(root, 'node_modules/pm2/bin/pm2')
  found.autocannon.bin = join(root, 'node_modules/autocannon/autocannon.js')
  return found
}

/**
 * The tsgi under test (this repository, or the checkout `--tsgi DIR` names): built from its
 * src/ now (its `npm run build`) unless told not to, and what its CLI offers.
 */
function tsgi(root, { build, say }) {
  let buildNote
  if (build) {
    // The checkout's own build: since the bundles, more than tsc.
    say('building tsgi (npm run build)…')
    const r = sh('npm', ['run', 'build'], { cwd: root })
    if (!r.ok) buildNote = `the build failed, dist/ may be stale: ${r.out.split('\n')[0]}`
  }
  if (!existsSync(join(root, 'dist/server/cli.js')))
    return { missing: 'dist/ is not built (npm run build)' }
  const help = sh(process.execPath, ['bin/tsgi.js', '--help'], { cwd: root }).out
  const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version
  const rev = sh('git', ['rev-parse', '--short', 'HEAD'], { cwd: root })
  const status = sh('git', ['status', '--porcelain', '--', 'src'], { cwd: root })
  const commit = rev.ok ? rev.out : 'not a git checkout'
  const dirty = status.ok && status.out !== ''
  return {
    dir: root,
    version: `${version} (${commit}${dirty ? ', src/ has uncommitted changes' : ''})`,
    interfaces: /--interface\b/.test(help),
    buildNote,
  }
}

/** Everything the run needs, found or installed; `options.say` reports progress. */
export function findPeers(root, options) {
  const peers = {
    tsgi: tsgi(options.tsgiDir ?? root, options),
    wrk: debianTool('wrk', 'wrk', ['-v'], /^wrk (\S+)/, options),
    gunicorn: debianTool('gunicorn', 'gunicorn', ['--version'], /version ([\d.]+)/, options),
    ...npmPeers(root, options),
  }
  if (!peers.gunicorn.missing) peers.gunicorn.python = gunicornPython(peers.gunicorn.path)
  peers.loadgen = options.loadgen ?? (peers.wrk.missing ? 'autocannon' : 'wrk')
  return peers
}

/** The Python that runs gunicorn (its script's #! line) and its version. */
function gunicornPython(path) {
  const shebang = readFileSync(path, 'utf8').split('\n')[0]
  const python = shebang.startsWith('#!') ? shebang.slice(2).trim().split(' ')[0] : 'python3'
  return sh(python, ['--version']).out
}

/** What the run was measured on. */
export function machine() {
  const cpu = cpus()
  return {
    cpu: cpu[0]?.model ?? 'unknown',
    cores: cpu.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    loadAverageAtStart: loadavg().map((n) => Number(n.toFixed(2))),
  }
}
