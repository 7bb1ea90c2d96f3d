/**
 * The two output forms of the QoS scenario's report (issue 6): the `--json` object
 * ({@link qosJson}: per discipline `utilisation` and, per class name, `p50Ms`, `p99Ms`, `maxMs`,
 * `throughputBps`, `drops`), and a self-contained HTML page ({@link renderQosReportHtml}): inline
 * CSS and inline SVG charts, no script, no external resource of any kind, so the file opens the
 * same offline, in a mail attachment or in ten years.
 *
 * Charts, FIFO and SNP side by side on the same axes:
 *  - queueing delay per class (p50 and p99, log scale): the figure the aims are about;
 *  - one-way delay of every packet over time, per class (measured at the sinks);
 *  - the distribution of that delay, per class (empirical CDF).
 */
import type { QosScenarioReport, QosDisciplineResult, QosDiscipline, LatencySeries } from './scenario-qos.js'

/** One class in {@link QosJson}. */
export interface QosJsonClass {
  p50Ms: number
  p99Ms: number
  maxMs: number
  throughputBps: number
  drops: number
  /** Beside them (issue 6 allows it "under other names"): one-way delay at the sink. */
  oneWayP50Ms?: number
  oneWayP99Ms?: number
  oneWayMaxMs?: number
}

/**
 * One discipline in {@link QosJson}: `utilisation` (0..1), one member per class name, and the same
 * classes again under `classes` (issue 11 reads `classes.<class>.p99Ms`).
 */
export type QosJsonDiscipline = { utilisation: number, classes?: Record<string, QosJsonClass> } & Record<string, number | QosJsonClass | Record<string, QosJsonClass>>

/** The `--json` object of issue 6: a member per discipline (`fifo`, `snp`). */
export type QosJson = Partial<Record<QosDiscipline, QosJsonDiscipline>>

/** The `--json` object of issue 6, from a report. */
export function qosJson (report: QosScenarioReport): QosJson {
  const out: QosJson = {}
  for (const [name, d] of Object.entries(report.disciplines) as Array<[QosDiscipline, QosDisciplineResult]>) {
    const o: QosJsonDiscipline = { utilisation: d.utilisation }
    const classes: Record<string, QosJsonClass> = {}
    for (const [c, k] of Object.entries(d.classes)) {
      o[c] = classes[c] = {
        p50Ms: k.p50Ms,
        p99Ms: k.p99Ms,
        maxMs: k.maxMs,
        throughputBps: k.throughputBps,
        drops: k.drops,
        ...(k.oneWay !== null ? { oneWayP50Ms: k.oneWay.p50Ms, oneWayP99Ms: k.oneWay.p99Ms, oneWayMaxMs: k.oneWay.maxMs } : {})
      }
    }
    o.classes = classes
    out[name] = o
  }
  return out
}

/** Colour per traffic class (Tableau 10, a palette that stays distinct for most colour-blind readers). */
const COLOURS: Record<string, string> = {
  interactive: '#1f77b4',
  game: '#2ca02c',
  bulk: '#d62728',
  network_control: '#9467bd',
  background: '#8c564b',
  default: '#7f7f7f'
}
/** Points drawn per series at most; longer series are thinned evenly (every packet stays in the tables). */
const MAX_POINTS = 2500
const W = 460
const H = 280
/** Margins: the title and the legend sit above the plot, never over the data. */
const M = { left: 56, right: 12, top: 44, bottom: 40 }

function colour (c: string): string {
  return COLOURS[c] ?? '#333333'
}

function esc (s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

function num (x: number, digits = 1): string {
  return Number.isFinite(x) ? x.toFixed(digits) : '∞'
}

/**
 * About `count` round tick values covering [lo, hi], each rounded to the step's decimals: a step
 * of 0.2 gives 0.6, never the 0.6000000000000001 that 3 × 0.2 is in binary floating point.
 */
function ticks (lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo]
  const raw = (hi - lo) / count
  const mag = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 5, 10].map(m => m * mag).find(s => s >= raw) ?? 10 * mag
  const decimals = Math.max(0, -Math.floor(Math.log10(step)))
  const out: number[] = []
  for (let k = Math.ceil(lo / step); k * step <= hi + step * 1e-9 && out.length < 50; k++) out.push(Number((k * step).toFixed(decimals)))
  return out
}

interface Series {
  name: string
  colour: string
  points: Array<[number, number]>
  kind: 'dots' | 'line'
  /** Line width or dot radius (default 1.6 / 1.4). */
  size?: number
  /** Opacity (default 0.55 for dots, 1 for lines). */
  opacity?: number
}

