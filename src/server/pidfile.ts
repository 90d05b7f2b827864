/**
 * The pid file: written once the listeners are bound (if tsgi was started twice by mistake, the
 * second one fails on the bind and must not clobber the first one's pid file), removed on exit
 * only if it still holds our pid.
 * @module
 */
import { readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs'
import { dirname, join, basename } from 'node:path'

export class Pidfile {
  readonly path: string

  constructor(path: string) {
    this.path = path
  }

  /** Writes our pid; throws when another live process owns the file. */
  create(pid = process.pid): void {
    const other = this.validate()
    if (other !== undefined && other !== pid) {
      throw new Error(`already running on PID ${other} (or pid file '${this.path}' is stale)`)
    }
    // Write then rename, so a reader never sees a half-written file.
    const temp = join(dirname(this.path), `.${basename(this.path)}.${pid}.tmp`)
    try {
      writeFileSync(temp, `${pid}\n`)
      renameSync(temp, this.path)
    } catch (error) {
      rmSync(temp, { force: true })
      const code = (error as NodeJS.ErrnoException).code ?? String(error)
      throw new Error(`--pid: cannot write ${JSON.stringify(this.path)} (${code})`)
    }
  }

  /** The pid in the file if that process is alive, else undefined. */
  validate(): number | undefined {
    let pid: number
    try {
      pid = Number.parseInt(readFileSync(this.path, 'utf8').trim(), 10)
    } catch {
      return undefined
    }
    if (!Number.isInteger(pid) || pid <= 0) return undefined
    try {
      process.kill(pid, 0)
      return pid
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined
    }
  }

  /** Removes the file if it is still ours. */
  unlink(pid = process.pid): void {
    try {
      if (Number.parseInt(readFileSync(this.path, 'utf8'), 10) === pid) unlinkSync(this.path)
    } catch {
      // already gone: nothing to clean up
    }
  }
}
