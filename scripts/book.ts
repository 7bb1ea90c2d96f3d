/**
 * Generates the protocol book, protocol/README.md: one table per fixed-size wire format, rendered
 * from the same `defineLayout` field lists the codec decodes and encodes with (so an offset lives
 * in one place), plus a short history note per protocol (scripts/book/*.md, hand-written) and the
 * reconstruction registry of the tunnel ports (taken from protocol/tunnel/SPEC.md §8).
 *
 * Run: `node --import tsx scripts/book.ts` (writes the file); `--check` exits 1 when it is stale.
 * test/protocol/book.test.ts regenerates it in memory and fails when the committed file differs.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  ipx, ethernet, link, capture, spx, sap, rip, netbios, ncp, diag, ping, tunnel, snp,
  layoutTable, PacketType, Socket, packetTypeName, socketName, hex
} from '../protocol/index.js'
import type { Layout } from '../protocol/index.js'
import { isEntryPoint } from '../src/cli/entry-point.js'

const HERE = path.dirname(fileURLToPath(import.meta.url))
/** The project root. */
export const ROOT = path.resolve(HERE, '..')
/** Where the book is written. */
export const BOOK_PATH = path.join(ROOT, 'protocol', 'README.md')
/** The command that regenerates the book. */
export const BOOK_COMMAND = 'node --import tsx scripts/book.ts'

/** Any layout, whatever it decodes to. */
export type AnyLayout = Pick<Layout<unknown>, 'title' | 'fields' | 'length' | 'protocol'>

/** One layout in the book: where its offsets start and what to say under its table. */
export interface BookLayout {
  layout: AnyLayout
  /** Offset of the layout's first byte in what the chapter describes (default 0). */
  base?: number
  /** A sentence after the table. */
  note?: string
}

/** A chapter: a history note (scripts/book/<note>.md), then the layouts, then any extra markdown. */
export interface BookChapter {
  id: string
  title: string
  /** File name (without .md) of the history note in scripts/book/. */
  note: string
  /** Markdown between the note and the tables. */
  intro?: () => string
  layouts: readonly BookLayout[]
}

function valueTable (rows: ReadonlyArray<readonly [string, string]>, head: readonly [string, string]): string {
  return [`| ${head[0]} | ${head[1]} |`, '|---|---|', ...rows.map(([a, b]) => `| ${a} | ${b} |`)].join('\n')
}

const packetTypes = (): string => valueTable(
  Object.values(PacketType).map(v => [`${v} (0x${hex(v, 2)})`, packetTypeName(v)] as const), ['packet type', 'name'])

const sockets = (): string => valueTable(
  Object.values(Socket).map(v => [`0x${hex(v, 4)}`, socketName(v)] as const), ['socket', 'name'])

const framings = (): string => valueTable(
  Object.values(ethernet.Framing).map(f => [`\`${f}\` (${ethernet.FRAMING_NAMES[f]})`, `IPX header at byte ${ethernet.IPX_OFFSET[f]}`] as const), ['framing (NetWare name)', 'where IPX starts'])

