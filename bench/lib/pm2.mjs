// PM2, run with a private PM2_HOME in a temporary directory, so a user's own PM2 (its daemon,
// its process list) is never touched; `pm2 kill` in that home ends its daemon afterwards, also
// when the harness is interrupted.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { killSnapshot, onCleanup, processTree, snapshot, spawnChild } from './procs.mjs'

const CLI_LIMIT_MS = 60_000

export class Pm2 {
  #bin
  #home
  #unregister
  /** The daemon's pid: PM2's "God" process, which is the node:cluster primary. */
  daemonPid = 0
  /** How long the daemon took to start, in ms (measured once, by `pm2 ping`). */
  daemonStartMs = 0

  constructor(bin) {
    this.#bin = bin
  }

  /** Runs a pm2 command in the private home; resolves with its exit code and output. */
  run(args, env = {}) {
    return new Promise((resolve, reject) => {
      // On the servers' CPUs: the daemon this CLI starts, and its workers, inherit them.
      const options = {
        env: { ...process.env, ...env, PM2_HOME: this.#home },
        stdio: ['ignore', 'pipe', 'pipe'],
      }
      const child = spawnChild(process.execPath, [this.#bin, ...args], options, 'servers')
      let output = ''
      child.stdout.on('data', (d) => (output += d))
      child.stderr.on('data', (d) => (output += d))
      const timer = setTimeout(() => child.kill('SIGKILL'), CLI_LIMIT_MS)
      child.once('error', reject)
      child.once('exit', (code) => {
        clearTimeout(timer)
        resolve({ code, output })
      })
    })
  }

  /** Starts the daemon in a new private home. */
  async up() {
    this.#home = mkdtempSync(join(tmpdir(), 'tsgi-bench-pm2-'))
    this.#unregister = onCleanup(
      () => this.down(),
      () => this.#downSync()
    )
    const started = performance.now()
    const { code, output } = await this.run(['ping'])
    this.daemonStartMs = performance.now() - started
    if (code !== 0) throw new Error(`pm2 ping failed: ${output.trim().split('\n').at(-1)}`)
    this.daemonPid = Number(readFileSync(join(this.#home, 'pm2.pid'), 'utf8'))
  }

  /** The pids of the daemon's children (the app's workers). */
  workerPids() {
    return processTree(this.daemonPid).slice(1)
  }

  /** `pm2 kill` in the private home, then SIGKILL for anything of the daemon's tree left. */
  async down() {
    if (!this.#home) return
    const tree = snapshot(this.daemonPid)
    await this.run(['kill'])
    await killSnapshot(tree, 3000)
    this.#forget()
  }

  /** The same, synchronously, for the harness's 'exit' event. */
  #downSync() {
    if (!this.#home) return
    const tree = snapshot(this.daemonPid)
    spawnSync(process.execPath, [this.#bin, 'kill'], {
      env: { ...process.env, PM2_HOME: this.#home },
      timeout: 15_000,
      stdio: 'ignore',
    })
    void killSnapshot(tree, 0)
    this.#forget()
  }

  #forget() {
    rmSync(this.#home, { recursive: true, force: true })
    this.#home = undefined
    this.#unregister?.()
  }
}
