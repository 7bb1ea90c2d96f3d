/**
 * Datagrams the kernel threw away before the node ever saw them (issue 13, item 4: in a flood
 * 51 % of datagrams never reached the node while every counter above the socket showed 0 drops).
 *
 * Linux reports them per socket in the last column (`drops`, the socket's `sk_drops`: receive
 * buffer full, or a bad checksum) of `/proc/net/udp` and `/proc/net/udp6` (proc(5); the columns
 * are written by `udp4_format_sock` / `udp6_sock_seq_show` in net/ipv4/udp.c and net/ipv6/udp.c).
 * A row is this process's socket when its inode is one of ours: `/proc/self/fd/N` links to
 * `socket:[inode]` for every socket the process holds. The row is found by the bound port among
 * those inodes, once; the inode is remembered for the socket's life, so a later read costs one read
 * of the table (a memory-backed proc file, no disk).
 *
 * Elsewhere (no /proc) the count is `null`: unknown, never a made-up 0.
 */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs'

/** One bound UDP socket to watch. */
export interface WatchedSocket {
  /** A label for stats and metrics (`tunnel`, `snp`). */
  name: string
  /** The bound address (`socket.address()`). */
  address: { address: string, port: number }
}

/** One parsed row of /proc/net/udp{,6}. */
export interface UdpRow {
  port: number
  inode: number
  drops: number
}

/** Parses the text of /proc/net/udp or /proc/net/udp6 (the header line skipped; bad lines ignored). */
export function parseProcNetUdp (text: string): UdpRow[] {
  const rows: UdpRow[] = []
  const lines = text.split('\n')
  for (let i = 1; i < lines.length; i++) {
    const f = lines[i]!.trim().split(/\s+/)
    // sl local rem st tx:rx tr:when retrnsmt uid timeout inode ref pointer drops
    if (f.length < 13) continue
    const colon = f[1]!.lastIndexOf(':')
    const port = parseInt(f[1]!.slice(colon + 1), 16)
    const inode = Number(f[9])
    const drops = Number(f[f.length - 1])
    if (Number.isInteger(port) && Number.isInteger(inode) && Number.isInteger(drops)) rows.push({ port, inode, drops })
  }
  return rows
}

/** The inodes of every socket this process holds (`/proc/self/fd/*` → `socket:[N]`). */
export function ownSocketInodes (fdDir = '/proc/self/fd'): Set<number> {
  const out = new Set<number>()
  for (const fd of readdirSync(fdDir)) {
    let target: string
    try {
      target = readlinkSync(`${fdDir}/${fd}`)
    } catch {
      continue // closed between the listing and the read
    }
    const m = /^socket:\[(\d+)\]$/.exec(target)
    if (m !== null) out.add(Number(m[1]))
  }
  return out
}

/** Reads the kernel's receive drops of this process's UDP sockets. */
export class KernelDropReader {
  readonly #proc: string
  /** name → inode, once found. */
  readonly #inodes = new Map<string, number>()

  constructor (procNet = '/proc/net') {
    this.#proc = procNet
  }

  /** Drops per watched socket by name; `null` where they cannot be read (not Linux, or not found). */
  read (sockets: readonly WatchedSocket[]): Record<string, number | null> {
    const out: Record<string, number | null> = {}
    let tables: Map<number, UdpRow> | undefined
    let own: Set<number> | undefined
    for (const s of sockets) {
      out[s.name] = null
      try {
        tables ??= this.#tables()
      } catch {
        continue
      }
      let inode = this.#inodes.get(s.name)
      let row = inode !== undefined ? tables.get(inode) : undefined
      if (row === undefined || row.port !== s.address.port) {
        // First read, or the socket was replaced: find it by port among our own sockets.
        own ??= ownSocketInodes()
        row = [...tables.values()].find(r => r.port === s.address.port && own!.has(r.inode))
        if (row === undefined) continue
        inode = row.inode
        this.#inodes.set(s.name, inode)
      }
      out[s.name] = row.drops
    }
    return out
  }

  #tables (): Map<number, UdpRow> {
    const byInode = new Map<number, UdpRow>()
    let read = 0
    for (const f of ['udp', 'udp6']) {
      let text: string
      try {
        text = readFileSync(`${this.#proc}/${f}`, 'utf8')
        read++
      } catch {
        continue // udp6 is absent when IPv6 is disabled
      }
      for (const r of parseProcNetUdp(text)) byInode.set(r.inode, r)
    }
    if (read === 0) throw new Error('no /proc/net/udp')
    return byInode
  }
}
