/**
 * The node's status API on tcp 2629 (the QoS plane, architecture.md), HTTP/1.1 with `node:http`:
 *
 * | path         | what                                                                      |
 * |--------------|---------------------------------------------------------------------------|
 * | `/healthz`   | 200 `ok` while the node runs and every native link is up (or it has none); 503 with a JSON reason otherwise (container health checks) |
 * | `/api/stats` | {@link StatusDocument}: the node's stats (clients, peers, routes, services, counters), classes, drops by reason, and SNP (what each side measured, per class) |
 * | `/metrics`   | Prometheus text exposition format 0.0.4, from a prom-client `Registry` of this node's own (never the global default registry, so two nodes in one process do not mix) |
 * | `/`, `/api/events`, `/api/topology` | the live dashboard (src/node/dashboard.ts) |
 *
 * Bounded and non-blocking: only GET and HEAD (405 otherwise, RFC 9110 §15.5.6 with `Allow`); a
 * request target longer than {@link DEFAULT_MAX_URL_LENGTH} → 414 (RFC 9110 §15.5.15); any request body
 * → 413 (RFC 9110 §15.5.14; nothing here takes one, and it is never read); headers beyond 8 KiB →
 * 431 (Node's `maxHeaderSize`); unknown paths → 404. Slow clients are cut off by `headersTimeout`
 * and `requestTimeout`, checked every second, and at most {@link DEFAULT_MAX_CONNECTIONS} are open
 * at once. Every response is computed synchronously from in-memory counters, with no file or
 * network I/O, so a scrape costs one short turn of the event loop and never waits on a client: the
 * data plane's sockets are served between turns as usual. (Once only, the first `/metrics` scrape
 * loads prom-client and registers the metrics: a node nobody scrapes never carries them, issue 18.)
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type * as PromClient from 'prom-client'
import type { Registry } from 'prom-client'
import { TransportError } from '../errors.js'
import { ConnectionLimiter } from '../transport/connection-limiter.js'
import { ApiGuard } from './api-guard.js'
import type { ApiGuardStats } from './api-guard.js'
import type { Logger } from '../log.js'
import { TRAFFIC_CLASSES } from '../qos/classes.js'
import type { CounterSnapshot } from '../transport/counters.js'
import type { NodeStats } from './node.js'
import type { SnpStats } from './snp-agent.js'
import { Dashboard } from './dashboard.js'
import type { Topology } from './dashboard.js'

/** Longest request target accepted, bytes: ample for these paths and a query string. */
export const DEFAULT_MAX_URL_LENGTH = 2048
/** Largest request header block, bytes (Node's default is 16 KiB; nothing here needs more than a few hundred). */
export const MAX_HEADER_BYTES = 8 * 1024
/** Whole-request deadline, ms: headers must arrive within it (slowloris). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 5000
/** Open connections at most; more are refused by the server (`server.maxConnections`). */
export const DEFAULT_MAX_CONNECTIONS = 64

/** What the API reads. */
export interface StatusSource {
  stats: () => NodeStats
  /** SNP figures, when the node runs SNP. */
  snpStats: () => SnpStats | undefined
  /** True while the node runs. */
  running: () => boolean
}

/** Options of {@link StatusApi}. */
export interface StatusApiOptions {
  host: string
  /** Port; 0 picks one. */
  port: number
  source: StatusSource
  maxUrlLength?: number
  requestTimeoutMs?: number
  maxConnections?: number
  /** Open connections from one IP at most (default {@link DEFAULT_MAX_PER_IP}). */
  maxPerIp?: number
  /** Bearer token for every path but `/healthz` (RFC 6750 §2.1); absent = open. */
  token?: string
  logger?: Logger
}

/** Default open connections per IP: a scraper, a browser and a health check, with room to spare. */
export const DEFAULT_MAX_PER_IP = 8

