/**
 * `ipxlab stats`: one node's status, read from its status API (`GET /api/stats` on tcp 2629, the
 * QoS plane; src/node/status-api.ts). Prints the clients, the peers (up, RTT, loss, SNP hello),
 * the routes and services, per traffic class what this node sent and queued, what it received from
 * each peer and what the peer reported receiving of its traffic (SNP reports), and every drop by
 * reason. `--json` prints the document as the API gave it. Given the node's data-plane address
 * (2644), it asks the same host's 2629. An unreachable node is one line and exit status 2.
 */
import http from 'node:http'
import { isIP } from 'node:net'
import { DROP_NOTE } from '../node/status-api.js'
import type { StatusDocument } from '../node/status-api.js'
import type { Io } from './main.js'
import { formatHostPort } from '../address.js'
import { displayNetworks, displayServers, portLabel } from './netware-tables.js'

/** The QoS plane's port (the status API's, unless a node was given another `--snp`). */
export const STATUS_PORT = 2629
/** Where `ipxlab stats` looks by default: the QoS-plane port on this host. */
export const DEFAULT_STATS_NODE = `127.0.0.1:${STATUS_PORT}`
/** How long to wait for the node, ms. */
export const DEFAULT_STATS_TIMEOUT_MS = 5000
/** Largest reply read, bytes: a node's stats are tens of KiB; this bounds a misbehaving server. */
export const MAX_STATS_BYTES = 16 * 1024 * 1024

/** Options of {@link runStats}. */
export interface StatsOptions {
  /**
   * `ADDR:PORT`, `[v6]:PORT` or `ADDR` (port 2629). Default {@link DEFAULT_STATS_NODE}. A port that
   * does not answer as a status API (the node's 2644 address, say) is retried at 2629 on that host.
   */
  node?: string | undefined
  json?: boolean | undefined
  timeoutMs?: number | undefined
  /** Bearer token for a node started with `--api-token(-file)`; default `IPXLAB_API_TOKEN`. */
  token?: string | undefined
}

/** Exit statuses (as `Exit` in main.ts; repeated to keep this module free of main's imports). */
const OK = 0
const USAGE = 2

/** Splits `ADDR[:PORT]`; a string when it is not one. */
export function parseNodeAddress (text: string): { host: string, port: number } | string {
  const t = text.trim()
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(t)
  let host: string
  let port: string | undefined
  if (v6 !== null) {
    host = v6[1]!
    port = v6[2]
  } else {
    const i = t.lastIndexOf(':')
    if (i >= 0 && t.indexOf(':') !== i) return 'write an IPv6 address in brackets: [ADDR]:PORT'
    host = i < 0 ? t : t.slice(0, i)
    port = i < 0 ? undefined : t.slice(i + 1)
  }
  if (host === '' || (isIP(host) === 0 && !/^[A-Za-z0-9.-]+$/.test(host))) return `${JSON.stringify(host)} is not an address`
  const n = port === undefined ? 2629 : /^\d{1,5}$/.test(port) ? Number(port) : NaN
  if (!(n >= 1 && n <= 65535)) return `bad port ${JSON.stringify(port)}`
  return { host, port: n }
}

/** Why the node could not be read (one line for the user). */
class FetchError extends Error {
  readonly why: string
  constructor (why: string) {
    super(why)
    this.why = why
  }
}

async function fetchStats (host: string, port: number, timeoutMs: number, token: string | undefined): Promise<string> {
  return await new Promise((resolve, reject) => {
    const headers: Record<string, string> = { accept: 'application/json', ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}) }
    const req = http.get({ host, port, path: '/api/stats', agent: false, timeout: timeoutMs, headers }, res => {
      if (res.statusCode === 401) {
        res.resume()
        reject(new FetchError(token === undefined ? 'the node requires a token: pass --api-token-file or set IPXLAB_API_TOKEN' : 'the node refused the token'))
        return
      }
      if (res.statusCode !== 200) {
        res.resume()
        reject(new FetchError(`the node answered HTTP ${res.statusCode ?? '?'} for /api/stats`))
        return
      }
      const chunks: Buffer[] = []
      let size = 0
      res.on('data', (c: Buffer) => {
        size += c.length
        if (size > MAX_STATS_BYTES) {
          req.destroy(new FetchError(`the reply exceeds ${MAX_STATS_BYTES} bytes`))
          return
        }
        chunks.push(c)
      })
      res.on('end', () => { resolve(Buffer.concat(chunks).toString('utf8')) })
      res.on('error', reject)
    })
    req.on('timeout', () => { req.destroy(new FetchError(`no answer within ${timeoutMs} ms`)) })
    req.on('error', (err: NodeJS.ErrnoException) => {
      reject(err instanceof FetchError ? err : new FetchError(err.code ?? err.message))
    })
  })
}

function ms (micros: number | null | undefined): string {
  return typeof micros === 'number' && Number.isFinite(micros) ? (micros / 1000).toFixed(micros < 10_000 ? 2 : 1) : '-'
}

