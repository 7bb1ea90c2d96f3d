/**
 * Link fragmentation and interleaving (LFI) on the native link (SPEC.md §3.2, version 2 frames):
 * the fragment body, a pure fragmenter ({@link fragmentPacket}) and a bounded reassembler
 * ({@link Reassembler}) on an injected clock.
 *
 * Modelled on Frame Relay FRF.12 (end-to-end fragmentation: a fragmentation header with begin and
 * end bits and a sequence number in every fragment, reassembled by the far end) and on multilink
 * PPP's LFI (RFC 1990 §3.3 fragments, with small urgent frames sent between them). ipxlab's header
 * is its own (SPEC.md R26-R29, invented): instead of FRF.12's B/E bits it carries the fragment's
 * index, the count and the byte offset, so the receiver checks every fragment against the others
 * and can say why a frame could not be rebuilt.
 *
 * Nothing here has timers or sockets: time comes in as an argument (ms), as in src/qos.
 */
import { defineLayout } from '../layout.js'
import { DecodeError, EncodeError } from '../errors.js'
import { IPX_HEADER_LENGTH } from '../constants.js'

/** The fixed part of a fragment body; the fragment's bytes follow it. */
export interface FragmentHeader {
  /** Offset 0, u16: per-link id of the fragmented packet, +1 per fragmented packet, wrapping. */
  frameId: number
  /** Offset 2, u8: this fragment's number, 0..count-1. */
  index: number
  /** Offset 3, u8: fragments of the packet, 2..255. */
  count: number
  /** Offset 4, u16: where this fragment's bytes sit in the packet. */
  offset: number
  /** Offset 6, u16: the whole IPX packet's length (its IPX length field). */
  totalLength: number
}

/** The single description of the fragment header (decoder, encoder and the book's table). */
export const FRAGMENT_HEADER = defineLayout<FragmentHeader>('tunnel', 'native fragment body (version 2, type 7)', [
  { name: 'frameId', type: 'u16', doc: 'per-link id of the fragmented IPX packet, +1 per packet, wraps' },
  { name: 'index', type: 'u8', doc: 'this fragment, 0..count-1' },
  { name: 'count', type: 'u8', doc: 'fragments of the packet, 2..255' },
  { name: 'offset', type: 'u16', doc: 'byte offset of this fragment within the packet' },
  { name: 'totalLength', type: 'u16', doc: 'the whole IPX packet, bytes (its IPX length); at least 30' }
])

/** Fragment header size, bytes. */
export const FRAGMENT_HEADER_LENGTH = FRAGMENT_HEADER.length
/** Most fragments of one packet (the `count` byte). */
export const MAX_FRAGMENTS = 255

/** A decoded fragment body; `data` is a view into the decoded buffer. */
export interface Fragment extends FragmentHeader {
  data: Buffer
}

/**
 * Checks a fragment body: header present, 2 ≤ count, index < count, a non-empty chunk that lies
 * within `totalLength`, totalLength ≥ 30 (an IPX header, SPEC.md §3). Throws {@link DecodeError}.
 */
export function decodeFragment (body: Buffer, offset = 0): Fragment {
  if (body.length - offset < FRAGMENT_HEADER_LENGTH) {
    throw new DecodeError('tunnel', 'IPX_ERR_TRUNCATED', offset, `fragment body of ${body.length - offset} bytes is shorter than its ${FRAGMENT_HEADER_LENGTH}-byte header`)
  }
  const h = FRAGMENT_HEADER.read(body, offset)
  const data = body.subarray(offset + FRAGMENT_HEADER_LENGTH)
  if (h.count < 2) throw new DecodeError('tunnel', 'IPX_ERR_BAD_VALUE', offset + 3, `fragment count ${h.count} is below 2`)
  if (h.index >= h.count) throw new DecodeError('tunnel', 'IPX_ERR_BAD_VALUE', offset + 2, `fragment index ${h.index} is not below count ${h.count}`)
  if (h.totalLength < IPX_HEADER_LENGTH) throw new DecodeError('tunnel', 'IPX_ERR_BAD_LENGTH', offset + 6, `total length ${h.totalLength} is below an IPX header`)
  if (data.length === 0) throw new DecodeError('tunnel', 'IPX_ERR_BAD_LENGTH', offset + FRAGMENT_HEADER_LENGTH, 'empty fragment')
  if (h.offset + data.length > h.totalLength) {
    throw new DecodeError('tunnel', 'IPX_ERR_LENGTH_BEYOND_DATA', offset + 4, `fragment at ${h.offset} of ${data.length} bytes ends beyond the ${h.totalLength}-byte packet`)
  }
  return { ...h, data }
}