/**
 * The order classes are drawn in, and how: bulk first, then game wide and pale, interactive last,
 * thin and dark, on top. Interactive and game often share the same delays under SNP; drawn the
 * other way round, game covered interactive completely.
 */
const DRAW_ORDER = ['bulk', 'background', 'default', 'network_control', 'game', 'interactive']
const STYLE: Record<string, { line: number, dot: number, opacity: number }> = {
  game: { line: 5, dot: 3, opacity: 0.35 },
  interactive: { line: 1.6, dot: 1.3, opacity: 0.95 }
}

function drawOrder (classes: readonly string[]): string[] {
  const rank = (c: string): number => { const i = DRAW_ORDER.indexOf(c); return i < 0 ? -1 : i }
  return [...classes].sort((a, b) => rank(a) - rank(b))
}

function styled (c: string, kind: 'dots' | 'line', points: Array<[number, number]>): Series {
  const st = STYLE[c]
  return { name: c, colour: colour(c), points, kind, ...(st !== undefined ? { size: kind === 'line' ? st.line : st.dot, opacity: st.opacity } : {}) }
}

interface ChartSpec {
  title: string
  /** `data-chart` of the SVG (tests and readers find a chart by it). */
  id: string
  xLabel: string
  yLabel: string
  x: [number, number]
  y: [number, number]
  series: Series[]
}

