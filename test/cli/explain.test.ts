import test from 'ava'
import type { ExecutionContext } from 'ava'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Writable } from 'node:stream'
import fc from 'fast-check'
import { ipx, ethernet, spx, ncp, rip, capture, PacketType, Socket } from '../../protocol/index.js'
import { readFrames, locateRecord } from '../../src/capture/frames.js'
import type { FrameResult } from '../../src/capture/frames.js'
import { explainFrame, renderText, renderMarkdown, fieldLabel, groupByLayer } from '../../src/capture/explain.js'
import type { Explanation, ByteRange } from '../../src/capture/explain.js'
import { runExplain, wantsColour } from '../../src/cli/explain.js'
import { main } from '../../src/cli/main.js'
import { REAL, realMissing, requireReal } from '../_env.js'

const ESC = '\u001b['
const dir = mkdtempSync(path.join(tmpdir(), 'ipxlab-explain-'))
test.after.always(() => rmSync(dir, { recursive: true, force: true }))

const real = (p: string): string => path.join(REAL, 'captures', p)
const missing = realMissing({ shared: true })
const realTest = missing === undefined ? test : test.skip
const realTitle = (title: string): string => missing === undefined ? title : `${title} (skipped: ${missing})`

/** A writable that collects text; `isTTY` as given. */
class Sink extends Writable {
  text = ''
  constructor (readonly isTTY = false) { super() }
  override _write (chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString()
    done()
  }
}

function io (tty = false): { stdout: Sink, stderr: Sink } {
  return { stdout: new Sink(tty), stderr: new Sink() }
}

async function realFrame (name: string, n: number): Promise<FrameResult> {
  for await (const f of readFrames(real(name))) {
    if (f.record.index + 1 === n) return { ...f, record: { ...f.record, data: Buffer.from(f.record.data) } }
  }
  throw new Error(`${name} has no frame ${n}`)
}

function crafted (data: Buffer, linkType: number = capture.LinkType.Ethernet): FrameResult {
  return locateRecord({ index: 0, interfaceId: 0, linkType, timestampNs: 0n, capturedLength: data.length, originalLength: data.length, data, fileOffset: 0 })
}

/** Every captured byte lies in exactly one range: ordered, contiguous, no gap, no overlap, none unexplained. */
function assertCovers (t: ExecutionContext, x: Explanation): void {
  let pos = 0
  for (const r of x.ranges) {
    t.is(r.offset, pos, `range ${r.field} starts at ${r.offset}, expected ${pos}`)
    t.true(r.size > 0, `range ${r.field} is empty`)
    t.not(r.field, 'unexplained', `bytes ${r.offset}..${r.offset + r.size} are unexplained`)
    t.true(r.label.length > 0 && r.meaning.length > 0)
    pos = r.offset + r.size
  }
  t.is(pos, x.data.length, 'the ranges end at the frame end')
}

function range (x: Explanation, field: string, layer?: string): ByteRange {
  const r = x.ranges.find(r => r.field === field && (layer === undefined || r.layer === layer))
  if (r === undefined) throw new Error(`no range ${layer ?? ''}:${field} in ${x.ranges.map(r => `${r.layer}:${r.field}`).join(', ')}`)
  return r
}

const layersOf = (x: Explanation): string[] => groupByLayer(x.ranges).map(g => g.layer)

const A = { network: 0x00000028, node: 0x00aa00a3e3a4, socket: 0x4008 }
const B = { network: 0x00000028, node: 0x0000c0ffee01, socket: 0x4009 }

function spxFrame (header: spx.SpxHeader, data: Buffer, framing: ethernet.Framing = 'ethernet_ii'): Buffer {
  const payload = spx.encode({ header, data })
  return ethernet.encodeIpx(ipx.packet.makePacket({ packetType: PacketType.Spx, dst: B, src: A }, payload), framing)
}

function pcapFile (name: string, frames: Buffer[], linkType: number = capture.LinkType.Ethernet): string {
  const p = path.join(dir, name)
  writeFileSync(p, capture.encodePcapFile(frames.map(data => ({ data })), linkType))
  return p
}

// ---------------------------------------------------------------------------------------------
// Real captures.

