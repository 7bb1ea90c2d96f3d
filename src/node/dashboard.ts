/**
 * The live dashboard on the status API (tcp 2629): a page at `/` that draws the node, its clients,
 * links, routes, services, per-link per-class queueing delay and throughput, and drops by reason,
 * updated once a second by Server-Sent Events (the WHATWG HTML "server-sent events" format: `data:`
 * lines, a blank line ends an event, `retry:` sets the reconnect delay).
 *
 * | path                | what                                                                  |
 * |---------------------|-----------------------------------------------------------------------|
 * | `/`, `/index.html`  | the page (assets/dashboard/, read once; no CDN, works offline)        |
 * | `/dashboard.js`, `/dashboard.css` | its script and style (a CSP keeps the page to these)    |
 * | `/api/events`       | `text/event-stream`: one {@link DashboardEvent} now, then every second |
 * | `/api/topology`     | {@link Topology} as JSON: in a lab every node and link, else this node and its peers |
 *
 * The page reads its data with `fetch()` (the event stream too, read as a stream), never
 * `EventSource`, so each request can carry an `Authorization: Bearer` header: the page takes a
 * token from its URL fragment (`/#token=...`, which browsers never send to the server). The page
 * and its two assets hold no data and so need no token. Streams are bounded
 * ({@link DEFAULT_MAX_STREAMS}); one timer serves them all and computes the document once per tick.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import type http from 'node:http'
import { packageRoot } from '../paths.js'
import type { Logger } from '../log.js'
import type { StatusDocument } from './status-api.js'

/** How often the event stream sends a document, ms. */
export const DEFAULT_EVENT_INTERVAL_MS = 1000
/** Event streams open at once at most (each holds one of the server's connections); more get 503. */
export const DEFAULT_MAX_STREAMS = 16
/** The reconnect delay the page is told (SSE `retry:`), ms. */
const RETRY_MS = 2000

/** One node of the graph. */
export interface TopologyNode {
  /** The node's data-plane address (`listen`), or a peer's address when only that is known. */
  id: string
  /** The node's name; null for a peer this page knows only by its address. */
  name: string | null
  /** True for the node serving this page. */
  self: boolean
  network: string | null
  clients: number | null
  /** Frames the node's router received. */
  routed: number | null
  /** Every drop the node counted. */
  drops: number | null
  /** The node's dashboard, when known. */
  dashboard: string | null
}

/** One native link, as one side sees it. */
export interface TopologyLink {
  from: string
  to: string
  transport: string
  up: boolean
  /** Last keepalive round-trip time, ms; null before one. */
  rttMs: number | null
  lost: number
  /** Bytes the QoS stage handed to this link so far (the page turns them into a rate). */
  sentBytes: number
}

/** The graph a page draws. */
export interface Topology {
  /** `lab` when the page knows every node of the run, `node` when it knows this node and its peers. */
  scope: 'lab' | 'node'
  nodes: TopologyNode[]
  links: TopologyLink[]
}

/** One SSE event: the time, this node's document, the graph. */
export interface DashboardEvent {
  /** ms since the epoch. */
  at: number
  stats: StatusDocument
  /** Round-trip time per peer address, ms (see {@link linkRttMs}). */
  rttMs: Record<string, number | null>
  topology: Topology
}

/** A node as the lab gives it to {@link labTopology}: its document and where its dashboard is. */
export interface LabMember {
  document: () => StatusDocument
  dashboard: string | null
}

/**
 * A link's round-trip time, ms: the native keepalive's when it measured one, else the last SNP
 * probe's (the same order `ipxlab stats` uses); null before either.
 */
export function linkRttMs (d: StatusDocument, peer: StatusDocument['peers'][number]): number | null {
  const rtt = peer.link.rtt as { count?: number, last?: number } | undefined
  if ((rtt?.count ?? 0) > 0 && typeof rtt?.last === 'number') return rtt.last / 1000
  const probe = d.snp?.peers.find(s => s.address === peer.address)?.probes.rttMicros
  return probe != null ? probe.last / 1000 : null
}

