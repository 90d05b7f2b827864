/**
 * The conformance suite against the pre-fork server: the real `tsgi` command with two workers,
 * so every case also crosses the master/worker boundary.
 */
import { after } from 'node:test'
import { Tsgi } from '../integration/harness.ts'
import { conformanceSuite } from './suite.ts'

const started: Tsgi[] = []
after(() => Promise.all(started.map((tsgi) => tsgi.kill())))

conformanceSuite(
  'conformance: pre-fork server (tsgi -w 2)',
  async (env) => {
    const tsgi = new Tsgi(['-w', '2', '-b', '127.0.0.1:0', 'tests/conformance/app.ts'], env)
    started.push(tsgi)
    const url = await tsgi.url()
    await tsgi.readyWorkers(2)
    return {
      url,
      log: () => tsgi.output,
      async stop() {
        tsgi.signal('SIGTERM')
        await tsgi.exited
      },
    }
  },
  { multiprocess: true, multithread: false }
)