realTest(realTitle('SAP response (ipx.pcap frame 6): Ethernet 802.3 → LLC → IPX → SAP, labels from the layouts'), async t => {
  if (!requireReal(t, { shared: true })) return
  const x = explainFrame(await realFrame('tcpdump/ipx.pcap', 6))
  assertCovers(t, x)
  t.is(x.frame, 6)
  t.is(x.status, 'ok')
  t.deepEqual(layersOf(x), ['ethernet', 'llc', 'ipx', 'sap'])
  t.is(x.dispatch?.protocol, 'sap')
  t.is(x.dispatch?.reason, 'low-socket')
  t.regex(x.dispatch?.text ?? '', /lower socket 0x0452/)
  // Every IPX header field appears at the IPX offset (17) plus the layout's own offset.
  for (const f of ipx.IPX_HEADER.fields) {
    const r = range(x, f.name, 'ipx')
    t.is(r.offset, 17 + f.offset, f.name)
    t.is(r.size, f.size, f.name)
    t.is(r.wireshark, f.wireshark)
    t.is(r.label, fieldLabel(f.name))
  }
  const dstSocket = range(x, 'dst.socket', 'ipx')
  t.is(`${dstSocket.label} ${dstSocket.value}: ${dstSocket.meaning}`, 'dst socket 0x0452: SAP')
  const dstNode = range(x, 'dst.node', 'ipx')
  t.is(`${dstNode.label} ${dstNode.value}: ${dstNode.meaning}`, 'dst node ff:ff:ff:ff:ff:ff: broadcast')
  t.is(range(x, 'operation', 'sap').meaning, 'General Response')
  const name = range(x, 'servers[0].name')
  t.is(name.size, 48)
  t.is(name.value, '"0030C1BF575580D0NPIBF5755"')
  t.is(range(x, 'servers[0].hops').meaning, '1 hop away')
  t.is(range(x, 'servers[0].hops').offset, 17 + 30 + 2 + 62)
  t.is(range(x, 'typeOrLength', 'ethernet').value, '0x0063')
})

realTest(realTitle('SAP response from a dynamic socket (ipx.pcap frame 7): PEP type, dispatch on the lower socket, 1 byte of 802.3 slack'), async t => {
  if (!requireReal(t, { shared: true })) return
  const x = explainFrame(await realFrame('tcpdump/ipx.pcap', 7))
  assertCovers(t, x)
  t.is(range(x, 'packetType', 'ipx').meaning, 'PEP, Packet Exchange Protocol (used by SAP and IPX applications)')
  t.regex(range(x, 'src.socket', 'ipx').meaning, /dynamic socket/)
  t.regex(x.dispatch?.text ?? '', /lower socket 0x0452 \(src 0x4008, dst 0x0452\)/)
  const slack = range(x, 'slack', 'filler')
  t.is(slack.offset, 113)
  t.is(slack.size, 1)
})

realTest(realTitle('RIP response (ipx.pcap frame 5): ticks in milliseconds, slack and zero padding to 60 bytes'), async t => {
  if (!requireReal(t, { shared: true })) return
  const x = explainFrame(await realFrame('tcpdump/ipx.pcap', 5))
  assertCovers(t, x)
  t.deepEqual(layersOf(x), ['ethernet', 'llc', 'ipx', 'rip', 'filler'])
  t.is(x.dispatch?.name, 'IPX RIP')
  t.is(range(x, 'entries[0].network').meaning, 'network A8F87967')
  t.is(range(x, 'entries[0].hops').meaning, '1 hop away')
  const ticks = range(x, 'entries[0].ticks')
  t.is(ticks.meaning, '2 ticks = 111 ms (a tick is 1/18 s)')
  t.is(ticks.wireshark, 'ipxrip.ticks')
  t.is(range(x, 'padding', 'filler').wireshark, 'eth.padding')
  t.is(range(x, 'padding', 'filler').size, 2)
  t.is(x.data.length, 60)
})

realTest(realTitle('NetBIOS find name (ipx.pcap frame 1): type 20 propagation list of 8 slots, the name and its suffix'), async t => {
  if (!requireReal(t, { shared: true })) return
  const x = explainFrame(await realFrame('tcpdump/ipx.pcap', 1))
  assertCovers(t, x)
  const type = range(x, 'packetType', 'ipx')
  t.is(`${fieldLabel(type.field)} ${type.value}: ${type.meaning}`, 'packet type 0x14: NetBIOS broadcast (propagated, Novell router spec ch. 5)')
  t.is(x.dispatch?.protocol, 'netbios')
  const slots = x.ranges.filter(r => r.field.startsWith('propagation.'))
  t.is(slots.length, 8)
  slots.forEach((r, i) => {
    t.is(r.offset, 47 + 4 * i)
    t.is(r.size, 4)
    t.is(r.wireshark, 'nmpi.ipx_network')
    t.is(r.meaning, `slot ${i}: empty`)
  })
  t.is(range(x, 'packetType', 'netbios').meaning, 'Find name')
  t.is(range(x, 'name.name').value, '"<01><02>__MSBROWSE__<02>"')
  t.is(range(x, 'name.nameType').offset, 47 + 32 + 2 + 15)
})

