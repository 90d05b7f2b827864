/**
 * `--reload`: notices a changed source file under the app's directory, as Gunicorn's reloader
 * notices a changed module, so the master can reload its workers. One watch per directory,
 * `node_modules` and dot directories left out, and directories added as they appear: Node's
 * recursive `fs.watch` would walk node_modules too, often tens of thousands of directories.
 * @module
 */
import { type FSWatcher, readdirSync, statSync, watch } from 'node:fs'
import { join, relative } from 'node:path'

/** The files whose change reloads: code and JSON, as an app imports them. */
const SOURCE_FILE = /\.(?:[cm]?[jt]s|[jt]sx|json)$/

/** Editors save in bursts (a temporary file, a rename): one reload per burst. */
const SETTLE_MS = 100

export interface CodeWatcherOptions {
  /** Called once per burst of changes, with the first changed file, relative to the root. */
  onChange: (file: string) => void
  /** A directory that cannot be watched (the inotify limit, say): watching goes on without it. */
  onError: (error: Error) => void
}

export class CodeWatcher {
  readonly #root: string
  readonly #options: CodeWatcherOptions
  readonly #watchers = new Map<string, FSWatcher>()
  #firstChanged: string | undefined
  #timer: NodeJS.Timeout | undefined

  constructor(root: string, options: CodeWatcherOptions) {
    this.#root = root
    this.#options = options
    this.#watchTree(root)
  }

  close(): void {
    clearTimeout(this.#timer)
    for (const watcher of this.#watchers.values()) watcher.close()
    this.#watchers.clear()
  }

  #watchTree(dir: string): void {
    if (this.#watchers.has(dir)) return
    let watcher: FSWatcher
    try {
      // Not persistent: a master on its way out does not wait for its watches.
      watcher = watch(dir, { persistent: false }, (_, name) => this.#onEvent(dir, name))
    } catch (error) {
      if ((error as { code?: string }).code !== 'ENOENT') this.#options.onError(error as Error)
      return
    }
    watcher.on('error', () => this.#unwatch(dir))
    this.#watchers.set(dir, watcher)
    for (const entry of subdirectories(dir)) this.#watchTree(join(dir, entry))
  }

  #unwatch(dir: string): void {
    this.#watchers.get(dir)?.close()
    this.#watchers.delete(dir)
  }

  #onEvent(dir: string, name: string | Buffer | null): void {
    if (typeof name !== 'string' || skipped(name)) return
    const path = join(dir, name)
    if (isDirectory(path)) this.#watchTree(path)
    else if (this.#watchers.has(path)) this.#unwatch(path)
    if (SOURCE_FILE.test(name)) this.#changed(path)
  }

  #changed(path: string): void {
    this.#firstChanged ??= path
    clearTimeout(this.#timer)
    this.#timer = setTimeout(() => {
      const file = this.#firstChanged!
      this.#firstChanged = undefined
      this.#options.onChange(relative(this.#root, file))
    }, SETTLE_MS)
  }
}

/** node_modules changes with installs, not edits; dot directories are tools' (.git, .cache). */
function skipped(name: string): boolean {
  return name === 'node_modules' || name.startsWith('.')
}

function subdirectories(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && !skipped(entry.name))
      .map((entry) => entry.name)
  } catch {
    return [] // gone, or not readable: nothing to watch there
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}
