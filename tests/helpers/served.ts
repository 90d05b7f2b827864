/**
 * A node:http server running a worker's serve handler (src/server/interfaces/) in the test
 * process, on 127.0.0.1 and port 0: the interfaces without the arbiter. It records what the
 * worker would give the access log, and what the app logged as an error.
 * @module
 */
import { createServer, type Server } from 'node:http'
import type { Socket } from 'node:net'
import type { TestContext } from 'node:test'
import type { LoadedApp } from '../../src/server/interfaces/detect.ts'
import { loadServe, type ExchangeRecord } from '../../src/server/interfaces/serve.ts'
import { LogCapture } from './log.ts'

export interface Served {
  url: string
  port: number
  server: Server
  records: ExchangeRecord[]
  log: LogCapture
  /** Resolves with the next record (the next finished request). */
  nextRecord(): Promise<ExchangeRecord>
}

export async function serve(t: TestContext, app: LoadedApp): Promise<Served> {
  const log = new LogCapture()
  const records: ExchangeRecord[] = []
  let waiting: ((record: ExchangeRecord) => void) | undefined
  const handler = (await loadServe(app))({
    multiprocess: false,
    errorLog: log,
    errors: log.errors,
    onFinish: (record) => {
      records.push(record)
      waiting?.(record)
      waiting = undefined
    },
  })
  // With the options the worker gives its server for this interface (src/server/worker.ts).
  const server = createServer({ ...handler.serverOptions })
  server.on('request', (req, res) => void handler.request(req, res))
  server.on('checkContinue', (req, res) => void handler.request(req, res))
  if (handler.upgrade) server.on('upgrade', handler.upgrade)
  // Every socket, upgraded ones too (node:http lets go of those), is destroyed on cleanup.
  const sockets = new Set<Socket>()
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => {
    for (const socket of sockets) socket.destroy()
    return new Promise<void>((resolve) => server.close(() => resolve()))
  })
  const { port } = server.address() as { port: number }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    records,
    log,
    nextRecord: () => new Promise((resolve) => (waiting = resolve)),
  }
}
