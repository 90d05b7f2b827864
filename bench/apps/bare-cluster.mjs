// The limit: the least code that runs a Node handler in 2 processes on one port. The master
// binds the socket and hands it to the workers (node:cluster's SCHED_NONE policy: the master
// never accepts), each worker runs a plain node:http server on it and the kernel spreads the
// connections. Usage: PORT=8000 WORKERS=2 node bench/apps/bare-cluster.mjs
import cluster from 'node:cluster'
import { createServer } from 'node:http'

const port = Number(process.env.PORT ?? 8000)
const workers = Number(process.env.WORKERS ?? 2)

if (cluster.isPrimary) {
  cluster.schedulingPolicy = cluster.SCHED_NONE
  for (let i = 0; i < workers; i++) cluster.fork()
  const stop = (signal) => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal)
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGTERM'))
  // Exits once every worker is gone: the harness waits for the master.
  cluster.on('exit', () => Object.keys(cluster.workers ?? {}).length || process.exit(0))
} else {
  const { app } = await import('./hello-node.mjs')
  const { exitGracefully } = await import('./shutdown.mjs')
  const server = createServer(app).listen(port, '127.0.0.1')
  exitGracefully(server)
}