/** One SVG chart: axes, grid, ticks, labels, series, legend. */
function chart (s: ChartSpec): string {
  const pw = W - M.left - M.right
  const ph = H - M.top - M.bottom
  const [x0, x1] = s.x
  const [y0, y1] = s.y
  const sx = (x: number): number => M.left + (x1 > x0 ? (x - x0) / (x1 - x0) : 0) * pw
  const sy = (y: number): number => M.top + ph - (y1 > y0 ? (y - y0) / (y1 - y0) : 0) * ph
  const f = (v: number): string => v.toFixed(1)
  const parts: string[] = []
  parts.push(`<svg class="chart" data-chart="${esc(s.id)}" role="img" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}"><title>${esc(s.title)}</title>`)
  parts.push(`<text x="${W / 2}" y="16" text-anchor="middle" class="ct">${esc(s.title)}</text>`)
  for (const t of ticks(x0, x1)) {
    parts.push(`<line x1="${f(sx(t))}" y1="${M.top}" x2="${f(sx(t))}" y2="${M.top + ph}" class="grid"/>`)
    parts.push(`<text x="${f(sx(t))}" y="${M.top + ph + 14}" text-anchor="middle">${t}</text>`)
  }
  for (const t of ticks(y0, y1)) {
    parts.push(`<line x1="${M.left}" y1="${f(sy(t))}" x2="${M.left + pw}" y2="${f(sy(t))}" class="grid"/>`)
    parts.push(`<text x="${M.left - 4}" y="${f(sy(t) + 4)}" text-anchor="end">${t}</text>`)
  }
  parts.push(`<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" class="frame"/>`)
  parts.push(`<text x="${M.left + pw / 2}" y="${H - 6}" text-anchor="middle">${esc(s.xLabel)}</text>`)
  parts.push(`<text transform="translate(14 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(s.yLabel)}</text>`)
  const clip = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v))
  for (const se of s.series) {
    const step = Math.max(1, Math.ceil(se.points.length / MAX_POINTS))
    const pts: Array<[number, number]> = []
    for (let i = 0; i < se.points.length; i += step) pts.push(se.points[i]!)
    if (se.kind === 'line') {
      if (pts.length === 0) continue
      const d = pts.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${f(sx(clip(x, x0, x1)))} ${f(sy(clip(y, y0, y1)))}`).join('')
      parts.push(`<path d="${d}" fill="none" stroke="${se.colour}" stroke-width="${se.size ?? 1.6}" stroke-opacity="${se.opacity ?? 1}" data-class="${esc(se.name)}"><title>${esc(se.name)}</title></path>`)
    } else {
      parts.push(`<g fill="${se.colour}" fill-opacity="${se.opacity ?? 0.55}" data-class="${esc(se.name)}"><title>${esc(se.name)}</title>`)
      for (const [x, y] of pts) parts.push(`<circle cx="${f(sx(clip(x, x0, x1)))}" cy="${f(sy(clip(y, y0, y1)))}" r="${se.size ?? 1.4}"/>`)
      parts.push('</g>')
    }
  }
  s.series.forEach((se, i) => {
    const lx = M.left + 8 + i * 110
    parts.push(`<rect x="${lx}" y="24" width="10" height="10" fill="${se.colour}"/><text x="${lx + 14}" y="33">${esc(se.name)}</text>`)
  })
  parts.push('</svg>')
  return parts.join('')
}

/** A grouped bar chart of queueing-delay p50/p99 per class, log scale. */
function barChart (title: string, classes: readonly string[], groups: Array<{ label: string, bars: Array<{ name: string, colour: string, value: number, dim: boolean }> }>, limit: { value: number, label: string } | undefined): string {
  const pw = W - M.left - M.right
  const ph = H - M.top - M.bottom
  const values = groups.flatMap(g => g.bars.map(b => b.value)).filter(v => v > 0)
  const lo = 0.1
  const hi = Math.max(10, ...values, limit?.value ?? 0) * 1.5
  const ly = (v: number): number => M.top + ph - (Math.log10(Math.max(lo, v)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)) * ph
  const parts: string[] = []
  parts.push(`<svg class="chart" data-chart="queueing" role="img" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}"><title>${esc(title)}</title>`)
  parts.push(`<text x="${W / 2}" y="16" text-anchor="middle" class="ct">${esc(title)}</text>`)
  // The class legend, in the order of the bars of each group.
  classes.forEach((c, i) => {
    const lx = M.left + 8 + i * 110
    parts.push(`<rect x="${lx}" y="24" width="10" height="10" fill="${colour(c)}"/><text x="${lx + 14}" y="33" data-legend="${esc(c)}">${esc(c)}</text>`)
  })
  for (let e = Math.ceil(Math.log10(lo)); 10 ** e <= hi; e++) {
    const y = ly(10 ** e).toFixed(1)
    parts.push(`<line x1="${M.left}" y1="${y}" x2="${M.left + pw}" y2="${y}" class="grid"/><text x="${M.left - 4}" y="${y}" text-anchor="end">${10 ** e >= 1 ? 10 ** e : (10 ** e).toFixed(1)}</text>`)
  }
  parts.push(`<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" class="frame"/>`)
  parts.push(`<text transform="translate(14 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle">queueing delay, ms (log)</text>`)
  const gw = pw / Math.max(1, groups.length)
  groups.forEach((g, gi) => {
    const bw = Math.min(28, (gw - 16) / Math.max(1, g.bars.length))
    const gx = M.left + gi * gw + (gw - bw * g.bars.length) / 2
    g.bars.forEach((b, bi) => {
      const y = ly(b.value)
      parts.push(`<rect x="${(gx + bi * bw).toFixed(1)}" y="${y.toFixed(1)}" width="${(bw - 2).toFixed(1)}" height="${(M.top + ph - y).toFixed(1)}" fill="${b.colour}" fill-opacity="${b.dim ? 0.45 : 0.9}"><title>${esc(`${g.label} ${b.name}: ${num(b.value, 2)} ms`)}</title></rect>`)
    })
    parts.push(`<text x="${(M.left + gi * gw + gw / 2).toFixed(1)}" y="${M.top + ph + 14}" text-anchor="middle">${esc(g.label)}</text>`)
  })
  if (limit !== undefined) {
    const y = ly(limit.value).toFixed(1)
    parts.push(`<line x1="${M.left}" y1="${y}" x2="${M.left + pw}" y2="${y}" class="limit"/><text x="${M.left + pw - 4}" y="${Number(y) - 4}" text-anchor="end" class="limitText">${esc(limit.label)}</text>`)
  }
  parts.push(`<text x="${M.left + pw / 2}" y="${H - 6}" text-anchor="middle">each class: light bar p50, solid bar p99</text>`)
  parts.push('</svg>')
  return parts.join('')
}

function cdf (ms: readonly number[]): Array<[number, number]> {
  const s = [...ms].sort((a, b) => a - b)
  const n = s.length
  const out: Array<[number, number]> = []
  s.forEach((v, i) => { out.push([v, (i + 1) / n]) })
  return out
}

function seriesPoints (l: LatencySeries): Array<[number, number]> {
  return l.t.map((t, i) => [t / 1000, l.ms[i]!])
}

function classesOf (d: QosDisciplineResult): string[] {
  return drawOrder(Object.keys(d.series))
}

