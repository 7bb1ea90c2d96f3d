/**
 * SNP on udp 2629: ipxlab's labelled reconstruction of the "Sitara Network Protocol" control
 * messages between two nodes (hello, probe, report, bye; see SPEC.md), their authentication with the
 * native link's keys, and the class-table digest. `import { snp } from 'ipxlab/protocol'`.
 *
 * The replay window, key rules and link vocabulary are the native tunnel's, re-exported here so a
 * receiver needs one import: there is one implementation of each.
 */
export * from './frame.js'
export * from './messages.js'
export * from './digest.js'
export { ReplayWindow, MIN_KEY_LENGTH, DEFAULT_REPLAY_BITS } from '../tunnel/auth.js'
export type { ReplayResult } from '../tunnel/auth.js'
export { ByeReason, LinkMode, linkModeName } from '../tunnel/messages.js'
export type { Timestamp } from '../tunnel/timestamp.js'
export { timestampFromMicros, timestampToMicros } from '../tunnel/timestamp.js'
