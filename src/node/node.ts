/**
 * The emulated node: the composition root that wires the transports, the router, the built-in
 * services, the QoS stage and the capture writer (ipxbox's `makeNetwork` is the model).
 *
 * The seam: every way in and out of the node is an {@link Attachment} (src/transport/attachment.ts):
 * `send(datagram)` returns a verdict, a `receiver` it calls with every IPX datagram it takes in,
 * its counters, `close()`, and for local segments `hasNode(node)`. {@link IpxNode.attach} makes an
 * attachment a router port (its receiver forwards from that port; the port's `send` is the
 * attachment's, or the QoS stage in front of a peer's); the attachments come from an
 * {@link AttachmentFactory} ({@link socketAttachments} by default: the DOSBox server on the UDP
 * listen socket, native links carried by the UDP tunnel or TCP). DOSBox-over-TCP connections
 * attach themselves as they arrive; tests attach in-memory pairs (`attachmentPair`).
 *
 * Life of a packet (a DOSBox client on node A to a DOSBox client on node B, bridge mode):
 *  1. A UDP datagram arrives on A's 2644 socket ({@link UdpTunnel}). It starts `FF FF`, so it goes to
 *     the DOSBox attachment ({@link DosboxAttachment}): its server checks the sender is registered
 *     and owns the source node, relays it to A's other local clients when it is a broadcast, and
 *     hands it to the attachment's receiver.
 *  2. The receiver (set by {@link IpxNode.attach}) captures it and forwards it on the {@link Router}
 *     from the `local` port. The router floods a broadcast to every peer port, or sends a unicast
 *     to the port its destination node was learned on.
 *  3. A peer port's `send` is the {@link LinkQos} stage of that link: it classifies the packet
 *     (game, interactive, bulk, ...), queues and shapes it when a rate is set, then sends it on the
 *     peer's {@link NativeLinkAttachment}: its {@link NativeLink} wraps it (magic, class, sequence,
 *     timestamp, optional HMAC) and sends it to B's 2644, over UDP or TCP.
 *  4. B's native link verifies and unwraps it and hands it to that attachment's receiver: B's SNP
 *     agent counts it in its class (for the reports on udp 2629, {@link SnpAgent}), and it goes to
 *     B's router on that peer port; the router sends it to B's `local` port, whose `send` is the
 *     DOSBox attachment's: to the client whose ip:port is the destination node, or every client
 *     for a broadcast.
 *  In route mode step 2 routes by network instead: RIP and SAP learn A's and B's networks and
 *  services across the link, and transport control is incremented at each router.
 *  Every drop on the way has a named reason in one counter: the DOSBox server's (what the socket
 *  received from clients), the router's (what crossed the router), {@link IpxNode.attachments}
 *  (what a local attachment could not deliver), each link's (frames received from and sent to the
 *  peer) and each QoS stage's (queue drops).
 */
import { isIP } from 'node:net'
import { lookup } from 'node:dns/promises'
// The modules themselves, not the protocol/index.js barrel: that one also loads the dissectors,
// the display filter and the capture codecs, which a relaying node never runs (issue 18).
import * as ethernet from '../../protocol/ethernet.js'
import * as ipxCodec from '../../protocol/ipx/index.js'
import { DecodeError } from '../../protocol/errors.js'
import { UdpTunnel } from '../transport/udp-tunnel.js'
import type { DosboxServer, DosboxServerOptions } from '../transport/dosbox-server.js'
import type { NativeLink, NativeLinkOptions } from '../transport/native-link.js'
import { DosboxAttachment, NativeLinkAttachment, TcpSegmentAttachment } from '../transport/attachment.js'
import type { Attachment } from '../transport/attachment.js'
import { TcpLinkDialer, TcpTunnelServer } from '../transport/tcp.js'
import type { TcpConnectionFigures } from '../transport/tcp.js'
import { KernelDropReader } from '../transport/kernel-drops.js'
import type { DropReason } from '../transport/counters.js'
import { Counters } from '../transport/counters.js'
import type { CounterSnapshot } from '../transport/counters.js'
import { CaptureWriter } from '../capture/writer.js'
import { Router, linkTicks } from './router.js'
import { RipService } from './services/rip.js'
import { SapService } from './services/sap.js'
import { DiagService } from './services/diag.js'
import { PingService } from './services/ping.js'
import { LinkQos } from './link-qos.js'
import { SnpAgent, linkSettingsFromQos } from './snp-agent.js'
import type { SnpAgentOptions, SnpReceiveRecorder } from './snp-agent.js'
import { StatusApi } from './status-api.js'
import { apiProtection, tcpProtection } from './protection.js'
import type { WsAttachment } from './ws-attachment.js'
import type { WsStats } from '../transport/ws-server.js'
import type { AddressInfo } from 'node:net'
import type { LinkQosOptions, LinkQosStats } from './link-qos.js'
import type { NodeConfig, PeerConfig } from './config.js'
import { DEFAULT_RECEIVE_BUFFER } from './config.js'
import type { Logger } from '../log.js'
import { silentLogger } from '../log.js'
import { Socket } from '../../protocol/constants.js'
import { Reassembler } from '../../protocol/tunnel/fragment.js'
import type { ReassemblyStats } from '../../protocol/tunnel/fragment.js'
import { DEFAULT_MAX_PACKET } from '../transport/native-link.js'
import { linkQosOptions } from './qos-options.js'

