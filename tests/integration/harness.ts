/**
 * Drives the real `tsgi` command for integration tests: spawn it, wait for its log lines, send
 * signals, put it under bounded load, and make sure nothing it started outlives the test.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { Agent, request } from 'node:http'
import { connect } from 'node:net'
import { fileURLToPath } from 'node:url'
import type { TestContext } from 'node:test'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const BIN = fileURLToPath(new URL('../../bin/tsgi.js', import.meta.url))
export const FIXTURES = fileURLToPath(new URL('../fixtures/apps/', import.meta.url))

export interface Line {
  text: string
  at: number
}

/** A running `tsgi` master, its log lines, and the workers it said it booted. */
export class Tsgi {
  readonly child: ChildProcess
  readonly lines: Line[] = []
  readonly #waiters = new Set<{
    pattern: RegExp
    from: number
    resolve: (m: RegExpMatchArray) => void
  }>()
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>

  /**
   * `launcher` is a command that execs tsgi in its own process (so `pid` is still tsgi's),
   * such as tests/fixtures/bin/socket-activate.py.
   */
  constructor(args: string[], env: Record<string, string> = {}, launcher: string[] = []) {
    const [command, ...prefix] = [...launcher, process.execPath, BIN, ...args]
    this.child = spawn(command!, prefix, {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    for (const stream of [this.child.stdout!, this.child.stderr!]) this.#collect(stream)
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => resolve({ code, signal }))
    )
  }

  /** Starts tsgi, registers cleanup on `t`, and waits until it listens and its workers are up. */
  static async start(
    t: TestContext,
    args: string[],
    env?: Record<string, string>,
    launcher?: string[]
  ): Promise<Tsgi> {
    const tsgi = new Tsgi(args, env, launcher)
    t.after(() => tsgi.kill())
    return tsgi
  }

  get pid(): number {
    return this.child.pid!
  }

  get output(): string {
    return this.lines.map((line) => line.text).join('\n')
  }

  /** Resolves with the first line (from index `from`) matching `pattern`; rejects on timeout or exit. */
  waitFor(pattern: RegExp, timeoutMs = 15_000, from = 0): Promise<RegExpMatchArray> {
    for (let i = from; i < this.lines.length; i++) {
      const match = this.lines[i]!.text.match(pattern)
      if (match) return Promise.resolve(match)
    }
    return new Promise((resolve, reject) => {
      const waiter = { pattern, from, resolve: (m: RegExpMatchArray) => finish(() => resolve(m)) }
      const timer = setTimeout(
        () =>
          finish(() =>
            reject(new Error(`timed out waiting for ${pattern}\n--- output:\n${this.output}`))
          ),
        timeoutMs
      )
      const onExit = () =>
        finish(() =>
          reject(new Error(`tsgi exited while waiting for ${pattern}\n--- output:\n${this.output}`))
        )
      this.child.once('exit', onExit)
      const finish = (settle: () => void) => {
        clearTimeout(timer)
        this.child.off('exit', onExit)
        this.#waiters.delete(waiter)
        settle()
      }
      this.#waiters.add(waiter)
    })
  }

  /** Waits for "Listening at: http://HOST:PORT" and returns the URL. */
  async url(): Promise<string> {
    const match = await this.waitFor(/Listening at: (http:\/\/\S+)/)
    return match[1]!
  }

  /** Waits until `count` workers have reported ready since line `from`. */
  async readyWorkers(count: number, from = 0, timeoutMs = 15_000): Promise<number[]> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const pids = this.lines
        .slice(from)
        .flatMap((l) => l.text.match(/Worker ready \(pid: (\d+)\)/)?.[1] ?? [])
      if (pids.length >= count) return pids.map(Number)
      const left = deadline - Date.now()
      if (left <= 0)
        throw new Error(`only ${pids.length}/${count} workers ready\n--- output:\n${this.output}`)
      await this.waitFor(/Worker ready/, left, this.lines.length)
    }
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal)
  }

  /** Kills the master and every worker it booted that is still alive (cleanup on any path). */
  async kill(): Promise<void> {
    const workers = this.lines.flatMap(
      (l) => l.text.match(/Booting worker with pid: (\d+)/)?.[1] ?? []
    )
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL')
    for (const pid of workers) {
      try {
        process.kill(Number(pid), 'SIGKILL')
      } catch {
        // already gone
      }
    }
    await this.exited
  }

  #collect(stream: NodeJS.ReadableStream): void {
    let pending = ''
    stream.setEncoding('utf8')
    stream.on('data', (data: string) => {
      const parts = (pending + data).split('\n')
      pending = parts.pop() ?? ''
      for (const text of parts) this.#addLine(text)
    })
  }

  #addLine(text: string): void {
    const index = this.lines.length
    this.lines.push({ text, at: Date.now() })
    if (process.env.TSGI_TEST_VERBOSE) process.stderr.write(`[tsgi ${this.pid}] ${text}\n`)
    for (const waiter of this.#waiters) {
      if (index < waiter.from) continue
      const match = text.match(waiter.pattern)
      if (match) waiter.resolve(match)
    }
  }
}

