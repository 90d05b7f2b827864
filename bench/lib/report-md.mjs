// The Markdown report of a run: the machine and versions, how the run shared the cores, the
// targets, one table per load with ratios to the limit, the ratios to each peer, what was
// skipped or failed, and the chart.
const num = (v, digits = 0) =>
  v == null
    ? '–'
    : v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
const ms = (v) => (v == null ? '–' : v < 10 ? v.toFixed(2) : v.toFixed(1))
const verdict = (met) => (met === null ? '–' : met ? 'met' : '**missed**')

function kilo(n) {
  if (n >= 10_000) return `${Math.round(n / 1000)}k`
  return n >= 1000 ? `${(n / 1000).toFixed(1)}k` : String(n)
}

function table(header, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n')
}

function machineSection(r) {
  const v = r.versions
  return table(
    ['', ''],
    [
      ['CPU', `${r.machine.cpu} × ${r.machine.cores}`],
      ['Memory', `${r.machine.memoryGiB} GiB`],
      ['Kernel', r.machine.kernel],
      ['Node', r.machine.node],
      ['tsgi', v.tsgi],
      ['Load generator', `${r.loadgen.name} ${r.loadgen.version}`],
      ['gunicorn', v.gunicorn],
      ['PM2', v.pm2],
      ['hono / @hono/node-server', `${v.hono} / ${v.honoNodeServer}`],
      [
        'Load average (1, 5, 15 min)',
        `${r.machine.loadAverageAtStart.join(', ')} before the run; ${r.loadAverageAtEnd.join(', ')} at its end (its own load included)`,
      ],
    ]
  )
}

function howItRan(r) {
  const p = r.plan
  return [
    `- Every server runs **2 workers** on 127.0.0.1 and is started fresh for each cell (server × load × round), then stopped.`,
    `- Load generator: ${r.loadgen.describe}, the same for every server; a request slower than 5 s counts as an error.`,
    `- Cores: **${r.cpuSharing}**.`,
    `- ${p.rounds} round${p.rounds === 1 ? '' : 's'}, interleaved: in each round, each load, every server in turn (A B C A B C …).`,
    `- Each cell: ${p.warmup ? `${p.warmup} s warm-up, then ` : ''}${p.duration} s measured. Figures are medians over the rounds; errors are summed over them.`,
    `- req/s counts 2xx responses only. RSS is the peak, sampled every 0.5 s during the measured load, of the server's whole process tree (the master's own in brackets); it counts the node binary's pages (about 40 MB, shared by every node process) in each process. anon is the same for RssAnon: the memory the processes allocated themselves. CPU µs/req is the CPU time (user + system) of that whole tree during the measured load, divided by the requests answered: the server's own cost per request, which the sharing of cores and the round-to-round noise move far less than req/s. Launch is the time from starting the command to the first 200 response. Requests per worker count everything each worker served in the cell (warm-up included); max/min is the evenness.`,
  ].join('\n')
}

function targetsSection(targets) {
  return table(
    ['target', 'measured', ''],
    targets.map((t) => [t.target, t.measured, verdict(t.met)])
  )
}

function perWorker(s) {
  return s.perWorker.map((counts) => counts.map(kilo).join('/')).join(', ') || '–'
}

function loadSection(load, summary, servers) {
  const bare = summary.bare?.rps ?? null
  const rows = servers
    .filter((srv) => summary[srv.id])
    .map((srv) => {
      const s = summary[srv.id]
      if (s.rps === null) return [srv.label, 'failed', '', '', '', '', '', '', '', '', '', '', '']
      return [
        srv.role === 'tsgi' ? `**${srv.label}**` : srv.label,
        num(s.rps),
        s.rpsByRound.map((v) => (v === null ? 'failed' : kilo(v))).join(', '),
        bare ? `${(s.rps / bare).toFixed(2)}×` : '–',
        ms(s.p50Ms),
        ms(s.p99Ms),
        String(s.errors),
        num(s.cpuUsPerRequest, 1),
        `${num(s.rssTotalMB)} (${num(s.rssMasterMB)})`,
        `${num(s.anonTotalMB)} (${num(s.anonMasterMB)})`,
        num(s.launchMs),
        perWorker(s),
        s.evenness == null ? '∞' : s.evenness.toFixed(2),
      ]
    })
  return [
    `### ${load.title}`,
    '',
    `\`${load.method ?? 'GET'} ${load.path}\`, ${load.connections} connections${load.close ? ', `Connection: close`' : ''}. What matters: ${load.matters}.`,
    '',
    table(
      [
        'server',
        'req/s',
        'by round',
        '× limit',
        'p50 ms',
        'p99 ms',
        'errors',
        'CPU µs/req',
        'RSS MB all (master)',
        'anon MB all (master)',
        'launch ms',
        'requests per worker',
        'max/min',
      ],
      rows
    ),
  ].join('\n')
}

