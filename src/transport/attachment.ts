/**
 * The attachment seam: what the router needs of each way in and out of a node (ipxbox's `Node`,
 * seen from its `Network`). An attachment sends one IPX datagram, hands every IPX datagram it
 * receives to one receiver, keeps its counters, and closes. The DOSBox server's client segment,
 * a native link (UDP or TCP), an RFC 1234 peer set and a DOSBox-over-TCP (js-dos framing) segment
 * are attachments ({@link DosboxAttachment}, {@link NativeLinkAttachment}, {@link Rfc1234Attachment},
 * {@link TcpSegmentAttachment}); {@link attachmentPair} wires two back to back in memory (ws's
 * duplex pair), so router and node tests run without sockets.
 *
 * Push, not pull: the receiver is called on the transport's own event (a datagram, a frame),
 * and returns the router's verdict so the transport can count it; nothing is queued here.
 */
import type { RemoteInfo } from 'node:dgram'
import { readDstNode, readSrcNode } from '../../protocol/ipx/peek.js'
import { Counters, DropReason } from './counters.js'
import { DosboxServer } from './dosbox-server.js'
import type { DosboxServerOptions } from './dosbox-server.js'
import { NativeLink } from './native-link.js'
import type { NativeLinkOptions, PacketMeta } from './native-link.js'
import { Rfc1234Link } from './rfc1234.js'
import type { Rfc1234Options } from './rfc1234.js'
import type { TcpFrameConnection } from './tcp.js'

/**
 * Takes one received IPX datagram; returns the verdict (`undefined`: taken) for the attachment's
 * own counters. `meta` is what a native link knows of the frame (class, sequence, times).
 * Must not throw; may not call back into the same attachment's `send` synchronously for the
 * same datagram (the router queues nothing; see its re-entrancy note).
 */
export type AttachmentReceiver = (datagram: Buffer, meta?: Readonly<PacketMeta>) => DropReason | undefined

/** One way in and out of a node. */
export interface Attachment {
  /** Sends one IPX datagram; the verdict (`undefined`: it went out, else why not). Fire and forget. */
  send: (datagram: Buffer, trafficClass?: number) => DropReason | undefined
  /** Where received datagrams go; until set, they are dropped as `unknown_destination`. */
  receiver: AttachmentReceiver | undefined
  /** What this attachment received (and what became of it). */
  readonly counters: Counters
  /** Local segments: true when `node` is one of this attachment's clients. */
  hasNode?: (node: number) => boolean
  /** Stops it; idempotent. */
  close: () => void
}

const NO_RECEIVER = DropReason.UnknownDestination

/** Hands `d` to the attachment's receiver and counts the verdict in its counters. */
function receiveCounted (a: Attachment, d: Buffer): void {
  a.counters.receive(d.length)
  const verdict = a.receiver !== undefined ? a.receiver(d) : NO_RECEIVER
  if (verdict === undefined) a.counters.deliver(d.length)
  else a.counters.drop(verdict)
}

/**
 * One end of an in-memory pair: what one end sends, the other receives on a later microtask (so
 * a router's `send` never re-enters its own `forward`), in order. Closed ends drop `send_failed`.
 */
export class MemoryAttachment implements Attachment {
  readonly counters = new Counters()
  receiver: AttachmentReceiver | undefined
  hasNode?: (node: number) => boolean
  #other: MemoryAttachment | undefined
  #open = true

  /** Wires two ends; each is the other's peer. */
  static pair (): [MemoryAttachment, MemoryAttachment] {
    const a = new MemoryAttachment()
    const b = new MemoryAttachment()
    a.#other = b
    b.#other = a
    return [a, b]
  }

  get open (): boolean {
    return this.#open
  }

