// The chart of a performance run, written by hand (no plotting dependency). Top panel: for
// each load, one bar per server, its req/s divided by the limit's (bare node:http = 1, dashed
// line). Bottom panel, for the loads where the tail is what matters (1 ms wait, 2 ms CPU):
// p99 latency in ms. Each bar's tooltip gives the absolute figure.
const COLORS = {
  bare: '#555555',
  'tsgi-async': '#1f6fd1',
  'tsgi-sync': '#5aa0f0',
  'tsgi-fetch': '#0b3d91',
  'tsgi-node': '#8fc3ff',
  pm2: '#2e9e44',
  hono: '#e07b00',
  'gunicorn-sync': '#b3261e',
  'gunicorn-gthread': '#e8736c',
}
const TAIL_LOADS = ['wait-1ms', 'cpu-2ms']
const PLOT_H = 260
const LEFT = 60
const LEGEND_COLUMN_W = 290

const escape = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
const fixed = (n) => n.toFixed(1)

/** A round step for about 5 grid lines up to `max`. */
function niceStep(max) {
  const raw = max / 5
  const power = 10 ** Math.floor(Math.log10(raw))
  return [1, 2, 2.5, 5, 10].map((m) => m * power).find((step) => step >= raw)
}

function bar(x, y0, y1, width, srv, tip, label) {
  const cx = fixed(x + width / 2)
  return [
    `<rect x="${fixed(x)}" y="${fixed(y1)}" width="${fixed(width - 1)}" height="${fixed(y0 - y1)}" fill="${COLORS[srv.id] ?? '#999'}"><title>${escape(tip)}</title></rect>`,
    `<text x="${cx}" y="${fixed(y1 - 3)}" font-size="9" dy="3" transform="rotate(-90 ${cx} ${fixed(y1 - 3)})">${label}</text>`,
  ]
}

/** Grid, axis labels and the bars of one panel; `panel.value(load, srv)` gives a bar's height. */
function drawPanel(panel, { loads, servers, top, plotW }) {
  const { yMax, step } = panel
  const y = (v) => top + PLOT_H - (Math.min(v, yMax) / yMax) * PLOT_H
  const out = [
    `<text x="14" y="${top + PLOT_H / 2}" font-size="11" text-anchor="middle" transform="rotate(-90 14 ${top + PLOT_H / 2})">${escape(panel.yLabel)}</text>`,
  ]
  for (let v = 0; v <= yMax + 1e-9; v += step) {
    out.push(
      `<line x1="${LEFT}" x2="${LEFT + plotW}" y1="${fixed(y(v))}" y2="${fixed(y(v))}" stroke="#e5e5e5"/>`,
      `<text x="${LEFT - 6}" y="${fixed(y(v) + 4)}" font-size="10" text-anchor="end">${panel.tick(v)}</text>`
    )
  }
  if (panel.reference !== undefined) {
    const ry = fixed(y(panel.reference))
    out.push(
      `<line x1="${LEFT}" x2="${LEFT + plotW}" y1="${ry}" y2="${ry}" stroke="#333" stroke-dasharray="5 4"/>`
    )
  }
  const groupW = plotW / loads.length
  const barW = (groupW * 0.84) / servers.length
  loads.forEach((load, i) => {
    servers.forEach((srv, j) => {
      const v = panel.value(load, srv)
      if (v == null) return
      const x = LEFT + i * groupW + groupW * 0.08 + j * barW
      out.push(...bar(x, y(0), y(v), barW, srv, panel.tip(load, srv, v), panel.label(v)))
    })
    const middle = fixed(LEFT + (i + 0.5) * groupW)
    out.push(
      `<text x="${middle}" y="${top + PLOT_H + 16}" font-size="11" text-anchor="middle">${escape(load.short)}</text>`,
      `<text x="${middle}" y="${top + PLOT_H + 30}" font-size="10" fill="#555" text-anchor="middle">${escape(panel.subLabel(load))}</text>`
    )
  })
  return out
}

function throughputPanel(r) {
  const rps = (load, srv) => r.summary[load.id][srv.id]?.rps ?? null
  const bare = (load) => r.summary[load.id].bare.rps
  const value = (load, srv) => (rps(load, srv) ? rps(load, srv) / bare(load) : null)
  const ratios = r.loads.flatMap((l) =>
    r.summary[l.id]?.bare?.rps ? r.servers.map((s) => value(l, s) ?? 0) : []
  )
  const yMax = Math.min(4, Math.max(1.25, Math.ceil(Math.max(0, ...ratios) * 4) / 4))
  return {
    loads: r.loads.filter((l) => r.summary[l.id]?.bare?.rps),
    yLabel: "req/s ÷ bare node:http's req/s",
    yMax,
    step: yMax > 2 ? 0.5 : 0.25,
    reference: 1,
    value,
    tick: (v) => v.toFixed(2),
    label: (v) => v.toFixed(2),
    subLabel: (load) => `limit: ${Math.round(bare(load)).toLocaleString('en-US')} req/s`,
    tip: (load, srv, v) =>
      `${srv.label}, ${load.title}: ${Math.round(rps(load, srv))} req/s (${v.toFixed(2)}× limit)`,
  }
}

function tailPanel(r) {
  const loads = r.loads.filter((l) => TAIL_LOADS.includes(l.id) && r.summary[l.id])
  const value = (load, srv) => r.summary[load.id][srv.id]?.p99Ms ?? null
  const max = Math.max(1, ...loads.flatMap((l) => r.servers.map((s) => value(l, s) ?? 0)))
  const step = niceStep(max)
  return {
    loads,
    yLabel: 'p99 latency, ms (lower is better)',
    yMax: Math.ceil(max / step) * step,
    step,
    value,
    tick: (v) => String(Number(v.toFixed(2))),
    label: (v) => (v < 10 ? v.toFixed(1) : v.toFixed(0)),
    subLabel: () => 'p99 latency',
    tip: (load, srv, v) => `${srv.label}, ${load.title}: p99 ${v.toFixed(2)} ms`,
  }
}

function legend(servers, { top, columns }) {
  return servers.map((srv, i) => {
    const x = LEFT + (i % columns) * LEGEND_COLUMN_W
    const y = top + Math.floor(i / columns) * 18
    return `<rect x="${x}" y="${y - 10}" width="12" height="12" fill="${COLORS[srv.id] ?? '#999'}"/><text x="${x + 18}" y="${y}" font-size="11">${escape(srv.label)}</text>`
  })
}

/** The SVG chart of a performance run. */
export function svgChart(r) {
  const panels = [throughputPanel(r), tailPanel(r)].filter((p) => p.loads.length)
  const servers = r.servers.filter((s) =>
    panels.some((p) => p.loads.some((l) => p.value(l, s) != null))
  )
  const widest = Math.max(1, ...panels.map((p) => p.loads.length))
  const width = Math.max(720, 120 + widest * (servers.length * 14 + 30))
  const plotW = width - LEFT - 20
  const out = []
  let top = 40
  for (const panel of panels) {
    out.push(...drawPanel(panel, { loads: panel.loads, servers, top, plotW }))
    top += PLOT_H + 60
  }
  const columns = Math.max(1, Math.floor((width - LEFT) / LEGEND_COLUMN_W))
  out.push(...legend(servers, { top, columns }))
  const height = top + Math.ceil(servers.length / columns) * 18 + 10
  const title = `tsgi and its peers, 2 workers each (${r.mode} run, ${r.date})`
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${width / 2}" y="22" font-size="14" text-anchor="middle">${escape(title)}</text>`,
    ...out,
    '</svg>',
    '',
  ].join('\n')
}