/** One non-zero drop counter. */
export interface DropLine {
  /** `kernel`, `dosbox`, `router`, `attachments`, `tunnel`, `tcp`, `link_rx`, `link_tx`, `snp`. */
  component: string
  /** The peer for link components, the socket for `kernel`, else ''. */
  peer: string
  reason: string
  count: number
  /** Where in the path the component sits ({@link DROP_LAYERS}); each layer counts only what reached it. */
  layer: DropLayer
}

/**
 * The layers a datagram crosses, in order. Each counts its own verdicts: a datagram dropped at one
 * layer never reaches the next. One exception, said wherever drops are shown: `socket` (`tunnel`,
 * `tcp`) counts a native frame the link refused as its own drop too, with the link's reason, and
 * `link_rx` counts it again; so drops of different layers must not be added up.
 */
export const DROP_LAYERS = ['kernel', 'socket', 'client', 'link', 'router', 'attachment', 'qos_plane'] as const
export type DropLayer = typeof DROP_LAYERS[number]

/** What `stats` prints under the drop table (one source for the CLI and the API document). */
export const DROP_NOTE = 'each layer counts what reached it; socket-layer drops (tunnel, tcp) include the frames a native link refused, which link_rx counts again: do not add layers up'

/** The `/api/stats` document. */
export interface StatusDocument extends NodeStats {
  /** Traffic classes by id (the native class byte). */
  classes: Array<{ id: number, name: string }>
  /** Every non-zero drop counter of the node, by layer, component and reason. */
  drops: DropLine[]
  /** How to read {@link drops} ({@link DROP_NOTE}). */
  dropsNote: string
  /** SNP: per peer, what this node measured and what the peer reported; null without SNP. */
  snp: SnpStats | null
  /** The status API's own refusals (connections, tokens); set by the server that answers. */
  api?: ApiGuardStats
}

/** `/healthz`: ok, or why not. */
export function health (running: boolean, stats: NodeStats | undefined): { ok: boolean, reason: string } {
  if (!running || stats === undefined) return { ok: false, reason: 'node not running' }
  const down = stats.peers.filter(p => !p.up).map(p => p.address)
  if (down.length > 0) return { ok: false, reason: `native link down: ${down.join(', ')}` }
  return { ok: true, reason: stats.peers.length === 0 ? 'no peers' : 'all links up' }
}

function dropLines (layer: DropLayer, component: string, peer: string, c: CounterSnapshot | null, out: DropLine[]): void {
  if (c === null) return
  for (const [reason, count] of Object.entries(c.dropped)) if (count > 0) out.push({ component, peer, reason, count, layer })
}

/** The WebSocket attachment's drops: messages (`ws`), copies to clients (`ws_tx`), refused upgrades and faulty closes (`ws_connection`). */
function wsDropLines (s: NodeStats, out: DropLine[]): void {
  const w = s.ws
  if (w === undefined || w === null) return
  dropLines('client', 'ws', '', w.counters, out)
  dropLines('attachment', 'ws_tx', '', w.sent, out)
  for (const [reason, count] of Object.entries(w.refused)) if (count > 0) out.push({ component: 'ws_connection', peer: '', reason: `refused_${reason}`, count, layer: 'socket' })
  for (const [reason, count] of Object.entries(w.closed)) {
    if (count > 0 && reason !== 'peer_closed' && reason !== 'stopped') out.push({ component: 'ws_connection', peer: '', reason: `closed_${reason}`, count, layer: 'socket' })
  }
}