function summaryTable (report: QosScenarioReport): string {
  const rows: string[] = []
  for (const [name, d] of Object.entries(report.disciplines) as Array<[QosDiscipline, QosDisciplineResult]>) {
    for (const [c, k] of Object.entries(d.classes)) {
      const reasons = Object.entries(k.dropsByReason).map(([r, n]) => `${r} ${n}`).join(', ')
      rows.push('<tr>' + [
        `<td>${esc(name.toUpperCase())}</td>`,
        `<td><span class="sw" style="background:${colour(c)}"></span>${esc(c)}</td>`,
        `<td>${k.offered}</td>`,
        `<td>${num(k.p50Ms, 2)}</td>`, `<td>${num(k.p99Ms, 2)}</td>`, `<td>${num(k.maxMs, 2)}</td>`,
        `<td>${k.oneWay !== null ? num(k.oneWay.p50Ms, 1) : '–'}</td>`,
        `<td>${k.oneWay !== null ? num(k.oneWay.p99Ms, 1) : '–'}</td>`,
        `<td>${k.oneWay !== null ? num(k.oneWay.maxMs, 1) : '–'}</td>`,
        `<td>${num(k.throughputBps / 1000, 1)}</td>`,
        `<td>${k.drops}${reasons !== '' ? ` <small>(${esc(reasons)})</small>` : ''}</td>`,
        `<td>${k.lost ?? '–'}</td>`
      ].join('') + '</tr>')
    }
    rows.push(`<tr class="util"><td>${esc(name.toUpperCase())}</td><td colspan="11">link utilisation <b>${num(d.utilisation * 100, 2)} %</b> over ${num(d.measuredMs / 1000, 2)} s; interactive round trip p50 ${num(d.interactiveRtt.p50Ms, 1)} ms, p99 ${num(d.interactiveRtt.p99Ms, 1)} ms (${d.interactiveRtt.samples} replies); event-loop delay p99 ${num(d.eventLoopDelay.p99Ms, 1)} ms, max ${num(d.eventLoopDelay.maxMs, 1)} ms</td></tr>`)
  }
  return `<table class="summary"><thead><tr><th rowspan="2">discipline</th><th rowspan="2">class</th><th rowspan="2">packets</th>` +
    '<th colspan="3">queueing delay, ms</th><th colspan="3">one-way delay at the sink, ms</th><th rowspan="2">throughput, kbit/s</th><th rowspan="2">drops</th><th rowspan="2">lost</th></tr>' +
    '<tr><th>p50</th><th>p99</th><th>max</th><th>p50</th><th>p99</th><th>max</th></tr></thead><tbody>' + rows.join('') + '</tbody></table>'
}

function aimsTable (report: QosScenarioReport): string {
  if (report.aims.length === 0) return '<p>No aim could be judged: the report lacks a discipline.</p>'
  const rows = report.aims.map(a => `<tr class="${a.pass ? 'pass' : 'fail'}"><td>${a.pass ? 'PASS' : 'FAIL'}</td><td>${esc(a.description)}</td><td>${num(a.value, 3)}</td><td>${num(a.limit, 3)}</td></tr>`)
  return `<table class="aims"><thead><tr><th>result</th><th>aim</th><th>value</th><th>limit</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
}

/**
 * Every drop of a run in one list: the QoS stage's on A's link, per class and reason (CoDel's,
 * tail drops), and the nodes' own counters. Both kinds are drops; a list that showed only the
 * nodes' said "none" under a table of thousands of CoDel drops.
 */
function dropsList (report: QosScenarioReport): string {
  const items: string[] = []
  for (const [name, d] of Object.entries(report.disciplines) as Array<[QosDiscipline, QosDisciplineResult]>) {
    const qos = Object.entries(d.classes).flatMap(([c, k]) => Object.entries(k.dropsByReason).filter(([, n]) => n > 0).map(([r, n]) => `${c}: ${r} ${n}`))
    const nodes = Object.entries(d.nodeDrops).map(([where, r]) => `${where}: ${Object.entries(r).map(([k, n]) => `${k} ${n}`).join(', ')}`)
    const total = Object.values(d.classes).reduce((a, k) => a + k.drops, 0)
    items.push(`<li data-drops="${esc(name)}"><b>${esc(name.toUpperCase())}</b>: QoS stage on A's link ${total === 0 ? 'dropped nothing' : `dropped ${total} (${esc(qos.join('; '))})`}; ` +
      `nodes ${nodes.length === 0 ? 'dropped nothing' : esc(nodes.join('; '))}</li>`)
  }
  return `<ul>${items.join('')}</ul>`
}

