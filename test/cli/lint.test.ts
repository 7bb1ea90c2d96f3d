import test from 'ava'
import type { ExecutionContext } from 'ava'
import { captureIo as streams } from '../_cli.js'
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { ipx, ethernet, sap, rip, netbios, capture, link } from '../../protocol/index.js'
import { runLint } from '../../src/cli/lint.js'
import { main } from '../../src/cli/main.js'
import { RULES, ruleById } from '../../src/capture/lint.js'
import type { Finding } from '../../src/capture/lint.js'
import { ROOT, REAL, realMissing, requireReal } from '../_env.js'

interface Run { code: number, stdout: string, stderr: string }


async function lint (files: string[], json = false): Promise<Run> {
  const s = streams()
  const code = await runLint(files, { json }, s.io)
  return { code, ...s.text() }
}

async function lintJson (files: string[]): Promise<{ code: number, findings: Finding[] }> {
  const r = await lint(files, true)
  const findings = r.stdout.trim() === '' ? [] : r.stdout.trim().split('\n').map(l => JSON.parse(l) as Finding)
  return { code: r.code, findings }
}

function tempDir (t: ExecutionContext): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ipxlab-lint-'))
  t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })
  return dir
}

// ---------------------------------------------------------------------------------------------
// The real captures: output compared with the verified expected files, exactly.

const EXPECTED = path.join(ROOT, 'test', 'cli', 'lint-expected')
const REAL_CAPTURES: ReadonlyArray<[string, number]> = [
  ['tcpdump/ipx.pcap', 0],
  ['tcpdump/ipx-invalid-length.pcap', 1],
  ['tcpdump/smb_print_trans-oobr1.pcap', 0],
  ['ipxbox/ipxpkt.cap', 1],
  ['ipxbox/doom.cap', 0],
  ['ipxbox/doom.linktype-null.pcap', 0]
]