realTest(realTitle('malformed frame (ipx-invalid-length.pcap): explained up to IPX, the error at the length field, the rest not decoded'), async t => {
  if (!requireReal(t, { shared: true })) return
  const f = await realFrame('tcpdump/ipx-invalid-length.pcap', 1)
  t.is(f.kind, 'malformed')
  const x = explainFrame(f)
  assertCovers(t, x)
  t.is(x.status, 'malformed')
  t.is(x.error?.code, 'IPX_ERR_BAD_LENGTH')
  t.is(x.error?.offset, 19)
  t.is(x.dispatch, undefined)
  t.deepEqual(layersOf(x), ['ethernet', 'llc', 'ipx', 'undecoded'])
  const length = range(x, 'length', 'ipx')
  t.is(length.offset, 19)
  t.is(length.error?.code, 'IPX_ERR_BAD_LENGTH')
  t.regex(length.meaning, /below the 30-byte header/)
  t.is(x.ranges.filter(r => r.error !== undefined).length, 1)
  const rest = range(x, 'undecoded')
  t.is(rest.offset, 47)
  t.is(rest.offset + rest.size, 60)
  const text = renderText(x)
  t.regex(text, /\n {9}\^ IPX_ERR_BAD_LENGTH at offset 19 \(ipx\)/)
})

realTest(realTitle('UDP-tunnelled frame (doom.cap frame 1): loopback → IPv4 → UDP 10000 → IPX → data, node as IP and port'), async t => {
  if (!requireReal(t, { shared: true })) return
  const x = explainFrame(await realFrame('ipxbox/doom.cap', 1))
  assertCovers(t, x)
  t.deepEqual(layersOf(x), ['link', 'ipv4', 'udp', 'ipx', 'data'])
  t.is(range(x, 'family', 'link').offset, 0)
  t.is(range(x, 'src', 'ipv4').meaning, 'source 127.0.0.1')
  t.is(range(x, 'dstPort', 'udp').meaning, 'port 10000: ipxbox\'s default port')
  t.is(range(x, 'src.node', 'ipx').meaning, 'a tunnel client: IPv4 127.0.0.1, UDP port 31357 (the DOSBox IPXNET node convention)')
  t.is(range(x, 'dst.socket', 'ipx').meaning, 'DOOM (ipxbox)')
  t.is(x.dispatch?.reason, 'none')
  t.is(range(x, 'data', 'data').size, 16)
})

realTest(realTitle('every frame of the real captures is covered exactly, with no unexplained byte'), async t => {
  if (!requireReal(t, { shared: true })) return
  const files: Array<[string, number]> = [['tcpdump/ipx.pcap', 64], ['tcpdump/ipx-invalid-length.pcap', 1], ['tcpdump/smb_print_trans-oobr1.pcap', 4], ['ipxbox/ipxpkt.cap', 97], ['ipxbox/doom.cap', 1124]]
  for (const [name, count] of files) {
    let n = 0
    for await (const f of readFrames(real(name))) {
      n++
      const x = explainFrame({ ...f, record: { ...f.record, data: Buffer.from(f.record.data) } })
      assertCovers(t, x)
      t.is(x.status === 'malformed', f.kind === 'malformed' || x.error !== undefined)
    }
    t.is(n, count, name)
  }
})

// ---------------------------------------------------------------------------------------------
// Crafted frames.

test('crafted SPX (Ethernet II): dispatch by packet type, SPX header fields and meanings', t => {
  const x = explainFrame(crafted(spxFrame({ connectionControl: 0xc0, datastreamType: 0, srcConnectionId: 0x1234, dstConnectionId: 0xffff, sequence: 0, acknowledge: 0, allocation: 3 }, Buffer.from('hi'))))
  assertCovers(t, x)
  t.is(x.status, 'ok')
  t.deepEqual(layersOf(x), ['ethernet', 'ipx', 'spx', 'filler'])
  t.is(range(x, 'typeOrLength', 'ethernet').meaning, 'EtherType: IPX (Ethernet II framing)')
  t.is(x.dispatch?.reason, 'packet-type')
  t.regex(x.dispatch?.text ?? '', /packet type 0x05 chose SPX/)
  for (const f of spx.SPX_HEADER.fields) t.is(range(x, f.name, 'spx').offset, 14 + 30 + f.offset)
  t.is(range(x, 'connectionControl', 'spx').meaning, 'System Packet: Send Ack (system, send ack)')
  t.is(range(x, 'dstConnectionId', 'spx').meaning, 'not yet known (0xFFFF: the connect request)')
  t.is(range(x, 'data', 'spx').size, 2)
  t.is(range(x, 'padding', 'filler').size, 60 - 14 - 30 - 12 - 2)
})

