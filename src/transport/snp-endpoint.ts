/**
 * The SNP socket on udp 2629 (protocol/snp/SPEC.md): one datagram per message, to and from the
 * node's peers. The endpoint knows nothing about QoS; it authenticates, checks and decodes, then
 * hands typed messages to its owner (src/node/snp-agent.ts), and signs what the owner sends.
 *
 * Life of a received datagram in {@link SnpEndpoint.handle} (each ends in exactly one counter:
 * `delivered`, or a drop with a named reason, {@link SnpDropReason}):
 *  1. `snp.readFrame` (magic, length, version, flags, tag room, micros): a `DecodeError` at the
 *     version byte → `unsupported` (SPEC.md §7, "each unknown type or version"), any other → `malformed`;
 *  2. the sender: the registered peer whose native node id is the header's `node`, else (node id not
 *     learned yet) the peer whose SNP address is the datagram's source → else `unknown_peer`;
 *  3. replay: `SequenceGuard.check` (sequence-guard.ts, SPEC.md §5): too far in the future →
 *     `future_timestamp`; with keys the window enforces (`replayed`); without keys only an exact
 *     duplicate is refused and the window resynchronises, so forged datagrams cannot make the
 *     real ones "replayed" (check before the MAC, RFC 4303 §3.4.3);
 *  4. the peer has keys: `snp.verify` must say `ok`, else `unauthenticated` (SPEC.md §5);
 *  5. `snp.decode` (the body rules, SPEC.md §3) → `malformed` on a `DecodeError`;
 *  6. `SequenceGuard.accept`: window reset or resync, then the window update (after the MAC);
 *  7. an unknown message type → `unsupported`; else `onMessage`, counted `delivered`.
 *
 * Sent datagrams: header filled here (this node's id, the per-sender sequence, the send time), the
 * tag made with the peer's key when it has one (SPEC.md §5: the native link's keys and key ids).
 */
import type { AddressInfo } from 'node:net'
import type { RemoteInfo } from 'node:dgram'
import { DecodeError } from '../../protocol/errors.js'
import {
  MessageType, SnpOffset, decode, encode, makeMessage, messageTypeName, readFrame, sign,
  timestampFromMicros, timestampToMicros, verify, describeMessage
} from '../../protocol/snp/index.js'
import type { SnpBody, SnpHeader, SnpMessage } from '../../protocol/snp/index.js'
import { EncodeError } from '../../protocol/errors.js'
import type { Logger } from '../log.js'
import { UdpEndpoint } from './udp-endpoint.js'
import { GuardResult, SequenceGuard, sequenceStats } from './sequence-guard.js'
import type { SequenceStats } from './sequence-guard.js'

/** Why an SNP datagram was dropped. Stable names: logs, stats and metrics use them. */
export const SnpDropReason = {
  /** Not a well-formed SNP datagram (any `DecodeError` but the version). */
  Malformed: 'malformed',
  /** The peer has keys and `verify` did not say `ok` (unsigned, unknown key, bad tag). */
  Unauthenticated: 'unauthenticated',
  /** Sequence already seen, older than the window, or stamped before the last window reset. */
  Replayed: 'replayed',
  /** The sender is none of the configured peers. */
  UnknownPeer: 'unknown_peer',
  /** A version or message type this node does not speak. */
  Unsupported: 'unsupported',
  /** Stamped further ahead than the clock-skew tolerance (sequence-guard.ts). */
  FutureTimestamp: 'future_timestamp'
} as const
export type SnpDropReason = typeof SnpDropReason[keyof typeof SnpDropReason]

/** One peer the endpoint talks to. */
export interface SnpPeer {
  /** The owner's id for the peer (the node's `peer:udp:host:port`). */
  id: string
  /** The peer's SNP address. */
  host: string
  port: number
  /** The native link's keys for this peer; present = every datagram to and from it is signed. */
  keys?: ReadonlyMap<number, Buffer>
  /** Key id to sign with (default: the smallest of `keys`). */
  sendKeyId?: number
  /** The peer's node id once known (the native link learns it from the peer's frames). */
  node?: () => number | undefined
}

