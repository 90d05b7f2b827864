// The performance mode: every available server under every chosen load, interleaved over the
// rounds (round 1: load 1 × every server, load 2 × every server, …; then round 2 …).
import { runCell } from './cell.mjs'

const fmt = (n, d = 0) => (n == null ? '–' : n.toFixed(d))

function describeCell(c) {
  if (c.failure) return `FAILED: ${c.failure.split('\n')[0]}`
  const workers = Object.values(c.perWorker).join('/')
  return [
    `${fmt(c.rps)} req/s`,
    `p50 ${fmt(c.p50Ms, 2)} ms`,
    `p99 ${fmt(c.p99Ms, 2)} ms`,
    `errors ${c.errorsTotal}`,
    `CPU ${fmt(c.cpuUsPerRequest, 1)} µs/req`,
    `RSS ${fmt(c.rssTotalMB)} MB (master ${fmt(c.rssMasterMB)})`,
    `anon ${fmt(c.anonTotalMB)} MB (master ${fmt(c.anonMasterMB)})`,
    `launch ${fmt(c.launchMs)} ms`,
    `per worker ${workers || '–'}`,
  ].join('  ')
}

/** Runs every cell; resolves with the list of cells. `say` prints progress. */
export async function runPerformance({ servers, loads, plan, ctx, generator, say }) {
  const cells = []
  const total = plan.rounds * loads.length * servers.length
  for (let round = 1; round <= plan.rounds; round++) {
    for (const load of loads) {
      for (const server of servers) {
        const cell = await runCell({ server, load, round, plan, ctx, generator })
        cells.push(cell)
        const where = `[${cells.length}/${total}] r${round} ${load.id} ${server.id}`
        say(`${where.padEnd(44)} ${describeCell(cell)}`)
      }
    }
  }
  return cells
}