test('crafted SPX II (802.2 framing): the 14-byte header with its negotiation size', t => {
  const x = explainFrame(crafted(spxFrame({ connectionControl: 0x48, datastreamType: 0, srcConnectionId: 1, dstConnectionId: 2, sequence: 5, acknowledge: 6, allocation: 9, negotiationSize: 1500 }, Buffer.alloc(0), 'llc')))
  assertCovers(t, x)
  t.deepEqual(layersOf(x), ['ethernet', 'llc', 'ipx', 'spx'])
  const neg = range(x, 'negotiationSize', 'spx')
  t.is(neg.offset, 17 + 30 + 12)
  t.is(neg.meaning, 'SPX II: packets up to 1500 bytes offered')
})

test('crafted NCP request and reply (SNAP and raw 802.3 framings): headers, subfunction, body', t => {
  const request = ncp.encode({ kind: 'request', type: ncp.NcpType.ServiceRequest, sequence: 7, connection: 0x0102, task: 3, function: 0x17, length: 2, subfunction: 0x11, data: Buffer.from([0xaa]) })
  const reqFrame = ethernet.encodeIpx(ipx.packet.makePacket({ packetType: PacketType.Ncp, dst: { ...B, socket: Socket.Ncp }, src: A }, request), 'snap')
  const x = explainFrame(crafted(reqFrame))
  assertCovers(t, x)
  t.deepEqual(layersOf(x), ['ethernet', 'llc', 'snap', 'ipx', 'ncp'])
  t.is(range(x, 'type', 'snap').meaning, 'protocol id: IPX (Ethernet II framing)')
  t.is(x.dispatch?.reason, 'low-socket')
  t.is(x.dispatch?.socket, Socket.Ncp)
  const base = 22 + 30
  t.is(range(x, 'type', 'ncp').meaning, 'Service request')
  t.is(range(x, 'function', 'ncp').offset, base + 6)
  t.is(range(x, 'function', 'ncp').meaning, 'File Server Environment (group)')
  t.regex(range(x, 'connectionLow', 'ncp').meaning, /= 258/)
  t.is(range(x, 'length', 'ncp').offset, base + 7)
  t.is(range(x, 'subfunction', 'ncp').offset, base + 9)
  t.is(range(x, 'data', 'ncp').size, 1)

  const reply = ncp.encode({ kind: 'reply', type: ncp.NcpType.ServiceReply, sequence: 7, connection: 0x0102, task: 3, completionCode: 0x9c, connectionStatus: 0, data: Buffer.alloc(0) })
  const repFrame = ethernet.encodeIpx(ipx.packet.makePacket({ packetType: PacketType.Ncp, dst: A, src: { ...B, socket: Socket.Ncp } }, reply), 'raw_802_3')
  const y = explainFrame(crafted(repFrame))
  assertCovers(t, y)
  t.deepEqual(layersOf(y), ['ethernet', 'ipx', 'ncp', 'filler'])
  t.regex(y.path, /raw 802\.3/)
  t.is(range(y, 'completionCode', 'ncp').meaning, 'Invalid path')
  t.is(range(y, 'connectionStatus', 'ncp').meaning, 'Ok')
})

test('an upper layer that fails to decode keeps its error at the byte, and the padding after it stays labelled', t => {
  const body = Buffer.concat([rip.encode({ operation: 2, entries: [{ network: 1, hops: 16, ticks: 18 }] }), Buffer.from([1, 2, 3])])
  const frame = ethernet.encodeIpx(ipx.packet.makePacket({ packetType: PacketType.Rip, dst: { ...B, socket: Socket.Rip }, src: { ...A, socket: Socket.Rip } }, body), 'ethernet_ii')
  const x = explainFrame(crafted(frame))
  assertCovers(t, x)
  t.is(x.status, 'malformed')
  t.is(x.error?.code, 'IPX_ERR_BAD_ENTRY_SIZE')
  const partial = range(x, 'partialEntry', 'rip')
  t.is(partial.offset, 14 + 30 + 2 + 8)
  t.is(partial.size, 3)
  t.is(partial.error?.code, 'IPX_ERR_BAD_ENTRY_SIZE')
  t.is(range(x, 'entries[0].hops').meaning, '16 = unreachable (16 is infinity)')
  t.is(range(x, 'entries[0].ticks').meaning, '18 ticks = 1000 ms (a tick is 1/18 s)')
  t.is(layersOf(x).at(-1), 'filler')
})

