/**
 * Observations that cross the process boundary. The conformance app may run in worker
 * processes, so what happens inside it ("the generator's finally ran", "the signal fired") is
 * appended to a file per probe id in the directory named by TSGI_CONFORMANCE_DIR, which the
 * test creates and reads. Appends are synchronous and line-sized, so events from one process
 * keep their order and lines from several processes never interleave.
 * @module
 */
import { appendFileSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { waitUntil } from '../helpers/wait.ts'

export const PROBE_DIR_VARIABLE = 'TSGI_CONFORMANCE_DIR'

/** App side: notes that `event` happened for the request carrying probe `id`. */
export function record(id: string, event: string): void {
  const dir = process.env[PROBE_DIR_VARIABLE]
  if (!dir) throw new Error(`${PROBE_DIR_VARIABLE} is not set: the conformance app cannot record`)
  appendFileSync(probeFile(dir, id), event + '\n')
}

/** Test side: the events recorded in one directory. */
export class ProbeLog {
  readonly dir: string
  #next = 0

  constructor(dir: string) {
    this.dir = dir
  }

  /** A probe id not used before in this directory. */
  newId(label: string): string {
    return `${label}-${process.pid}-${++this.#next}`
  }

  /** The events recorded for `id` so far, in order. */
  events(id: string): string[] {
    try {
      return readFileSync(probeFile(this.dir, id), 'latin1').split('\n').filter(Boolean)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
      throw error
    }
  }

  count(id: string, event: string): number {
    return this.events(id).filter((e) => e === event).length
  }

  /** Waits until `event` was recorded for `id`; resolves with all events so far. */
  waitFor(id: string, event: string, timeout?: number): Promise<string[]> {
    return waitUntil(
      () => {
        const events = this.events(id)
        return events.includes(event) && events
      },
      {
        timeout,
        what: () => `event "${event}" of probe ${id} (so far: ${this.events(id).join(', ')})`,
      }
    )
  }
}

function probeFile(dir: string, id: string): string {
  if (!/^[\w.-]{1,100}$/.test(id)) throw new Error(`bad probe id ${JSON.stringify(id)}`)
  return join(dir, `${id}.events`)
}
