/**
 * Link fragmentation and interleaving (LFI, issue 11) for a node's QoS stage: when it applies, how
 * big the fragments are, and what each costs on the emulated link. The wire format is
 * protocol/tunnel/fragment.ts (SPEC.md §3.2); the queueing is {@link LinkQos}'s.
 *
 * The rule of the era (Frame Relay FRF.12, multilink PPP with LFI, RFC 1990): on a slow link a
 * full-size frame holds the line for a long time (1424 bytes at 56 kbit/s: 203 ms), and strict
 * priority cannot pre-empt a frame already on the wire; cut large low-priority frames into
 * fragments whose serialisation takes about 10 ms, and send urgent small frames between them.
 * Cisco's FRF.12 guidance sized fragments to 10 ms of the link rate ("80 bytes per 64 kbit/s"),
 * which is the default here; a floor keeps the header cost bounded on the slowest links.
 */
import { ConfigError } from '../errors.js'
import { serializationMs } from '../qos/classes.js'
import type { ClassTable, TrafficClass } from '../qos/classes.js'
import { FRAGMENT_HEADER_LENGTH } from '../../protocol/tunnel/fragment.js'

/** `--lfi`: always, never, or when the link's full-frame time exceeds {@link LFI_AUTO_THRESHOLD_MS}. */
export type LfiMode = 'on' | 'off' | 'auto'
/** Target serialisation time of one fragment, ms (FRF.12's customary 10 ms). */
export const LFI_DEFAULT_FRAGMENT_MS = 10
/**
 * Smallest fragment, IPX bytes. Each fragment costs its 8-byte fragment header on the emulated
 * line: at 128 bytes that is 6.25 % more line time for a fragmented frame, and below it the cost
 * grows fast (10 ms at 56 kbit/s would be 70 bytes: 11 %).
 */
export const LFI_MIN_FRAGMENT_BYTES = 128
/**
 * `auto` turns LFI on when one full-size frame (the link's max packet) takes longer than this
 * to serialise, ms: on a 56k modem (203 ms), ISDN (178 and 89 ms); off on a T1 (7.4 ms), 10 Mbit/s
 * Ethernet and the lab's 1 Mbit/s WAN (11.4 ms), where a frame is already short.
 */
export const LFI_AUTO_THRESHOLD_MS = 20
/** The largest IPX packet a link carries (DOSBox IPXBUFFERSIZE; the native link's default maxPacket). */
export const LFI_FULL_FRAME_BYTES = 1424
/** Classes whose large frames are fragmented: the ones urgent traffic may overtake. */
export const LFI_CLASSES: ReadonlySet<TrafficClass> = new Set<TrafficClass>(['bulk', 'background', 'default'])

/** LFI as a link's QoS stage applies it. */
export interface LfiSettings {
  mode: LfiMode
  /** On for this link (mode `on`, or `auto` on a slow link); needs a rate. */
  enabled: boolean
  /** IPX bytes per fragment. */
  chunkBytes: number
  /** Serialisation time of one fragment (chunk and headers) at the link rate, ms. */
  fragmentMs: number
  /** Serialisation time of a full-size frame at the link rate, ms. */
  fullFrameMs: number
}

/**
 * Resolves LFI for a link of `rateBps` (null: no emulated rate, LFI off). `fragmentBytes`, when
 * given, wins over `fragmentMs`; below {@link LFI_MIN_FRAGMENT_BYTES} it is a {@link ConfigError}
 * (field `qos.fragmentBytes`). A size computed from `fragmentMs` is raised to the floor.
 */
export function resolveLfi (mode: LfiMode, rateBps: number | null, fragmentMs = LFI_DEFAULT_FRAGMENT_MS, fragmentBytes?: number, field = 'qos'): LfiSettings {
  if (fragmentBytes !== undefined && fragmentBytes < LFI_MIN_FRAGMENT_BYTES) {
    throw new ConfigError(`${field}.fragmentBytes`, `must be at least ${LFI_MIN_FRAGMENT_BYTES} bytes (the LFI floor: smaller fragments cost more header than data), got ${fragmentBytes}`)
  }
  if (rateBps === null) return { mode, enabled: false, chunkBytes: fragmentBytes ?? LFI_MIN_FRAGMENT_BYTES, fragmentMs: 0, fullFrameMs: 0 }
  const chunkBytes = fragmentBytes ?? Math.max(LFI_MIN_FRAGMENT_BYTES, Math.floor(fragmentMs * rateBps / 8000))
  const fullFrameMs = serializationMs(LFI_FULL_FRAME_BYTES, rateBps)
  const enabled = mode === 'on' || (mode === 'auto' && fullFrameMs > LFI_AUTO_THRESHOLD_MS)
  return { mode, enabled: enabled && chunkBytes < LFI_FULL_FRAME_BYTES, chunkBytes, fragmentMs: serializationMs(chunkBytes + FRAGMENT_HEADER_LENGTH, rateBps), fullFrameMs }
}

/**
 * What a fragment costs on the emulated line beyond its share of the frame, bytes. The emulated
 * line carries IPX bytes, as a serial WAN line would: a whole frame is charged its IPX length and
 * not the native tunnel's 28-byte header (which crosses loopback, not the modelled line), so a
 * fragment is charged its IPX bytes plus what LFI adds on the line, its 8-byte fragment header
 * (FRF.12 adds 2 bytes of fragmentation header plus its Frame Relay framing per fragment).
 */
export function fragmentOverheadBytes (): number {
  return FRAGMENT_HEADER_LENGTH
}

/** LFI counters of one link's QoS stage. */
export interface LfiStats {
  mode: LfiMode
  enabled: boolean
  chunkBytes: number
  fragmentMs: number
  fullFrameMs: number
  /** Frames split, fragments handed to the link. */
  fragmentedFrames: number
  fragmentsSent: number
  /** Frames that would have been split but went whole: the peer does not announce reassembly. */
  peerCannotReassemble: number
  /** Header bytes the fragments added on the emulated link (see {@link fragmentOverheadBytes}). */
  overheadBytes: number
  /** Of all bytes the emulated link carried, the share that was fragment overhead, 0..1. */
  overheadShare: number
  /** Fragments not sent, by reason (`queue_full`, `codel`, `with_dropped_frame`, `stopped`, ...). */
  fragmentDrops: Record<string, number>
}

/**
 * Share of the link up to which interactive and game frames are sent ahead of the round robin
 * while LFI is on: FRF.12's dual queue (Cisco's "dual FIFO": a high-priority queue for small
 * urgent frames, fragments in the normal one), capped as network control is (CAKE's soft
 * admission, classes.ts) so it can never starve the bulk. A deficit round robin alone cannot meet
 * LFI's aim on a slow line: a class that has just been served waits for the others' whole quanta
 * (bulk's 2 × 1500 bytes are 430 ms at 56 kbit/s, fragmented or not).
 */
export const LFI_URGENT_SHARE = 0.25

/** The class table under LFI: `base` with interactive and game strict up to {@link LFI_URGENT_SHARE}. */
export function lfiClassTable (base: ClassTable): ClassTable {
  return {
    ...base,
    interactive: { ...base.interactive, strictShare: base.interactive.strictShare ?? LFI_URGENT_SHARE },
    game: { ...base.game, strictShare: base.game.strictShare ?? LFI_URGENT_SHARE }
  }
}