/** Writes one fragment body (header then `data`) into a buffer of its own. Throws {@link EncodeError}. */
export function encodeFragment (f: Fragment): Buffer {
  if (f.count < 2 || f.index >= f.count || f.data.length === 0 || f.offset + f.data.length > f.totalLength || f.totalLength < IPX_HEADER_LENGTH) {
    throw new EncodeError('tunnel', 'IPX_ERR_FIELD_RANGE', `inconsistent fragment ${f.index}/${f.count} at ${f.offset}+${f.data.length} of ${f.totalLength}`, 'fragment')
  }
  const out = Buffer.allocUnsafe(FRAGMENT_HEADER_LENGTH + f.data.length)
  FRAGMENT_HEADER.write(f, out, 0)
  f.data.copy(out, FRAGMENT_HEADER_LENGTH)
  return out
}

/**
 * Splits one IPX packet into fragment bodies of at most `chunkBytes` packet bytes each (the last
 * may be shorter), in order. A packet that fits in one chunk is not fragmented: returns `[]`, and the
 * caller sends it as a plain data frame. Throws {@link EncodeError} for a chunk below 1 byte or a
 * packet that would need more than {@link MAX_FRAGMENTS} fragments.
 */
export function fragmentPacket (ipx: Uint8Array, chunkBytes: number, frameId: number): Buffer[] {
  if (!(Number.isInteger(chunkBytes) && chunkBytes >= 1)) throw new EncodeError('tunnel', 'IPX_ERR_FIELD_RANGE', `chunk of ${chunkBytes} bytes`, 'chunkBytes')
  const total = ipx.length
  if (total <= chunkBytes) return []
  const count = Math.ceil(total / chunkBytes)
  if (count > MAX_FRAGMENTS || total > 0xffff) throw new EncodeError('tunnel', 'IPX_ERR_FIELD_RANGE', `${total} bytes in ${chunkBytes}-byte chunks need ${count} fragments (at most ${MAX_FRAGMENTS})`, 'chunkBytes')
  const src = Buffer.from(ipx.buffer, ipx.byteOffset, ipx.length)
  const out: Buffer[] = []
  for (let i = 0, at = 0; i < count; i++, at += chunkBytes) {
    out.push(encodeFragment({ frameId: frameId & 0xffff, index: i, count, offset: at, totalLength: total, data: src.subarray(at, Math.min(total, at + chunkBytes)) }))
  }
  return out
}

/** Why a fragment was not kept (each counted in {@link ReassemblyStats.fragmentsDropped}). */
export const FragmentDrop = {
  /** The body did not decode (see {@link decodeFragment}). */
  Malformed: 'fragment_malformed',
  /** An index already received for that packet. */
  Duplicate: 'fragment_duplicate',
  /** Disagrees with the packet's earlier fragments (count, total length, offset) or overlaps them. */
  Inconsistent: 'fragment_inconsistent',
  /** Its packet is longer than the receiver accepts. */
  Oversize: 'fragment_oversize',
  /** Arrived for a packet already given up (timed out, evicted, inconsistent). */
  Late: 'fragment_late'
} as const
export type FragmentDrop = typeof FragmentDrop[keyof typeof FragmentDrop]

/** Why a packet could not be rebuilt (each counted in {@link ReassemblyStats.framesIncomplete}). */
export const ReassemblyFailure = {
  /** Not all fragments arrived within the timeout. */
  Timeout: 'reassembly_timeout',
  /** Evicted to make room: too many packets (or bytes) in reassembly at once. */
  Evicted: 'reassembly_evicted',
  /** A fragment contradicted the others: the packet is abandoned. */
  Inconsistent: 'reassembly_inconsistent',
  /** The rebuilt packet's IPX length field is not its size. */
  BadLength: 'reassembly_bad_length',
  /** The reassembler was cleared (link down or stopped) with the packet incomplete. */
  Flushed: 'reassembly_flushed'
} as const
export type ReassemblyFailure = typeof ReassemblyFailure[keyof typeof ReassemblyFailure]

/** Counters of a {@link Reassembler}; every fragment and every started packet ends in one of them. */
export interface ReassemblyStats {
  fragmentsReceived: number
  /** Fragments kept (in a packet completed, pending, or later given up). */
  fragmentsAccepted: number
  fragmentsDropped: Record<FragmentDrop, number>
  /** Accepted fragments thrown away with a packet that could not be rebuilt. */
  fragmentsDiscarded: number
  framesCompleted: number
  framesIncomplete: Record<ReassemblyFailure, number>
  /** Packets in reassembly now, and their buffered bytes. */
  pending: number
  pendingBytes: number
}

