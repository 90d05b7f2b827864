// From the cells of every round to one figure per server × load: the median over rounds
// (errors are summed: one failed request in any round counts).
export function median(values) {
  const sorted = values
    .filter((v) => typeof v === 'number' && Number.isFinite(v))
    .sort((a, b) => a - b)
  if (sorted.length === 0) return null
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** The summary of one server × load over its rounds. */
function summariseCells(cells) {
  const ok = cells.filter((c) => !c.failure)
  const evenness = ok.map((c) => c.evenness)
  return {
    rounds: cells.length,
    failedRounds: cells.length - ok.length,
    failures: cells.filter((c) => c.failure).map((c) => c.failure),
    rps: median(ok.map((c) => c.rps)),
    rpsByRound: cells.map((c) => (c.failure ? null : Math.round(c.rps))),
    p50Ms: median(ok.map((c) => c.p50Ms)),
    p99Ms: median(ok.map((c) => c.p99Ms)),
    errors: ok.reduce((sum, c) => sum + c.errorsTotal, 0),
    requests: ok.reduce((sum, c) => sum + c.requests, 0),
    rssTotalMB: median(ok.map((c) => c.rssTotalMB)),
    rssMasterMB: median(ok.map((c) => c.rssMasterMB)),
    anonTotalMB: median(ok.map((c) => c.anonTotalMB)),
    anonMasterMB: median(ok.map((c) => c.anonMasterMB)),
    cpuUsPerRequest: median(ok.map((c) => c.cpuUsPerRequest)),
    launchMs: median(cells.map((c) => c.launchMs)),
    // A worker that served nothing makes evenness infinite: the median then says so too.
    evenness: evenness.some((e) => e === null) && ok.length ? null : median(evenness),
    perWorker: ok.map((c) => Object.values(c.perWorker)),
    stoppedCleanly: cells.every((c) => c.stoppedCleanly),
  }
}

/** summary[load][server] for every pair that ran. */
export function summarise(cells) {
  const summary = {}
  for (const cell of cells) {
    summary[cell.load] ??= {}
    summary[cell.load][cell.server] ??= []
    summary[cell.load][cell.server].push(cell)
  }
  for (const load of Object.keys(summary)) {
    for (const server of Object.keys(summary[load])) {
      summary[load][server] = summariseCells(summary[load][server])
    }
  }
  return summary
}