/** One accepted message. */
export interface SnpReceived {
  /** {@link SnpPeer.id} of the sender. */
  peer: string
  /** The decoded datagram; its buffers are views into the received datagram: copy what you keep. */
  message: SnpMessage
  /** This node's clock when the datagram was handled, µs since the epoch. */
  receivedAtMicros: number
}

/** Options of {@link SnpEndpoint}. */
export interface SnpEndpointOptions {
  /** Address to bind (the node's `snpListen`). */
  host: string
  /** Port; 0 picks one. */
  port: number
  /** This node's id (u48), the `node` of every header sent (SPEC.md §2 offset 8). */
  node: number
  /** Every accepted message, synchronously. Must not throw. */
  onMessage: (received: SnpReceived) => void
  /** Clock: µs since the Unix epoch (default `performance.timeOrigin + performance.now()`). */
  now?: () => number
  /** Replay bitmap bits per peer (default 1024, as the native link). */
  replayBits?: number
  logger?: Logger
}

/** A plain snapshot of the endpoint's counters. */
export interface SnpEndpointStats {
  received: number
  receivedBytes: number
  delivered: number
  dropped: Record<SnpDropReason, number>
  /** `verify` outcomes other than ok, from peers with keys (all counted `unauthenticated`). */
  verify: { unsigned: number, unknownKey: number, badTag: number, malformed: number }
  /** Decode errors by code (all counted `malformed` or `unsupported`). */
  decodeErrors: Record<string, number>
  /** Accepted messages by kind. */
  receivedByType: Record<string, number>
  /** Datagrams handed to the socket, by kind. */
  sentByType: Record<string, number>
  sent: number
  sentBytes: number
  /** Sends that did not happen: unknown peer, socket not running, or an encode error. */
  sendFailed: number
  /** Socket `'error'` events. */
  socketErrors: number
  /** Sequence figures over every peer (sequence-guard.ts): duplicates, resyncs, jumps, future timestamps. */
  sequence: SequenceStats
}

/** Per-peer receive state. */
interface PeerEntry {
  peer: SnpPeer
  keys: ReadonlyMap<number, Buffer> | undefined
  signKeyId: number
  signKey: Buffer | undefined
  /** Replay window and timestamp floor: strict with keys, measure-only without (sequence-guard.ts). */
  guard: SequenceGuard
}

/** Read once: `performance.timeOrigin` does not change. */
const TIME_ORIGIN_MS = performance.timeOrigin

function defaultNow (): number {
  return Math.floor((TIME_ORIGIN_MS + performance.now()) * 1000)
}

function plainAddress (a: string): string {
  return a.startsWith('::ffff:') ? a.slice(7) : a
}

/** The SNP socket. Construct, {@link start}, register peers, {@link stop}. */
export class SnpEndpoint {
  readonly #o: SnpEndpointOptions
  readonly #udp: UdpEndpoint
  readonly #now: () => number
  readonly #peers = new Map<string, PeerEntry>()
  readonly #stats: SnpEndpointStats
  #sequence: number