/** Options of {@link Reassembler}. */
export interface ReassemblerOptions {
  /** Give up a packet this long after its first fragment, ms (default {@link DEFAULT_REASSEMBLY_TIMEOUT_MS}). */
  timeoutMs?: number
  /** Packets in reassembly at once (default 32); the oldest is evicted for a new one. */
  maxFrames?: number
  /** Bytes buffered at once (default 64 KiB); the oldest packets are evicted for a new one. */
  maxBytes?: number
  /** Largest packet accepted (default 1424, DOSBox IPXBUFFERSIZE, as the link's maxPacket). */
  maxPacket?: number
}

/**
 * Default reassembly timeout, ms. A 1424-byte packet takes 203 ms to serialise at 56 kbit/s, and
 * interleaved frames and the link delay come on top; 2 s leaves room for a slow, busy link and
 * still frees a lost packet's buffer quickly.
 */
export const DEFAULT_REASSEMBLY_TIMEOUT_MS = 2000

interface PartialPacket {
  readonly frameId: number
  readonly count: number
  readonly totalLength: number
  readonly startedAt: number
  readonly buf: Buffer
  /** Received indexes, and where each fragment starts (to check offsets agree). */
  readonly got: Uint8Array
  readonly offsets: Int32Array
  readonly lengths: Int32Array
  received: number
  bytes: number
}

/** The result of {@link Reassembler.push}. */
export type PushResult =
  | { readonly kind: 'complete', readonly packet: Buffer }
  | { readonly kind: 'pending' }
  | { readonly kind: 'dropped', readonly reason: FragmentDrop }
  /** The last fragment arrived, but the packet did not rebuild (counted in framesIncomplete). */
  | { readonly kind: 'failed', readonly reason: ReassemblyFailure }

const PENDING: PushResult = Object.freeze({ kind: 'pending' as const })

/**
 * Rebuilds fragmented packets, bounded in packets, bytes and time. Fragments may arrive in any
 * order (the WAN emulator reorders); a packet completes when every index arrived, their offsets
 * and sizes tile the packet exactly, and its IPX length field equals its size.
 */
export class Reassembler {
  readonly #timeoutMs: number
  readonly #maxFrames: number
  readonly #maxBytes: number
  readonly #maxPacket: number
  /** In arrival order of each packet's first fragment (Map keeps insertion order): oldest first. */
  readonly #partials = new Map<number, PartialPacket>()
  /**
   * Ids recently finished (bounded, forgotten after the timeout) with when and how, so a straggler
   * is counted (a duplicate of a completed packet, or late for an abandoned one), not started anew.
   */
  readonly #recent = new Map<number, { at: number, completed: boolean }>()
  readonly #stats: ReassemblyStats

