/**
 * IPX addresses: 32-bit network, 48-bit node, 16-bit socket, all held as plain numbers so that the
 * forwarding path can compare and hash them without allocating.
 *
 * Printed as `NNNNNNNN:NNNNNNNNNNNN:SSSS` (upper-case hex, the form NetWare's own tools print);
 * parsed from that form and from tshark's `net.node` form (`00000028.00aa00a3e3a4`).
 */
import { BROADCAST_NODE, hex } from '../constants.js'

/** One end of an IPX packet. Field names follow Wireshark's `ipx.dst.*` / `ipx.src.*`. */
export interface IpxAddress {
  /** u32 network number; 0 means "this network". */
  network: number
  /** u48 node (MAC-like); FF:FF:FF:FF:FF:FF is broadcast. */
  node: number
  /** u16 socket. */
  socket: number
}

export { BROADCAST_NODE }

/** `00000028:00AA00A3E3A4:0452`. */
export function formatIpxAddress (a: IpxAddress): string {
  return `${formatNetwork(a.network)}:${formatNode(a.node).replaceAll(':', '').toUpperCase()}:${hex(a.socket, 4).toUpperCase()}`
}

/** `00000028` (upper-case, 8 digits). */
export function formatNetwork (network: number): string {
  return hex(network, 8).toUpperCase()
}

/** `00:aa:00:a3:e3:a4`, the MAC form tshark prints for `ipx.*.node`. */
export function formatNode (node: number): string {
  const h = hex(node, 12)
  return `${h.slice(0, 2)}:${h.slice(2, 4)}:${h.slice(4, 6)}:${h.slice(6, 8)}:${h.slice(8, 10)}:${h.slice(10, 12)}`
}

/** Parses `aa:bb:cc:dd:ee:ff`, `aa-bb-..`, or 12 bare hex digits. Returns undefined when malformed. */
export function parseNode (text: string): number | undefined {
  const bare = text.replace(/[:-]/g, '')
  if (!/^[0-9a-fA-F]{12}$/.test(bare)) return undefined
  if (bare.length !== text.length && !/^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$/.test(text)) return undefined
  return parseInt(bare, 16)
}

/** Parses `0x0000abcd` or `0000ABCD`. Returns undefined when malformed or out of range. */
export function parseHexNumber (text: string, maxDigits: number): number | undefined {
  const t = text.startsWith('0x') || text.startsWith('0X') ? text.slice(2) : text
  if (t.length === 0 || t.length > maxDigits || !/^[0-9a-fA-F]+$/.test(t)) return undefined
  return parseInt(t, 16)
}

/**
 * Parses `NNNNNNNN:NNNNNNNNNNNN:SSSS`, `NNNNNNNN:NNNNNNNNNNNN` (socket 0), tshark's
 * `NNNNNNNN.NNNNNNNNNNNN[.SSSS]`, or a node in the MAC form the logs print
 * (`NNNNNNNN:02:72:20:83:75:73[:SSSS]`). Returns undefined when the text is not an IPX address.
 */
export function parseIpxAddress (text: string): IpxAddress | undefined {
  const mac = /^([0-9a-fA-Fx]+):((?:[0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2})(?::([0-9a-fA-Fx]+))?$/.exec(text.trim())
  if (mac !== null) {
    const network = parseHexNumber(mac[1] ?? '', 8)
    const socket = mac[3] !== undefined ? parseHexNumber(mac[3], 4) : 0
    const node = parseNode(mac[2] ?? '')
    return network === undefined || socket === undefined || node === undefined ? undefined : { network, node, socket }
  }
  const parts = text.trim().split(/[:.]/)
  if (parts.length !== 2 && parts.length !== 3) return undefined
  const network = parseHexNumber(parts[0] ?? '', 8)
  const node = /^[0-9a-fA-F]{12}$/.test(parts[1] ?? '') ? parseInt(parts[1] ?? '', 16) : undefined
  const socket = parts.length === 3 ? parseHexNumber(parts[2] ?? '', 4) : 0
  if (network === undefined || node === undefined || socket === undefined) return undefined
  return { network, node, socket }
}

/** True when the node is FF:FF:FF:FF:FF:FF. */
export function isBroadcastNode (node: number): boolean {
  return node === BROADCAST_NODE
}
