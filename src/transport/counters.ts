/**
 * Packet accounting. Every datagram or frame that reaches ipxlab ends in exactly one counter:
 * delivered, or dropped for a named reason. Nothing is lost without a counter saying so.
 */

/** Why a datagram or frame was dropped. Names are stable: they appear in logs, stats and metrics. */
export const DropReason = {
  /** Not decodable: shorter than 30 bytes, IPX length below 30, or a bad frame. */
  Malformed: 'malformed',
  /** The IPX length field disagrees with the datagram's size. */
  LengthMismatch: 'length_mismatch',
  /** Larger than the configured maximum datagram. */
  Oversize: 'oversize',
  /** Sent by an address that never registered (DOSBox role). */
  Unregistered: 'unregistered',
  /** The source node is not the sender's own registered node. */
  Spoofed: 'spoofed',
  /** No client, peer or route for the destination. */
  UnknownDestination: 'unknown_destination',
  /** The client table is full; the registration was refused. */
  TableFull: 'table_full',
  /** The sender's IP holds its quota of client slots; the registration was refused. */
  IpQuota: 'ip_quota',
  /** A per-client packet or byte rate limit was exceeded. */
  RateLimited: 'rate_limited',
  /** A bounded send queue was full. */
  QueueFull: 'queue_full',
  /** A key is configured and the frame is not authenticated, or its tag does not verify. */
  Unauthenticated: 'unauthenticated',
  /** Sequence number already seen or older than the replay window. */
  Replayed: 'replayed',
  /** The transport control would exceed 16 hops (Linux `ipxcfg_max_hops`). */
  HopLimit: 'hop_limit',
  /** A frame of an unknown version or type. */
  Unsupported: 'unsupported',
  /** The socket's send failed. */
  SendFailed: 'send_failed',
  /** Dropped by policy (loop prevention, filter, the QoS stage). */
  Policy: 'policy',
  /** A partial frame thrown away when its connection's deadline passed (TCP). */
  Timeout: 'timeout',
  /** Stamped further in the future than the clock-skew tolerance (sequence-guard.ts). */
  FutureTimestamp: 'future_timestamp'
} as const
export type DropReason = typeof DropReason[keyof typeof DropReason]

/** A plain snapshot, for JSON and the status API. */
export interface CounterSnapshot {
  received: number
  receivedBytes: number
  delivered: number
  deliveredBytes: number
  dropped: Record<DropReason, number>
}

/** Mutable counters; increment without allocating. */
export class Counters {
  received = 0
  receivedBytes = 0
  delivered = 0
  deliveredBytes = 0
  readonly dropped: Record<DropReason, number>

  constructor () {
    const d = {} as Record<DropReason, number>
    for (const r of Object.values(DropReason)) d[r] = 0
    this.dropped = d
  }

  /** Counts one arrival. */
  receive (bytes: number): void {
    this.received++
    this.receivedBytes += bytes
  }

  /** Counts one delivery (a datagram relayed to N clients still counts once here). */
  deliver (bytes: number): void {
    this.delivered++
    this.deliveredBytes += bytes
  }

  /** Counts one drop for `reason`. */
  drop (reason: DropReason): void {
    this.dropped[reason]++
  }

  /** Total drops over every reason. */
  totalDropped (): number {
    let n = 0
    for (const r of Object.values(DropReason)) n += this.dropped[r]
    return n
  }

  snapshot (): CounterSnapshot {
    return { received: this.received, receivedBytes: this.receivedBytes, delivered: this.delivered, deliveredBytes: this.deliveredBytes, dropped: { ...this.dropped } }
  }
}
