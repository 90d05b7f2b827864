// Processes the harness starts: each server runs in its own process group (spawned detached),
// so it and every process it forks can be found and ended by that group's id; nothing is ever
// ended by name. Also reads the process tree and its memory from /proc (Linux).
import { spawn } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'

/** Process groups started here and not yet confirmed gone: pgid → label. */
const groups = new Map()
/** Plain children (load generators, CLIs) still running. */
const children = new Set()
/** Async steps to run when the harness stops early (PM2's own kill, for one). */
const cleanups = new Set()
/** Synchronous last resorts for the 'exit' event, when no async cleanup could run. */
const exitHooks = new Set()
/** Set once cleanup began: no new server is started after it. */
let stopping = false
/** Set when a signal interrupted the run. */
let interrupted = false

export function wasInterrupted() {
  return interrupted
}

/**
 * With --pin, which CPUs each side may run on (taskset lists): `load` for the load generator,
 * `servers` for every server process. Children inherit the affinity, so a server's workers,
 * and the PM2 daemon the pm2 CLI starts, stay on the servers' CPUs.
 */
let pinning

/** Pins the load generator and the servers to separate CPUs from now on. */
export function pinCpus(plan) {
  pinning = plan
}

/** `command args` as run on `role`'s CPUs: through taskset when pinning. */
function onCpus(role, command, args) {
  const cpus = role && pinning?.[role]
  return cpus ? ['taskset', ['-c', cpus, command, ...args]] : [command, args]
}

/** Starts a server as the leader of a new process group that the harness will clean up. */
export function spawnGroup(command, args, options) {
  if (stopping) throw new Error('the benchmark is stopping')
  const child = spawn(...onCpus('servers', command, args), { ...options, detached: true })
  if (child.pid) groups.set(child.pid, command)
  return child
}

/**
 * Starts a short-lived child (a load generator, a CLI); it is killed if the harness stops.
 * Allowed during cleanup: PM2's own `pm2 kill` is one. `role` ('load' or 'servers') says
 * which CPUs it runs on when pinning.
 */
export function spawnChild(command, args, options, role) {
  const child = spawn(...onCpus(role, command, args), options)
  children.add(child)
  child.once('exit', () => children.delete(child))
  return child
}

/**
 * Registers `fn` (async) to run if the harness is interrupted, and `lastResort` (sync) to run
 * at exit if `fn` never ran; returns a function that unregisters both.
 */
export function onCleanup(fn, lastResort) {
  cleanups.add(fn)
  if (lastResort) exitHooks.add(lastResort)
  return () => {
    cleanups.delete(fn)
    exitHooks.delete(lastResort)
  }
}

export function hasExited(child) {
  return child.exitCode !== null || child.signalCode !== null
}

/** Resolves true when `child` exits within `ms`, false otherwise. */
export function waitExit(child, ms) {
  if (hasExited(child)) return Promise.resolve(true)
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve(true)
    })
  })
}

/**
 * Stops a server started with spawnGroup: `signal` to its leader, then SIGKILL to whatever of
 * its process tree is still there after `graceMs`. Resolves true when it stopped by itself.
 */
export async function stopGroup(child, { signal = 'SIGTERM', graceMs = 10_000 } = {}) {
  const tree = snapshot(child.pid)
  if (!hasExited(child)) signalPid(child.pid, signal)
  const clean = await waitExit(child, graceMs)
  const killed = await killSnapshot(tree)
  groups.delete(child.pid)
  return clean && killed === 0
}

/** `root`'s process tree, each process with its start time, so a reused pid is never hit. */
export function snapshot(root) {
  return processTree(root).map((pid) => ({ pid, start: readStat(pid)?.start }))
}

function stillRunning({ pid, start }) {
  const stat = readStat(pid)
  return stat !== undefined && stat.start === start && stat.state !== 'Z'
}

/**
 * Waits up to a second for the processes of `tree` to end, then SIGKILLs those still running;
 * resolves with how many it killed.
 */
export async function killSnapshot(tree, waitMs = 1000) {
  const deadline = Date.now() + waitMs
  while (Date.now() < deadline && tree.some(stillRunning)) {
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  const alive = tree.filter(stillRunning)
  for (const { pid } of alive) signalPid(pid, 'SIGKILL')
  return alive.length
}

/** Sends `signal` to `pid`; false when it is already gone. */
export function signalPid(pid, signal) {
  try {
    process.kill(pid, signal)
    return true
  } catch {
    return false
  }
}

/** The fields of /proc/<pid>/stat the harness uses, or undefined when the process is gone. */
export function readStat(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after the command name, which may hold spaces: state is field 3, ppid 4, pgrp 5,
    // utime 14, stime 15, starttime 22 (proc(5)).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return {
      state: fields[0],
      ppid: Number(fields[1]),
      pgid: Number(fields[2]),
      cpuTicks: Number(fields[11]) + Number(fields[12]),
      start: fields[19],
    }
  } catch {
    return undefined
  }
}

/** `root` and all its descendants, root first. */
export function processTree(root) {
  const childrenOf = new Map()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    const stat = readStat(name)
    if (!stat) continue
    if (!childrenOf.has(stat.ppid)) childrenOf.set(stat.ppid, [])
    childrenOf.get(stat.ppid).push(Number(name))
  }
  const tree = readStat(root) ? [root] : []
  for (let i = 0; i < tree.length; i++) tree.push(...(childrenOf.get(tree[i]) ?? []))
  return tree
}