  send (datagram: Buffer): DropReason | undefined {
    const other = this.#other
    if (!this.#open || other === undefined || !other.#open) return DropReason.SendFailed
    const copy = Buffer.from(datagram)
    queueMicrotask(() => { other.#arrive(copy) })
    return undefined
  }

  #arrive (d: Buffer): void {
    if (!this.#open) return
    receiveCounted(this, d)
  }

  close (): void {
    this.#open = false
  }
}

/** Two attachments back to back, in memory. */
export function attachmentPair (): [MemoryAttachment, MemoryAttachment] {
  return MemoryAttachment.pair()
}

/**
 * The DOSBox server's client segment as an attachment: received = what a registered client sent
 * that is not for another client on this server (the server's `onForward`); send = delivery to
 * the client whose ip:port is the destination node, or to every client but the source for a
 * broadcast ({@link DosboxServer.deliverLocal}). Its counters are the server's (what its socket
 * received from clients); the outcome of `send` is the caller's to count.
 */
export class DosboxAttachment implements Attachment {
  readonly server: DosboxServer
  receiver: AttachmentReceiver | undefined

  constructor (options: Omit<DosboxServerOptions, 'onForward'>) {
    this.server = new DosboxServer({
      ...options,
      onForward: (d) => this.receiver !== undefined && this.receiver(d) === undefined
    })
  }

  get counters (): Counters {
    return this.server.counters
  }

  send (datagram: Buffer): DropReason | undefined {
    return this.server.deliverLocal(datagram, readDstNode(datagram), readSrcNode(datagram))
  }

  hasNode = (node: number): boolean => this.server.client(node) !== undefined

  /** Takes one datagram from the socket (the tunnel's `onIpx`). */
  handle (d: Buffer, rinfo: RemoteInfo): void {
    this.server.handle(d, rinfo)
  }

  close (): void {}
}

/**
 * A native link (over UDP or TCP: whoever carries it attaches a frame sink) as an attachment:
 * received = the IPX packets the link verified and unwrapped, with their {@link PacketMeta};
 * send = wrap and send with a traffic class. Counters: frames received from the peer.
 */
export class NativeLinkAttachment implements Attachment {
  readonly link: NativeLink
  receiver: AttachmentReceiver | undefined

  constructor (options: Omit<NativeLinkOptions, 'onPacket'>) {
    this.link = new NativeLink({
      ...options,
      onPacket: (d, meta) => { this.receiver?.(d, meta) }
    })
  }

  get counters (): Counters {
    return this.link.counters
  }

  send (datagram: Buffer, trafficClass = 0): DropReason | undefined {
    return this.link.send(datagram, trafficClass)
  }

  close (): void {
    this.link.stop()
  }
}

/**
 * An RFC 1234 peer set as an attachment: received = datagrams from a configured peer after
 * every check; send = unicast to `00 00` + IPv4, broadcast to every peer.
 */
export class Rfc1234Attachment implements Attachment {
  readonly link: Rfc1234Link
  receiver: AttachmentReceiver | undefined

  constructor (options: Omit<Rfc1234Options, 'onPacket'>) {
    this.link = new Rfc1234Link({ ...options, onPacket: (d) => { this.receiver?.(d) } })
  }

  get counters (): Counters {
    return this.link.counters
  }

  send (datagram: Buffer): DropReason | undefined {
    return this.link.send(datagram)
  }

  close (): void {}
}

/**
 * One DOSBox-over-TCP connection (IPX framed by its own length field, the js-dos relay's framing)
 * as a segment of the node: received = the frames the connection carried (handed in by the TCP
 * server through {@link receive}); send = one frame on the connection (a full queue or a closing
 * connection is the verdict).
 */
export class TcpSegmentAttachment implements Attachment {
  readonly counters = new Counters()
  readonly connection: TcpFrameConnection
  receiver: AttachmentReceiver | undefined

  constructor (connection: TcpFrameConnection) {
    this.connection = connection
  }

  send (datagram: Buffer): DropReason | undefined {
    return this.connection.send(datagram)
  }

  /** One IPX frame from the connection. */
  receive (d: Buffer): void {
    receiveCounted(this, d)
  }

  close (): void {
    this.connection.close('stopped')
  }
}
