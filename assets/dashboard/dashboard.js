// ipxlab live dashboard: reads the node's event stream (/api/events, Server-Sent Events) with
// fetch(), so every request can carry `Authorization: Bearer <token>` when the page was opened as
// `/#token=<token>`, and draws everything with DOM text and hand-written SVG (no library, no CDN).
// Every value from the node is set as text or as an SVG attribute, never parsed as markup.
'use strict'

const SVG = 'http://www.w3.org/2000/svg'
/** Seconds of history each chart keeps. */
const HISTORY_S = 120
/** Colour per traffic class (the QoS report's: Tableau 10). */
const COLOURS = { network_control: '#9467bd', interactive: '#1f77b4', game: '#2ca02c', bulk: '#d62728', background: '#8c564b', default: '#7f7f7f' }

/** Headers of every data request: the bearer token from the fragment, when there is one. */
function authHeaders () {
  const token = new URLSearchParams(location.hash.slice(1)).get('token')
  return token ? { Authorization: 'Bearer ' + token } : {}
}

function el (tag, attrs, text) {
  const e = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v))
  if (text !== undefined) e.textContent = String(text)
  return e
}

function svg (tag, attrs, text) {
  const e = document.createElementNS(SVG, tag)
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v))
  if (text !== undefined) e.textContent = String(text)
  return e
}

/** A number as a person reads it: no float noise (0.6000000000000001 → 0.6). */
function fmt (v, digits) {
  if (v === null || v === undefined || !Number.isFinite(v)) return '-'
  const d = digits !== undefined ? digits : (Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2)
  return Number(v.toFixed(d)).toLocaleString('en-US', { maximumFractionDigits: d })
}

function fillRows (tableId, rows) {
  const body = document.querySelector('#' + tableId + ' tbody')
  body.replaceChildren(...rows.map(r => {
    const tr = el('tr', r.attrs)
    for (const c of r.cells) {
      const td = el('td', c.attrs, c.text)
      if (c.cls) td.className = c.cls
      if (c.node) td.append(c.node)
      tr.append(td)
    }
    return tr
  }))
}

/** History per link: arrays of { at, perClass: { name: { kbps, delayMs } } }. */
const history = new Map()
let previous

/** Per class of one link: throughput (kbit/s) and mean queueing delay (ms) since the last event. */
function sample (peer, prevPeer, dtS) {
  const out = {}
  for (const [name, c] of Object.entries(peer.qos.classes)) {
    const p = prevPeer && prevPeer.qos.classes[name]
    if (!p || dtS <= 0) continue
    const sent = c.sentPackets - p.sentPackets
    out[name] = {
      kbps: Math.max(0, (c.sentBytes - p.sentBytes) * 8 / 1000 / dtS),
      delayMs: sent > 0 ? Math.max(0, (c.delaySumMs - p.delaySumMs) / sent) : 0
    }
  }
  return out
}

/** A tick step of 1, 2 or 5 times a power of ten, so that four steps cover `v` (labels stay short). */
function niceStep (v) {
  if (!(v > 0)) return 0.25
  const raw = v / 4
  const p = Math.pow(10, Math.floor(Math.log10(raw)))
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p
  return 10 * p
}

/** One line chart: time on x (the last HISTORY_S seconds), a series per class. */
function lineChart (points, field, unit, now) {
  const W = 460; const H = 190; const L = 52; const R = 10; const T = 10; const B = 26
  const s = svg('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img', 'data-chart': field })
  let max = 0
  for (const p of points) for (const v of Object.values(p.perClass)) max = Math.max(max, v[field])
  const step = niceStep(max)
  const top = step * 4
  const x = at => L + (W - L - R) * (1 - (now - at) / 1000 / HISTORY_S)
  const y = v => T + (H - T - B) * (1 - v / top)
  for (let i = 0; i <= 4; i++) {
    const v = step * i
    s.append(svg('line', { x1: L, x2: W - R, y1: y(v), y2: y(v), stroke: i === 0 ? '#888' : '#e5e5e5' }))
    s.append(svg('text', { x: L - 6, y: y(v) + 4, 'text-anchor': 'end' }, fmt(v)))
  }
  for (const ago of [120, 90, 60, 30, 0]) {
    s.append(svg('text', { x: x(now - ago * 1000), y: H - 8, 'text-anchor': 'middle' }, ago === 0 ? 'now' : `-${ago} s`))
  }
  s.append(svg('text', { x: 12, y: T + (H - T - B) / 2, transform: `rotate(-90 12 ${T + (H - T - B) / 2})`, 'text-anchor': 'middle' }, unit))
  const names = new Set()
  for (const p of points) for (const n of Object.keys(p.perClass)) names.add(n)
  let drawn = 0
  for (const name of names) {
    const pts = points.filter(p => p.perClass[name] !== undefined).map(p => `${x(p.at).toFixed(1)},${y(p.perClass[name][field]).toFixed(1)}`)
    if (pts.length === 0) continue
    const active = points.some(p => p.perClass[name] !== undefined && p.perClass[name][field] > 0)
    if (!active) continue
    drawn++
    s.append(svg('polyline', { points: pts.join(' '), fill: 'none', stroke: COLOURS[name] || '#000', 'stroke-width': 2, 'data-class': name }))
  }
  s.setAttribute('data-series', String(drawn))
  return s
}

