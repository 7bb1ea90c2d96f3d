/**
 * The dissection of one frame: every captured byte in exactly one labelled range (its layer, its
 * field by the codec's path and Wireshark's display-filter name, offset, size, value and meaning),
 * the layers in order with the layer each names next, the upper-layer dispatch and any decode
 * error. `decode --json`, `explain`, `lint` and display filters (`-Y`) all read this one structure;
 * the walkers that build it (one file per protocol here) follow the codec's layouts, so an offset
 * lives only in the layout.
 */
import type { DecodeError, upper } from './deps.js'

/** The layer a byte range belongs to. `filler` is padding, slack and trailers; `undecoded` follows a decode error. */
export type LayerId =
  | 'link' | 'ethernet' | 'llc' | 'snap' | 'ipv4' | 'udp' | 'ipx'
  | 'spx' | 'ncp' | 'sap' | 'rip' | 'netbios' | 'diag' | 'ping' | 'data'
  | 'filler' | 'undecoded'

/** Headings of the layers, in the order they can appear. */
export const LAYER_TITLES: Readonly<Record<LayerId, string>> = {
  link: 'Link header',
  ethernet: 'Ethernet',
  llc: 'IEEE 802.2 LLC',
  snap: 'SNAP',
  ipv4: 'IPv4',
  udp: 'UDP',
  ipx: 'IPX',
  spx: 'SPX',
  ncp: 'NCP',
  sap: 'SAP',
  rip: 'RIP',
  netbios: 'NetBIOS over IPX',
  diag: 'IPX diagnostics',
  ping: 'Novell ping',
  data: 'Data',
  filler: 'Padding, slack and trailer',
  undecoded: 'Not decoded'
}

/** A decode error as the explanation shows it; `offset` is absolute in the frame. */
export interface DissectError {
  code: DecodeError['code']
  protocol: DecodeError['protocol']
  offset: number
  reason: string
}

/** One labelled byte range of the frame. */
export interface ByteRange {
  layer: LayerId
  /** Absolute offset in the captured frame. */
  offset: number
  size: number
  /** The codec's field path (`dst.node`, `servers[0].name`) or a name for a non-field range (`padding`). */
  field: string
  /** The field in words (`dst node`, `server 1 name`). */
  label: string
  /** Wireshark's display-filter name, where it has one. */
  wireshark?: string
  /** The value as a filter compares it: the number read, or the text of a name; absent for opaque bytes. */
  raw?: number | string
  /** The value as read: `0x02`, `ff:ff:ff:ff:ff:ff`, `"FS1"`; empty for opaque bytes. */
  value: string
  /** What the value means. */
  meaning: string
  /** Set on the range holding the byte where decoding failed. */
  error?: DissectError
}

/** How the upper-layer protocol was chosen. */
export interface DissectDispatch {
  protocol: upper.UpperProtocol
  name: string
  reason: upper.DispatchReason
  socket?: number
  /** The decision in one sentence. */
  text: string
}

/**
 * An extra annotation section: a title and lines. The seam for later explainers (the QoS stage's
 * "which class rule matched"); each provider sees the decoded frame and may return a section.

/** One layer of the dissection: its ranges, and the layer it names next (its payload's protocol). */
export interface DissectedLayer {
  layer: LayerId
  title: string
  offset: number
  size: number
  /** The next layer, or undefined for the last. */
  next?: LayerId
  fields: ByteRange[]
}

/** The dissection of one frame. */
export interface Dissection {
  /** `malformed` when any layer failed to decode (link, IPX or the upper protocol). */
  status: 'ok' | 'malformed'
  /** The layers found, outermost first: `Ethernet 802.3 → LLC → IPX → IPX SAP`. */
  path: string
  /** The upper-layer dispatch, when the IPX header decoded. */
  dispatch?: DissectDispatch
  /** The decode error, when there was one (offset absolute in the frame). */
  error?: DissectError
  /** Contiguous, ordered, covering every captured byte exactly once. */
  ranges: ByteRange[]
  /** The ranges grouped into layers (filler and undecoded bytes are not layers). */
  layers: DissectedLayer[]
}
