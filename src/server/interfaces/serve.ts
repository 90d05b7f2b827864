/**
 * What a worker serves, whatever the app's interface: a request listener, and an upgrade
 * listener for apps that take WebSocket handshakes. Every interface reports each finished
 * request with the same record, so the access log and --max-requests work for all three.
 * @module
 */
import type { IncomingMessage, ServerOptions, ServerResponse } from 'node:http'
import type { ForwardedScheme } from '../../core/forwarded-scheme.ts'
import type { ErrorLog, RequestRecord } from '../../core/handler.ts'
import type { Environ, ErrorStream } from '../../spec/types.ts'
import type { LoadedApp, UpgradeListener } from './detect.ts'

/** A finished request. Only TSGI requests have an environ. */
export type ExchangeRecord = Omit<RequestRecord, 'environ'> & { environ?: Environ }

export interface ServeOptions {
  /** `tsgi.multiprocess`: true in the pre-fork workers. */
  multiprocess: boolean
  errorLog: ErrorLog
  /** `tsgi.errors`, for TSGI apps. */
  errors: ErrorStream
  /**
   * Which proxies may say a request came over HTTPS (`tsgi.url_scheme`, a fetch handler's
   * `request.url`). A Node handler reads `req` itself, through its framework's own proxy
   * settings (Express's `trust proxy`).
   */
  forwardedScheme?: ForwardedScheme
  /**
   * Whether the access log is on, so records must carry what it prints after the response
   * has closed: the body byte count (for a Node listener that means wrapping `res.write` and
   * `res.end`, which costs every request) and the client's address (read while the socket is
   * open, since Node forgets it on close; a getpeername call per connection). Default true.
   */
  accessLog?: boolean
  /** Called once per request when its response has ended or the client has gone. */
  onFinish: (record: ExchangeRecord) => void
}

export interface ServeHandler {
  request: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>
  /**
   * node:http options the interface is safe under and gains from, for the worker's server. Only
   * TSGI has some: its app never sees `req` (core/handler.ts). A Node listener gets `req` itself,
   * and a fetch handler gets it as `env.incoming`: their requests keep every stream event.
   */
  serverOptions?: Readonly<ServerOptions>
  /** Present when the app takes `upgrade` requests; the server listens for them only then. */
  upgrade?: UpgradeListener
}

/** Makes the listeners that serve one app, given the worker's options. */
export type Serve = (options: ServeOptions) => ServeHandler

/**
 * Loads the code that serves `app`'s interface, and only that: a worker serving a TSGI app or a
 * Node handler never loads the fetch interface (nor undici behind it), which costs start time
 * and memory.
 */
export async function loadServe(app: LoadedApp): Promise<Serve> {
  switch (app.interface) {
    case 'tsgi': {
      const { serveTsgi } = await import('./tsgi.ts')
      return (options) => serveTsgi(app.app, app.guessed ? app.how : undefined, options)
    }
    case 'fetch': {
      const { serveFetch } = await import('./fetch.ts')
      return (options) => serveFetch(app.handler, options)
    }
    case 'node': {
      const { serveNode } = await import('./node.ts')
      return (options) => serveNode(app.listener, app.upgrade, options)
    }
  }
}