function legend (names) {
  const p = el('p', { class: 'legend' })
  for (const n of names) {
    const sw = el('span', { class: 'swatch' })
    sw.style.background = COLOURS[n] || '#000'
    const item = el('span')
    item.append(sw, document.createTextNode(n))
    p.append(item)
  }
  return p
}

function drawCharts (stats, now) {
  const box = document.getElementById('charts')
  box.replaceChildren()
  for (const peer of stats.peers) {
    const points = history.get(peer.address) || []
    const sec = el('section', { 'data-link': peer.address })
    sec.append(el('h2', {}, `Link to ${peer.address}: per class (${peer.qos.discipline}${peer.qos.rateBps ? ', ' + fmt(peer.qos.rateBps / 1e6) + ' Mbit/s' : ''})`))
    sec.append(legend(Object.keys(peer.qos.classes)))
    const row = el('div', { class: 'chartrow' })
    const a = el('div', { class: 'chart' })
    a.append(el('h3', {}, 'Queueing delay, mean over each second (ms)'), lineChart(points, 'delayMs', 'ms', now))
    const b = el('div', { class: 'chart' })
    b.append(el('h3', {}, 'Throughput handed to the link (kbit/s)'), lineChart(points, 'kbps', 'kbit/s', now))
    row.append(a, b)
    sec.append(row)
    const rows = [['class', 'packets', 'sent', 'queue p50 ms', 'p99 ms', 'max ms', 'drops']]
    const t = el('table', { 'data-classes': peer.address })
    const head = el('tr')
    for (const h of rows[0]) head.append(el('th', {}, h))
    t.append(el('thead'), el('tbody'))
    t.tHead.append(head)
    for (const [name, c] of Object.entries(peer.qos.classes)) {
      const tr = el('tr', { 'data-class': name })
      const drops = Object.values(c.drops).reduce((x, y) => x + y, 0)
      for (const [k, v] of [['class', name], ['packets', c.packets], ['sentPackets', c.sentPackets], ['p50Ms', fmt(c.p50Ms)], ['p99Ms', fmt(c.p99Ms)], ['maxMs', fmt(c.maxMs)], ['drops', drops]]) {
        tr.append(el('td', { 'data-f': k }, v))
      }
      t.tBodies[0].append(tr)
    }
    sec.append(t)
    box.append(sec)
  }
}

function drawGraph (topo) {
  const g = document.getElementById('graph')
  g.replaceChildren()
  document.getElementById('graph-title').textContent = topo.scope === 'lab' ? 'The lab: every node and the links between them' : 'This node and its peers'
  const W = 960; const H = 220
  const n = topo.nodes.length
  const pos = new Map(topo.nodes.map((node, i) => {
    if (n <= 3) return [node.id, { x: W * (i + 1) / (n + 1), y: H / 2 }]
    const a = 2 * Math.PI * i / n
    return [node.id, { x: W / 2 + 360 * Math.cos(a), y: H / 2 + 80 * Math.sin(a) }]
  }))
  // One line per pair of nodes; each side's view of the link is labelled on its own half.
  for (const l of topo.links) {
    const a = pos.get(l.from); const b = pos.get(l.to)
    if (!a || !b) continue
    const mx = (a.x + b.x) / 2; const my = (a.y + b.y) / 2
    g.append(svg('line', { x1: a.x, y1: a.y, x2: mx, y2: my, stroke: l.up ? '#2a7d2a' : '#b22', 'stroke-width': 4, 'stroke-dasharray': l.up ? '' : '8 6', 'data-link-from': l.from, 'data-link-to': l.to }))
    // Each side's view of the link mid-line: the left node's above it, the right node's below it.
    const lx = mx; const ly = my + (a.x <= b.x ? -12 : 22)
    g.append(svg('text', { x: lx, y: ly, 'text-anchor': 'middle', 'data-label-from': l.from }, `${a.x <= b.x ? '→' : '←'} ${l.up ? 'up' : 'DOWN'} · ${l.transport} · RTT ${fmt(l.rttMs)} ms · lost ${l.lost}`))
  }
  for (const node of topo.nodes) {
    const p = pos.get(node.id)
    g.append(svg('circle', { cx: p.x, cy: p.y, r: 34, fill: node.self ? '#1f77b4' : node.name ? '#6baed6' : '#ccc', stroke: '#234', 'stroke-width': node.self ? 3 : 1, 'data-node': node.id }))
    g.append(svg('text', { x: p.x, y: p.y + 4, 'text-anchor': 'middle', fill: '#fff', 'font-weight': 'bold' }, node.name || '?'))
    g.append(svg('text', { x: p.x, y: p.y + 52, 'text-anchor': 'middle' }, node.id))
    if (node.clients !== null) g.append(svg('text', { x: p.x, y: p.y + 66, 'text-anchor': 'middle' }, `${node.clients} clients · ${node.routed} routed · ${node.drops} drops`))
  }
}