  constructor (options: SnpEndpointOptions) {
    this.#o = options
    this.#now = options.now ?? defaultNow
    // SNP is low-rate (a few datagrams a second per peer): small kernel buffers suffice.
    this.#udp = new UdpEndpoint({
      host: options.host,
      port: options.port,
      onMessage: (d, rinfo) => { this.handle(d, rinfo) },
      recvBufferSize: 256 * 1024,
      sendBufferSize: 256 * 1024,
      ...(options.logger !== undefined ? { logger: options.logger } : {})
    })
    const dropped = {} as Record<SnpDropReason, number>
    for (const r of Object.values(SnpDropReason)) dropped[r] = 0
    this.#stats = {
      received: 0,
      receivedBytes: 0,
      delivered: 0,
      dropped,
      verify: { unsigned: 0, unknownKey: 0, badTag: 0, malformed: 0 },
      decodeErrors: {},
      receivedByType: {},
      sentByType: {},
      sent: 0,
      sentBytes: 0,
      sendFailed: 0,
      socketErrors: 0,
      sequence: sequenceStats()
    }
    // SPEC.md §2: the sequence starts anywhere; a random start keeps restarts apart (as the native link).
    this.#sequence = Math.floor(Math.random() * 0x100000000) >>> 0
  }

  /** Binds the socket; rejects with `TransportError` (`IPX_ERR_ADDR_IN_USE`, ...) as {@link UdpEndpoint.start}. */
  async start (): Promise<AddressInfo> {
    return await this.#udp.start()
  }

  /** The bound address. Throws `IPX_ERR_CLOSED` before start. */
  address (): AddressInfo {
    return this.#udp.address()
  }

  /** True between start and stop. */
  get running (): boolean {
    return this.#udp.running
  }

  /** Registers (or replaces) a peer. Throws `RangeError` when `sendKeyId` names no key. */
  addPeer (peer: SnpPeer): void {
    const keys = peer.keys !== undefined && peer.keys.size > 0 ? peer.keys : undefined
    const signKeyId = peer.sendKeyId ?? (keys !== undefined ? Math.min(...keys.keys()) : 0)
    const signKey = keys?.get(signKeyId)
    if (keys !== undefined && signKey === undefined) throw new RangeError(`no SNP key with id ${signKeyId}`)
    this.#peers.set(peer.id, {
      peer,
      keys,
      signKeyId,
      signKey,
      guard: new SequenceGuard({ strict: keys !== undefined, replayBits: this.#o.replayBits, stats: this.#stats.sequence })
    })
  }

  /** Forgets a peer. */
  removePeer (id: string): void {
    this.#peers.delete(id)
  }

  #drop (reason: SnpDropReason, detail: string, rinfo?: RemoteInfo): SnpDropReason {
    this.#stats.dropped[reason]++
    const log = this.#o.logger
    if (log?.isDebugEnabled() === true) log.debug('snp drop', { reason, detail, from: rinfo === undefined ? undefined : `${rinfo.address}:${rinfo.port}` })
    return reason
  }

  #findPeer (node: number, rinfo: RemoteInfo | undefined): PeerEntry | undefined {
    let byAddress: PeerEntry | undefined
    for (const e of this.#peers.values()) {
      const known = e.peer.node?.()
      if (known !== undefined) {
        if (known === node) return e
      } else if (rinfo !== undefined && e.peer.port === rinfo.port && plainAddress(rinfo.address) === e.peer.host) {
        byAddress = e
      }
    }
    return byAddress
  }

  /**
   * Handles one received datagram (the whole UDP payload). Returns undefined when delivered, else
   * the drop reason (also counted). Never throws. Public for tests and fuzzing without a socket;
   * `rinfo` may be omitted, then only a peer with a known node id can match.
   */
  handle (buf: Buffer, rinfo?: RemoteInfo): SnpDropReason | undefined {
    const st = this.#stats
    st.received++
    st.receivedBytes += buf.length
    const receivedAt = this.#now()
    // 1. Structure.
    let header: SnpHeader
    try {
      header = readFrame(buf).header
    } catch (err) {
      return this.#decodeDrop(err, rinfo)
    }
    // 2. Who.
    const e = this.#findPeer(header.node, rinfo)
    if (e === undefined) return this.#drop(SnpDropReason.UnknownPeer, `node ${header.node}`, rinfo)
    // 3. Replay (SPEC.md §5).
    const sentAt = timestampToMicros(header.timestamp)
    const isHello = header.type === MessageType.Hello || header.type === MessageType.HelloAck
    const seq = header.sequence
    const g = e.guard.check(seq, sentAt, isHello, receivedAt)
    if (g !== GuardResult.Ok) return this.#drop(g === GuardResult.Future ? SnpDropReason.FutureTimestamp : SnpDropReason.Replayed, g === GuardResult.Future ? 'stamped too far ahead' : 'replay window', rinfo)
    // 4. Authentication, with the peer's keys only.
    if (e.keys !== undefined) {
      const v = verify(buf, e.keys)
      if (v !== 'ok') {
        if (v === 'unsigned') st.verify.unsigned++
        else if (v === 'unknown_key') st.verify.unknownKey++
        else if (v === 'bad_tag') st.verify.badTag++
        else st.verify.malformed++
        return this.#drop(SnpDropReason.Unauthenticated, v, rinfo)
      }
    }
    // 5. Body.
    let message: SnpMessage
    try {
      message = decode(buf)
    } catch (err) {
      return this.#decodeDrop(err, rinfo)
    }
    // 6. Window.
    e.guard.accept(seq, sentAt, isHello)
    // 7. Deliver.
    if (message.body.kind === 'unknown') return this.#drop(SnpDropReason.Unsupported, messageTypeName(header.type), rinfo)
    st.delivered++
    st.receivedByType[message.body.kind] = (st.receivedByType[message.body.kind] ?? 0) + 1
    const log = this.#o.logger
    if (log?.isDebugEnabled() === true) log.debug('snp rx', { peer: e.peer.id, message: describeMessage(message) })
    this.#o.onMessage({ peer: e.peer.id, message, receivedAtMicros: receivedAt })
    return undefined
  }

  #decodeDrop (err: unknown, rinfo: RemoteInfo | undefined): SnpDropReason {
    if (!(err instanceof DecodeError)) throw err
    this.#stats.decodeErrors[err.code] = (this.#stats.decodeErrors[err.code] ?? 0) + 1
    // SPEC.md §7: a version other than 1 is IPX_ERR_BAD_VALUE at offset 4 → unsupported.
    const version = err.code === 'IPX_ERR_BAD_VALUE' && err.offset === SnpOffset.version
    return this.#drop(version ? SnpDropReason.Unsupported : SnpDropReason.Malformed, err.code, rinfo)
  }

  /**
   * Sends one message to a registered peer: header from this node (id, next sequence, the clock),
   * signed with the peer's key when it has keys. Returns the send time (µs, the header timestamp),
   * or undefined when nothing was sent (unknown peer, socket not running, or an `EncodeError` such
   * as a report over 1400 bytes; counted in `sendFailed`). Never throws.
   */
  send (peerId: string, body: SnpBody): number | undefined {
    const e = this.#peers.get(peerId)
    const st = this.#stats
    if (e === undefined || !this.#udp.running) {
      st.sendFailed++
      return undefined
    }
    const at = this.#now()
    let datagram: Buffer
    try {
      const msg = makeMessage({
        node: this.#o.node,
        sequence: this.#sequence,
        timestamp: timestampFromMicros(at),
        authenticated: e.signKey !== undefined,
        keyId: e.signKey !== undefined ? e.signKeyId : 0
      }, body)
      datagram = encode(msg)
      if (e.signKey !== undefined) sign(datagram, e.signKey)
    } catch (err) {
      if (!(err instanceof EncodeError)) throw err
      st.sendFailed++
      this.#o.logger?.warn('snp: cannot encode a message', { peer: peerId, kind: body.kind, code: err.code, error: err.message })
      return undefined
    }
    this.#sequence = (this.#sequence + 1) >>> 0
    this.#udp.send(datagram, e.peer.port, e.peer.host)
    st.sent++
    st.sentBytes += datagram.length
    st.sentByType[body.kind] = (st.sentByType[body.kind] ?? 0) + 1
    return at
  }

  /** A copy of the counters. */
  stats (): SnpEndpointStats {
    const s = this.#stats
    return {
      ...s,
      dropped: { ...s.dropped },
      verify: { ...s.verify },
      decodeErrors: { ...s.decodeErrors },
      receivedByType: { ...s.receivedByType },
      sentByType: { ...s.sentByType },
      sequence: { ...s.sequence },
      socketErrors: this.#udp.stats.errors
    }
  }

  /** Total drops over every reason. */
  totalDropped (): number {
    let n = 0
    for (const r of Object.values(SnpDropReason)) n += this.#stats.dropped[r]
    return n
  }

  /**
   * Closes the socket. Idempotent. Datagrams just sent (a bye) go first: `dgram.send` to an address
   * string resolves it on `process.nextTick` before writing (node lib/dgram.js `doSend`), so closing in
   * the same turn would lose them; one `setImmediate` lets those writes happen.
   */
  async stop (): Promise<void> {
    if (this.#udp.running) await new Promise<void>(resolve => { setImmediate(resolve) })
    await this.#udp.stop()
  }
}