/** Builds the `/api/stats` document from a source. */
export function statusDocument (source: StatusSource): StatusDocument {
  const s = source.stats()
  const snp = source.snpStats() ?? null
  const drops: DropLine[] = []
  for (const [socket, n] of Object.entries(s.kernelDrops ?? {})) if (n !== null && n > 0) drops.push({ component: 'kernel', peer: socket, reason: 'receive_buffer', count: n, layer: 'kernel' })
  dropLines('socket', 'tunnel', '', s.counters.tunnel, drops)
  // Sends refused by the bounded send queue of the 2644 socket (udp-endpoint.ts, issue 18).
  const queueFull = s.socket?.sendQueueFull ?? 0
  if (queueFull > 0) drops.push({ component: 'tunnel_tx', peer: '', reason: 'queue_full', count: queueFull, layer: 'socket' })
  dropLines('socket', 'tcp', '', s.counters.tcp, drops)
  dropLines('client', 'dosbox', '', s.counters.dosbox, drops)
  wsDropLines(s, drops)
  for (const p of s.peers) dropLines('link', 'link_rx', p.address, p.counters, drops)
  dropLines('router', 'router', '', s.counters.router, drops)
  dropLines('attachment', 'attachments', '', s.counters.attachments, drops)
  for (const p of s.peers) dropLines('link', 'link_tx', p.address, p.sent, drops)
  if (snp !== null) {
    for (const [reason, count] of Object.entries(snp.endpoint.dropped)) if (count > 0) drops.push({ component: 'snp', peer: '', reason, count, layer: 'qos_plane' })
  }
  return { ...s, classes: TRAFFIC_CLASSES.map((name, id) => ({ id, name })), drops, dropsNote: DROP_NOTE, snp }
}

type Labels = Record<string, string>
type Emit = (labels: Labels, value: number) => void
/** One summary series: its quantiles as [q, value], the sum and the count. */
type EmitSummary = (labels: Labels, quantiles: Array<[number, number]>, sum: number, count: number) => void
/** prom-client, loaded on the first scrape, and the node's registry. */
interface Metrics { prom: typeof PromClient, registry: Registry }

function finite (v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined
}

/** The HTTP status server of one node. */
export class StatusApi {
  /** This node's own metric registry, made with its metrics on the first scrape ({@link #metricsRegistry}). */
  #registry: Promise<Registry> | undefined
  readonly #o: StatusApiOptions
  readonly #server: http.Server
  #address: AddressInfo | undefined
  /** Each metric's refresh from one scrape's document (one `stats()` call per scrape, shared). */
  readonly #updates: Array<(d: StatusDocument) => void> = []
  /** The live dashboard's routes. */
  readonly #dashboard: Dashboard
  /** Connection caps, token check and their counters (issue 13). */
  readonly guard: ApiGuard

