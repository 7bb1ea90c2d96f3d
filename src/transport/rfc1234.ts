/**
 * RFC 1234 ("Tunneling IPX Traffic through IP Networks"): the IP internet is one IPX network, each
 * IPX datagram rides alone in one UDP datagram, and a host's IPX node is `00 00` + its IPv4 address.
 * Facts with their sources: ../shared/docs/ipx-reference.md §2.
 *
 * - Unicast: dst node `00 00 a b c d` goes to IPv4 a.b.c.d (RFC 1234 "Unicast Address Mappings").
 * - Broadcast: to every configured peer. The RFC's broadcast section could not be verified
 *   (ipx-reference §2, UNVERIFIED), so the peer list is explicit configuration.
 * - Ports: both UDP ports are the IANA port 213 ({@link RFC1234_UDP_PORT}); tests and labs may use
 *   others, and `requireSourcePort` enforces the convention on receive.
 * - Reserved packets: datagrams whose first two octets are not FF FF "should be ignored"
 *   (RFC 1234 "Reserved Packets"); we ignore them and count `unsupported`.
 *
 * Like the DOSBox role, this is socket-free: {@link Rfc1234Link.handle} takes received datagrams,
 * {@link Rfc1234Link.send} emits through an injected `send` function; serve.ts owns the socket.
 */
import type { RemoteInfo } from 'node:dgram'
import { createPeek, peekHeader, PeekResult, readChecksum } from '../../protocol/ipx/index.js'
import type { IpxPeek } from '../../protocol/ipx/index.js'
import { IPX_HEADER_LENGTH, IPX_NO_CHECKSUM } from '../../protocol/constants.js'
import { ConfigError } from '../errors.js'
import { Counters, DropReason } from './counters.js'
import { ipv4ToNumber, numberToIpv4 } from './dosbox-server.js'
import type { Logger } from '../log.js'

/** IANA port for IPX over UDP (RFC 1234; Wireshark `UDP_PORT_IPX 213`). */
export const RFC1234_UDP_PORT = 213
/**
 * Default largest datagram: 1424 bytes, DOSBox's IPXBUFFERSIZE, so a node can bridge anything a
 * DOSBox client sends. RFC 1234's own MTU section is unverified (ipx-reference §2); configurable.
 */
export const RFC1234_DEFAULT_MAX_DATAGRAM = 1424

/** One configured RFC 1234 peer. */
export interface Rfc1234Peer {
  /** IPv4 address (RFC 1234 nodes are 00 00 + IPv4; IPv6 cannot be represented). */
  host: string
  /** UDP port (default {@link RFC1234_UDP_PORT}). */
  port?: number
}

/** Options of {@link Rfc1234Link}. */
export interface Rfc1234Options {
  /** Sends one datagram to ip:port; fire and forget. */
  send: (datagram: Uint8Array, port: number, address: string) => void
  /** The peers: they receive broadcasts, and only they are accepted as senders. */
  peers: readonly Rfc1234Peer[]
  /** Accepted IPX datagrams, after every check. `peek` is reused: copy what you keep. */
  onPacket: (datagram: Buffer, peek: Readonly<IpxPeek>, rinfo: RemoteInfo) => void
  /** Drop datagrams not sent from this UDP port (e.g. 213, the RFC convention), counted `policy`. */
  requireSourcePort?: number
  /** Require src node = 00 00 + the sender's IPv4 (default true), else `spoofed`. */
  checkSourceNode?: boolean
  /** Largest datagram (default {@link RFC1234_DEFAULT_MAX_DATAGRAM}). */
  maxDatagram?: number
  /** Per-packet drops are logged at debug. */
  logger?: Logger
}

/** RFC 1234 host number: `00 00` + IPv4 (u48). */
export function rfc1234Node (ipv4: number): number {
  return ipv4
}

/** The IPv4 number of an RFC 1234 node, or -1 when its first two bytes are not zero (or it is broadcast). */
export function rfc1234Ipv4 (node: number): number {
  return node <= 0xffffffff ? node : -1
}

interface PeerEntry { ipv4: number, address: string, port: number }

/** An RFC 1234 attachment: a peer list, receive checks and node→IP mapping. */
export class Rfc1234Link {
  /** Received datagrams: each ends in exactly one of these. */
  readonly counters = new Counters()
  /** Datagrams offered to {@link send}: delivered (sent to ≥1 peer) or a drop. */
  readonly txCounters = new Counters()
  readonly #o: Rfc1234Options
  readonly #peers: PeerEntry[]
  readonly #byIp = new Map<number, PeerEntry>()
  readonly #peek = createPeek()
  readonly #maxDatagram: number
  readonly #debug: boolean

