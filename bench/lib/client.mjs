// The reliability client: a fixed number of request loops against one URL, some on keep-alive
// connections, some opening a connection per request (Connection: close). Each request either
// gets a complete 200 response or is counted as failed, with the reason. No retries: a
// request a real client would have seen fail is a failure.
import { Agent, request } from 'node:http'

const TIMEOUT_MS = 5000
/** After a failure a loop pauses this long, so a server that is down is not spun against. */
const PAUSE_AFTER_FAILURE_MS = 10

function once(url, agent, headers) {
  return new Promise((resolve) => {
    const req = request(url, { agent, headers, timeout: TIMEOUT_MS }, (res) => {
      res.once('error', (e) => resolve(e.code ?? e.message))
      res.once('aborted', () => resolve('response aborted'))
      res.once('end', () => resolve(res.statusCode === 200 ? 'ok' : `status ${res.statusCode}`))
      res.resume()
    })
    req.once('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'timeout' })))
    req.once('error', (e) => resolve(e.code ?? e.message))
    req.end()
  })
}

/** Starts the loops; stop() ends them after their current request and returns the counts. */
export function startClient(url, { keepAlive = 8, close = 4 } = {}) {
  const stats = { ok: 0, failed: 0, reasons: {} }
  const agents = []
  let running = true
  const loop = async (agent, headers) => {
    const kind = agent ? 'keep-alive' : 'close'
    while (running) {
      const outcome = await once(url, agent, headers)
      if (outcome === 'ok') {
        stats.ok++
        continue
      }
      stats.failed++
      const reason = `${kind}: ${outcome}`
      stats.reasons[reason] = (stats.reasons[reason] ?? 0) + 1
      await new Promise((resolve) => setTimeout(resolve, PAUSE_AFTER_FAILURE_MS))
    }
  }
  const loops = []
  for (let i = 0; i < keepAlive; i++) {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 })
    agents.push(agent)
    loops.push(loop(agent, {}))
  }
  for (let i = 0; i < close; i++) loops.push(loop(false, { Connection: 'close' }))
  return {
    stats,
    describe: `${keepAlive} keep-alive and ${close} connection-close request loops`,
    async stop() {
      running = false
      await Promise.all(loops)
      for (const agent of agents) agent.destroy()
      return stats
    },
  }
}
