/**
 * The conformance suite against the simple server, in this process.
 */
import { startSimpleServer } from '../helpers/simple-server.ts'
import { app } from './app.ts'
import { conformanceSuite } from './suite.ts'

conformanceSuite(
  'conformance: simple server',
  async (env) => {
    Object.assign(process.env, env)
    const { url, log, stop } = await startSimpleServer(app)
    return { url, log: () => log.text, stop }
  },
  { multiprocess: false, multithread: false }
)