const need = { shared: true }
const why = realMissing(need)
for (const [rel, status] of REAL_CAPTURES) {
  const name = path.basename(rel).replace(/\.[^.]+$/, '')
  ;(why === undefined ? test : test.skip)(`lint ${rel}: output equals lint-expected/${name}.txt, exit ${status}${why !== undefined ? ` (skipped: ${why})` : ''}`, async t => {
    if (!requireReal(t, need)) return
    const file = path.join(REAL, 'captures', rel)
    const r = await lint([file])
    // Findings print the path as given; the expected files name the capture alone.
    const stdout = r.stdout.split(path.dirname(file) + path.sep).join('')
    t.is(stdout, readFileSync(path.join(EXPECTED, `${name}.txt`), 'utf8'))
    t.is(r.code, status)
    t.regex(r.stderr, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: \\d+ frames?, \\d+ findings? `))
  })
}

;(why === undefined ? test : test.skip)(`lint ipxpkt.cap: the bridge tag supersedes the hop, checksum and type-20 rules on every frame${why !== undefined ? ` (skipped: ${why})` : ''}`, async t => {
  if (!requireReal(t, need)) return
  const r = await lintJson([path.join(REAL, 'captures', 'ipxbox', 'ipxpkt.cap')])
  t.is(r.findings.length, 97)
  t.true(r.findings.every(x => x.rule === 'ipxbox-bridge-tag' && x.severity === 'warning'))
  t.deepEqual(r.findings.filter(x => /as type 20/.test(x.message)).map(x => x.frame), [1, 4, 7, 8, 12])
})

// ---------------------------------------------------------------------------------------------
// Crafted frames, one or more per rule.

const CLIENT = { network: 0x0000_0a01, node: 0x0080_c812_3456, socket: 0x4003 }
const SERVER = { network: 0x0000_0a01, node: 0x0080_c8ab_cdef, socket: sap.SAP_SOCKET }
const BROADCAST = { network: 0x0000_0a01, node: ipx.BROADCAST_NODE, socket: sap.SAP_SOCKET }

const sapQuery = (): Buffer => sap.encode({ operation: sap.SapOperation.GeneralQuery, serverType: 0x0004 })
const server = (name: string): sap.SapServer => ({ type: 0x0004, name, network: 0x0a01, node: 0x0080_c8ab_cdef, socket: 0x0451, hops: 1 })

function packet (payload: Buffer, fields: Partial<ipx.PacketFields> = {}): ipx.IpxPacket {
  return ipx.packet.makePacket({ packetType: 4, dst: BROADCAST, src: CLIENT, ...fields }, payload)
}

function frame (p: ipx.IpxPacket, framing: ethernet.Framing = 'llc'): Buffer {
  return ethernet.encodeIpx(p, framing)
}

/** Sets the checksum of the IPX packet at `at` to the correct one (Linux `ipx_cksum`). */
function withCorrectChecksum (buf: Buffer, at: number): Buffer {
  buf.writeUInt16BE(ipx.computeChecksum(buf, at, buf.readUInt16BE(at + 2)), at)
  return buf
}

async function lintFrames (t: ExecutionContext, frames: Buffer[], linkType: number = capture.LinkType.Ethernet): Promise<{ code: number, findings: Finding[] }> {
  const file = path.join(tempDir(t), 'crafted.pcap')
  writeFileSync(file, capture.encodePcapFile(frames.map(data => ({ data })), linkType))
  return await lintJson([file])
}

const rulesOf = (findings: Finding[]): string[] => findings.map(x => x.rule)

/** IPv4 + UDP around an IPX packet (raw IP, LINKTYPE_RAW), with `extra` bytes after it in the UDP payload. */
function ipv4Udp (p: ipx.IpxPacket, port: number, extra = 0): Buffer {
  const ipxBytes = ipx.packet.encode(p)
  const udpLength = 8 + ipxBytes.length + extra
  const out = Buffer.alloc(20 + udpLength)
  link.IPV4_HEADER.write({ versionIhl: 0x45, dsfield: 0, totalLength: out.length, identification: 1, flagsFragment: 0, ttl: 64, protocol: 17, checksum: 0, src: 0x7f000001, dst: 0x7f000002 }, out, 0)
  link.UDP_HEADER.write({ srcPort: port, dstPort: port, length: udpLength, checksum: 0 }, out, 20)
  ipxBytes.copy(out, 28)
  return out
}

/** A Linux cooked (SLL) frame with protocol 0x0001: raw 802.3 IPX. */
function sllRaw8023 (p: ipx.IpxPacket): Buffer {
  const ipxBytes = ipx.packet.encode(p)
  const out = Buffer.alloc(16 + ipxBytes.length)
  link.SLL_HEADER.write({ packetType: 1, arphrdType: 1, addressLength: 6, addressHigh: 0x0080c812, addressLow: 0x34560000, protocol: 0x0001 }, out, 0)
  ipxBytes.copy(out, 16)
  return out
}

test('every rule has an id, a title, a severity and a cited source; ids are unique', t => {
  const ids = RULES.map(r => r.id)
  t.is(new Set(ids).size, ids.length)
  for (const r of RULES) {
    t.regex(r.id, /^[a-z0-9.]+(-[a-z0-9.]+)*$/)
    t.true(r.title.length > 10 && r.source.length > 20, r.id)
    t.true(['error', 'warning', 'info'].includes(r.severity), r.id)
    if (r.supersededBy !== undefined) t.not(ruleById(r.supersededBy), undefined, r.id)
  }
})

test('clean frames in all four framings, padded to 60 bytes: no findings, exit 0', async t => {
  const frames = (['ethernet_ii', 'raw_802_3', 'llc', 'snap'] as const).map(f => frame(packet(sapQuery()), f))
  t.true(frames.every(f => f.length === 60), 'short frames carry zero padding, which is not a finding')
  const r = await lintFrames(t, frames)
  t.deepEqual(r.findings, [])
  t.is(r.code, 0)
})

test('ipx-length-below-30: IPX length 29, reported on the malformed frame with the Ethernet trailer check still made', async t => {
  const buf = frame(packet(sapQuery()))
  buf.writeUInt16BE(29, 17 + 2)
  const r = await lintFrames(t, [buf])
  t.deepEqual(rulesOf(r.findings), ['ipx-length-below-30'])
  t.is(r.findings[0]?.severity, 'error')
  t.is(r.code, 1)
  const trailing = frame(packet(sapQuery()))
  trailing.writeUInt16BE(29, 17 + 2)
  trailing[59] = 0x1d
  t.deepEqual(rulesOf((await lintFrames(t, [trailing])).findings), ['ipx-length-below-30', 'eth-trailer'])
})

test('ipx-length-beyond-frame: IPX length past the 802.3 payload', async t => {
  const buf = frame(packet(Buffer.alloc(40)))
  buf.writeUInt16BE(200, 17 + 2)
  t.deepEqual(rulesOf((await lintFrames(t, [buf])).findings), ['ipx-length-beyond-frame'])
})

test('eth-length-beyond-frame: 802.3 length past the end of the frame', async t => {
  const buf = frame(packet(Buffer.alloc(40)))
  buf.writeUInt16BE(1000, 12)
  t.deepEqual(rulesOf((await lintFrames(t, [buf])).findings), ['eth-length-beyond-frame'])
})

test('frame-malformed: LLC DSAP E0 with a wrong SSAP', async t => {
  const buf = frame(packet(sapQuery()))
  buf[15] = 0x42
  const r = await lintFrames(t, [buf])
  t.deepEqual(rulesOf(r.findings), ['frame-malformed'])
  t.regex(r.findings[0]?.message ?? '', /IPX_ERR_BAD_FRAME/)
})

test('ipx-length-short-of-802.3: one byte rounding the 802.3 payload up to even is allowed, more is not', async t => {
  // IPX length 50: LLC + IPX = 53, odd; one slack byte (any value) makes 54: the driver round-up.
  const evenUp = ethernet.encode({ framing: 'llc', dst: BROADCAST.node, src: CLIENT.node, ipx: packet(Buffer.alloc(20)), slack: Buffer.from([0x6a]) })
  // IPX length 51: LLC + IPX = 54, already even; one more byte makes it odd.
  const oddUp = ethernet.encode({ framing: 'llc', dst: BROADCAST.node, src: CLIENT.node, ipx: packet(Buffer.alloc(21)), slack: Buffer.from([0]) })
  const two = ethernet.encode({ framing: 'snap', dst: BROADCAST.node, src: CLIENT.node, ipx: packet(Buffer.alloc(20)), slack: Buffer.from([0, 0]) })
  const raw = ethernet.encode({ framing: 'raw_802_3', dst: BROADCAST.node, src: CLIENT.node, ipx: packet(Buffer.alloc(40)), slack: Buffer.alloc(6) })
  const r = await lintFrames(t, [evenUp, oddUp, two, raw])
  t.deepEqual(r.findings.map(x => [x.frame, x.rule]), [[2, 'ipx-length-short-of-802.3'], [3, 'ipx-length-short-of-802.3'], [4, 'ipx-length-short-of-802.3']])
  t.regex(r.findings[0]?.message ?? '', /leaving the 802\.3 length odd/)
})

test('ipx-length-short-of-udp: bytes after the IPX packet in the UDP payload', async t => {
  const r = await lintFrames(t, [ipv4Udp(packet(sapQuery()), 10000, 3), ipv4Udp(packet(sapQuery()), 10000)], capture.LinkType.Raw)
  t.deepEqual(r.findings.map(x => [x.frame, x.rule]), [[1, 'ipx-length-short-of-udp']])
})

test('eth-trailer: non-zero padding, and bytes after an Ethernet II packet', async t => {
  const dirtyPad = ethernet.encode({ framing: 'llc', dst: BROADCAST.node, src: CLIENT.node, ipx: packet(sapQuery()), padding: Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 1]) })
  const eii = ethernet.encode({ framing: 'ethernet_ii', dst: BROADCAST.node, src: CLIENT.node, ipx: packet(Buffer.alloc(60)), trailer: Buffer.from([1, 2, 3, 4]) })
  const r = await lintFrames(t, [dirtyPad, eii])
  t.deepEqual(r.findings.map(x => [x.frame, x.rule]), [[1, 'eth-trailer'], [2, 'eth-trailer']])
  t.regex(r.findings[1]?.message ?? '', /Ethernet II has no length field/)
})

test('ipxbox-bridge-tag: hops 127 + checksum 0 is one finding that supersedes the hop, checksum and type-20 rules', async t => {
  const tagged = frame(packet(Buffer.alloc(40), { transportControl: 127, checksum: 0, dst: { ...BROADCAST, socket: 0x6181 }, src: { ...CLIENT, socket: 0x6181 } }), 'ethernet_ii')
  const tagged20 = frame(packet(Buffer.alloc(40), { packetType: 20, transportControl: 127, checksum: 0, dst: { ...BROADCAST, socket: 0x6181 }, src: { ...CLIENT, socket: 0x6181 } }), 'ethernet_ii')
  const r = await lintFrames(t, [tagged, tagged20])
  t.deepEqual(r.findings.map(x => [x.frame, x.rule]), [[1, 'ipxbox-bridge-tag'], [2, 'ipxbox-bridge-tag']])
  t.regex(r.findings[0]?.message ?? '', /checksum 0x0000 is neither 0xffff nor the correct 0x[0-9a-f]{4}/)
  t.notRegex(r.findings[0]?.message ?? '', /type 20/)
  t.regex(r.findings[1]?.message ?? '', /as type 20 it is dropped/)
  // Hops 127 alone (checksum FFFF) is not the tag: the hop rule speaks.
  const hopsOnly = frame(packet(Buffer.alloc(40), { transportControl: 127 }))
  t.deepEqual(rulesOf((await lintFrames(t, [hopsOnly])).findings), ['ipx-hops-above-15'])
})

test('ipx-hops-above-15: 16 is flagged, 15 is not', async t => {
  const r = await lintFrames(t, [frame(packet(sapQuery(), { transportControl: 15 })), frame(packet(sapQuery(), { transportControl: 16 }))])
  t.deepEqual(r.findings.map(x => [x.frame, x.rule]), [[2, 'ipx-hops-above-15']])
})

test('ipx-checksum-mismatch: a wrong checksum is an error, a correct one is not', async t => {
  const wrong = frame(packet(sapQuery(), { checksum: 0x1234 }))
  const right = withCorrectChecksum(frame(packet(sapQuery(), { checksum: 0 })), 17)
  t.not(right.readUInt16BE(17), 0xffff)
  const r = await lintFrames(t, [wrong, right])
  t.deepEqual(r.findings.map(x => [x.frame, x.rule, x.severity]), [[1, 'ipx-checksum-mismatch', 'error']])
})

test('ipx-checksum-on-raw-802.3: a correct checksum is still wrong on raw 802.3 (Linux cooked capture, protocol 0x0001)', async t => {
  const buf = withCorrectChecksum(sllRaw8023(packet(sapQuery(), { checksum: 0 })), 16)
  const clean = sllRaw8023(packet(sapQuery()))
  const r = await lintFrames(t, [buf, clean], capture.LinkType.LinuxSll)
  t.deepEqual(r.findings.map(x => [x.frame, x.rule]), [[1, 'ipx-checksum-on-raw-802.3']])
})

test('rfc1234-checksum-not-ffff: UDP port 213 demands FFFF even when the checksum is correct', async t => {
  const p213 = ipv4Udp(packet(sapQuery(), { checksum: 0 }), 213)
  withCorrectChecksum(p213, 28)
  const p10000 = ipv4Udp(packet(sapQuery(), { checksum: 0 }), 10000)
  withCorrectChecksum(p10000, 28)
  const r = await lintFrames(t, [p213, p10000], capture.LinkType.Raw)
  t.deepEqual(r.findings.map(x => [x.frame, x.rule]), [[1, 'rfc1234-checksum-not-ffff']])
})

function type20 (hops: number): ipx.IpxPacket {
  const m: netbios.NetbiosMessage = { propagation: [0, 0, 0, 0, 0, 0, 0, 0], nameTypeFlag: 0, packetType: netbios.NetbiosPacketType.FindName, name: { name: 'WORKGROUP', nameType: 0x1e }, data: Buffer.alloc(0) }
  return packet(netbios.encode(m), { packetType: 20, transportControl: hops, dst: { ...BROADCAST, socket: netbios.NETBIOS_SOCKET }, src: { ...CLIENT, socket: netbios.NETBIOS_SOCKET } })
}

test('type20-hops-above-8: 9 hops is dropped, 8 is processed locally (not a finding)', async t => {
  const r = await lintFrames(t, [frame(type20(8)), frame(type20(9))])
  t.deepEqual(r.findings.map(x => [x.frame, x.rule]), [[2, 'type20-hops-above-8']])
})

test('type20-short-propagation-list: a type-20 packet shorter than 30 + 32 bytes', async t => {
  const short = packet(Buffer.alloc(10), { packetType: 20, dst: { ...BROADCAST, socket: 0x5000 }, src: { ...CLIENT, socket: 0x5000 } })
  const r = await lintFrames(t, [frame(short), frame(type20(0))])
  t.deepEqual(r.findings.map(x => [x.frame, x.rule]), [[1, 'type20-short-propagation-list']])
})

function sapResponse (servers: sap.SapServer[], extra: Buffer = Buffer.alloc(0)): ipx.IpxPacket {
  const body = sap.encode({ operation: sap.SapOperation.GeneralResponse, servers })
  return packet(Buffer.concat([body, extra]), { src: { ...SERVER }, dst: BROADCAST })
}

test('sap-too-many-entries: 8 entries (the encoder refuses them; the frame is built by hand)', async t => {
  const seven = Array.from({ length: 7 }, (_, i) => server(`FS${i}`))
  const eighth = sap.encode({ operation: 2, servers: [server('FS7')] }).subarray(2)
  const r = await lintFrames(t, [frame(sapResponse(seven, eighth)), frame(sapResponse(seven))])
  t.deepEqual(r.findings.map(x => [x.frame, x.rule]), [[1, 'sap-too-many-entries']])
})

test('sap-partial-entry and sap-query-length: bytes after the last whole structure', async t => {
  const partial = sapResponse([server('FS1')], Buffer.alloc(10))
  const longQuery = packet(Buffer.concat([sapQuery(), Buffer.alloc(2)]))
  const r = await lintFrames(t, [frame(partial), frame(longQuery)])
  t.deepEqual(r.findings.map(x => [x.frame, x.rule, x.severity]), [[1, 'sap-partial-entry', 'error'], [2, 'sap-query-length', 'warning']])
})

test('sap-name-not-nul-padded: bytes after the NUL, and no NUL at all', async t => {
  const dirty = sapResponse([server('FS1'), server('FS2')])
  dirty.payload[2 + 64 + 2 + 10] = 0x41 // entry 2: a byte after "FS2\0"
  const none = sapResponse([server('FS1')])
  none.payload.fill(0x42, 2 + 2, 2 + 2 + 48)
  const r = await lintFrames(t, [frame(dirty), frame(none)])
  t.deepEqual(r.findings.map(x => [x.frame, x.rule]), [[1, 'sap-name-not-nul-padded'], [2, 'sap-name-not-nul-padded']])
  t.regex(r.findings[0]?.message ?? '', /^entry 2 \("FS2"\)/)
  t.regex(r.findings[1]?.message ?? '', /no terminating NUL/)
})

function ripPacket (body: Buffer): ipx.IpxPacket {
  return packet(body, { packetType: 1, src: { ...SERVER, socket: rip.RIP_SOCKET }, dst: { ...BROADCAST, socket: rip.RIP_SOCKET } })
}

test('rip-too-many-entries and rip-partial-entry', async t => {
  const entries = Array.from({ length: 50 }, (_, i) => ({ network: i + 1, hops: 1, ticks: 2 }))
  const fifty = rip.encode({ operation: rip.RipOperation.Response, entries })
  const fiftyOne = Buffer.concat([fifty, fifty.subarray(2, 10)])
  const partial = Buffer.concat([rip.encode({ operation: 2, entries: [{ network: 1, hops: 1, ticks: 2 }] }), Buffer.alloc(3)])
  const r = await lintFrames(t, [frame(ripPacket(fifty)), frame(ripPacket(fiftyOne)), frame(ripPacket(partial))])
  t.deepEqual(r.findings.map(x => [x.frame, x.rule]), [[2, 'rip-too-many-entries'], [3, 'rip-partial-entry']])
})

test('upper-layer-malformed: a 1-byte SAP message, a truncated NetBIOS packet', async t => {
  const sap1 = packet(Buffer.from([0]))
  const nb = packet(Buffer.from([0, 1, 0x41]), { dst: { ...BROADCAST, socket: netbios.NETBIOS_SOCKET }, src: { ...CLIENT, socket: netbios.NETBIOS_SOCKET } })
  const r = await lintFrames(t, [frame(sap1), frame(nb)])
  t.deepEqual(r.findings.map(x => [x.frame, x.rule]), [[1, 'upper-layer-malformed'], [2, 'upper-layer-malformed']])
  t.regex(r.findings[0]?.message ?? '', /^IPX SAP: .*IPX_ERR_TRUNCATED/)
  t.regex(r.findings[1]?.message ?? '', /^NBIPX: /)
})

test('client-socket-below-dynamic: an unregistered low socket sending to a service; not server-to-server, not replies, not peer traffic', async t => {
  const frames = [
    frame(packet(sapQuery(), { src: { ...CLIENT, socket: 0x0100 } })), // client on 0x0100 asks SAP: flagged
    frame(packet(sapQuery(), { src: { ...CLIENT, socket: sap.SAP_SOCKET } })), // SAP to SAP: server to server
    frame(packet(sapQuery(), { src: { ...CLIENT, socket: 0x4001 } })), // dynamic client socket
    frame(packet(sapQuery(), { src: { ...CLIENT, socket: 0x0100 }, dst: { ...BROADCAST, socket: 0x5000 } })), // not to a service
    frame(packet(sapQuery(), { src: { ...SERVER }, dst: { ...CLIENT, socket: 0x0200 } })) // from the SAP socket: a service replying
  ]
  const r = await lintFrames(t, frames)
  t.deepEqual(r.findings.map(x => [x.frame, x.rule]), [[1, 'client-socket-below-dynamic']])
})

test('snapped frames: header rules still apply, whole-packet rules do not', async t => {
  const full = frame(packet(Buffer.concat([sapQuery(), Buffer.alloc(80)]), { transportControl: 16, checksum: 0x1234 }))
  const file = path.join(tempDir(t), 'snapped.pcap')
  writeFileSync(file, capture.encodePcapFile([{ data: full }], capture.LinkType.Ethernet, { snaplen: 64 }))
  const r = await lintJson([file])
  t.deepEqual(rulesOf(r.findings), ['ipx-hops-above-15'])
})

// ---------------------------------------------------------------------------------------------
// Output forms and exit status.

test('text lines name file, frame, severity, rule, message and source; the summary goes to stderr', async t => {
  const file = path.join(tempDir(t), 'one.pcap')
  writeFileSync(file, capture.encodePcapFile([{ data: frame(packet(sapQuery())) }, { data: frame(packet(sapQuery(), { transportControl: 20 })) }], capture.LinkType.Ethernet))
  const r = await lint([file])
  t.is(r.code, 1)
  t.regex(r.stdout, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2: warning \\[ipx-hops-above-15\\] transport control 20 > 15: .* \\(Linux net/ipx/af_ipx\\.c ipxitf_send: .*\\)\n$`))
  t.regex(r.stderr, /: 2 frames, 1 finding \(0 errors, 1 warning, 0 info\)\n$/)
})

