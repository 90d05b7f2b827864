/**
 * A simple server on 127.0.0.1 and a free port, with its log captured, for tests.
 * @module
 */
import type { HandlerOptions } from '../../src/core/handler.ts'
import { makeServer, type SimpleServer } from '../../src/ref/simple-server.ts'
import type { Application } from '../../src/spec/types.ts'
import { LogCapture } from './log.ts'

export interface RunningServer {
  server: SimpleServer
  port: number
  /** `http://127.0.0.1:<port>` */
  url: string
  log: LogCapture
  /** Closes the server and every connection still open; safe to call twice. */
  stop(): Promise<void>
}

/**
 * Starts `app` on a simple server bound to port 0. Pass the test context to have it stopped
 * when the test (or suite) ends, whether it passed or not.
 */
export async function startSimpleServer(
  app: Application,
  options: HandlerOptions = {},
  context?: { after(fn: () => unknown): void }
): Promise<RunningServer> {
  const log = new LogCapture()
  const server = makeServer('127.0.0.1', 0, app, { errorLog: log, errors: log.errors, ...options })
  const { port } = await server.listen()
  const stop = async () => {
    const closing = server.close()
    server.http.closeAllConnections()
    await closing
  }
  context?.after(stop)
  return { server, port, url: `http://127.0.0.1:${port}`, log, stop }
}