/** How long a stop waits for the QoS stages to pass on the shutdown announcements (ms). */
export const STOP_DRAIN_MS = 500

/** How often a peer name that does not resolve is looked up again (ms). */
export const RESOLVE_RETRY_MS = 2000
/** How often the name of a peer whose link is down is looked up again (ms): a restarted container may have a new address. */
export const REDIAL_RESOLVE_MS = 1000

/** How often the services and the tables are ticked, at most (ms). */
const MAX_TICK_MS = 1000

/**
 * Makes the node's attachments (the roles on its sockets). The default, {@link socketAttachments},
 * makes the real ones: the DOSBox server on the UDP listen socket and native links carried by the
 * UDP tunnel or a TCP connection. A test may pass its own to observe or replace them.
 */
export interface AttachmentFactory {
  dosbox: (options: Omit<DosboxServerOptions, 'onForward'>) => DosboxAttachment
  nativeLink: (options: Omit<NativeLinkOptions, 'onPacket'>) => NativeLinkAttachment
}

/** The real attachments: what {@link IpxNode} uses unless told otherwise. */
export const socketAttachments: AttachmentFactory = {
  dosbox: (o) => new DosboxAttachment(o),
  nativeLink: (o) => new NativeLinkAttachment(o)
}

/** Runtime choices that are not part of the node's configuration file. */
export interface NodeRuntime {
  /** Where the attachments come from; default {@link socketAttachments}. */
  attachments?: AttachmentFactory
  logger?: Logger
  /** The QoS stage on every peer link; omitted: classify only, send at once. */
  qos?: Omit<LinkQosOptions, 'send' | 'now' | 'logger'>
  /** Milliseconds, monotonic; default `performance.now()`. One clock for router, services and QoS. */
  now?: () => number
  /** SNP timing (udp snpListen); default hello every 1 s (10 tries), probe and report every 1 s. */
  snp?: Pick<SnpAgentOptions, 'helloIntervalMs' | 'helloRetries' | 'probeIntervalMs' | 'reportIntervalMs'>
}

/** One peer link as the node keeps it. */
interface PeerState {
  /** The peer as configured; its host moves when a name-given peer comes back at another address. */
  config: PeerConfig
  readonly id: string
  readonly attachment: NativeLinkAttachment
  readonly link: NativeLink
  readonly qos: LinkQos
  /** The link's tick delay (1/18 s) from its speed, the router port's (router.ts `linkTicks`). */
  readonly ticks: number
  readonly dialer: TcpLinkDialer | undefined
  readonly captureInterface: number | undefined
  /** The SNP agent's receive hook: per-class counts for the reports (issue 6). */
  readonly rx: SnpReceiveRecorder
  /** LFI: rebuilds the peer's fragments (issue 11). */
  readonly reassembler: Reassembler
  /** The peer's host and SNP host as configured, when either is a name (looked up again while the link is down). */
  readonly names: { host: string, snpHost: string } | undefined
  /** {@link IpxNode} is looking the names up again (the link is down). */
  following: boolean
}

/** What {@link IpxNode.stats} returns: everything `ipxlab stats` and the status API show. */
export interface NodeStats {
  name: string
  mode: string
  network: string
  node: string
  listen: string
  clients: Array<{ node: string, address: string, packets: number, bytes: number }>
  peers: Array<{ address: string, transport: string, up: boolean, counters: CounterSnapshot, sent: CounterSnapshot, link: Record<string, unknown>, qos: LinkQosStats, reassembly: ReassemblyStats }>
  routes: Array<{ network: string, port: string | null, hops: number, ticks: number }>
  services: Array<{ type: number, name: string, address: string, hops: number, port: string | null }>
  counters: { dosbox: CounterSnapshot, router: CounterSnapshot, attachments: CounterSnapshot, tunnel: CounterSnapshot, tcp: CounterSnapshot | null, ws?: CounterSnapshot | null }
  /** TCP connections on the listen port: open, refused by reason, closed by reason (issue 13). */
  tcpConnections: TcpConnectionFigures | null
  /** Datagrams the kernel dropped before the node read them, per UDP socket (null: cannot tell). */
  kernelDrops: Record<string, number | null>
  /** The WebSocket attachment (js-dos players), null when off. */
  ws?: WsStats | null
  /**
   * The 2644 UDP socket's receive buffer as the kernel granted it (its drops when that bounded
   * queue is full are `kernelDrops.tunnel`).
   */
  socket: {
    receiveBufferBytes: number
    /** The bound on libuv's send queue of the 2644 socket, in datagrams (issue 18). */
    maxSendQueue?: number
    /** Sends dropped because that queue was full (`queue_full`; the kernel's send buffer stayed full). */
    sendQueueFull?: number
    /**
     * The busy poller of the 2644 socket (src/transport/busy-poll.ts): its window (µs, 0 = off),
     * how often polling began, the datagrams read while polling (wake-ups saved), its turns, and
     * the datagrams that started no window because polling was not paying (busy-poll.ts).
     */
    busyPoll?: { windowUs: number, windows: number, caught: number, turns: number, rested: number }
  }
  captured: number
  captureErrors: number
}