function linksOf (d: StatusDocument): TopologyLink[] {
  return d.peers.map(p => ({
    from: d.listen,
    to: p.address,
    transport: p.transport,
    up: p.up,
    rttMs: linkRttMs(d, p),
    lost: typeof p.link.lost === 'number' ? p.link.lost : 0,
    sentBytes: Object.values(p.qos.classes).reduce((a, c) => a + c.sentBytes, 0)
  }))
}

function nodeOf (d: StatusDocument, self: boolean, dashboard: string | null): TopologyNode {
  return {
    id: d.listen,
    name: d.name,
    self,
    network: d.network,
    clients: d.clients.length,
    routed: d.counters.router.received,
    drops: d.drops.reduce((a, x) => a + x.count, 0),
    dashboard
  }
}

/** This node and its peers (what a node run on its own knows). */
export function nodeTopology (d: StatusDocument): Topology {
  const nodes = [nodeOf(d, true, null)]
  for (const p of d.peers) {
    nodes.push({ id: p.address, name: null, self: false, network: null, clients: null, routed: null, drops: null, dashboard: null })
  }
  return { scope: 'node', nodes, links: linksOf(d) }
}

/**
 * Every node of a lab run in one process, and every link each of them reports, for the page of
 * `self` (its `id`, the data-plane address). Peers named by an address no member listens on are
 * drawn as unnamed nodes.
 */
export function labTopology (members: readonly LabMember[]): (self: string) => Topology {
  return self => {
    const docs = members.map(m => ({ d: m.document(), dashboard: m.dashboard }))
    const nodes = docs.map(({ d, dashboard }) => nodeOf(d, d.listen === self, dashboard))
    const known = new Set(nodes.map(n => n.id))
    const links = docs.flatMap(({ d }) => linksOf(d))
    for (const l of links) {
      if (known.has(l.to)) continue
      known.add(l.to)
      nodes.push({ id: l.to, name: null, self: false, network: null, clients: null, routed: null, drops: null, dashboard: null })
    }
    return { scope: 'lab', nodes, links }
  }
}

interface Assets { html: Buffer, js: Buffer, css: Buffer }
let assets: Assets | undefined

/**
 * The page's three files (they ship in assets/dashboard/), read from the package on the first
 * request for one and kept for the life of the process: later requests never wait on a file.
 */
function loadAssets (): Assets {
  if (assets === undefined) {
    const dir = path.join(packageRoot(), 'assets', 'dashboard')
    assets = {
      html: readFileSync(path.join(dir, 'index.html')),
      js: readFileSync(path.join(dir, 'dashboard.js')),
      css: readFileSync(path.join(dir, 'dashboard.css'))
    }
  }
  return assets
}

/**
 * The page may load its own script, style and data and nothing else: no inline script, no other
 * origin (CSP Level 3, `default-src 'none'`), so data shown on it can never run as code.
 */
const PAGE_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

/** Options of {@link Dashboard}. */
export interface DashboardOptions {
  /** This node's document. */
  document: () => StatusDocument
  intervalMs?: number
  maxStreams?: number
  logger?: Logger
}

/** The dashboard's routes on one status server. */
export class Dashboard {
  readonly #o: DashboardOptions
  readonly #streams = new Set<http.ServerResponse>()
  #topology: ((self: string) => Topology) | undefined
  #timer: NodeJS.Timeout | undefined

  /** Whether reading the page's files failed (warned about once). */
  #assetsMissing = false

  constructor (o: DashboardOptions) {
    this.#o = o
  }

  /** The page's files, read on the first request for one (a node nobody looks at never holds them, issue 18). */
  #assets (): Assets | undefined {
    if (this.#assetsMissing) return undefined
    try {
      return loadAssets()
    } catch (err) {
      // A broken install loses the page, not the node: the API and /metrics go on.
      this.#assetsMissing = true
      this.#o.logger?.warn('dashboard: cannot read its page from assets/dashboard/', { error: String(err) })
      return undefined
    }
  }