  constructor (o: StatusApiOptions) {
    this.#o = o
    this.#dashboard = new Dashboard({ document: () => statusDocument(o.source), ...(o.logger !== undefined ? { logger: o.logger } : {}) })
    const timeout = o.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS
    this.#server = http.createServer({
      requestTimeout: timeout,
      headersTimeout: timeout,
      keepAliveTimeout: Math.min(timeout, 5000),
      maxHeaderSize: MAX_HEADER_BYTES,
      // Node checks the two timeouts above only this often (default 30 s).
      connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(timeout / 2)))
    }, (req, res) => { this.#handle(req, res) })
    this.guard = new ApiGuard({
      limiter: new ConnectionLimiter({ maxTotal: o.maxConnections ?? DEFAULT_MAX_CONNECTIONS, maxPerIp: o.maxPerIp ?? DEFAULT_MAX_PER_IP }),
      ...(o.token !== undefined ? { token: o.token } : {}),
      ...(o.logger !== undefined ? { logger: o.logger } : {})
    })
    this.guard.attach(this.#server)
    // An idle socket (no request in progress) is closed after the same time.
    this.#server.setTimeout(timeout)
    this.#server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
      // Node answers 400/408/413/431 itself when the socket is still writable (http docs, 'clientError').
      o.logger?.debug('status api: client error', { code: err.code })
      if (socket.writable && !socket.writableEnded) {
        const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request'
        socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
      } else {
        socket.destroy()
      }
    })
  }

  /** Listens on tcp `host:port`. Rejects with {@link TransportError} (`IPX_ERR_ADDR_IN_USE`, ...). */
  async start (): Promise<AddressInfo> {
    const { host, port } = this.#o
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => {
        const code = err.code
        if (code === 'EADDRINUSE') reject(new TransportError('IPX_ERR_ADDR_IN_USE', `tcp ${host}:${port} is already in use`, { cause: err }))
        else if (code === 'EACCES' || code === 'EPERM') reject(new TransportError('IPX_ERR_ACCESS', `no permission to bind tcp ${host}:${port}`, { cause: err }))
        else reject(new TransportError('IPX_ERR_SOCKET', `cannot listen on tcp ${host}:${port}: ${code ?? String(err)}`, { cause: err }))
      }
      this.#server.once('error', onError)
      this.#server.listen({ host, port, exclusive: true }, () => {
        this.#server.off('error', onError)
        resolve()
      })
    })
    this.#server.on('error', (err: NodeJS.ErrnoException) => { this.#o.logger?.warn('status api: server error', { code: err.code }) })
    this.#address = this.#server.address() as AddressInfo
    this.guard.warnIfExposed(this.#address.address)
    return this.#address
  }

  /** The bound address; undefined before start. */
  address (): AddressInfo | undefined {
    return this.#address
  }

  /** Dashboard event streams open now. */
  get streams (): number {
    return this.#dashboard.streams
  }

  /** The dashboard's graph: in a lab, every node of the run (src/node/dashboard.ts `labTopology`). */
  setTopology (topology: (self: string) => Topology): void {
    this.#dashboard.setTopology(topology)
  }

  /** Stops listening and closes every connection. Idempotent. */
  async stop (): Promise<void> {
    this.#dashboard.stop()
    if (!this.#server.listening) return
    await new Promise<void>(resolve => {
      this.#server.close(() => { resolve() })
      this.#server.closeAllConnections()
    })
  }

  #handle (req: http.IncomingMessage, res: http.ServerResponse): void {
    res.setHeader('Cache-Control', 'no-store')
    const url = req.url ?? '/'
    const maxUrl = this.#o.maxUrlLength ?? DEFAULT_MAX_URL_LENGTH
    if (url.length > maxUrl) return this.#reply(req, res, 414, 'text/plain', `request target longer than ${maxUrl} bytes\n`, true)
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD')
      return this.#reply(req, res, 405, 'text/plain', 'only GET and HEAD\n', true)
    }
    const length = req.headers['content-length']
    if ((length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined) {
      return this.#reply(req, res, 413, 'text/plain', 'no request body is accepted\n', true)
    }
    const q = url.indexOf('?')
    const path = q < 0 ? url : url.slice(0, q)
    if (path !== '/healthz' && !this.guard.authorized(req)) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="ipxlab"')
      return this.#reply(req, res, 401, 'text/plain', 'a bearer token is required (Authorization: Bearer ...)\n')
    }
    try {
      switch (path) {
        case '/healthz': {
          const running = this.#o.source.running()
          const h = health(running, running ? this.#o.source.stats() : undefined)
          if (h.ok) return this.#reply(req, res, 200, 'text/plain; charset=utf-8', 'ok\n')
          return this.#reply(req, res, 503, 'application/json', JSON.stringify({ status: 'unavailable', reason: h.reason }) + '\n')
        }
        case '/api/stats':
          return this.#reply(req, res, 200, 'application/json', JSON.stringify({ ...statusDocument(this.#o.source), api: this.guard.stats() }) + '\n')
        case '/metrics':
          this.#metricsRegistry().then(registry => {
            // Refreshed and serialised in one turn, as before the registry was made lazily.
            this.#refresh(statusDocument(this.#o.source))
            return registry.metrics().then(text => {
              this.#reply(req, res, 200, registry.contentType, text)
            })
          }).catch((err: unknown) => {
            this.#o.logger?.warn('status api: metrics failed', { error: String(err) })
            this.#reply(req, res, 500, 'text/plain', 'metrics failed\n')
          })
          return
        default:
          if (this.#dashboard.handle(path, req, res, (status, type, body) => { this.#reply(req, res, status, type, body) })) return
          return this.#reply(req, res, 404, 'text/plain', `not found: try /, /healthz, /api/stats or /metrics\n`)
      }
    } catch (err) {
      this.#o.logger?.warn('status api: request failed', { path, error: String(err) })
      return this.#reply(req, res, 500, 'text/plain', 'internal error\n')
    }
  }

  #reply (req: http.IncomingMessage, res: http.ServerResponse, status: number, type: string, body: string | Buffer, close = false): void {
    if (res.headersSent) return
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body
    res.statusCode = status
    res.setHeader('Content-Type', type)
    res.setHeader('Content-Length', bytes.length)
    // A refused request may come with a body we will not read: close rather than parse it as the next request.
    if (close) res.setHeader('Connection', 'close')
    res.end(req.method === 'HEAD' ? undefined : bytes)
  }

  /**
   * Sets every metric from `d`, synchronously, before the registry serialises them: two scrapes in
   * flight at once both see complete values (prom-client's `collect` hooks would run between awaits).
   */
  #refresh (d: StatusDocument): void {
    for (const u of this.#updates) u(d)
  }

  /**
   * This node's registry (never prom-client's global default one, so two nodes in one process do
   * not mix), with every metric registered. Made on the first scrape: prom-client is imported then.
   */
  #metricsRegistry (): Promise<Registry> {
    this.#registry ??= import('prom-client').then(prom => {
      const m = { prom, registry: new prom.Registry() }
      this.#defineMetrics(m)
      return m.registry
    })
    return this.#registry
  }

  #counter (m: Metrics, name: string, help: string, labelNames: string[], fill: (d: StatusDocument, emit: Emit) => void): void {
    const c = new m.prom.Counter({ name, help, labelNames, registers: [m.registry] })
    this.#updates.push(d => {
      c.reset()
      // Counters mirror the node's own monotonic counters: set by increments from zero.
      fill(d, (l, v) => { if (v > 0) c.inc(l, v) })
    })
  }

  #gauge (m: Metrics, name: string, help: string, labelNames: string[], fill: (d: StatusDocument, emit: Emit) => void): void {
    const g = new m.prom.Gauge({ name, help, labelNames, registers: [m.registry] })
    this.#updates.push(d => {
      g.reset()
      fill(d, (l, v) => { g.set(l, v) })
    })
  }

  /**
   * A Prometheus summary mirrored from figures the node keeps itself (quantiles of its recent
   * samples, a running sum and count). prom-client's `Summary` computes its own quantiles from
   * `observe()` calls, so this registers a metric object of the shape its `Registry` serialises
   * (`get()` → name, help, type and values; a value's `metricName` names the `_sum`/`_count`
   * series): quantiles on a summary, never on a gauge, which is what `promtool check metrics` wants.
   */
  #summary (m: Metrics, name: string, help: string, labelNames: string[], fill: (d: StatusDocument, emit: EmitSummary) => void): void {
    let values: Array<{ labels: Labels, value: number, metricName?: string }> = []
    const metric = { name, help, type: 'summary', labelNames, aggregator: 'sum', get: () => ({ name, help, type: 'summary', aggregator: 'sum', values }) }
    m.registry.registerMetric(metric as unknown as Parameters<Registry['registerMetric']>[0])
    this.#updates.push(d => {
      values = []
      fill(d, (labels, quantiles, sum, count) => {
        for (const [q, v] of quantiles) values.push({ labels: { ...labels, quantile: String(q) }, value: v })
        values.push({ metricName: `${name}_sum`, labels, value: sum }, { metricName: `${name}_count`, labels, value: count })
      })
    })
  }

  #defineMetrics (m: Metrics): void {
    const comp = (d: StatusDocument): Array<[string, string, CounterSnapshot | null]> => [
      ['dosbox', '', d.counters.dosbox], ['router', '', d.counters.router], ['attachments', '', d.counters.attachments], ['tunnel', '', d.counters.tunnel], ['tcp', '', d.counters.tcp], ['ws', '', d.counters.ws ?? null],
      ...d.peers.flatMap(p => [['link_rx', p.address, p.counters], ['link_tx', p.address, p.sent]] as Array<[string, string, CounterSnapshot]>)
    ]
    this.#gauge(m, 'ipxlab_node_info', 'The node: name, mode, IPX network and node address (always 1).', ['name', 'mode', 'network', 'node'],
      (d, emit) => { emit({ name: d.name, mode: d.mode, network: d.network, node: d.node }, 1) })
    this.#counter(m, 'ipxlab_datagrams_received_total', 'Datagrams or frames that reached a component.', ['component', 'peer'], (d, emit) => {
      for (const [component, peer, c] of comp(d)) if (c !== null) emit({ component, peer }, c.received)
      if (d.snp !== null) emit({ component: 'snp', peer: '' }, d.snp.endpoint.received)
    })
    this.#counter(m, 'ipxlab_datagrams_delivered_total', 'Datagrams or frames a component delivered.', ['component', 'peer'], (d, emit) => {
      for (const [component, peer, c] of comp(d)) if (c !== null) emit({ component, peer }, c.delivered)
      if (d.snp !== null) emit({ component: 'snp', peer: '' }, d.snp.endpoint.delivered)
    })
    this.#counter(m, 'ipxlab_datagrams_dropped_total', 'Datagrams or frames a component dropped, by reason. Do not sum across layers: socket-layer drops include frames link_rx also counts.', ['layer', 'component', 'peer', 'reason'], (d, emit) => {
      for (const x of d.drops) if (x.component !== 'kernel') emit({ layer: x.layer, component: x.component, peer: x.peer, reason: x.reason }, x.count)
    })
    this.#counter(m, 'ipxlab_kernel_receive_drops_total', 'Datagrams the kernel dropped on a UDP socket before the node read them (/proc/net/udp drops column).', ['socket'], (d, emit) => {
      for (const [socket, n] of Object.entries(d.kernelDrops ?? {})) if (n !== null) emit({ socket }, n)
    })
    this.#counter(m, 'ipxlab_busy_poll_windows_total', 'Times the 2644 socket\'s busy poller began polling: a datagram arrived while the event loop slept (src/transport/busy-poll.ts).', [], (d, emit) => {
      const b = d.socket?.busyPoll
      if (b !== undefined) emit({}, b.windows)
    })
    this.#counter(m, 'ipxlab_busy_poll_caught_total', 'Datagrams the 2644 socket read while its busy poller was polling: each one a wake-up of the event loop saved.', [], (d, emit) => {
      const b = d.socket?.busyPoll
      if (b !== undefined) emit({}, b.caught)
    })
    this.#counter(m, 'ipxlab_tcp_refused_total', 'TCP connections to the data port refused at accept, by reason.', ['reason'], (d, emit) => {
      for (const [reason, n] of Object.entries(d.tcpConnections?.refused ?? {})) emit({ reason }, n)
    })
    this.#gauge(m, 'ipxlab_clients', 'Registered DOSBox and RFC 1234 clients.', [], (d, emit) => { emit({}, d.clients.length) })
    this.#gauge(m, 'ipxlab_ws_clients', 'WebSocket (js-dos) clients, by room and whether the room is on the node\'s local segment.', ['room', 'mapped'], (d, emit) => {
      for (const r of d.ws?.rooms ?? []) emit({ room: r.room, mapped: r.mapped ? '1' : '0' }, r.clients)
    })
    this.#gauge(m, 'ipxlab_routes', 'Entries in the IPX routing table.', [], (d, emit) => { emit({}, d.routes.length) })
    this.#gauge(m, 'ipxlab_services', 'Entries in the SAP service table.', [], (d, emit) => { emit({}, d.services.length) })
    this.#gauge(m, 'ipxlab_link_up', 'Native link state (1 up, 0 down).', ['peer'], (d, emit) => {
      for (const p of d.peers) emit({ peer: p.address }, p.up ? 1 : 0)
    })
    this.#gauge(m, 'ipxlab_link_qos_info', 'The QoS stage of a link (issue 11): what was asked (qos), the scheduler (discipline), the era profile, LFI on or off (always 1).', ['peer', 'qos', 'discipline', 'profile', 'lfi'], (d, emit) => {
      for (const p of d.peers) emit({ peer: p.address, qos: p.qos.qos ?? p.qos.discipline, discipline: p.qos.discipline, profile: p.qos.profile ?? '', lfi: p.qos.lfi?.enabled === true ? 'on' : 'off' }, 1)
    })
    this.#gauge(m, 'ipxlab_link_rate_bps', 'Emulated rate of a link\'s QoS stage, bit/s (absent without an emulated link).', ['peer'], (d, emit) => {
      for (const p of d.peers) if (p.qos.rateBps !== null) emit({ peer: p.address }, p.qos.rateBps)
    })
    this.#counter(m, 'ipxlab_lfi_fragments_total', 'LFI fragments: sent towards the peer (tx), and received from it by outcome (rx: accepted or the drop reason).', ['peer', 'direction', 'outcome'], (d, emit) => {
      for (const p of d.peers) {
        if (p.qos.lfi !== undefined) emit({ peer: p.address, direction: 'tx', outcome: 'sent' }, p.qos.lfi.fragmentsSent)
        const r = p.reassembly
        if (r === undefined) continue
        emit({ peer: p.address, direction: 'rx', outcome: 'accepted' }, r.fragmentsAccepted)
        for (const [reason, n] of Object.entries(r.fragmentsDropped)) emit({ peer: p.address, direction: 'rx', outcome: reason }, n)
      }
    })
    this.#counter(m, 'ipxlab_lfi_frames_total', 'LFI packets received from the peer: rebuilt (complete) or given up, by reason.', ['peer', 'outcome'], (d, emit) => {
      for (const p of d.peers) {
        const r = p.reassembly
        if (r === undefined) continue
        emit({ peer: p.address, outcome: 'complete' }, r.framesCompleted)
        for (const [reason, n] of Object.entries(r.framesIncomplete)) emit({ peer: p.address, outcome: reason }, n)
      }
    })
    this.#gauge(m, 'ipxlab_link_rtt_seconds', 'Last native keepalive round-trip time.', ['peer'], (d, emit) => {
      for (const p of d.peers) {
        const rtt = p.link.rtt as { count?: number, last?: number } | undefined
        const last = finite(rtt?.last)
        if ((rtt?.count ?? 0) > 0 && last !== undefined) emit({ peer: p.address }, last / 1e6)
      }
    })
    this.#counter(m, 'ipxlab_link_lost_total', 'Native sequence numbers skipped and not filled (loss).', ['peer'], (d, emit) => {
      for (const p of d.peers) emit({ peer: p.address }, finite(p.link.lost) ?? 0)
    })
    this.#counter(m, 'ipxlab_link_reordered_total', 'Native frames that arrived after a higher sequence.', ['peer'], (d, emit) => {
      for (const p of d.peers) emit({ peer: p.address }, finite(p.link.reordered) ?? 0)
    })
    this.#counter(m, 'ipxlab_class_packets_total', 'Packets per traffic class: tx = offered to the QoS stage towards the peer, rx = received from the peer.', ['peer', 'class', 'direction'], (d, emit) => {
      for (const p of d.peers) for (const [cls, f] of Object.entries(p.qos.classes)) emit({ peer: p.address, class: cls, direction: 'tx' }, f.packets)
      for (const p of d.snp?.peers ?? []) for (const [cls, f] of Object.entries(p.measured)) emit({ peer: p.address, class: cls, direction: 'rx' }, f.packets)
    })
    this.#counter(m, 'ipxlab_class_bytes_total', 'IPX bytes per traffic class (tx offered, rx received).', ['peer', 'class', 'direction'], (d, emit) => {
      for (const p of d.peers) for (const [cls, f] of Object.entries(p.qos.classes)) emit({ peer: p.address, class: cls, direction: 'tx' }, f.bytes)
      for (const p of d.snp?.peers ?? []) for (const [cls, f] of Object.entries(p.measured)) emit({ peer: p.address, class: cls, direction: 'rx' }, f.bytes)
    })
    this.#counter(m, 'ipxlab_class_drops_total', 'Packets the QoS stage dropped per traffic class, by reason.', ['peer', 'class', 'reason'], (d, emit) => {
      for (const p of d.peers) for (const [cls, f] of Object.entries(p.qos.classes)) for (const [reason, n] of Object.entries(f.drops)) emit({ peer: p.address, class: cls, reason }, n)
    })
    this.#summary(m, 'ipxlab_class_queue_delay_seconds', 'Queueing delay per traffic class: quantiles 0.5, 0.99 and 1 (max) over the recent packets, sum and count since start.', ['peer', 'class'], (d, emit) => {
      for (const p of d.peers) {
        for (const [cls, f] of Object.entries(p.qos.classes)) {
          emit({ peer: p.address, class: cls }, [[0.5, f.p50Ms / 1000], [0.99, f.p99Ms / 1000], [1, f.maxMs / 1000]], f.delaySumMs / 1000, f.sentPackets)
        }
      }
    })
    this.#counter(m, 'ipxlab_class_lost_total', 'Frames received from the peer lost per class (native sequence gaps, charged to the next frame\'s class).', ['peer', 'class'], (d, emit) => {
      for (const p of d.snp?.peers ?? []) for (const [cls, f] of Object.entries(p.measured)) emit({ peer: p.address, class: cls }, f.lost)
    })
    this.#counter(m, 'ipxlab_class_peer_packets_total', 'Packets of this node\'s traffic the peer reported receiving, per class (SNP reports).', ['peer', 'class'], (d, emit) => {
      for (const p of d.snp?.peers ?? []) for (const [cls, f] of Object.entries(p.peerMeasured)) emit({ peer: p.address, class: cls }, f.packets)
    })
    this.#counter(m, 'ipxlab_class_peer_lost_total', 'Loss of this node\'s traffic the peer reported, per class (SNP reports).', ['peer', 'class'], (d, emit) => {
      for (const p of d.snp?.peers ?? []) for (const [cls, f] of Object.entries(p.peerMeasured)) emit({ peer: p.address, class: cls }, f.lost)
    })
    for (const [q, word] of [['p50', 'median'], ['p99', '99th percentile'], ['max', 'maximum']] as const) {
      this.#gauge(m, `ipxlab_class_peer_delay_${q}_seconds`, `One-way delay of this node's traffic, ${word}, the peer reported for its last interval, per class (SNP reports).`, ['peer', 'class'], (d, emit) => {
        for (const p of d.snp?.peers ?? []) for (const [cls, f] of Object.entries(p.peerMeasured)) emit({ peer: p.address, class: cls }, f.last.delayMicros[q] / 1e6)
      })
    }
    this.#gauge(m, 'ipxlab_snp_rtt_seconds', 'Last SNP probe round-trip time (RFC 5905 §8 on-wire delay).', ['peer'], (d, emit) => {
      for (const p of d.snp?.peers ?? []) if (p.probes.rttMicros !== null) emit({ peer: p.address }, p.probes.rttMicros.last / 1e6)
    })
    this.#gauge(m, 'ipxlab_snp_hello_mismatch', 'The peer\'s SNP hello disagrees with this node\'s class table or link settings (1), agrees (0).', ['peer'], (d, emit) => {
      for (const p of d.snp?.peers ?? []) if (p.hello.match !== null) emit({ peer: p.address }, p.hello.match ? 0 : 1)
    })
  }
}
