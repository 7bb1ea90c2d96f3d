/**
 * Port 2644 over UDP: one socket for every encapsulation of SPEC.md §1, told apart by the first two
 * bytes of each datagram (`tunnel.classify`):
 *  - `IX` (native): to the {@link NativeLink} whose peer address is the sender's ip:port; from any
 *    other address → `unregistered` (a native frame from a node we have no link with);
 *  - `FF FF` (bare IPX, DOSBox IPXNET / RFC 1234): to the `onIpx` handler, e.g. `DosboxServer.handle`;
 *  - anything else → `unsupported` (RFC 1234 "Reserved Packets": ignore it).
 *
 * Every datagram ends in exactly one counter of {@link UdpTunnel.counters}: delivered (a link
 * accepted it, or it was handed to `onIpx`, whose own counters say what became of it) or a drop
 * (the link's verdict, or one of the reasons above).
 *
 * The other wiring, with the DOSBox server first on the socket, needs no code here: pass
 * {@link UdpTunnel.handleNative} as `DosboxServer`'s `onOther` hook (same signature).
 */
import type { RemoteInfo } from 'node:dgram'
import type { AddressInfo } from 'node:net'
import { classify } from '../../protocol/tunnel/frame.js'
import { ConfigError } from '../errors.js'
import type { Logger } from '../log.js'
import { Counters, DropReason } from './counters.js'
import type { NativeLink } from './native-link.js'
import { UdpEndpoint } from './udp-endpoint.js'

/** Options of {@link UdpTunnel}. */
export interface UdpTunnelOptions {
  /** Address to bind (IPv4 for IPv4 peers). */
  host: string
  /** Port to bind: 2644 in a lab, 0 in tests. */
  port: number
  /** Bare IPX datagrams (`FF FF`). Without it they count `unsupported`. Must not throw. */
  onIpx?: (datagram: Buffer, rinfo: RemoteInfo) => void
  /** SO_RCVBUF / SO_SNDBUF requests (default 4 MiB, see `udp-endpoint.ts`). */
  recvBufferSize?: number
  sendBufferSize?: number
  /** Bound on libuv's send queue, datagrams (default 64, see `udp-endpoint.ts`). */
  maxSendQueue?: number
  /** Busy-poll window after each datagram, µs (default 200, 0 = off; busy-poll.ts). */
  busyPollUs?: number
  logger?: Logger
}

/** `::ffff:a.b.c.d` → `a.b.c.d` (RFC 4291 §2.5.5.2), so a dual-stack socket matches IPv4 peers. */
function plainAddress (address: string): string {
  return address.length > 7 && address.charCodeAt(0) === 58 && address.startsWith('::ffff:') && address.includes('.')
    ? address.slice(7)
    : address
}

/** One UDP socket demultiplexing native links and bare IPX. */
export class UdpTunnel {
  /** Every datagram received ends in exactly one of these. */
  readonly counters = new Counters()
  /** The socket wrapper (its `send` is what `DosboxServer` needs). */
  readonly endpoint: UdpEndpoint
  readonly #o: UdpTunnelOptions
  readonly #log: Logger | undefined
  readonly #debug: boolean
  /** address → port → link: two lookups on strings the socket already made, no key built per datagram. */
  readonly #links = new Map<string, Map<number, NativeLink>>()