  /** Streams open now. */
  get streams (): number {
    return this.#streams.size
  }

  /** In a lab: the graph of every node (see {@link labTopology}); otherwise the node and its peers. */
  setTopology (topology: (self: string) => Topology): void {
    this.#topology = topology
  }

  /** The graph for this node's page. */
  topology (d: StatusDocument = this.#o.document()): Topology {
    return this.#topology?.(d.listen) ?? nodeTopology(d)
  }

  /**
   * Serves `path` when it is one of the dashboard's; false otherwise (the caller answers 404).
   * `reply` is the status API's bounded reply (length, HEAD, no-store).
   */
  handle (p: string, req: http.IncomingMessage, res: http.ServerResponse, reply: (status: number, type: string, body: string | Buffer) => void): boolean {
    const asset = (type: string, body: Buffer | undefined): true => {
      res.setHeader('X-Content-Type-Options', 'nosniff')
      if (body === undefined) reply(500, 'text/plain', 'the dashboard\'s files are missing from this install (assets/dashboard/)\n')
      else reply(200, type, body)
      return true
    }
    switch (p) {
      case '/':
      case '/index.html':
        res.setHeader('Content-Security-Policy', PAGE_CSP)
        return asset('text/html; charset=utf-8', this.#assets()?.html)
      case '/dashboard.js':
        return asset('text/javascript; charset=utf-8', this.#assets()?.js)
      case '/dashboard.css':
        return asset('text/css; charset=utf-8', this.#assets()?.css)
      case '/favicon.ico':
        reply(204, 'image/x-icon', '')
        return true
      case '/api/topology':
        reply(200, 'application/json', JSON.stringify(this.topology()) + '\n')
        return true
      case '/api/events':
        this.#openStream(req, res, reply)
        return true
      default:
        return false
    }
  }

  #event (): string {
    const stats = this.#o.document()
    const rttMs = Object.fromEntries(stats.peers.map(p => [p.address, linkRttMs(stats, p)]))
    const e: DashboardEvent = { at: Date.now(), stats, rttMs, topology: this.topology(stats) }
    return `data: ${JSON.stringify(e)}\n\n`
  }

  #openStream (req: http.IncomingMessage, res: http.ServerResponse, reply: (status: number, type: string, body: string) => void): void {
    const max = this.#o.maxStreams ?? DEFAULT_MAX_STREAMS
    if (req.method === 'HEAD') return reply(200, 'text/event-stream', '')
    if (this.#streams.size >= max) {
      res.setHeader('Retry-After', '5')
      return reply(503, 'text/plain', `at most ${max} event streams at once\n`)
    }
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' })
    res.write(`retry: ${RETRY_MS}\n\n`)
    res.write(this.#event())
    this.#streams.add(res)
    res.on('close', () => {
      this.#streams.delete(res)
      if (this.#streams.size === 0) this.#stopTimer()
    })
    this.#timer ??= setInterval(() => { this.#broadcast() }, this.#o.intervalMs ?? DEFAULT_EVENT_INTERVAL_MS)
  }

  #broadcast (): void {
    let text: string
    try {
      text = this.#event()
    } catch (err) {
      this.#o.logger?.warn('dashboard: event failed', { error: String(err) })
      return
    }
    // A client that does not read keeps its socket's buffer full: cut it off rather than queue without bound.
    for (const res of this.#streams) {
      if (res.writableLength > 4 * text.length + 65536) res.destroy()
      else res.write(text)
    }
  }

  #stopTimer (): void {
    if (this.#timer !== undefined) clearInterval(this.#timer)
    this.#timer = undefined
  }

  /** Ends every stream and the timer. */
  stop (): void {
    this.#stopTimer()
    for (const res of this.#streams) res.end()
    this.#streams.clear()
  }
}
