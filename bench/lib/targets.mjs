// The targets of issue 5, checked against one run's figures. Each: what is compared, the
// measured value, and whether it is met (null when the run lacks a figure it needs).
const KA = 'hello-keepalive'

function rps(summary, load, server) {
  return summary[load]?.[server]?.rps ?? null
}

function ratioTarget(summary, name, server, peer, factor) {
  const ours = rps(summary, KA, server)
  const theirs = rps(summary, KA, peer)
  if (ours === null || theirs === null) return { target: name, measured: 'not measured', met: null }
  const ratio = ours / theirs
  // Three decimals where two would round a miss up to the target (4.998 is not 5.00).
  const shown =
    ratio < factor && ratio.toFixed(2) === factor.toFixed(2) ? ratio.toFixed(3) : ratio.toFixed(2)
  return {
    target: name,
    measured: `${shown}×${context(summary, server, peer)}`,
    met: ratio >= factor,
  }
}

/**
 * What tells a miss of tsgi's own from one of the machine's: against bare, the ratio of CPU
 * time per request (steadier than req/s); against a peer, what bare node:http itself reaches.
 */
function context(summary, server, peer) {
  if (peer === 'bare') {
    const ours = summary[KA]?.[server]?.cpuUsPerRequest
    const bare = summary[KA]?.bare?.cpuUsPerRequest
    return ours && bare ? ` (CPU per request: ${(ours / bare).toFixed(2)}× bare's)` : ''
  }
  const bare = rps(summary, KA, 'bare')
  const theirs = rps(summary, KA, peer)
  return bare !== null && theirs ? ` (bare node:http: ${(bare / theirs).toFixed(2)}×)` : ''
}

/** The worst evenness of the tsgi servers over every load (null: a worker served nothing). */
function evennessTarget(summary, tsgiIds) {
  let worst = 0
  let where = ''
  for (const [load, servers] of Object.entries(summary)) {
    for (const id of tsgiIds) {
      const s = servers[id]
      if (!s || s.rps === null) continue
      const e = s.evenness ?? Infinity
      if (e > worst) [worst, where] = [e, `${id}, ${load}`]
    }
  }
  if (!where)
    return { target: 'evenness ≤ 1.25 (tsgi, every load)', measured: 'not measured', met: null }
  const shown = Number.isFinite(worst) ? worst.toFixed(2) : '∞ (a worker served nothing)'
  return {
    target: 'evenness ≤ 1.25 (tsgi, every load)',
    measured: `worst ${shown} (${where})`,
    met: worst <= 1.25,
  }
}

function maxOver(summary, tsgiIds, field) {
  const values = []
  for (const servers of Object.values(summary)) {
    for (const id of tsgiIds) if (servers[id]?.[field] != null) values.push(servers[id][field])
  }
  return values.length ? Math.max(...values) : null
}

function launchTarget(summary, tsgiIds) {
  const launches = (id) =>
    Object.values(summary)
      .map((s) => s[id]?.launchMs)
      .filter((v) => v != null)
  const median = (v) => (v.length ? v.sort((a, b) => a - b)[v.length >> 1] : null)
  const bare = median(launches('bare'))
  const ours = median(tsgiIds.flatMap(launches))
  if (bare === null || ours === null)
    return { target: 'launch ≤ 1.2× bare', measured: 'not measured', met: null }
  return {
    target: 'launch to first response ≤ 1.2× bare',
    measured: `${ours.toFixed(0)} ms vs ${bare.toFixed(0)} ms (${(ours / bare).toFixed(2)}×)`,
    met: ours <= 1.2 * bare,
  }
}

/** The performance targets, from summary[load][server]. */
export function performanceTargets(summary) {
  const tsgiIds = ['tsgi-async', 'tsgi-sync', 'tsgi-fetch', 'tsgi-node']
  const masterMB = maxOver(summary, tsgiIds, 'rssMasterMB')
  const masterAnonMB = maxOver(summary, tsgiIds, 'anonMasterMB')
  const errors = tsgiIds.reduce(
    (sum, id) =>
      sum + Object.values(summary).reduce((s, servers) => s + (servers[id]?.errors ?? 0), 0),
    0
  )
  return [
    ratioTarget(summary, 'tsgi async ≥ 0.95× bare (keep-alive hello)', 'tsgi-async', 'bare', 0.95),
    ratioTarget(summary, 'tsgi async ≥ PM2 cluster (keep-alive hello)', 'tsgi-async', 'pm2', 1),
    ratioTarget(
      summary,
      'tsgi async ≥ 5× gunicorn sync (keep-alive hello)',
      'tsgi-async',
      'gunicorn-sync',
      5
    ),
    ratioTarget(
      summary,
      'tsgi fetch ≥ @hono/node-server (keep-alive hello)',
      'tsgi-fetch',
      'hono',
      1
    ),
    evennessTarget(summary, tsgiIds),
    {
      target: 'tsgi master RSS ≤ 50 MB',
      measured:
        masterMB === null
          ? 'not measured'
          : `${masterMB.toFixed(1)} MB (largest; ${masterAnonMB?.toFixed(1) ?? '–'} MB of it its own, anonymous)`,
      met: masterMB === null ? null : masterMB <= 50,
    },
    launchTarget(summary, tsgiIds),
    {
      target: 'no failed request under load (tsgi)',
      measured: `${errors} errors`,
      met: errors === 0,
    },
  ]
}

/** The reliability target: zero failed requests across reloads and recycling. */
export function reliabilityTargets(scenarios) {
  const graceful = scenarios.filter((s) => s.server.startsWith('tsgi') && s.graceful)
  const failed = graceful.reduce((sum, s) => sum + s.failed, 0)
  return [
    {
      target: 'tsgi: zero failed requests across reloads and recycling',
      measured: graceful.length ? `${failed} failed` : 'not measured',
      met: graceful.length ? failed === 0 : null,
    },
  ]
}
