/**
 * Capture containers, pure: pcap and pcapng codecs and a streaming reader with no I/O.
 * `import { capture } from 'ipxlab/protocol'` then `capture.encodePcapFile(records, capture.LinkType.Ethernet)`.
 */
export * from './record.js'
export type { ByteOrder } from './byte-order.js'
export * as pcap from './pcap.js'
export { encodePcapFile } from './pcap.js'
export * as pcapng from './pcapng.js'
export { encodePcapngFile } from './pcapng.js'
export { CaptureReader } from './reader.js'
export type { CaptureFormat, CaptureInterface } from './reader.js'