test('a malformed link layer stops the walk there: 802.3 length past the end of the frame', t => {
  const frame = ethernet.encodeIpx(ipx.packet.makePacket({ dst: B, src: A }, Buffer.alloc(10)), 'llc')
  frame.writeUInt16BE(1400, 12)
  const f = crafted(frame)
  t.is(f.kind, 'malformed')
  const x = explainFrame(f)
  assertCovers(t, x)
  t.is(x.error?.code, 'IPX_ERR_LENGTH_BEYOND_DATA')
  t.is(range(x, 'typeOrLength', 'ethernet').error?.offset, 12)
  t.deepEqual(layersOf(x), ['ethernet', 'undecoded'])
})

test('property: any bytes on any supported link type are covered exactly, and explaining never throws', t => {
  const linkTypes = [1, 0, 12, 101, 113, 276]
  t.notThrows(() => fc.assert(fc.property(fc.uint8Array({ minLength: 0, maxLength: 120 }), fc.constantFrom(...linkTypes), fc.boolean(), (bytes, linkType, ipxish) => {
    const data = Buffer.from(bytes)
    if (ipxish && linkType === 1 && data.length >= 20) { data.writeUInt16BE(0x8137, 12); data[14] = 0xff; data[15] = 0xff }
    const f = crafted(data, linkType)
    const x = explainFrame(f)
    let pos = 0
    for (const r of x.ranges) {
      if (r.offset !== pos || r.size <= 0 || r.field === 'unexplained') return false
      pos += r.size
    }
    return pos === data.length && renderText(x).length > 0 && renderMarkdown(x).length > 0
  }), { numRuns: 400 }))
})