test('--json: one object per finding with exactly the Finding fields', async t => {
  const file = path.join(tempDir(t), 'one.pcap')
  writeFileSync(file, capture.encodePcapFile([{ data: frame(packet(sapQuery(), { transportControl: 20 })) }], capture.LinkType.Ethernet))
  const r = await lint([file], true)
  const objs = r.stdout.trim().split('\n').map(l => JSON.parse(l) as Record<string, unknown>)
  t.is(objs.length, 1)
  t.deepEqual(Object.keys(objs[0] ?? {}), ['file', 'frame', 'rule', 'severity', 'message', 'source'])
  t.like(objs[0], { file, frame: 1, rule: 'ipx-hops-above-15', severity: 'warning' })
})

test('exit status: 0 clean, 1 findings, 2 an unreadable file (the others are still linted)', async t => {
  const dir = tempDir(t)
  const clean = path.join(dir, 'clean.pcap')
  const dirty = path.join(dir, 'dirty.pcap')
  const notCapture = path.join(dir, 'text.pcap')
  writeFileSync(clean, capture.encodePcapFile([{ data: frame(packet(sapQuery())) }], capture.LinkType.Ethernet))
  writeFileSync(dirty, capture.encodePcapFile([{ data: frame(packet(sapQuery(), { transportControl: 16 })) }], capture.LinkType.Ethernet))
  writeFileSync(notCapture, 'not a capture\n')
  t.is((await lint([clean])).code, 0)
  t.is((await lint([dirty])).code, 1)
  const missing = await lint([path.join(dir, 'absent.pcap'), dirty])
  t.is(missing.code, 2)
  t.regex(missing.stderr, /absent\.pcap: cannot open capture: no such file/)
  t.regex(missing.stdout, /dirty\.pcap:1: warning \[ipx-hops-above-15\]/)
  const bad = await lint([notCapture])
  t.is(bad.code, 2)
  t.regex(bad.stderr, /not a pcap or pcapng file/)
})

test('ipxlab lint is registered with commander: argv, --json, status', async t => {
  const file = path.join(tempDir(t), 'one.pcap')
  writeFileSync(file, capture.encodePcapFile([{ data: frame(packet(sapQuery(), { transportControl: 16 })) }], capture.LinkType.Ethernet))
  const s = streams()
  t.is(await main(['lint', '--json', file], s.io), 1)
  t.like(JSON.parse(s.text().stdout.trim()) as Record<string, unknown>, { rule: 'ipx-hops-above-15' })
  const clean = path.join(tempDir(t), 'clean.pcap')
  writeFileSync(clean, capture.encodePcapFile([{ data: frame(packet(sapQuery())) }], capture.LinkType.Ethernet))
  t.is(await main(['lint', clean], streams().io), 0)
  t.is(await main(['lint'], streams().io), 2, 'a capture argument is required')
})