function table (rows: string[][], indent = '  '): string[] {
  if (rows.length === 0) return []
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map(r => (r[i] ?? '').length)))
  return rows.map(r => indent + r.map((c, i) => i === r.length - 1 ? c : c.padEnd(widths[i]!)).join('  ').trimEnd())
}

/** One line: what the link's QoS stage runs (issue 11), and LFI's figures both ways. */
function qosLine (q: StatusDocument['peers'][number]['qos'], r: StatusDocument['peers'][number]['reassembly'] | undefined): string {
  const rate = q.rateBps === null ? 'no emulated link' : `${q.rateBps >= 1e6 ? `${q.rateBps / 1e6} Mbit/s` : `${q.rateBps / 1e3} kbit/s`}${q.profile != null ? ` (${q.profile})` : ''}`
  const util = q.utilisation === null ? '' : `, utilisation ${(q.utilisation * 100).toFixed(1)} %`
  const lfi = q.lfi === undefined ? '' : q.lfi.enabled ? `, LFI on: ${q.lfi.fragmentedFrames} frames in ${q.lfi.fragmentsSent} fragments of ${q.lfi.chunkBytes} B (${(q.lfi.overheadShare * 100).toFixed(1)} % headers)` : `, LFI off (${q.lfi.mode})`
  const rx = r === undefined || r.fragmentsReceived === 0 ? '' : `; fragments received ${r.fragmentsReceived}, packets rebuilt ${r.framesCompleted}, incomplete ${Object.values(r.framesIncomplete).reduce((a, b) => a + b, 0)}`
  return `qos ${q.qos ?? q.discipline}, discipline ${q.discipline === 'none' ? 'none (classify and count only)' : q.discipline}${q.monitorOnly ? ' monitor-only' : ''}, ${rate}${util}${lfi}${rx}`
}

/** The human-readable form of a status document: one section per topic. */
export function formatStats (d: StatusDocument): string {
  const out: string[] = []
  out.push(`node ${d.name}: ${d.mode} mode, network ${d.network}, node ${d.node}, data plane ${d.listen}${d.snp !== null ? `, QoS plane ${d.snp.listen} (class digest ${d.snp.classDigest.slice(0, 12)}…)` : ''}`)
  const sock = d.socket
  if (sock !== undefined) {
    const b = sock.busyPoll
    const poll = b === undefined ? '' : b.windowUs === 0 ? ', busy poll off' : `, busy poll ${b.windowUs} µs: ${b.caught} datagrams read while polling, ${b.windows} wake-ups${b.rested > 0 ? `, ${b.rested} with polling at rest (it caught nothing)` : ''}`
    out.push(`data plane socket: receive buffer ${Math.round(sock.receiveBufferBytes / 1024)} KiB${sock.maxSendQueue !== undefined ? `, send queue at most ${sock.maxSendQueue} datagrams (${sock.sendQueueFull ?? 0} dropped queue_full)` : ''}${poll}`)
  }
  out.push(`clients (${d.clients.length})`)
  out.push(...table(d.clients.map(c => [c.node, c.address, `${c.packets} packets`, `${c.bytes} bytes`])))
  if (d.ws !== undefined && d.ws !== null) {
    const w = d.ws
    out.push(`websocket clients (${w.clients.length}) on ${w.listen ?? 'the data plane port'}${w.tls ? ' (TLS)' : ''}, room ${w.mappedRoom ?? '-'} on the local segment`)
    out.push(...table(w.clients.map(c => [c.node.toString(16).padStart(12, '0').toUpperCase(), c.address, `room ${c.room}`, c.registered ? 'registered' : 'not registered', `${c.packets} packets`, `${c.bytes} bytes`])))
  }
  out.push(`peers (${d.peers.length})`)
  const snpPeers = new Map((d.snp?.peers ?? []).map(p => [p.address, p]))
  out.push(...table(d.peers.map(p => {
    const s = snpPeers.get(p.address)
    const rtt = (p.link.rtt as { count?: number, last?: number } | undefined)
    const hello = s === undefined ? '' : s.hello.match === null ? 'snp: no hello yet' : s.hello.match ? 'snp: hello agrees' : `snp: MISMATCH ${s.hello.mismatches.join('; ')}`
    return [p.address, p.transport, p.up ? 'up' : 'DOWN',
      `rtt ${ms((rtt?.count ?? 0) > 0 ? rtt?.last : s?.probes.rttMicros?.last)} ms`,
      `lost ${String(p.link.lost ?? 0)}`, `reordered ${String(p.link.reordered ?? 0)}`, hello]
  })))
  // As a NetWare console showed them (src/cli/netware-tables.ts), then each service's address.
  out.push(`routes (${d.routes.length}), as DISPLAY NETWORKS`)
  out.push(...displayNetworks(d.routes, { via: (port) => portLabel(port) }))
  out.push(`services (${d.services.length}), as DISPLAY SERVERS`)
  out.push(...displayServers(d.services))
  out.push(...table(d.services.map(s => [`0x${s.type.toString(16).padStart(4, '0')}`, s.name, s.address, `${s.hops} hops`])))
  for (const p of d.peers) {
    const s = snpPeers.get(p.address)
    out.push(`qos on the link to ${p.address}: ${qosLine(p.qos, p.reassembly)}`)
    out.push(`classes on the link to ${p.address}: sent (queue), received, and what the peer reported receiving`)
    const rows: string[][] = [['class', 'sent', 'bytes', 'drops', 'queue p50/p99 ms', 'received', 'lost', 'delay p50/p99 ms', 'peer got', 'peer lost', 'peer delay p50/p99 ms']]
    const names = [...new Set([...d.classes.map(c => c.name), ...Object.keys(p.qos.classes), ...Object.keys(s?.measured ?? {}), ...Object.keys(s?.peerMeasured ?? {})])]
    for (const name of names) {
      const q = p.qos.classes[name]
      const m = s?.measured[name]
      const r = s?.peerMeasured[name]
      const drops = q === undefined ? 0 : Object.values(q.drops).reduce((a, b) => a + b, 0)
      rows.push([name,
        String(q?.sentPackets ?? 0), String(q?.sentBytes ?? 0), String(drops),
        q === undefined ? '-' : `${q.p50Ms.toFixed(1)}/${q.p99Ms.toFixed(1)}`,
        String(m?.packets ?? '-'), String(m?.lost ?? '-'), m === undefined ? '-' : `${ms(m.delayMicros.p50)}/${ms(m.delayMicros.p99)}`,
        String(r?.packets ?? '-'), String(r?.lost ?? '-'), r === undefined ? '-' : `${ms(r.last.delayMicros.p50)}/${ms(r.last.delayMicros.p99)}`])
    }
    out.push(...table(rows))
  }
  out.push('drops by layer, component and reason')
  out.push(...table(d.drops.map(x => [x.layer ?? '-', x.component, x.peer === '' ? '-' : x.peer, x.reason, String(x.count)])))
  out.push(`  (${d.dropsNote ?? DROP_NOTE})`)
  const kernel = Object.entries(d.kernelDrops ?? {})
  if (kernel.length > 0) out.push(`kernel receive-buffer drops: ${kernel.map(([s, n]) => `${s} ${n === null ? 'unknown' : n}`).join(', ')}`)
  const tc = d.tcpConnections
  if (tc !== null && tc !== undefined) out.push(`tcp connections: ${tc.open} open, refused ${tc.refused.total_limit} (total limit) + ${tc.refused.per_ip_limit} (per-IP limit)`)
  if (d.snp !== null) {
    const e = d.snp.endpoint
    out.push(`snp: ${e.received} datagrams received, ${e.delivered} accepted, ${e.sent} sent`)
  }
  return out.join('\n') + '\n'
}