/** Each tsgi variant's `field` (rps, cpuUsPerRequest) divided by every other server's. */
function ratiosSection(r, field) {
  const ours = r.servers.filter((s) => s.role === 'tsgi')
  const others = r.servers.filter((s) => s.role !== 'tsgi')
  const rows = []
  for (const load of r.loads) {
    const s = r.summary[load.id] ?? {}
    for (const srv of ours) {
      if (s[srv.id]?.[field] == null) continue
      const cells = others.map((o) =>
        s[o.id]?.[field] ? `${(s[srv.id][field] / s[o.id][field]).toFixed(2)}×` : '–'
      )
      rows.push([load.title, srv.label, ...cells])
    }
  }
  return table(['load', 'tsgi', ...others.map((o) => `÷ ${o.id}`)], rows)
}

function failuresSection(r) {
  const lines = r.cells
    .filter((c) => c.failure)
    .map((c) => `- ${c.server}, ${c.load}, round ${c.round}: ${c.failure.split('\n')[0]}`)
  const unclean = r.cells.filter((c) => c.stoppedCleanly === false)
  for (const c of unclean)
    lines.push(
      `- ${c.server}, ${c.load}, round ${c.round}: did not stop by itself on TERM (killed)`
    )
  return lines.length ? ['## Failures', '', ...lines].join('\n') : ''
}

function reliabilitySection(r) {
  const rows = r.reliability.map((s) => [
    s.server,
    s.scenario,
    num(s.ok),
    s.failed ? `**${s.failed}**` : '0',
    Object.entries(s.reasons)
      .map(([k, v]) => `${k} ×${v}`)
      .join(', ') || '–',
    String(s.workersSeen),
    s.seconds.toFixed(1),
    s.notes,
  ])
  return [
    '## Reliability',
    '',
    `A client of ${r.reliabilityClient} runs against 2 workers while the action happens; every request it makes either gets a complete 200 or counts as failed, with the reason.`,
    '',
    table(['server', 'action', 'ok', 'failed', 'why', 'workers seen', 'seconds', 'notes'], rows),
  ].join('\n')
}

/** The whole report, as Markdown. */
export function markdownReport(r, svgName) {
  const parts = [
    `# tsgi side by side: ${r.mode} run, ${r.date}`,
    '',
    r.caveat,
    '',
    ...(r.note ? [`> ${r.note}`, ''] : []),
    '## Machine and versions',
    '',
    machineSection(r),
    '',
  ]
  if (r.mode === 'reliability') {
    parts.push('## Targets', '', targetsSection(r.targets), '', reliabilitySection(r))
  } else {
    parts.push(
      '## How it ran',
      '',
      howItRan(r),
      '',
      '## Targets (issue 5)',
      '',
      targetsSection(r.targets),
      ''
    )
    parts.push(
      `![req/s of each server relative to the limit, per load](${svgName})`,
      '',
      '## Results per load',
      ''
    )
    for (const load of r.loads)
      if (r.summary[load.id]) parts.push(loadSection(load, r.summary[load.id], r.servers), '')
    parts.push(
      '## Ratios of req/s: each tsgi variant ÷ each other server',
      '',
      ratiosSection(r, 'rps'),
      '',
      '## Ratios of CPU per request: each tsgi variant ÷ each other server',
      '',
      'Below 1× means tsgi spends less CPU per request than that server (the load generator excluded).',
      '',
      ratiosSection(r, 'cpuUsPerRequest'),
      ''
    )
    parts.push(failuresSection(r))
  }
  if (r.skipped.length) {
    parts.push('', '## Skipped', '', ...r.skipped.map((s) => `- ${s.server}: ${s.reason}`))
  }
  return (
    parts
      .join('\n')
      .replace(/\n{3,}/g, '\n\n')
      .trim() + '\n'
  )
}