/** True while the process exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Polls `isAlive` on an event-free resource (a pid) until it is gone; bounded. */
export async function waitForExit(pid: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (isAlive(pid)) {
    if (Date.now() > deadline) throw new Error(`pid ${pid} still alive after ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

export interface Response {
  status: number
  body: string
  headers: Record<string, string | string[] | undefined>
}

/** One GET (or other) request, bounded in time; over a Unix socket with `socketPath`. */
export function get(
  url: string,
  options: {
    agent?: Agent
    method?: string
    headers?: Record<string, string>
    socketPath?: string
  } = {}
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        agent: options.agent,
        method: options.method ?? 'GET',
        headers: options.headers,
        socketPath: options.socketPath,
        timeout: 10_000,
      },
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (d: string) => (body += d))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }))
        res.on('error', reject)
      }
    )
    req.on('timeout', () => req.destroy(new Error('request timed out')))
    req.on('error', reject)
    req.end()
  })
}

export interface LoadResult {
  ok: number
  failed: number
  errors: string[]
  byBody: Map<string, number>
}

/**
 * Keeps `concurrency` keep-alive clients sending requests until `until` settles (or `maxMs`
 * passes, or `maxRequests` were sent), and counts what failed: any error or non-200 status.
 */
export async function load(
  url: string,
  {
    concurrency = 8,
    until,
    maxMs = 30_000,
    maxRequests = 200_000,
  }: { concurrency?: number; until: Promise<unknown>; maxMs?: number; maxRequests?: number }
): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency })
  const result: LoadResult = { ok: 0, failed: 0, errors: [], byBody: new Map() }
  let done = false
  void until.finally(() => (done = true))
  const stop = setTimeout(() => (done = true), maxMs)
  let sent = 0
  const client = async () => {
    while (!done && sent < maxRequests) {
      sent++
      try {
        const res = await get(url, { agent })
        if (res.status === 200) {
          result.ok++
          result.byBody.set(res.body, (result.byBody.get(res.body) ?? 0) + 1)
        } else {
          result.failed++
          result.errors.push(`status ${res.status}`)
        }
      } catch (error) {
        result.failed++
        result.errors.push((error as Error).message)
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, client))
  clearTimeout(stop)
  agent.destroy()
  return result
}

/** Sends `raw` on one connection and resolves with all it got back once the server closes it. */
export function exchangeRaw(url: string, raw: string): Promise<string> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(raw))
    let received = ''
    socket.setEncoding('latin1')
    socket.on('data', (chunk: string) => (received += chunk))
    socket.on('close', () => resolve(received))
    socket.on('error', reject)
    socket.setTimeout(10_000, () => socket.destroy(new Error('no close from the server')))
  })
}
