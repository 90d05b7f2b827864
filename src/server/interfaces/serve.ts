/**
 * What a worker serves, whatever the app's interface: a request listener, and an upgrade
 * listener for apps that take WebSocket handshakes. Every interface reports each finished
 * request with the same record, so the access log and --max-requests work for all three.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { ErrorLog, RequestRecord } from '../../core/handler.ts'
import type { Environ, ErrorStream } from '../../spec/types.ts'
import type { LoadedApp, UpgradeListener } from './detect.ts'
import { serveFetch } from './fetch.ts'
import { serveNode } from './node.ts'
import { serveTsgi } from './tsgi.ts'

/** A finished request. Only TSGI requests have an environ. */
export type ExchangeRecord = Omit<RequestRecord, 'environ'> & { environ?: Environ }

export interface ServeOptions {
  /** `tsgi.multiprocess`: true in the pre-fork workers. */
  multiprocess: boolean
  errorLog: ErrorLog
  /** `tsgi.errors`, for TSGI apps. */
  errors: ErrorStream
  /**
   * Whether records must carry the body byte count (the access log is on). Counting a Node
   * listener's bytes means wrapping `res.write`/`res.end`, which costs every request.
   */
  countBodyBytes?: boolean
  /** Called once per request when its response has ended or the client has gone. */
  onFinish: (record: ExchangeRecord) => void
}

export interface ServeHandler {
  request: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>
  /** Present when the app takes `upgrade` requests; the server listens for them only then. */
  upgrade?: UpgradeListener
}

/** The listeners that serve `app` through its interface. */
export function createServeHandler(app: LoadedApp, options: ServeOptions): ServeHandler {
  switch (app.interface) {
    case 'tsgi':
      return serveTsgi(app.app, app.guessed ? app.how : undefined, options)
    case 'fetch':
      return serveFetch(app.handler, options)
    case 'node':
      return serveNode(app.listener, app.upgrade, options)
  }
}