  constructor (o: ReassemblerOptions = {}) {
    this.#timeoutMs = o.timeoutMs ?? DEFAULT_REASSEMBLY_TIMEOUT_MS
    this.#maxFrames = o.maxFrames ?? 32
    this.#maxBytes = o.maxBytes ?? 65536
    this.#maxPacket = o.maxPacket ?? 1424
    this.#stats = {
      fragmentsReceived: 0,
      fragmentsAccepted: 0,
      fragmentsDropped: Object.fromEntries(Object.values(FragmentDrop).map(r => [r, 0])) as Record<FragmentDrop, number>,
      fragmentsDiscarded: 0,
      framesCompleted: 0,
      framesIncomplete: Object.fromEntries(Object.values(ReassemblyFailure).map(r => [r, 0])) as Record<ReassemblyFailure, number>,
      pending: 0,
      pendingBytes: 0
    }
  }

  /** A copy of the counters. */
  stats (): ReassemblyStats {
    const s = this.#stats
    return { ...s, fragmentsDropped: { ...s.fragmentsDropped }, framesIncomplete: { ...s.framesIncomplete }, pending: this.#partials.size, pendingBytes: this.#bytes() }
  }

  #bytes (): number {
    let n = 0
    for (const p of this.#partials.values()) n += p.totalLength
    return n
  }

  #dropFragment (reason: FragmentDrop): PushResult {
    this.#stats.fragmentsDropped[reason]++
    return { kind: 'dropped', reason }
  }

  #giveUp (p: PartialPacket, why: ReassemblyFailure, now: number): void {
    this.#partials.delete(p.frameId)
    this.#stats.framesIncomplete[why]++
    this.#stats.fragmentsDiscarded += p.received
    this.#remember(p.frameId, now, false)
  }

  #remember (id: number, now: number, completed: boolean): void {
    this.#recent.delete(id)
    this.#recent.set(id, { at: now, completed })
    if (this.#recent.size > 4 * this.#maxFrames) this.#recent.delete(this.#recent.keys().next().value!)
  }

  /** Gives up every packet whose first fragment is older than the timeout. Call it now and then. */
  sweep (now: number): void {
    for (const p of this.#partials.values()) {
      if (now - p.startedAt < this.#timeoutMs) break
      this.#giveUp(p, ReassemblyFailure.Timeout, now)
    }
    for (const [id, r] of this.#recent) {
      if (now - r.at < this.#timeoutMs) break
      this.#recent.delete(id)
    }
  }

  /** Gives up everything in reassembly (the link went down or stops), counted `reassembly_flushed`. */
  flush (now: number): void {
    for (const p of [...this.#partials.values()]) this.#giveUp(p, ReassemblyFailure.Flushed, now)
  }

  /** One fragment body (a type-7 frame's payload) at `now`. Never throws. */
  push (body: Buffer, now: number): PushResult {
    this.#stats.fragmentsReceived++
    this.sweep(now)
    let f: Fragment
    try {
      f = decodeFragment(body)
    } catch (err) {
      if (err instanceof DecodeError) return this.#dropFragment(FragmentDrop.Malformed)
      throw err
    }
    if (f.totalLength > this.#maxPacket) return this.#dropFragment(FragmentDrop.Oversize)
    let p = this.#partials.get(f.frameId)
    if (p === undefined) {
      const recent = this.#recent.get(f.frameId)
      if (recent !== undefined) return this.#dropFragment(recent.completed ? FragmentDrop.Duplicate : FragmentDrop.Late)
      p = this.#start(f, now)
    } else if (p.count !== f.count || p.totalLength !== f.totalLength) {
      this.#giveUp(p, ReassemblyFailure.Inconsistent, now)
      return this.#dropFragment(FragmentDrop.Inconsistent)
    }
    if (p.got[f.index] === 1) return this.#dropFragment(FragmentDrop.Duplicate)
    p.got[f.index] = 1
    p.offsets[f.index] = f.offset
    p.lengths[f.index] = f.data.length
    p.received++
    p.bytes += f.data.length
    this.#stats.fragmentsAccepted++
    f.data.copy(p.buf, f.offset)
    if (p.received < p.count) return PENDING
    return this.#finish(p, now)
  }

  #start (f: Fragment, now: number): PartialPacket {
    // Room first: the oldest packets go (counted evicted) until this one fits the bounds.
    while (this.#partials.size > 0 && (this.#partials.size >= this.#maxFrames || this.#bytes() + f.totalLength > this.#maxBytes)) {
      this.#giveUp(this.#partials.values().next().value!, ReassemblyFailure.Evicted, now)
    }
    const p: PartialPacket = {
      frameId: f.frameId, count: f.count, totalLength: f.totalLength, startedAt: now,
      buf: Buffer.alloc(f.totalLength), got: new Uint8Array(f.count), offsets: new Int32Array(f.count), lengths: new Int32Array(f.count), received: 0, bytes: 0
    }
    this.#partials.set(f.frameId, p)
    return p
  }

  #finish (p: PartialPacket, now: number): PushResult {
    // Every index arrived: the chunks must tile the packet in index order, without gap or overlap.
    let ok = p.bytes === p.totalLength && p.offsets[0] === 0
    for (let i = 1; ok && i < p.count; i++) ok = p.offsets[i] === p.offsets[i - 1]! + p.lengths[i - 1]!
    if (!ok) {
      this.#giveUp(p, ReassemblyFailure.Inconsistent, now)
      return { kind: 'failed', reason: ReassemblyFailure.Inconsistent }
    }
    // SPEC.md §3's data rule, on the rebuilt packet: its IPX length is its size.
    if (((p.buf[2]! << 8) | p.buf[3]!) !== p.totalLength) {
      this.#giveUp(p, ReassemblyFailure.BadLength, now)
      return { kind: 'failed', reason: ReassemblyFailure.BadLength }
    }
    this.#partials.delete(p.frameId)
    this.#remember(p.frameId, now, true)
    this.#stats.framesCompleted++
    return { kind: 'complete', packet: p.buf }
  }
}