/**
 * Resident memory of one process in bytes ({ rss: 0, anon: 0 } when it is gone). `rss` is
 * VmRSS, what `ps` and the targets count; it includes the file pages of the node binary
 * (about 40 MB), shared with every other node process. `anon` is RssAnon, the memory the
 * process itself allocated: what one more master or worker really costs the machine.
 */
export function memoryOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kB = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0)
    return { rss: kB('VmRSS') * 1024, anon: kB('RssAnon') * 1024 }
  } catch {
    return { rss: 0, anon: 0 }
  }
}

/** /proc counts CPU time in USER_HZ ticks, which Linux fixes at 100 per second for user space. */
const NANOS_PER_TICK = 1e7

/**
 * CPU time used so far by each thread of each process of `tree`, in nanoseconds, keyed by
 * `pid/tid`: the scheduler's runtime (/proc/<pid>/task/<tid>/schedstat, first field). Not
 * utime + stime from /proc/<pid>/stat: those come from timer-tick samples, and on the 2-core
 * VM this bench was built on, a worker's main thread was seen at 0 ticks after 2.5 s of CPU
 * under load (a busy loop was counted right). Falls back to the ticks where schedstat is
 * missing (a kernel without SCHED_INFO).
 */
function cpuNanosOf(tree) {
  const nanos = new Map()
  for (const pid of tree) {
    try {
      for (const tid of readdirSync(`/proc/${pid}/task`)) {
        const schedstat = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8')
        nanos.set(`${pid}/${tid}`, Number(schedstat.split(' ', 1)[0]))
      }
    } catch {
      nanos.set(`${pid}`, (readStat(pid)?.cpuTicks ?? 0) * NANOS_PER_TICK)
    }
  }
  return nanos
}

/**
 * Samples the summed memory (RSS and anonymous) of `root`'s process tree, and root's own,
 * every `everyMs` until stop() is called; stop() returns the peaks, the largest number of
 * processes seen, and the CPU seconds the tree used in between (a process or thread that
 * ended meanwhile is not counted).
 */
export function sampleTree(root, everyMs = 500) {
  const peak = {
    totalBytes: 0,
    rootBytes: 0,
    totalAnonBytes: 0,
    rootAnonBytes: 0,
    processes: 0,
    cpuSeconds: 0,
  }
  const cpuAtStart = cpuNanosOf(processTree(root))
  const sample = () => {
    const tree = processTree(root)
    const sizes = tree.map(memoryOf)
    const sum = (field) => sizes.reduce((total, size) => total + size[field], 0)
    peak.totalBytes = Math.max(peak.totalBytes, sum('rss'))
    peak.rootBytes = Math.max(peak.rootBytes, sizes[0]?.rss ?? 0)
    peak.totalAnonBytes = Math.max(peak.totalAnonBytes, sum('anon'))
    peak.rootAnonBytes = Math.max(peak.rootAnonBytes, sizes[0]?.anon ?? 0)
    peak.processes = Math.max(peak.processes, tree.length)
  }
  sample()
  const timer = setInterval(sample, everyMs)
  return {
    stop() {
      clearInterval(timer)
      sample()
      let nanos = 0
      for (const [thread, now] of cpuNanosOf(processTree(root)))
        nanos += now - (cpuAtStart.get(thread) ?? 0)
      peak.cpuSeconds = nanos / 1e9
      return peak
    },
  }
}

/**
 * Ends everything the harness started: the registered cleanups (PM2's kill), then SIGTERM to
 * each server group, SIGKILL to what is left. Used on Ctrl-C, on a fatal error and at exit.
 */
export async function cleanupAll() {
  if (stopping) return
  stopping = true
  for (const child of children) signalPid(child.pid, 'SIGKILL')
  await Promise.allSettled([...cleanups].map((fn) => fn()))
  cleanups.clear()
  exitHooks.clear()
  for (const pgid of groups.keys()) signalPid(-pgid, 'SIGTERM')
  const deadline = Date.now() + 3000
  while (Date.now() < deadline && [...groups.keys()].some((pgid) => signalPid(-pgid, 0))) {
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  killGroupsNow()
}

/** Last resort, synchronous (the 'exit' event): SIGKILL every group still recorded. */
function killGroupsNow() {
  for (const pgid of groups.keys()) signalPid(-pgid, 'SIGKILL')
  groups.clear()
}

/** Cleans up on Ctrl-C, TERM, HUP, an uncaught error, and at exit whatever the reason. */
export function installCleanupHandlers() {
  const onSignal = (signal, code) => {
    // A second signal (Ctrl-C again, or a wrapper passing one on) ends the wait, not the
    // cleanup: the 'exit' hook below still kills every server group.
    if (interrupted) process.exit(code)
    interrupted = true
    process.stderr.write(`\n${signal}: stopping every server the benchmark started…\n`)
    void cleanupAll().finally(() => process.exit(code))
  }
  process.on('SIGINT', () => onSignal('SIGINT', 130))
  process.on('SIGTERM', () => onSignal('SIGTERM', 143))
  process.on('SIGHUP', () => onSignal('SIGHUP', 129))
  process.once('exit', () => {
    for (const child of children) signalPid(child.pid, 'SIGKILL')
    for (const hook of exitHooks) hook()
    killGroupsNow()
  })
}
