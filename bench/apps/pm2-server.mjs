// The script PM2 runs in cluster mode (`pm2 start bench/apps/pm2-server.mjs -i 2`): a plain
// node:http server with the Node-handler hello app. PM2's daemon is the node:cluster primary.
import { createServer } from 'node:http'
import { app } from './hello-node.mjs'
import { exitGracefully } from './shutdown.mjs'

const server = createServer(app).listen(Number(process.env.PORT ?? 8000), '127.0.0.1')
exitGracefully(server)
