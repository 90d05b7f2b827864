/**
 * The master's view of one worker process: its state and the timestamps the arbiter's
 * housekeeping reads. State only moves forward, so no worker is ever signalled twice.
 * @module
 */
import type { ChildProcess } from 'node:child_process'

/**
 * booting → ready → retiring (wants a replacement; still serving) → draining (told to stop)
 * → gone. `aborted`/`killed` record the timeout kill, which can happen in any state.
 */
export type WorkerState = 'booting' | 'ready' | 'retiring' | 'draining'

export class WorkerHandle {
  readonly child: ChildProcess
  readonly pid: number
  /** Spawn order; lower is older. */
  readonly age: number
  readonly generation: number
  readonly spawnedAt: number
  state: WorkerState = 'booting'
  /** Set when a reload (not the worker itself) asked for this worker's retirement. */
  retiredByReload = false
  /** What the worker said when it failed to boot, if it said anything. */
  bootError: string | undefined
  lastBeat: number
  /** Connections the worker held at its last heartbeat, and when that was. */
  connections = 0
  connectionsAt = 0
  readyAt = 0
  drainingSince = 0
  abortedAt = 0
  killed = false

  constructor(child: ChildProcess, age: number, generation: number, now: number) {
    this.child = child
    this.pid = child.pid ?? 0
    this.age = age
    this.generation = generation
    this.spawnedAt = now
    this.lastBeat = now
  }

  /** Counts toward --workers: booting or serving, and not on its way out. */
  get active(): boolean {
    return this.state === 'booting' || this.state === 'ready'
  }

  signal(signal: NodeJS.Signals): void {
    try {
      this.child.kill(signal)
    } catch {
      // already gone: its exit event is on the way
    }
  }

  send(message: object, handle?: object): void {
    if (!this.child.connected) return
    this.child.send(message, handle as never, (error) => {
      // A worker that died mid-send is reaped on its exit event; nothing else to do.
      void error
    })
  }
}
