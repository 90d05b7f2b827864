// Graceful stop for the benchmark's own Node launchers (bare cluster, PM2, Hono), the way a
// careful app does it: on TERM or INT stop accepting, let in-flight requests finish, close
// idle keep-alive connections, then exit (which writes the request count, see work.mjs).
const FORCE_EXIT_MS = 5000

/** Installs the TERM/INT handlers for `server`, a listening http.Server. */
export function exitGracefully(server) {
  const stop = () => {
    server.close(() => process.exit(0))
    server.closeIdleConnections()
    setTimeout(() => process.exit(0), FORCE_EXIT_MS).unref()
  }
  process.once('SIGTERM', stop)
  process.once('SIGINT', stop)
}