/** The chapters, in order. Every layout the codec defines appears in exactly one (the test checks). */
export const CHAPTERS: readonly BookChapter[] = [
  {
    id: 'ipx',
    title: 'IPX',
    note: 'ipx',
    intro: () => `Packet types (offset 5) and the well-known sockets, as the codec names them:\n\n${packetTypes()}\n\n${sockets()}`,
    layouts: [{ layout: ipx.IPX_HEADER, note: 'The payload is exactly `length - 30` bytes; anything after it in the frame is padding, slack or trailer.' }]
  },
  {
    id: 'ethernet',
    title: 'Ethernet framings',
    note: 'ethernet',
    intro: framings,
    layouts: [
      { layout: ethernet.ETHERNET_HEADER },
      { layout: ethernet.LLC_HEADER, base: 14, note: 'Only in the 802.2 and SNAP framings.' },
      { layout: ethernet.SNAP_HEADER, base: 17, note: 'Only in the SNAP framing, after LLC AA AA 03.' }
    ]
  },
  {
    id: 'link',
    title: 'IPv4, UDP and Linux cooked captures',
    note: 'link',
    layouts: [
      { layout: link.IPV4_HEADER, note: 'Options, if the header length says so, follow at offset 20.' },
      { layout: link.UDP_HEADER, note: 'The IPX packet follows the UDP header; ports 213 (RFC 1234), 2644 (ipxlab) and 10000 (ipxbox) are searched by default.' },
      { layout: link.SLL_HEADER },
      { layout: link.SLL2_HEADER }
    ]
  },
  {
    id: 'capture',
    title: 'pcap and pcapng files',
    note: 'capture',
    layouts: [
      { layout: capture.pcap.PCAP_FILE_HEADER, note: 'Fields are in the writer\'s byte order, told by the magic number.' },
      { layout: capture.pcap.PCAP_RECORD_HEADER },
      { layout: capture.pcapng.BLOCK_HEADER, note: 'Every block starts so and repeats its total length at its end; byte order per section.' },
      { layout: capture.pcapng.SHB_HEADER, note: 'A 64-bit section length and the options follow.' },
      { layout: capture.pcapng.IDB_HEADER },
      { layout: capture.pcapng.EPB_HEADER, note: 'The frame follows, padded to 4 bytes, then options.' },
      { layout: capture.pcapng.SPB_HEADER },
      { layout: capture.pcapng.OPB_HEADER },
      { layout: capture.pcapng.OPTION_HEADER }
    ]
  },
  {
    id: 'spx',
    title: 'SPX and SPX II',
    note: 'spx',
    layouts: [
      { layout: spx.SPX_HEADER, note: 'Offsets from the end of the IPX header. The connection\'s data follows.' },
      { layout: spx.SPX2_HEADER, note: 'When the SPX II bit (0x08) is set and the destination connection ID is not 0xFFFF (Wireshark `dissect_spx`).' }
    ]
  },
  {
    id: 'sap',
    title: 'SAP',
    note: 'sap',
    layouts: [
      { layout: sap.SAP_HEADER, note: 'Every SAP message starts with the operation.' },
      { layout: sap.SAP_QUERY },
      { layout: sap.SAP_SERVER_TYPE, base: 0, note: `A response is the operation, then up to ${sap.SAP_MAX_ENTRIES} entries of ${sap.SAP_ENTRY_LENGTH} bytes. Offsets here are within an entry; the server name (\`ipxsap.server.name\`, NUL-padded) fills offsets ${sap.SAP_NAME_OFFSET}-${sap.SAP_NAME_OFFSET + sap.SAP_NAME_LENGTH - 1}.` },
      { layout: sap.SAP_SERVER_ADDRESS, base: sap.SAP_ADDRESS_OFFSET }
    ]
  },
  {
    id: 'rip',
    title: 'RIP',
    note: 'rip',
    layouts: [
      { layout: rip.RIP_HEADER },
      { layout: rip.RIP_ENTRY, note: `Entries of ${rip.RIP_ENTRY_LENGTH} bytes follow the operation, at most ${rip.RIP_MAX_ENTRIES}; offsets are within an entry.` }
    ]
  },
  {
    id: 'netbios',
    title: 'NetBIOS over IPX',
    note: 'netbios',
    layouts: [
      { layout: netbios.NETBIOS_PROPAGATION, note: 'Present in IPX type-20 packets (and in 50-byte replies to them, Wireshark\'s rule).' },
      { layout: netbios.NETBIOS_NAME_HEADER, note: 'After any propagation list. A 16-byte NetBIOS name follows (15 bytes space-padded, then the name type).' },
      { layout: netbios.NETBIOS_CONTROL_HEADER, note: 'A directed datagram (11) then carries the receiver\'s and the sender\'s 16-byte names and the datagram.' }
    ]
  },
  {
    id: 'ncp',
    title: 'NCP',
    note: 'ncp',
    layouts: [
      { layout: ncp.NCP_COMMON_HEADER },
      { layout: ncp.NCP_REQUEST_HEADER, note: 'Some 0x2222 functions add a length (u16) and a subfunction (u8), or a subfunction alone, at offset 7.' },
      { layout: ncp.NCP_REPLY_HEADER },
      { layout: ncp.NCP_BURST_HEADER }
    ]
  },
  {
    id: 'diag',
    title: 'IPX diagnostics',
    note: 'diag',
    intro: () => `A configuration request (to socket 0x0456) is a count (u8) of excluded nodes, then that many 6-byte nodes (at most ${diag.DIAG_MAX_EXCLUSIONS}). The response starts with:`,
    layouts: [{ layout: diag.DIAG_RESPONSE_HEADER, note: 'The component list follows; ipxlab keeps it as bytes.' }]
  },
  {
    id: 'ping',
    title: 'Novell ping',
    note: 'ping',
    layouts: [{ layout: ping.PING_HEADER, note: 'Padding data follows; the reply echoes it.' }]
  },
  {
    id: 'tunnel',
    title: 'The 2644 tunnel: DOSBox IPXNET, RFC 1234 and the ipxlab native frame',
    note: 'tunnel',
    intro: () => 'DOSBox IPXNET and RFC 1234 put one bare IPX packet (checksum FFFF) in each UDP datagram; nothing is added. The native frame starts with `IX` instead (see [tunnel/SPEC.md](tunnel/SPEC.md)):',
    layouts: [
      { layout: tunnel.NATIVE_HEADER, note: 'Options (header length − 28 bytes), the body and, when authenticated, a 16-byte HMAC-SHA-256-128 tag follow.' },
      { layout: tunnel.HELLO_FIELDS, note: 'Body of hello and hello-ack; an 8-byte class-table digest follows at offset 12.' },
      { layout: tunnel.ECHO_BODY, note: 'Body of keepalive-ack.' },
      { layout: tunnel.BYE_BODY, note: 'Body of bye.' },
      { layout: tunnel.FRAGMENT_HEADER, note: 'Version 2 only: the header of a fragment (type 7, link fragmentation and interleaving, modelled on FRF.12); the fragment\'s bytes of the IPX packet follow (tunnel/SPEC.md §3.2).' }
    ]
  },
  {
    id: 'snp',
    title: 'The 2629 SNP control messages',
    note: 'snp',
    intro: () => 'Node-to-node QoS control on udp 2629: hello, probe, report, bye, each one datagram starting with `SN` (see [snp/SPEC.md](snp/SPEC.md)):',
    layouts: snp.BOOK_LAYOUTS
  }
]