function hex (n: number, digits: number): string {
  return n.toString(16).padStart(digits, '0')
}

/** A running node. Construct, then {@link start}; {@link stop} closes every socket, timer and file. */
export class IpxNode {
  readonly config: NodeConfig
  readonly router: Router
  /** The DOSBox server's client segment (replaced once at start when the listen port was 0). */
  #local: DosboxAttachment
  readonly tunnel: UdpTunnel
  /** TCP on the same port as UDP; made in {@link start}, once the UDP port is known (port 0 picks one). */
  tcp: TcpTunnelServer | undefined
  /** The WebSocket attachment for js-dos players (issue 14); made in {@link start} when `ws` is configured. */
  ws: WsAttachment | undefined
  readonly rip: RipService
  readonly sap: SapService
  /** Datagrams the router handed to a local attachment: delivered, or why not (see #attached). */
  readonly attachments = new Counters()
  /** Capture writes that failed (the capture then stops; routing goes on). */
  captureErrors = 0
  /** The QoS plane's SNP conversation with the peers (udp `snpListen`, issue 6). */
  readonly snp: SnpAgent
  #api: StatusApi | undefined
  readonly #log: Logger
  readonly #now: () => number
  readonly #peers: PeerState[] = []
  /** DOSBox-over-TCP segments, by router port id. */
  readonly #segments = new Map<string, TcpSegmentAttachment>()
  readonly #runtime: NodeRuntime
  readonly #make: AttachmentFactory
  #capture: CaptureWriter | undefined
  #localCapture: number | undefined
  readonly #wsCapture = new Map<string, number | undefined>()
  #timer: NodeJS.Timeout | undefined
  readonly #resolveTimers = new Set<NodeJS.Timeout>()
  #lastKeepalive = 0
  #started = false
  #serving = false
  readonly #kernel = new KernelDropReader()
  #stopped = false

