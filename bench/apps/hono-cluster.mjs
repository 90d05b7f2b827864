// @hono/node-server serving the Hono hello app on node:cluster, the way its users scale it
// out: cluster's default policy (round-robin on Linux: the primary accepts every connection
// and passes it to a worker). Usage: PORT=8000 WORKERS=2 node bench/apps/hono-cluster.mjs
import cluster from 'node:cluster'

const port = Number(process.env.PORT ?? 8000)
const workers = Number(process.env.WORKERS ?? 2)

if (cluster.isPrimary) {
  for (let i = 0; i < workers; i++) cluster.fork()
  const stop = () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM')
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
  cluster.on('exit', () => Object.keys(cluster.workers ?? {}).length || process.exit(0))
} else {
  const { serve } = await import('@hono/node-server')
  const { app } = await import('./hello-hono.mjs')
  const { exitGracefully } = await import('./shutdown.mjs')
  exitGracefully(serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }))
}