function render (e) {
  const d = e.stats
  document.title = `ipxlab ${d.name}`
  document.getElementById('title').textContent = `ipxlab node ${d.name}`
  document.getElementById('meta').textContent = `${d.mode} mode · network ${d.network} · node ${d.node} · data plane ${d.listen}` +
    (d.snp ? ` · QoS plane ${d.snp.listen}` : '')
  const dt = previous ? (e.at - previous.at) / 1000 : 0
  for (const peer of d.peers) {
    const prevPeer = previous && previous.stats.peers.find(p => p.address === peer.address)
    const h = history.get(peer.address) || []
    if (prevPeer) h.push({ at: e.at, perClass: sample(peer, prevPeer, dt) })
    while (h.length > 0 && e.at - h[0].at > HISTORY_S * 1000) h.shift()
    history.set(peer.address, h)
  }
  previous = e
  fillRows('links', d.peers.map(p => ({
    attrs: { 'data-peer': p.address },
    cells: [{ text: p.address }, { text: p.transport }, { text: p.up ? 'up' : 'DOWN', cls: p.up ? 'up' : 'down', attrs: { 'data-f': 'state' } },
      { text: fmt(e.rttMs[p.address]), attrs: { 'data-f': 'rtt' } }, { text: p.link.lost ?? 0, attrs: { 'data-f': 'lost' } },
      { text: p.link.reordered ?? 0, attrs: { 'data-f': 'reordered' } }, { text: p.link.dataSent ?? 0, attrs: { 'data-f': 'dataSent' } },
      { text: p.link.dataReceived ?? 0, attrs: { 'data-f': 'dataReceived' } }]
  })))
  fillRows('clients', d.clients.map(c => ({ attrs: { 'data-client': c.node }, cells: [{ text: c.node }, { text: c.address }, { text: c.packets, attrs: { 'data-f': 'packets' } }, { text: c.bytes }] })))
  const comps = Object.entries(d.counters).filter(([, c]) => c !== null)
  fillRows('counters', comps.map(([name, c]) => ({
    attrs: { 'data-component': name },
    cells: [{ text: name }, { text: c.received, attrs: { 'data-f': 'received' } }, { text: c.delivered, attrs: { 'data-f': 'delivered' } },
      { text: Object.values(c.dropped).reduce((a, b) => a + b, 0), attrs: { 'data-f': 'dropped' } }]
  })))
  fillRows('routes', d.routes.map(r => ({ cells: [{ text: r.network }, { text: r.port ?? 'local' }, { text: r.hops }, { text: r.ticks }] })))
  fillRows('services', d.services.map(s => ({ cells: [{ text: '0x' + s.type.toString(16).padStart(4, '0') }, { text: s.name }, { text: s.address }, { text: s.hops }] })))
  const most = Math.max(1, ...d.drops.map(x => x.count))
  fillRows('drops', d.drops.map(x => {
    const bar = el('span', { class: 'bar' })
    bar.style.width = Math.max(2, Math.round(200 * x.count / most)) + 'px'
    return { attrs: { 'data-drop': `${x.component}/${x.reason}` }, cells: [{ text: x.component }, { text: x.peer || '-' }, { text: x.reason }, { text: x.count, attrs: { 'data-f': 'count' } }, { node: bar }] }
  }))
  document.getElementById('no-drops').hidden = d.drops.length > 0
  drawGraph(e.topology)
  drawCharts(d, e.at)
  const n = document.getElementById('updates')
  n.textContent = String(Number(n.textContent) + 1)
  document.getElementById('updated').textContent = 'updated ' + new Date(e.at).toLocaleTimeString('en-GB')
}

function setState (s) {
  const e = document.getElementById('state')
  e.textContent = s
  e.setAttribute('data-state', s)
}

/** Reads the event stream; on an error waits `retry` ms (the server's `retry:` field) and reconnects. */
async function stream () {
  let retry = 2000
  for (;;) {
    try {
      const res = await fetch('api/events', { headers: authHeaders(), cache: 'no-store' })
      if (!res.ok || !res.body) throw new Error('HTTP ' + res.status)
      setState('live')
      const reader = res.body.getReader()
      const dec = new TextDecoder()
      let buf = ''
      for (;;) {
        const { value, done } = await reader.read()
        if (done) break
        buf += dec.decode(value, { stream: true })
        let i
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i)
          buf = buf.slice(i + 2)
          const data = []
          for (const line of block.split('\n')) {
            if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''))
            else if (line.startsWith('retry:')) retry = Number(line.slice(6)) || retry
          }
          if (data.length > 0) render(JSON.parse(data.join('\n')))
        }
      }
    } catch (err) {
      console.warn('ipxlab dashboard:', err)
    }
    setState('retrying')
    await new Promise(resolve => setTimeout(resolve, retry))
  }
}

stream()