/** The registry table of SPEC.md §8, as written there. */
export function specRegistry (spec: string): string {
  const start = spec.indexOf('## 8 Reconstruction registry')
  if (start < 0) throw new Error('a SPEC.md has no "## 8 Reconstruction registry" section')
  const lines = spec.slice(start).split('\n').slice(1)
  const table: string[] = []
  for (const l of lines) {
    if (l.startsWith('|')) table.push(l)
    else if (table.length > 0) break
  }
  return table.join('\n')
}

function readNote (name: string): string {
  return readFileSync(path.join(HERE, 'book', `${name}.md`), 'utf8').trim()
}

function anchor (title: string): string {
  return title.toLowerCase().replace(/[^a-z0-9 -]/g, '').replaceAll(' ', '-')
}

/** The whole book as markdown. Pure but for reading the snippets and SPEC.md. */
export function renderBook (): string {
  const out: string[] = [
    '# The ipxlab protocol book',
    '',
    `<!-- Generated by scripts/book.ts from the codec's field lists; do not edit. Regenerate: ${BOOK_COMMAND} -->`,
    '',
    'Every table below is rendered from the `defineLayout` field list that the codec decodes and encodes with,',
    'so offsets, sizes and names here are the code\'s. Offsets are in bytes from the start of the structure',
    '(for upper layers: from the end of the IPX header); all multi-byte fields are big-endian unless the',
    'capture-file byte order says otherwise. The Wireshark column is the display-filter name. To see these',
    'fields in a real frame, run `ipxlab explain CAPTURE --frame N`.',
    '',
    '## Contents',
    '',
    ...CHAPTERS.map(c => `- [${c.title}](#${anchor(c.title)})`),
    '- [Reconstruction registry: ports 2644 and 2629](#reconstruction-registry-ports-2644-and-2629)'
  ]
  for (const c of CHAPTERS) {
    out.push('', `## ${c.title}`, '', readNote(c.note))
    if (c.intro !== undefined) out.push('', c.intro())
    for (const l of c.layouts) {
      out.push('', `### ${l.layout.title} (${l.layout.length} bytes)`, '', layoutTable(l.layout as Layout<unknown>, l.base ?? 0))
      if (l.note !== undefined) out.push('', l.note)
    }
  }
  const spec = readFileSync(path.join(ROOT, 'protocol', 'tunnel', 'SPEC.md'), 'utf8')
  out.push(
    '', '## Reconstruction registry: ports 2644 and 2629', '',
    'Neither Travsoft\'s (2644) nor Sitara\'s (2629) wire format survives in any public document, so ipxlab\'s',
    'formats on those ports are labelled reconstructions. Each field and behaviour is marked *documented*',
    '(with its source), *inferred* or *invented*.',
    '', '### Port 2644 (travsoft-ipx-t): the native tunnel', '',
    'From the [reconstruction registry in tunnel/SPEC.md](tunnel/SPEC.md#8-reconstruction-registry):',
    '', specRegistry(spec),
    '', '### Port 2629 (sitaraserver): SNP', '',
    'From the [reconstruction registry in snp/SPEC.md](snp/SPEC.md#8-reconstruction-registry):',
    '', specRegistry(readFileSync(path.join(ROOT, 'protocol', 'snp', 'SPEC.md'), 'utf8'))
  )
  return out.join('\n') + '\n'
}

if (isEntryPoint(import.meta.url)) {
  const book = renderBook()
  if (process.argv.includes('--check')) {
    let current = ''
    try { current = readFileSync(BOOK_PATH, 'utf8') } catch { current = '' }
    if (current !== book) {
      process.stderr.write(`protocol/README.md is stale: run ${BOOK_COMMAND}\n`)
      process.exitCode = 1
    }
  } else {
    writeFileSync(BOOK_PATH, book)
    process.stdout.write(`wrote ${path.relative(ROOT, BOOK_PATH)} (${book.length} bytes)\n`)
  }
}