  constructor (config: NodeConfig, runtime: NodeRuntime = {}) {
    this.config = config
    this.#runtime = runtime
    this.#log = (runtime.logger ?? silentLogger()).child({ component: `node/${config.name}` })
    this.#now = runtime.now ?? (() => performance.now())
    this.#make = runtime.attachments ?? socketAttachments
    this.router = new Router({ mode: config.mode, network: config.network, node: config.node, bridgeAgeMs: config.timers.bridgeAgeMs, relayPeers: config.bridgeRelay })
    this.tunnel = new UdpTunnel({
      host: config.listen.host,
      port: config.listen.port,
      recvBufferSize: config.limits.receiveBufferBytes ?? DEFAULT_RECEIVE_BUFFER,
      ...(config.limits.sendQueueDatagrams !== undefined ? { maxSendQueue: config.limits.sendQueueDatagrams } : {}),
      ...(config.limits.busyPollUs !== undefined ? { busyPollUs: config.limits.busyPollUs } : {}),
      onIpx: (d, rinfo) => { this.#local.handle(d, rinfo) },
      logger: this.#log
    })
    this.#local = this.#makeDosbox(config.listen.port)
    this.rip = new RipService(this.router, { intervalMs: config.timers.ripIntervalMs, expireMs: config.timers.ripExpireMs, garbageMs: config.timers.ripGarbageMs })
    this.sap = new SapService(this.router, config.services, { intervalMs: config.timers.sapIntervalMs, expireMs: config.timers.sapExpireMs })
    this.router.bind(Socket.Rip, this.rip)
    this.router.bind(Socket.Sap, this.sap)
    this.router.bind(Socket.Diagnostic, new DiagService(this.router))
    this.router.bind(Socket.NovellPing, new PingService(this.router))
    this.snp = new SnpAgent({
      host: config.snpListen.host,
      port: config.snpListen.port,
      node: config.node,
      network: config.network,
      mode: config.mode,
      ...(runtime.qos?.classes !== undefined ? { classTable: runtime.qos.classes } : {}),
      ...(runtime.qos?.classifier !== undefined ? { rules: runtime.qos.classifier.rules } : {}),
      link: linkSettingsFromQos(runtime.qos ?? linkQosOptions(config.qos)),
      ...(runtime.snp ?? {}),
      logger: this.#log.child({ component: `node/${config.name}/snp` })
    })
  }

  /** The DOSBox server role. */
  get dosbox (): DosboxServer {
    return this.#local.server
  }

  /** The DOSBox server's segment, answering from `serverPort` (the bound port). */
  #makeDosbox (serverPort: number): DosboxAttachment {
    const a = this.#make.dosbox({
      send: (d, port, address) => { this.tunnel.endpoint.send(d, port, address) },
      serverPort,
      maxClients: this.config.limits.maxClients,
      maxPerIp: this.config.limits.maxPerIp,
      idleTimeoutMs: this.config.limits.idleTimeoutMs,
      ...(this.config.limits.rateLimit !== undefined ? { rateLimit: this.config.limits.rateLimit } : {}),
      logger: this.#log.child({ component: `node/${this.config.name}/dosbox` })
    })
    a.receiver = (d) => {
      this.#captureFrame(d, this.#localCapture)
      return this.router.forward(d, 'local', this.#now())
    }
    return a
  }

  /**
   * Makes `attachment` a router port named `id`: what it receives is forwarded from that port, and
   * what the router sends there goes out of it, its outcome counted in {@link attachments} (local
   * segments) or by the attachment's own stage (peers). Every way in and out of the node is wired
   * here; `capture` is the capture interface its traffic is written to.
   */
  attach (id: string, kind: 'local' | 'peer', attachment: Attachment, options: { network?: number, capture?: number | undefined, send?: (d: Buffer) => void, ticks?: number } = {}): void {
    const capture = options.capture
    if (attachment.receiver === undefined) {
      attachment.receiver = (d) => {
        this.#captureFrame(d, capture)
        return this.router.forward(d, id, this.#now())
      }
    }
    const send = options.send ?? (kind === 'local'
      ? (d: Buffer) => { this.#captureFrame(d, capture); this.#attached(d, attachment.send(d)) }
      : (d: Buffer) => { attachment.send(d) })
    this.router.addPort({
      id,
      kind,
      network: options.network ?? (kind === 'local' ? this.config.network : 0),
      send,
      ...(attachment.hasNode !== undefined ? { hasNode: attachment.hasNode } : {}),
      ...(options.ticks !== undefined ? { ticks: options.ticks } : {})
    }, this.#now())
  }

  /** Removes the router port `id` (the attachment stays open: its owner closes it). */
  detach (id: string): boolean {
    return this.router.removePort(id, this.#now())
  }

  /** Opens the sockets (UDP and TCP on the listen address), the capture file, the links and the timers. */
  async start (): Promise<void> {
    if (this.#started) return
    this.#started = true
    const c = this.config
    await this.tunnel.start()
    // With port 0 the system picked the port: the DOSBox acks and keepalives must carry that one.
    if (c.listen.port === 0) this.#local = this.#makeDosbox(this.tunnel.address().port)
    if (c.ws !== undefined) {
      // Loaded only when configured: `ws` and the relay are not in a node without --ws (issue 18).
      const { createWsAttachment } = await import('./ws-attachment.js')
      this.ws = createWsAttachment({
        config: c.ws,
        router: this.router,
        network: c.network,
        now: this.#now,
        dosboxHas: (n) => this.dosbox.client(n) !== undefined,
        capture: (d, room) => { this.#captureFrame(d, this.#wsInterface(room)) },
        attached: (d, verdict) => { this.#attached(d, verdict) },
        logger: this.#log
      })
    }
    const ws = c.ws?.tunnelPort === true ? this.ws : undefined
    this.tcp = new TcpTunnelServer({
      ...(ws !== undefined ? { onHttp: (socket, head) => { ws.server.handOff(socket, head) } } : {}),
      host: c.listen.host,
      port: this.tunnel.address().port,
      linkFor: (node, remote) => this.#passiveLink(node, remote.address),
      // DOSBox traffic over TCP, framed by the IPX length (the js-dos relay's framing): each such
      // connection is one more local segment of this node, a router port of its own.
      onIpx: (packet, conn) => {
        const id = `tcp:${conn.remoteAddress}:${conn.remotePort}`
        let segment = this.#segments.get(id)
        if (segment === undefined || this.router.port(id) === undefined) {
          segment = new TcpSegmentAttachment(conn)
          this.#segments.set(id, segment)
          // The frames it sends are not captured (as before): only what it received.
          const seg = segment
          this.attach(id, 'local', seg, { network: c.network, capture: this.#localCapture, send: (d) => { this.#attached(d, seg.send(d)) } })
          this.#log.info('DOSBox relay attached over TCP', { remote: `${conn.remoteAddress}:${conn.remotePort}` })
        }
        segment.receive(packet)
      },
      onIpxClose: (conn, reason) => {
        const id = `tcp:${conn.remoteAddress}:${conn.remotePort}`
        this.#segments.delete(id)
        if (this.detach(id)) this.#log.info('DOSBox relay detached', { remote: `${conn.remoteAddress}:${conn.remotePort}`, reason })
      },
      ...tcpProtection(c),
      logger: this.#log
    })
    await this.tcp.start()
    // The QoS plane: SNP on udp snpListen, the status API on tcp at the same port (port 0: the one UDP got).
    await this.snp.start()
    this.#api = new StatusApi({
      ...apiProtection(c),
      port: c.api.listen.port === 0 ? this.snp.address().port : c.api.listen.port,
      source: { stats: () => this.stats(), snpStats: () => this.snp.stats(), running: () => this.#started && !this.#stopped },
      logger: this.#log.child({ component: `node/${c.name}/status` })
    })
    await this.#api.start()
    const now = this.#now()
    if (c.capture !== undefined) {
      this.#capture = new CaptureWriter(c.capture, { format: 'pcapng', interfaces: [{ name: 'local', linkType: 1, description: `${c.name}: DOSBox and RFC 1234 clients` }] })
      this.#localCapture = 0
    }
    // The DOSBox segment is made again when port 0 was bound: the port looks it up at each call.
    this.attach('local', 'local', this.#local, { network: c.network, capture: this.#localCapture, send: (d) => { this.#deliverLocal(d) } })
    // After the local port, so that in route mode the node's own network stays on `local`.
    if (this.ws !== undefined) {
      this.router.addPort(this.ws.port, now)
      await this.ws.server.start()
    }
    for (const p of c.peers) this.#resolvePeer(p)
    this.rip.start(now)
    this.sap.start(now)
    const tickMs = Math.max(10, Math.min(MAX_TICK_MS, Math.floor(Math.min(c.timers.ripIntervalMs, c.timers.sapIntervalMs) / 10)))
    this.#timer = setInterval(() => { this.#tick() }, tickMs)
    this.#timer.unref()
    this.#serving = true
    this.#log.info('node started', { mode: c.mode, network: hex(c.network, 8), node: ipxCodec.formatNode(c.node), listen: `${c.listen.host}:${c.listen.port}`, peers: c.peers.map(p => `${p.transport}://${p.host}:${p.port}`) })
  }

  /** The capture interface of a WebSocket room, added on its first frame. */
  #wsInterface (room: string): number | undefined {
    if (this.#capture === undefined) return undefined
    if (!this.#wsCapture.has(room)) this.#wsCapture.set(room, this.#capture.addInterface({ name: `ws:${room}`, linkType: 1, description: `${this.config.name}: WebSocket (js-dos) clients in room ${room}` }))
    return this.#wsCapture.get(room)
  }

  /** The status API's bound address (tcp, the SNP port), once started. */
  get api (): AddressInfo | undefined {
    return this.#api?.address()
  }

  /** The status API itself (the dashboard's topology hook), once started. */
  get statusApi (): StatusApi | undefined {
    return this.#api
  }

  /** The bound UDP address (the TCP listener shares its port). */
  address (): { address: string, port: number } {
    return this.tunnel.address()
  }

  #tick (): void {
    const now = this.#now()
    this.rip.tick(now)
    this.sap.tick(now)
    this.router.sweep(now)
    this.dosbox.sweep()
    const keepalive = this.config.limits.keepaliveMs
    if (keepalive !== undefined && now - this.#lastKeepalive >= keepalive) {
      this.#lastKeepalive = now
      this.dosbox.keepalive()
    }
  }

  /**
   * Which side of a TCP peering dials. With concrete addresses on both sides, the lower of the two
   * `host:port` texts dials and the other only accepts. A node on a wildcard address (0.0.0.0, ::)
   * cannot know which of its addresses the peer sees, so it always dials, and also accepts: its
   * dialer stands aside while an inbound connection carries the link.
   */
  #dials (p: PeerConfig): boolean {
    const h = this.config.listen.host
    if (h === '0.0.0.0' || h === '::') return true
    return `${h}:${this.config.listen.port}` < `${p.host}:${p.port}`
  }

  /**
   * Adds a peer once its host is an address. A name (a container service such as `node-b`) is
   * looked up first: links and SNP match datagrams by the sender's IP, so a link keyed by a name
   * would never hear its peer. A name that does not resolve yet (containers start in any order) is
   * retried every {@link RESOLVE_RETRY_MS} until it does or the node stops; each failure is logged.
   */
  #resolvePeer (p: PeerConfig): void {
    if (isIP(p.host) !== 0 && isIP(p.snp.host) !== 0) {
      this.#addPeer(p)
      return
    }
    const family = isIP(this.config.listen.host) === 6 ? 6 : 4
    const attempt = (): void => {
      if (this.#stopped) return
      const name = async (host: string): Promise<string> => isIP(host) !== 0 ? host : (await lookup(host, { family })).address
      Promise.all([name(p.host), name(p.snp.host)]).then(([host, snpHost]) => {
        if (this.#stopped) return
        this.#log.info('peer name resolved', { peer: p.address, address: host })
        this.#addPeer({ ...p, host, snp: { ...p.snp, host: snpHost } }, { host: p.host, snpHost: p.snp.host })
      }, (err: NodeJS.ErrnoException) => {
        this.#log.warn('cannot resolve peer name yet; retrying', { peer: p.address, error: err.code ?? err.message, retryMs: RESOLVE_RETRY_MS })
        const timer = setTimeout(() => { this.#resolveTimers.delete(timer); attempt() }, RESOLVE_RETRY_MS)
        timer.unref()
        this.#resolveTimers.add(timer)
      })
    }
    attempt()
  }

  #addPeer (p: PeerConfig, names?: PeerState['names']): void {
    const id = `peer:${p.transport}:${p.host}:${p.port}`
    const keys = p.key !== undefined ? new Map([[p.keyId, p.key]]) : undefined
    const captureInterface = this.#capture?.addInterface({ name: id, linkType: 1, description: `${this.config.name}: native link to ${p.address}` })
    const reassembler = new Reassembler({ maxPacket: DEFAULT_MAX_PACKET })
    // The link's events arrive only once it runs (below), by which time `state` is whole.
    const attachment = this.#make.nativeLink({
      node: this.config.node,
      peer: { host: p.host, port: p.port },
      ...(keys !== undefined ? { keys, sendKeyId: p.keyId } : {}),
      network: this.config.network,
      mode: this.config.mode === 'bridge' ? 0 : 1,
      reassembler,
      logger: this.#log.child({ component: `node/${this.config.name}/link`, peer: p.address }),
      onStateChange: (up, reason) => { this.#linkState(state, up, reason) }
    })
    const link = attachment.link
    attachment.receiver = (d, meta) => {
      if (meta !== undefined) rx.record(d.length, meta)
      this.#captureFrame(d, captureInterface)
      return this.router.forward(d, id, this.#now())
    }
    // The lab's runtime choice, else this link's configured QoS (issue 11); its speed sets the
    // router port's tick delay (issue 16), so RIP prefers a fast path over a slow link.
    const linkOptions = this.#runtime.qos ?? linkQosOptions(p.qos)
    const ticks = linkTicks({ rateBps: linkOptions.rateBps, delayMs: linkOptions.wan?.delayMs })
    const qos = new LinkQos({
      ...linkOptions,
      now: this.#now,
      logger: this.#log,
      send: (d, trafficClass) => attachment.send(d, trafficClass),
      sendFragment: (body, trafficClass) => link.sendFragment(body, trafficClass),
      peerReassembles: () => link.peerReassembles
    })
    const rx = this.snp.addPeer({ id, address: p.address, snp: p.snp, link, qos, ...(p.key !== undefined ? { key: p.key, keyId: p.keyId } : {}) })
    // A concrete listen address is where the peer expects this node's connections from.
    const listen = this.config.listen.host
    const localAddress = listen === '0.0.0.0' || listen === '::' ? undefined : listen
    const dialer = p.transport === 'tcp' && this.#dials(p) ? new TcpLinkDialer({ link, host: p.host, port: p.port, logger: this.#log, ...(localAddress !== undefined ? { localAddress } : {}) }) : undefined
    const state: PeerState = { config: p, id, attachment, link, qos, ticks, dialer, captureInterface, rx, reassembler, names, following: false }
    this.#peers.push(state)
    if (p.transport === 'udp') this.tunnel.addLink(link)
    if (dialer !== undefined) dialer.start()
    else link.start()
  }

  /**
   * The link an inbound TCP connection carries: a configured TCP peer at the connection's address
   * whose link is not up yet (so two peers on one host each get one connection); among those, the
   * one that last knew this node id first. A link carried by its own dialer takes no inbound one.
   */
  #passiveLink (node: number, address: string): NativeLink | undefined {
    const plain = address.startsWith('::ffff:') ? address.slice(7) : address
    const candidates = this.#peers.filter(s => s.config.transport === 'tcp' && s.config.host === plain && !s.link.up && s.dialer?.connected !== true)
    return (candidates.find(s => s.link.peerNode === node) ?? candidates[0])?.link
  }

  #linkState (s: PeerState, up: boolean, reason: string): void {
    const now = this.#now()
    this.#log.info(up ? 'link up' : 'link down', { peer: s.config.address, reason })
    if (up) {
      if (this.router.port(s.id) === undefined) {
        // The router's port is the QoS stage in front of the link; the stage sends on the attachment.
        this.attach(s.id, 'peer', s.attachment, { network: s.config.network, capture: s.captureInterface, ticks: s.ticks, send: (d) => { s.qos.enqueue(d) } })
        this.rip.start(now, s.id)
        this.sap.start(now, s.id)
      }
    } else {
      if (this.router.port(s.id) !== undefined) {
        this.router.removePort(s.id, now)
        this.sap.portDown(s.id, now)
        this.rip.flush()
        this.sap.flush()
      }
      this.#followName(s)
    }
  }

  /**
   * While the link to a peer given by name is down, looks the name up again every
   * {@link REDIAL_RESOLVE_MS}: a container that restarts (`docker stop` / `start`) may come back
   * at another address, and links match datagrams by the sender's address, so the link would
   * otherwise never hear it again. A new address moves the link (UDP) and the SNP peer there.
   */
  #followName (s: PeerState): void {
    const names = s.names
    if (names === undefined || s.config.transport !== 'udp' || s.following === true) return
    s.following = true
    const family = isIP(this.config.listen.host) === 6 ? 6 : 4
    const name = async (host: string, now: string): Promise<string> => isIP(host) !== 0 ? host : await lookup(host, { family }).then(r => r.address, () => now)
    const again = (): void => {
      if (this.#stopped || s.link.up) { s.following = false; return }
      void Promise.all([name(names.host, s.config.host), name(names.snpHost, s.config.snp.host)]).then(([host, snpHost]) => {
        if (this.#stopped || s.link.up) { s.following = false; return }
        if (host !== s.config.host) {
          this.#log.info('peer moved', { peer: s.config.address, from: s.config.host, to: host })
          this.tunnel.relink(s.link, host)
        }
        if (snpHost !== s.config.snp.host) this.snp.repointPeer(s.id, snpHost)
        s.config = { ...s.config, host, snp: { ...s.config.snp, host: snpHost } }
        const timer = setTimeout(() => { this.#resolveTimers.delete(timer); again() }, REDIAL_RESOLVE_MS)
        timer.unref()
        this.#resolveTimers.add(timer)
      })
    }
    again()
  }

  /** The local port's `send`: a datagram from elsewhere to this node's DOSBox clients. */
  #deliverLocal (d: Buffer): void {
    this.#captureFrame(d, this.#localCapture)
    this.#attached(d, this.#local.send(d))
  }

  /**
   * The outcome at an attachment, after the router handed a datagram to a local port: the router
   * counted its own decision; what the attachment then could not deliver (no such client, a full
   * TCP relay queue, a closing connection) is counted here, once.
   */
  #attached (d: Buffer, verdict: DropReason | undefined): void {
    this.attachments.receive(d.length)
    if (verdict === undefined) this.attachments.deliver(d.length)
    else this.attachments.drop(verdict)
  }

  /**
   * Writes one IPX datagram to the capture as an Ethernet II frame on `iface`, at the time the node
   * saw it. The Ethernet header is synthetic (the datagram came over UDP): destination MAC = the
   * IPX destination node, source MAC = the IPX source node when that is a valid unicast MAC, else
   * this node's own address. A DOSBox node is an IPv4 address + port, and 127.x.x.x has the group
   * bit set, which no Ethernet source may have (IEEE 802.3 §3.2.3(b); tshark flags it).
   */
  #captureFrame (d: Buffer, iface: number | undefined): void {
    if (this.#capture === undefined || iface === undefined) return
    let p: ipxCodec.IpxPacket
    try {
      p = ipxCodec.packet.decode(d)
    } catch (err) {
      // A datagram the router counts as malformed; the capture shows IPX frames only.
      if (err instanceof DecodeError) return
      throw err
    }
    const srcGroupBit = Math.floor(p.header.src.node / 0x10000000000) & 1
    const src = srcGroupBit === 0 ? p.header.src.node : this.config.node
    try {
      this.#capture.write({ data: ethernet.encodeIpx(p, ethernet.Framing.EthernetII, { src, dst: p.header.dst.node }), interfaceId: iface })
    } catch (err) {
      // A full disk or an I/O error: say so once, keep what was written, stop capturing, keep routing.
      this.#log.warn('capture stopped: cannot write', { file: this.#capture.path, error: err instanceof Error ? err.message : String(err), records: this.#capture.recordCount })
      this.captureErrors++
      try { this.#capture.close() } catch {}
      this.#capture = undefined
    }
  }

  /**
   * Cuts the link to the peer at `address` (`host:port` as configured), as a pulled cable would:
   * the link says bye (so the peer sees it at once, as a router sees carrier loss) and stops, its
   * router port goes (RIP poisons the routes through it, SAP its servers), and until
   * {@link restorePeer} nothing is sent to the peer and what it sends is refused and counted
   * (`policy`, "link not started", in the link's counters). False when no such peer or already cut.
   */
  cutPeer (address: string): boolean {
    const s = this.#peers.find(p => p.config.address === address)
    if (s === undefined || !s.link.running) return false
    s.link.stop()
    return true
  }

  /** Mends a link {@link cutPeer} cut: it starts again and comes up at the peer's answer. False when not cut. */
  restorePeer (address: string): boolean {
    const s = this.#peers.find(p => p.config.address === address)
    if (s === undefined || s.link.running || this.#stopped) return false
    s.link.start()
    return true
  }

  /** Peer links, for tests and the status API. */
  peers (): ReadonlyArray<{ id: string, address: string, link: NativeLink, qos: LinkQos }> {
    return this.#peers.map(s => ({ id: s.id, address: s.config.address, link: s.link, qos: s.qos }))
  }

  /** Everything a person or the status API wants to see. */
  stats (): NodeStats {
    const c = this.config
    const snap = (x: Counters): CounterSnapshot => x.snapshot()
    const kernelDrops = this.#serving ? this.#kernel.read([{ name: 'tunnel', address: this.tunnel.address() }, { name: 'snp', address: this.snp.address() }]) : {}
    return {
      name: c.name,
      mode: c.mode,
      network: hex(c.network, 8).toUpperCase(),
      node: ipxCodec.formatNode(c.node),
      listen: `${c.listen.host}:${c.listen.port}`,
      clients: this.dosbox.clients().map(x => ({ node: ipxCodec.formatNode(x.node), address: `${x.ipv4}:${x.port}`, packets: x.packets, bytes: x.bytes })),
      peers: this.#peers.map(s => ({
        address: s.config.address,
        transport: s.config.transport,
        up: s.link.up,
        counters: snap(s.link.counters),
        sent: snap(s.link.txCounters),
        link: { ...s.link.stats },
        qos: s.qos.stats(),
        reassembly: s.reassembler.stats()
      })),
      routes: [...this.router.routes.values()].map(r => ({ network: hex(r.network, 8).toUpperCase(), port: r.port, hops: r.hops, ticks: r.ticks })),
      services: [...this.sap.table.values()].map(({ server: s, port }) => ({ type: s.type, name: s.name, address: ipxCodec.formatIpxAddress(s), hops: s.hops, port })),
      counters: { dosbox: snap(this.dosbox.counters), router: snap(this.router.counters), attachments: snap(this.attachments), tunnel: snap(this.tunnel.counters), tcp: this.tcp !== undefined ? snap(this.tcp.counters) : null, ws: this.ws !== undefined ? this.ws.server.relay.counters.snapshot() : null },
      tcpConnections: this.tcp?.connectionStats() ?? null,
      kernelDrops,
      ws: this.ws?.server.stats() ?? null,
      socket: { receiveBufferBytes: this.tunnel.endpoint.recvBufferSize(), maxSendQueue: this.tunnel.endpoint.maxSendQueue, sendQueueFull: this.tunnel.endpoint.stats.queueFull, busyPoll: this.tunnel.endpoint.busyPoll() },
      captured: this.#capture?.recordCount ?? 0,
      captureErrors: this.captureErrors
    }
  }

  /** Says goodbye (SAP/RIP going down, link bye), then closes every socket, timer and the capture file. */
  async stop (): Promise<void> {
    if (this.#stopped) return
    this.#stopped = true
    if (this.#timer !== undefined) clearInterval(this.#timer)
    for (const t of this.#resolveTimers) clearTimeout(t)
    if (this.#started) {
      this.sap.shutdown()
      this.rip.shutdown()
      // The "going down" announcements pass the QoS stage and the emulated WAN like any packet:
      // let them through (bounded) before the stage stops, so peers forget our routes at once.
      const until = Date.now() + STOP_DRAIN_MS
      while (this.#peers.some(s => !s.qos.idle) && Date.now() < until) await new Promise(resolve => setTimeout(resolve, 5))
    }
    for (const s of this.#peers) {
      s.qos.stop()
      if (s.dialer !== undefined) await s.dialer.stop()
    }
    await this.#api?.stop()
    await this.snp.stop()
    await this.ws?.server.stop()
    await this.tcp?.stop()
    await this.tunnel.stop()
    for (const s of this.#peers) s.link.stop()
    this.#capture?.close()
    // A node whose start failed (a port in use) never served: it does not say "stopped" (issue 13).
    if (this.#serving) this.#log.info('node stopped')
  }
}

/** Starts a node; on a bind failure nothing is left open. */
export async function startNode (config: NodeConfig, runtime: NodeRuntime = {}): Promise<IpxNode> {
  const node = new IpxNode(config, runtime)
  try {
    await node.start()
  } catch (err) {
    await node.stop()
    throw err
  }
  return node
}
