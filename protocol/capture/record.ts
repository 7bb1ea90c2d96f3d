/**
 * What every capture codec here yields and accepts: one captured frame with its absolute time.
 */

/** One record (packet) of a capture file, as {@link CaptureReader} yields it. */
export interface CaptureRecord {
  /** 0-based record number in the file (tshark's `frame.number` minus 1). */
  index: number
  /** pcapng interface id; always 0 in a pcap file. */
  interfaceId: number
  /** LINKTYPE_* of the interface the record was captured on (tcpdump.org link-layer header types). */
  linkType: number
  /** Absolute time since the Unix epoch in nanoseconds (tshark `frame.time_epoch`). */
  timestampNs: bigint
  /** Bytes present in the file (tshark `frame.cap_len`); equals `data.length`. */
  capturedLength: number
  /** Length of the frame on the wire (tshark `frame.len`); may exceed `capturedLength`. */
  originalLength: number
  /** The captured bytes. A view into the reader's buffers: copy it to keep it beyond the next chunk. */
  data: Buffer
  /** Byte offset of the record's header (pcap record header or pcapng block) in the file. */
  fileOffset: number
}

/** A frame to encode. Defaults: `timestampNs` 0, `originalLength` `data.length`. */
export interface CaptureRecordInput {
  /** The frame bytes; truncated to the snaplen when longer. */
  data: Buffer
  /** Absolute time since the Unix epoch in nanoseconds; must be ≥ 0. */
  timestampNs?: bigint
  /** Length on the wire; at least the number of bytes written. */
  originalLength?: number
}

/**
 * Link-layer header types used by ipxlab (tcpdump.org "LINKTYPE_ values"; the number stored in a
 * pcap header or a pcapng IDB).
 */
export const LinkType = {
  /** 0: BSD loopback, a 4-byte host-order address family before the payload (doom.cap). */
  Null: 0,
  /** 1: Ethernet (DIX and 802.3), the framing of every IPX capture here. */
  Ethernet: 1,
  /** 101: raw IPv4/IPv6, no link header. */
  Raw: 101,
  /** 113: Linux "cooked" capture v1 (SLL). */
  LinuxSll: 113
} as const
export type LinkType = typeof LinkType[keyof typeof LinkType]

/** The largest snaplen libpcap uses by default (`MAXIMUM_SNAPLEN`, libpcap pcap-int.h): 262144. */
export const DEFAULT_SNAPLEN = 262144

/** `#12 if0 1700000000.123456789 60/64 bytes @4096`, for logs and test titles. */
export function describeRecord (r: CaptureRecord): string {
  const sec = r.timestampNs / 1_000_000_000n
  const frac = (r.timestampNs % 1_000_000_000n).toString().padStart(9, '0')
  return `#${r.index} if${r.interfaceId} ${sec}.${frac} ${r.capturedLength}/${r.originalLength} bytes @${r.fileOffset}`
}