  constructor (options: UdpTunnelOptions) {
    this.#o = options
    this.#log = options.logger?.child({ component: 'transport/udp-tunnel' })
    this.#debug = this.#log?.isDebugEnabled() ?? false
    this.endpoint = new UdpEndpoint({
      host: options.host,
      port: options.port,
      onMessage: (d, rinfo) => { this.handle(d, rinfo) },
      ...(options.recvBufferSize !== undefined ? { recvBufferSize: options.recvBufferSize } : {}),
      ...(options.sendBufferSize !== undefined ? { sendBufferSize: options.sendBufferSize } : {}),
      ...(options.maxSendQueue !== undefined ? { maxSendQueue: options.maxSendQueue } : {}),
      ...(options.busyPollUs !== undefined ? { busyPollUs: options.busyPollUs } : {}),
      ...(this.#log !== undefined ? { logger: this.#log } : {})
    })
  }

  /** Binds the socket; rejects with `TransportError` as {@link UdpEndpoint.start} does. */
  async start (): Promise<AddressInfo> {
    const a = await this.endpoint.start()
    this.#log?.info('native tunnel listening', { address: a.address, port: a.port, links: this.links().length })
    return a
  }

  /** The bound address. */
  address (): AddressInfo {
    return this.endpoint.address()
  }

  /**
   * Carries `link` on this socket: frames from its peer address go to it, and it sends to that
   * address. Throws {@link ConfigError} when another link has the same peer address.
   */
  addLink (link: NativeLink): void {
    const host = plainAddress(link.peer.host)
    const { port } = link.peer
    let byPort = this.#links.get(host)
    if (byPort === undefined) this.#links.set(host, byPort = new Map())
    if (byPort.has(port)) throw new ConfigError('peer', `a link to ${host}:${port} already exists`)
    byPort.set(port, link)
    const endpoint = this.endpoint
    const peerHost = link.peer.host
    link.attach(frame => endpoint.sendVerdict(frame, port, peerHost))
  }

  /** Stops carrying `link` (it is detached, and goes down). */
  removeLink (link: NativeLink): void {
    const host = plainAddress(link.peer.host)
    const byPort = this.#links.get(host)
    if (byPort?.get(link.peer.port) !== link) return
    byPort.delete(link.peer.port)
    if (byPort.size === 0) this.#links.delete(host)
    link.attach(undefined)
  }

  /** Moves `link` to a new peer host: it stays the same link (counters, state), now keyed and sending there. */
  relink (link: NativeLink, host: string): void {
    this.removeLink(link)
    link.repoint(host)
    this.addLink(link)
  }

  /** The links carried. */
  links (): NativeLink[] {
    const out: NativeLink[] = []
    for (const byPort of this.#links.values()) out.push(...byPort.values())
    return out
  }

  /** Processes one received datagram (the socket's handler). Never throws. */
  handle (d: Buffer, rinfo: RemoteInfo): void {
    this.counters.receive(d.length)
    const kind = classify(d)
    let verdict: DropReason | undefined
    if (kind === 'native') verdict = this.#native(d, rinfo)
    else if (kind === 'ipx' && this.#o.onIpx !== undefined) this.#o.onIpx(d, rinfo)
    else verdict = d.length < 2 ? DropReason.Malformed : DropReason.Unsupported
    if (verdict === undefined) this.counters.deliver(d.length)
    else {
      this.counters.drop(verdict)
      if (this.#debug) this.#log?.debug('drop', { reason: verdict, from: `${rinfo.address}:${rinfo.port}`, bytes: d.length })
    }
  }

  /**
   * A native frame (or, as `DosboxServer`'s `onOther`, any datagram not starting FF FF): to the
   * sender's link. Returns the verdict without counting it here.
   */
  handleNative (d: Buffer, rinfo: RemoteInfo): DropReason | undefined {
    if (classify(d) !== 'native') return d.length < 2 ? DropReason.Malformed : DropReason.Unsupported
    return this.#native(d, rinfo)
  }

  #native (d: Buffer, rinfo: RemoteInfo): DropReason | undefined {
    let link = this.#links.get(rinfo.address)?.get(rinfo.port)
    if (link === undefined && rinfo.family === 'IPv6') link = this.#links.get(plainAddress(rinfo.address))?.get(rinfo.port)
    if (link === undefined) return DropReason.Unregistered
    return link.handleDatagram(d, rinfo)
  }

  /** Sends bye on every link still running (while the socket is open), then closes the socket. */
  async stop (): Promise<void> {
    for (const link of this.links()) link.stop()
    await this.endpoint.stop()
  }
}