function bulkOf (report: QosScenarioReport, d: QosDiscipline): { offered: number, drops: number, kbps: number } | undefined {
  const k = report.disciplines[d]?.classes.bulk
  return k === undefined ? undefined : { offered: k.offered, drops: k.drops, kbps: k.throughputBps / 1000 }
}

/** What to look for in the bar chart, with this run's figures. */
function explainQueueing (report: QosScenarioReport): string {
  const fifo = bulkOf(report, 'fifo')
  const snp = bulkOf(report, 'snp')
  const more = fifo !== undefined && snp !== undefined
    ? ` SNP's bulk row shows ${snp.offered} packets against FIFO's ${fifo.offered} for about the same throughput (${num(snp.kbps, 0)} against ${num(fifo.kbps, 0)} kbit/s):
CoDel dropped ${snp.drops} of them, and the bulk sender, which keeps a window of ${report.bulkWindow} frames in flight, sends a new
frame for every one it loses. Under FIFO nothing is dropped, so the window only moves as fast as the long queue drains.`
    : ''
  return `<p class="explain" data-explains="queueing">Two bars per class: the light one is the median (p50) time a packet waited in A's queue, the solid one
the 99th percentile; the scale is logarithmic, and the dashed line is the aim for interactive traffic under SNP (two
full-size frames, ${num(2 * report.frameMs, 1)} ms). Under FIFO every class waits in the one queue behind the bulk transfer, so all
bars stand at the same height, hundreds of milliseconds. Under SNP interactive and game drop below the line by one to two
orders of magnitude while bulk keeps a queue of its own.${more}</p>`
}

/** What to look for over time: the FIFO plateau, the CoDel sawtooth. */
function explainOverTime (report: QosScenarioReport): string {
  return `<p class="explain" data-explains="over-time">One dot per packet received at node B: when it was sent (x) and how long it took (y), FIFO and
SNP on the same axes. FIFO: every class rides the same plateau, the time a full queue takes to drain at
${num(report.rateBps / 1e6, 3)} Mbit/s. SNP: interactive (small dark dots) and game (large pale ones) stay flat near the link's own
${num(report.delayMs, 0)} ms; bulk (red) shows CoDel's sawtooth: its delay climbs while the queue builds, and falls each time CoDel
drops a packet and the sender backs off, then climbs again; CoDel drops more often the longer the delay stays above its
target, so over a run the teeth come lower. A short run shows only the first, long descent.</p>`
}