  /** Throws {@link ConfigError} for a peer that is not IPv4 or has a bad port. */
  constructor (options: Rfc1234Options) {
    this.#o = options
    this.#maxDatagram = options.maxDatagram ?? RFC1234_DEFAULT_MAX_DATAGRAM
    this.#debug = options.logger?.isDebugEnabled() ?? false
    this.#peers = options.peers.map((p, i) => {
      const ipv4 = ipv4ToNumber(p.host)
      if (ipv4 < 0 || p.host.includes(':')) throw new ConfigError(`peers[${i}]`, `RFC 1234 peers must be IPv4 addresses, got ${p.host}`)
      const port = p.port ?? RFC1234_UDP_PORT
      if (!Number.isInteger(port) || port < 1 || port > 0xffff) throw new ConfigError(`peers[${i}]`, `bad UDP port ${port}`)
      if (this.#byIp.has(ipv4)) throw new ConfigError(`peers[${i}]`, `duplicate peer ${p.host}: an RFC 1234 node is the IPv4 address alone`)
      const e = { ipv4, address: numberToIpv4(ipv4), port }
      this.#byIp.set(ipv4, e)
      return e
    })
  }

  #drop (c: Counters, reason: DropReason): void {
    c.drop(reason)
    if (this.#debug) this.#o.logger?.debug('drop', { reason })
  }

  /** Processes one received datagram. Never throws. */
  handle (d: Buffer, rinfo: RemoteInfo): void {
    const c = this.counters
    const size = d.length
    c.receive(size)
    const ip = ipv4ToNumber(rinfo.address)
    const peer = ip < 0 ? undefined : this.#byIp.get(ip)
    if (peer === undefined) return this.#drop(c, DropReason.Unregistered)
    if (this.#o.requireSourcePort !== undefined && rinfo.port !== this.#o.requireSourcePort) return this.#drop(c, DropReason.Policy)
    // RFC 1234 "Reserved Packets": first two octets other than FF FF are ignored.
    if (size < 2 || readChecksum(d) !== IPX_NO_CHECKSUM) return this.#drop(c, size < 2 ? DropReason.Malformed : DropReason.Unsupported)
    if (size < IPX_HEADER_LENGTH) return this.#drop(c, DropReason.Malformed)
    if (size > this.#maxDatagram) return this.#drop(c, DropReason.Oversize)
    const peek = this.#peek
    const pr = peekHeader(d, 0, peek, size)
    if (pr === PeekResult.BadLength) return this.#drop(c, DropReason.Malformed)
    if (pr !== PeekResult.Ok || peek.length !== size) return this.#drop(c, DropReason.LengthMismatch)
    if (this.#o.checkSourceNode !== false && peek.srcNode !== ip) return this.#drop(c, DropReason.Spoofed)
    c.deliver(size)
    this.#o.onPacket(d, peek, rinfo)
  }

  /**
   * Sends an IPX datagram: broadcast (dst node FF×6) to every peer, unicast to the peer whose IPv4
   * is in the dst node. Returns undefined when sent, else the drop reason (also counted in
   * `txCounters`): `malformed`, `length_mismatch`, `oversize` or `unknown_destination`.
   */
  send (d: Buffer): DropReason | undefined {
    const c = this.txCounters
    const size = d.length
    c.receive(size)
    const peek = this.#peek
    const pr = peekHeader(d, 0, peek, size)
    let reason: DropReason | undefined
    if (pr === PeekResult.Truncated || pr === PeekResult.BadLength) reason = DropReason.Malformed
    else if (pr !== PeekResult.Ok || peek.length !== size) reason = DropReason.LengthMismatch
    else if (size > this.#maxDatagram) reason = DropReason.Oversize
    if (reason !== undefined) {
      this.#drop(c, reason)
      return reason
    }
    if (peek.dstNode === 0xffffffffffff) {
      if (this.#peers.length === 0) {
        this.#drop(c, DropReason.UnknownDestination)
        return DropReason.UnknownDestination
      }
      for (let i = 0; i < this.#peers.length; i++) this.#o.send(d, this.#peers[i]!.port, this.#peers[i]!.address)
      c.deliver(size)
      return undefined
    }
    const ip = rfc1234Ipv4(peek.dstNode)
    const peer = ip < 0 ? undefined : this.#byIp.get(ip)
    if (peer === undefined) {
      this.#drop(c, DropReason.UnknownDestination)
      return DropReason.UnknownDestination
    }
    this.#o.send(d, peer.port, peer.address)
    c.deliver(size)
    return undefined
  }

  /** The configured peers (normalised). */
  peers (): Array<{ host: string, port: number, node: number }> {
    return this.#peers.map(p => ({ host: p.address, port: p.port, node: rfc1234Node(p.ipv4) }))
  }
}