test('extra annotation sections (the QoS seam) are appended in order, in text and markdown', t => {
  const frame = spxFrame({ connectionControl: 0, datastreamType: 0, srcConnectionId: 1, dstConnectionId: 2, sequence: 0, acknowledge: 0, allocation: 0 }, Buffer.alloc(0))
  const x = explainFrame(crafted(frame), {
    sections: [
      ctx => ({ title: 'QoS class', lines: [`rule 3 matched packet type ${ctx.located?.ipx.header.packetType ?? -1}`] }),
      () => undefined
    ]
  })
  t.deepEqual(x.sections, [{ title: 'QoS class', lines: ['rule 3 matched packet type 5'] }])
  t.regex(renderText(x), /── QoS class ──\n {2}rule 3 matched packet type 5\n$/)
  t.regex(renderMarkdown(x), /### QoS class\n\n- rule 3 matched packet type 5\n$/)
})

test('text rendering: one line per field, "label value: meaning", colours only when asked', t => {
  const x = explainFrame(crafted(spxFrame({ connectionControl: 0, datastreamType: 0, srcConnectionId: 1, dstConnectionId: 2, sequence: 0, acknowledge: 0, allocation: 0 }, Buffer.alloc(20, 0x41))))
  const plain = renderText(x)
  t.false(plain.includes(ESC))
  t.regex(plain, /\n {5}18 {2}00 {47}transport control 0x00: crossed 0 routers {2}\[ipx\.hops\]\n/)
  t.regex(plain, /── IPX ── offset 14, 30 bytes/)
  t.regex(plain, /── SPX ── offset 44, 32 bytes/)
  const coloured = renderText(x, { color: true })
  t.true(coloured.includes(`${ESC}1;33m── IPX`))
  t.true(coloured.includes(`${ESC}32m`))
  t.is(coloured.replace(/\u001b\[[0-9;]*m/g, ''), plain)
})

test('markdown rendering: a header table and one table per layer, no colours', t => {
  const x = explainFrame(crafted(spxFrame({ connectionControl: 0, datastreamType: 0, srcConnectionId: 1, dstConnectionId: 2, sequence: 0, acknowledge: 0, allocation: 0 }, Buffer.alloc(0))))
  const md = renderMarkdown(x, { source: 'lab.pcap' })
  t.false(md.includes(ESC))
  t.true(md.startsWith('## Frame 1 of `lab.pcap`\n'))
  t.is(md.match(/\| offset \| size \| bytes \| field \| Wireshark \| value \| meaning \|/g)?.length, groupByLayer(x.ranges).length)
  t.regex(md, /### IPX\n\n\| offset/)
  t.regex(md, /\| 18 \| 1 \| `00` \| transport control \| `ipx\.hops` \| `0x00` \| crossed 0 routers \|/)
})

// ---------------------------------------------------------------------------------------------
// The command.

test('ipxlab explain: exit 0 and the text dump; --format markdown; exit 1 for a malformed frame', async t => {
  const good = spxFrame({ connectionControl: 0, datastreamType: 0, srcConnectionId: 1, dstConnectionId: 2, sequence: 0, acknowledge: 0, allocation: 0 }, Buffer.alloc(4))
  const bad = Buffer.from(good)
  bad.writeUInt16BE(29, 16)
  const file = pcapFile('cli.pcap', [good, bad])
  const a = io()
  t.is(await main(['explain', file, '--frame', '1'], a), 0)
  t.regex(a.stdout.text, /^frame: {4}1 of /)
  t.regex(a.stdout.text, /dst socket 0x4009: a dynamic socket/)
  t.false(a.stdout.text.includes(ESC))
  t.is(a.stderr.text, '')
  const b = io()
  t.is(await main(['explain', file, '--frame', '1', '--format', 'markdown'], b), 0)
  t.regex(b.stdout.text, /^## Frame 1 of `/)
  const c = io()
  t.is(await main(['explain', file, '--frame', '2'], c), 1)
  t.regex(c.stdout.text, /status: {3}malformed: IPX_ERR_BAD_LENGTH at offset 16/)
})

test('ipxlab explain: a frame out of range, not IPX, 0, or an unreadable file is one line on stderr and exit 2', async t => {
  const arp = Buffer.alloc(60)
  arp.writeUInt16BE(0x0806, 12)
  const file = pcapFile('arp.pcap', [arp])
  const cases: Array<[string[], RegExp]> = [
    [['explain', file, '--frame', '2'], /^ipxlab: frame 2 is out of range: .* has 1 frame\n$/],
    [['explain', file, '--frame', '1'], /^ipxlab: frame 1 of .* is not IPX: EtherType 0x0806 is not IPX\n$/],
    [['explain', path.join(dir, 'nope.pcap'), '--frame', '1'], /^ipxlab: .*nope\.pcap: cannot open capture: no such file\n$/]
  ]
  for (const [argv, want] of cases) {
    const s = io()
    t.is(await main(argv, s), 2, argv.join(' '))
    t.regex(s.stderr.text, want)
    t.is(s.stdout.text, '')
  }
  for (const argv of [['explain', file, '--frame', '0'], ['explain', file, '--frame', 'x'], ['explain', file], ['explain', file, '--frame', '1', '--format', 'html']]) {
    t.is(await main(argv, io()), 2, argv.join(' '))
  }
  t.is(await runExplain(file, { frame: 0, format: 'text' }, io()), 2)
})

test('colour only on a TTY with NO_COLOR unset or empty', async t => {
  const file = pcapFile('colour.pcap', [spxFrame({ connectionControl: 0, datastreamType: 0, srcConnectionId: 1, dstConnectionId: 2, sequence: 0, acknowledge: 0, allocation: 0 }, Buffer.alloc(0))])
  t.true(wantsColour(new Sink(true), {}))
  t.true(wantsColour(new Sink(true), { NO_COLOR: '' }))
  t.false(wantsColour(new Sink(true), { NO_COLOR: '1' }))
  t.false(wantsColour(new Sink(false), {}))
  const tty = io(true)
  t.is(await runExplain(file, { frame: 1, format: 'text' }, tty, {}), 0)
  t.true(tty.stdout.text.includes(ESC))
  const noColour = io(true)
  t.is(await runExplain(file, { frame: 1, format: 'text' }, noColour, { NO_COLOR: '1' }), 0)
  t.false(noColour.stdout.text.includes(ESC))
  const piped = io(false)
  t.is(await runExplain(file, { frame: 1, format: 'text' }, piped, {}), 0)
  t.false(piped.stdout.text.includes(ESC))
  const markdownOnTty = io(true)
  t.is(await runExplain(file, { frame: 1, format: 'markdown' }, markdownOnTty, {}), 0)
  t.false(markdownOnTty.stdout.text.includes(ESC))
})