/** The self-contained HTML report of a scenario run. */
export function renderQosReportHtml (report: QosScenarioReport): string {
  const ds = Object.entries(report.disciplines) as Array<[QosDiscipline, QosDisciplineResult]>
  // Shared axes, so that FIFO and SNP compare at a glance.
  let maxT = 1
  let maxMs = 1
  for (const [, d] of ds) {
    for (const l of Object.values(d.series)) {
      for (const t of l.t) maxT = Math.max(maxT, t / 1000)
      for (const v of l.ms) maxMs = Math.max(maxMs, v)
    }
  }
  maxMs *= 1.05
  const barClasses = drawOrder([...new Set(ds.flatMap(([, d]) => Object.keys(d.series)))])
  const queueing = barChart('Queueing delay on A\'s link, per class', barClasses,
    ds.map(([name, d]) => ({
      label: name.toUpperCase(),
      bars: barClasses.filter(c => d.series[c] !== undefined).flatMap(c => {
        const k = d.classes[c]
        return k === undefined ? [] : [{ name: `${c} p50`, colour: colour(c), value: k.p50Ms, dim: true }, { name: `${c} p99`, colour: colour(c), value: k.p99Ms, dim: false }]
      })
    })),
    { value: 2 * report.frameMs, label: `aim: SNP interactive p99 ≤ ${num(2 * report.frameMs, 1)} ms` })
  const overTime = ds.map(([name, d]) => chart({
    title: `${name.toUpperCase()}: one-way delay over time`,
    id: `over-time-${name}`,
    xLabel: 'time since the measured window started, s',
    yLabel: 'one-way delay, ms',
    x: [0, maxT],
    y: [0, maxMs],
    series: classesOf(d).map(c => styled(c, 'dots', seriesPoints(d.series[c]!)))
  }))
  const distribution = ds.map(([name, d]) => chart({
    title: `${name.toUpperCase()}: one-way delay distribution (CDF)`,
    id: `cdf-${name}`,
    xLabel: 'one-way delay, ms',
    yLabel: 'fraction of packets',
    x: [0, maxMs],
    y: [0, 1],
    series: classesOf(d).map(c => styled(c, 'line', cdf(d.series[c]!.ms)))
  }))
  const passAll = report.aims.length > 0 && report.aims.every(a => a.pass)
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ipxlab QoS scenario: FIFO vs SNP</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 1.5em auto; max-width: 1000px; color: #222; padding: 0 1em; }
h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 1.6em; }
table { border-collapse: collapse; margin: .5em 0; } th, td { border: 1px solid #ccc; padding: 3px 7px; text-align: right; }
td:nth-child(2), th { text-align: center; } .aims td:nth-child(2) { text-align: left; }
tr.pass td:first-child { background: #d9f2d9; font-weight: bold; } tr.fail td:first-child { background: #f8d7d7; font-weight: bold; }
tr.util td { text-align: left; background: #f6f6f6; }
.sw { display: inline-block; width: .8em; height: .8em; margin-right: .3em; vertical-align: middle; }
.row { display: flex; flex-wrap: wrap; gap: 12px; }
svg.chart { font: 11px system-ui, sans-serif; background: #fff; border: 1px solid #ddd; }
svg .grid { stroke: #eee; } svg .frame { fill: none; stroke: #999; } svg .ct { font-weight: bold; font-size: 12px; }
svg .limit { stroke: #000; stroke-dasharray: 4 3; } svg .limitText { font-size: 10px; }
p.explain { max-width: 60em; }
.verdict { font-weight: bold; color: ${passAll ? '#1a7f1a' : '#b00020'}; }
</style>
</head>
<body>
<h1>ipxlab QoS scenario: FIFO vs SNP on real sockets</h1>
<p>Two ipxlab nodes on loopback, joined by the native tunnel; the QoS stage of the link emulates
${num(report.rateBps / 1e6, 3)} Mbit/s with ${num(report.delayMs, 0)} ms one-way delay. Node A carries a saturating
NCP-like bulk transfer (a window of ${report.bulkWindow} frames of ${report.frameBytes} bytes), an interactive SPX-like
exchange and a game-like broadcast stream to DOSBox clients on node B, once per discipline.
Each run lasted ${num(report.durationMs / 1000, 1)} s, of which ${num(report.warmupMs / 1000, 1)} s warm-up; seed ${report.seed};
started ${esc(report.startedAt)}. One full-size frame takes ${num(report.frameMs, 3)} ms on this link.</p>
<p class="verdict">${passAll ? 'Every aim met.' : 'Not every aim met.'}</p>
<h2>Aims</h2>
${aimsTable(report)}
<h2>Summary per class</h2>
${summaryTable(report)}
<p><small><b>Queueing delay</b>: from a frame's arrival at node A to the start of its transmission on the
emulated link (A's link QoS stage); the link's fixed delay is not in it. For interactive and game it covers
exactly the measured window; for bulk the whole run. <b>One-way delay</b>: from the send stamp in the
payload to receipt at the sink on node B (queueing + serialization + link delay + both nodes).
<b>Throughput</b>: IPX bytes received at the sink within the measured window. <b>Drops</b>: the QoS stage's
drops within the window, by reason. <b>Lost</b>: sent within the window, never received.</small></p>
<h2>Queueing delay</h2>
<div class="row">${queueing}</div>
${explainQueueing(report)}
<h2>Latency over time</h2>
<div class="row">${overTime.join('\n')}</div>
${explainOverTime(report)}
<h2>Latency distribution</h2>
<div class="row">${distribution.join('\n')}</div>
<p class="explain" data-explains="cdf">Each curve rises from 0 to 1 as the delay grows: the fraction of a class's packets that
arrived within that delay. A steep curve far left is a class whose packets all arrive soon and alike (good for
a game); a curve far right, or one that leans, is one that waited in a queue. Under FIFO the three curves stand
together far right: every class waits behind the bulk. Under SNP interactive and game rise at once, near the
link's own ${num(report.delayMs, 0)} ms, while bulk alone leans right. Interactive is the thin dark line drawn over
game's wide pale one, so both stay visible where they coincide.</p>
<h2>Drops</h2>
${dropsList(report)}
<p class="explain" data-explains="drops">FIFO drops only when its byte-bounded queue is full (tail drop); SNP's CoDel drops
bulk packets on purpose, when their time in the queue stayed above its target, so that the bulk sender slows down
and the queue, and with it everybody's delay, stays short.</p>
</body>
</html>
`
}