/** Runs `ipxlab stats`; returns the exit status. Never throws for an unreachable node. */
export async function runStats (o: StatsOptions, io: Io): Promise<number> {
  const text = o.node ?? DEFAULT_STATS_NODE
  const addr = parseNodeAddress(text)
  if (typeof addr === 'string') {
    io.stderr.write(`ipxlab stats: --node ${text}: ${addr}\n`)
    return USAGE
  }
  const show = (port: number): string => formatHostPort(addr.host, port)
  let shown = show(addr.port)
  const timeoutMs = o.timeoutMs ?? DEFAULT_STATS_TIMEOUT_MS
  let body: string
  try {
    body = await fetchStats(addr.host, addr.port, timeoutMs, o.token)
  } catch (err) {
    const why = err instanceof FetchError ? err.why : String(err)
    // Given the node's 2644 (data-plane) address, or another port that is no status API: the
    // status API is on the same host at 2629 unless the node was given another --snp.
    if (addr.port !== STATUS_PORT) {
      const first = shown
      shown = show(STATUS_PORT)
      io.stderr.write(`ipxlab stats: ${first} is not a status API (${why}; a data-plane address?); asking ${shown}, the QoS plane's port\n`)
      try {
        body = await fetchStats(addr.host, STATUS_PORT, timeoutMs, o.token)
      } catch (err2) {
        const why2 = err2 instanceof FetchError ? err2.why : String(err2)
        io.stderr.write(`ipxlab stats: cannot reach the node's status API at ${shown} either (${why2}); is the node running, and what is its --snp address?\n`)
        return USAGE
      }
    } else {
      io.stderr.write(`ipxlab stats: cannot reach the node's status API at ${shown} (${why}); is the node running, and is this its --snp address?\n`)
      return USAGE
    }
  }
  let doc: StatusDocument
  try {
    doc = JSON.parse(body) as StatusDocument
    // Every member formatStats reads: a partial or foreign document is one line, not a TypeError.
    if (typeof doc !== 'object' || doc === null || !Array.isArray(doc.peers) || !Array.isArray(doc.clients) ||
      !Array.isArray(doc.routes) || !Array.isArray(doc.services) || typeof doc.counters !== 'object' || doc.counters === null) {
      throw new Error('not a status document')
    }
  } catch (err) {
    io.stderr.write(`ipxlab stats: ${shown} did not answer with ipxlab stats JSON (${(err as Error).message})\n`)
    return USAGE
  }
  io.stdout.write(o.json === true ? JSON.stringify(doc, null, 2) + '\n' : formatStats(doc))
  return OK
}
