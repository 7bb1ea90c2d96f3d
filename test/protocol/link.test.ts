import test from 'ava'
import type { ExecutionContext } from 'ava'
import fc from 'fast-check'
import { link, ethernet, DecodeError, layoutTable } from '../../protocol/index.js'
import type { DecodeErrorCode } from '../../protocol/index.js'
import type { LocateOptions } from '../../protocol/link.js'
import type { IpxPacket } from '../../protocol/ipx/packet.js'
import * as arb from './ipx/_arbitrary.js'
import { readPcap, readTsharkCsv } from './_real-captures.js'
import { realMissing, requireReal } from '../_env.js'

function hexBuf (hex: string): Buffer {
  return Buffer.from(hex.replace(/\s+/g, ''), 'hex')
}

/** A Doom-like IPX packet of 34 bytes, checksum FFFF. */
const IPX_HEX = 'ffff 0022 00 00 00000000 ffffffffffff 869b 00000000 7f0000017a7d 869b 01020304'
const IPX: IpxPacket = {
  header: {
    checksum: 0xffff,
    length: 34,
    transportControl: 0,
    packetType: 0,
    dst: { network: 0, node: 0xffffffffffff, socket: 0x869b },
    src: { network: 0, node: 0x7f0000017a7d, socket: 0x869b }
  },
  payload: hexBuf('01020304')
}

interface Ipv4Spec {
  srcPort?: number
  dstPort?: number
  protocol?: number
  flagsFragment?: number
  versionIhl?: number
  /** Added to the correct IPv4 total length. */
  totalDelta?: number
  /** Added to the correct UDP length. */
  udpDelta?: number
  /** Bytes after the datagram (link padding). */
  pad?: number
}

/** Hand-built IPv4 (no options unless IHL says so) + UDP + payload, 10.0.0.1 -> 10.0.0.2. */
function ipv4Udp (payload: Buffer, s: Ipv4Spec = {}): Buffer {
  const versionIhl = s.versionIhl ?? 0x45
  const ihl = Math.max(20, (versionIhl & 0x0f) * 4)
  const ip = Buffer.alloc(ihl)
  ip[0] = versionIhl
  ip.writeUInt16BE(ihl + 8 + payload.length + (s.totalDelta ?? 0), 2)
  ip.writeUInt16BE(s.flagsFragment ?? 0, 6)
  ip[8] = 64
  ip[9] = s.protocol ?? 17
  ip.writeUInt32BE(0x0a000001, 12)
  ip.writeUInt32BE(0x0a000002, 16)
  const udp = Buffer.alloc(8)
  udp.writeUInt16BE(s.srcPort ?? 31357, 0)
  udp.writeUInt16BE(s.dstPort ?? 213, 2)
  udp.writeUInt16BE(8 + payload.length + (s.udpDelta ?? 0), 4)
  return Buffer.concat([ip, udp, payload, Buffer.alloc(s.pad ?? 0)])
}

const MACS = 'ffffffffffff 0003471bc1a8'
const ipxBytes = (): Buffer => hexBuf(IPX_HEX)

// ---- where IPX is found --------------------------------------------------------------------------

test('Ethernet: each of the four framings', t => {
  for (const framing of ['ethernet_ii', 'raw_802_3', 'llc', 'snap'] as const) {
    const buf = ethernet.encodeIpx(IPX, framing)
    const r = link.locate(buf, link.LinkType.Ethernet)
    t.is(r.encapsulation, 'ethernet')
    t.is(r.framing, framing)
    t.is(r.linkType, 1)
    t.is(r.ipxOffset, ethernet.IPX_OFFSET[framing])
    t.deepEqual(r.ipx, IPX)
    t.deepEqual(r.ethernet, ethernet.decode(buf))
  }
})

test('Ethernet: IPv4 / UDP 213 / IPX, link padding ignored', t => {
  const buf = Buffer.concat([hexBuf(`${MACS} 0800`), ipv4Udp(ipxBytes(), { pad: 6 })])
  const r = link.locate(buf, link.LinkType.Ethernet)
  t.deepEqual(r, {
    linkType: 1,
    encapsulation: 'udp',
    ip: { src: '10.0.0.1', dst: '10.0.0.2' },
    udp: { srcPort: 31357, dstPort: 213 },
    ipxOffset: 42,
    ipx: IPX
  })
})

test('NULL: the address family in either byte order', t => {
  for (const prefix of ['02000000', '00000002']) {
    const r = link.locate(Buffer.concat([hexBuf(prefix), ipv4Udp(ipxBytes(), { dstPort: 10000 })]), link.LinkType.Null)
    t.is(r.encapsulation, 'udp')
    t.is(r.ipxOffset, 32)
    t.deepEqual(r.ipx, IPX)
  }
  const loop = link.locate(Buffer.concat([hexBuf('00000002'), ipv4Udp(ipxBytes())]), link.LinkType.Loop)
  t.is(loop.ipxOffset, 32)
})

test('LINKTYPE 12: raw IP, or a NULL header as doom.cap carries (sniffed)', t => {
  const raw = link.locate(ipv4Udp(ipxBytes(), { srcPort: 2644, dstPort: 50000 }), link.LinkType.RawDlt12)
  t.is(raw.ipxOffset, 28)
  t.deepEqual(raw.udp, { srcPort: 2644, dstPort: 50000 })
  const withNull = link.locate(Buffer.concat([hexBuf('00000002'), ipv4Udp(ipxBytes(), { dstPort: 10000 })]), link.LinkType.RawDlt12)
  t.is(withNull.ipxOffset, 32)
  t.deepEqual(withNull.ipx, IPX)
  const le = link.locate(Buffer.concat([hexBuf('02000000'), ipv4Udp(ipxBytes(), { dstPort: 10000 })]), link.LinkType.RawDlt14)
  t.is(le.ipxOffset, 32)
})

test('raw IP (101) and IPv4 (228)', t => {
  for (const lt of [link.LinkType.Raw, link.LinkType.RawIpv4]) {
    const r = link.locate(ipv4Udp(ipxBytes()), lt)
    t.is(r.linkType, lt)
    t.is(r.ipxOffset, 28)
    t.deepEqual(r.ipx, IPX)
  }
})

test('IPv4 options are skipped by IHL', t => {
  const buf = ipv4Udp(ipxBytes(), { versionIhl: 0x46 })
  const r = link.locate(buf, link.LinkType.Raw)
  t.is(r.ipxOffset, 32)
  t.deepEqual(r.ipx, IPX)
})

test('caller-named UDP ports', t => {
  const buf = ipv4Udp(ipxBytes(), { srcPort: 40000, dstPort: 19900 })
  t.throws(() => link.locate(buf, link.LinkType.Raw), { instanceOf: DecodeError, code: 'IPX_ERR_NOT_IPX' })
  t.deepEqual(link.locate(buf, link.LinkType.Raw, { udpPorts: [19900] }).ipx, IPX)
  t.deepEqual(link.DEFAULT_IPX_UDP_PORTS, [213, 2644, 10000])
})

test('requireNoChecksum: a UDP payload not starting FF FF is not IPX (RFC 1234)', t => {
  const other = Buffer.from(ipxBytes())
  other.writeUInt16BE(0x0000, 0)
  const buf = ipv4Udp(other, { dstPort: 2644 })
  t.is(link.locate(buf, link.LinkType.Raw).ipx.header.checksum, 0)
  t.throws(() => link.locate(buf, link.LinkType.Raw, { requireNoChecksum: true }), { instanceOf: DecodeError, code: 'IPX_ERR_NOT_IPX' })
  t.is(link.locate(ipv4Udp(ipxBytes()), link.LinkType.Raw, { requireNoChecksum: true }).ipxOffset, 28)
})

function sll (protocol: number, payload: Buffer, arphrd = 1): Buffer {
  const h = Buffer.alloc(16)
  h.writeUInt16BE(0, 0)
  h.writeUInt16BE(arphrd, 2)
  h.writeUInt16BE(6, 4)
  hexBuf('0003471bc1a80000').copy(h, 6)
  h.writeUInt16BE(protocol, 14)
  return Buffer.concat([h, payload])
}

function sll2 (protocol: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(20)
  h.writeUInt16BE(protocol, 0)
  h.writeUInt32BE(3, 4)
  h.writeUInt16BE(1, 8)
  h[10] = 1
  h[11] = 6
  return Buffer.concat([h, payload])
}

test('Linux cooked (SLL): IPX EtherType, Novell raw 802.3, 802.2 LLC and SNAP, IPv4', t => {
  const a = link.locate(sll(0x8137, Buffer.concat([ipxBytes(), Buffer.alloc(4)])), link.LinkType.LinuxSll)
  t.like(a, { encapsulation: 'sll', framing: 'ethernet_ii', ipxOffset: 16, sll: { packetType: 0, arphrdType: 1, protocol: 0x8137 } })
  t.deepEqual(a.ipx, IPX)
  const b = link.locate(sll(0x0001, ipxBytes()), link.LinkType.LinuxSll)
  t.like(b, { framing: 'raw_802_3', ipxOffset: 16 })
  const c = link.locate(sll(0x0004, Buffer.concat([hexBuf('e0e003'), ipxBytes()])), link.LinkType.LinuxSll)
  t.like(c, { framing: 'llc', ipxOffset: 19, llc: { dsap: 0xe0, ssap: 0xe0, control: 3 } })
  t.deepEqual(c.ipx, IPX)
  const d = link.locate(sll(0x0004, Buffer.concat([hexBuf('aaaa03 000000 8137'), ipxBytes()])), link.LinkType.LinuxSll)
  t.like(d, { framing: 'snap', ipxOffset: 24, snap: { oui: 0, type: 0x8137 } })
  const e = link.locate(sll(0x0800, ipv4Udp(ipxBytes())), link.LinkType.LinuxSll)
  t.like(e, { encapsulation: 'udp', ipxOffset: 44 })
})

test('Linux cooked v2 (SLL2)', t => {
  const a = link.locate(sll2(0x8137, ipxBytes()), link.LinkType.LinuxSll2)
  t.like(a, { encapsulation: 'sll', framing: 'ethernet_ii', ipxOffset: 20, sll: { packetType: 1, arphrdType: 1, protocol: 0x8137 } })
  t.deepEqual(a.ipx, IPX)
  t.like(link.locate(sll2(0x0800, ipv4Udp(ipxBytes())), link.LinkType.LinuxSll2), { encapsulation: 'udp', ipxOffset: 48 })
})

test('a snapped record: a length past the captured bytes is TRUNCATED when orig_len says so', t => {
  const full = ipv4Udp(ipxBytes())
  const cut = full.subarray(0, full.length - 2)
  t.throws(() => link.locate(cut, link.LinkType.Raw), { instanceOf: DecodeError, code: 'IPX_ERR_LENGTH_BEYOND_DATA' })
  t.throws(() => link.locate(cut, link.LinkType.Raw, { originalLength: full.length }), { instanceOf: DecodeError, code: 'IPX_ERR_TRUNCATED' })
  t.is(link.locate(full, link.LinkType.Raw, { originalLength: full.length }).ipxOffset, 28)
})

test('link types: supported set and layouts', t => {
  for (const lt of Object.values(link.LinkType)) t.true(link.isSupportedLinkType(lt))
  t.false(link.isSupportedLinkType(105))
  t.is(link.IPV4_HEADER.length, 20)
  t.is(link.UDP_HEADER.length, 8)
  t.is(link.SLL_HEADER.length, 16)
  t.is(link.SLL2_HEADER.length, 20)
  t.true(layoutTable(link.UDP_HEADER).includes('`udp.dstport`'))
  t.is(link.formatIpv4(0x7f000001), '127.0.0.1')
  t.is(link.formatIpv4(0xffffffff), '255.255.255.255')
})

// ---- not IPX vs malformed ------------------------------------------------------------------------

const rejects = test.macro({
  exec (t, buf: Buffer, linkType: number, code: DecodeErrorCode, options?: LocateOptions) {
    t.throws(() => link.locate(buf, linkType, options), { instanceOf: DecodeError, code })
  },
  title: (provided, _b: Buffer, linkType: number, code: DecodeErrorCode, _options?: LocateOptions) => `locate (link type ${linkType}) rejects ${provided ?? ''} with ${code}`
})

const eth = (type: string, rest: Buffer): Buffer => Buffer.concat([hexBuf(`${MACS} ${type}`), rest])

// Not IPX: skip silently.
test('ARP', rejects, eth('0806', Buffer.alloc(46)), 1, 'IPX_ERR_NOT_IPX')
test('IPv6 on Ethernet', rejects, eth('86dd', Buffer.alloc(46)), 1, 'IPX_ERR_NOT_IPX')
test('STP (LLC 42)', rejects, eth('0026', Buffer.concat([hexBuf('424203'), Buffer.alloc(35)])), 1, 'IPX_ERR_NOT_IPX')
test('TCP', rejects, ipv4Udp(ipxBytes(), { protocol: 6 }), 101, 'IPX_ERR_NOT_IPX')
test('UDP port 53', rejects, ipv4Udp(ipxBytes(), { srcPort: 53, dstPort: 5353 }), 101, 'IPX_ERR_NOT_IPX')
test('a non-first IPv4 fragment', rejects, ipv4Udp(ipxBytes(), { flagsFragment: 0x0003 }), 101, 'IPX_ERR_NOT_IPX')
test('raw IPv6', rejects, hexBuf(`60000000 0008 11 40 ${'00'.repeat(40)}`), 101, 'IPX_ERR_NOT_IPX')
test('LINKTYPE_IPV6', rejects, hexBuf('6000'), 229, 'IPX_ERR_NOT_IPX')
test('NULL family 24 (IPv6)', rejects, Buffer.concat([hexBuf('18000000'), Buffer.alloc(40)]), 0, 'IPX_ERR_NOT_IPX')
test('SLL protocol IPv6', rejects, sll(0x86dd, Buffer.alloc(40)), 113, 'IPX_ERR_NOT_IPX')
test('SLL netlink', rejects, sll(0x0000, Buffer.alloc(40), 824), 113, 'IPX_ERR_NOT_IPX')
test('SLL2 ARP', rejects, sll2(0x0806, Buffer.alloc(28)), 276, 'IPX_ERR_NOT_IPX')
test('a UDP payload not FF FF when required', rejects, ipv4Udp(Buffer.alloc(34)), 101, 'IPX_ERR_NOT_IPX', { requireNoChecksum: true })

// Malformed.
test('an unknown link type', rejects, ipv4Udp(ipxBytes()), 105, 'IPX_ERR_BAD_VALUE')
test('an empty raw frame', rejects, Buffer.alloc(0), 101, 'IPX_ERR_TRUNCATED')
test('a short IPv4 header', rejects, ipv4Udp(ipxBytes()).subarray(0, 19), 101, 'IPX_ERR_TRUNCATED')
test('a short NULL header', rejects, hexBuf('020000'), 0, 'IPX_ERR_TRUNCATED')
test('a short SLL header', rejects, Buffer.alloc(15), 113, 'IPX_ERR_TRUNCATED')
test('a short SLL2 header', rejects, Buffer.alloc(19), 276, 'IPX_ERR_TRUNCATED')
test('a short Ethernet header', rejects, Buffer.alloc(13), 1, 'IPX_ERR_TRUNCATED')
test('IP version 5 on raw', rejects, ipv4Udp(ipxBytes(), { versionIhl: 0x55 }), 101, 'IPX_ERR_BAD_FRAME')
test('IPv6 on LINKTYPE_IPV4', rejects, ipv4Udp(ipxBytes(), { versionIhl: 0x65 }), 228, 'IPX_ERR_BAD_FRAME')
test('IHL 4', rejects, ipv4Udp(ipxBytes(), { versionIhl: 0x44 }), 101, 'IPX_ERR_BAD_LENGTH')
test('IPv4 total length below IHL', rejects, ipv4Udp(ipxBytes(), { totalDelta: -50 }), 101, 'IPX_ERR_BAD_LENGTH')
test('IPv4 total length past the frame', rejects, ipv4Udp(ipxBytes(), { totalDelta: 1 }), 101, 'IPX_ERR_LENGTH_BEYOND_DATA')
test('no room for UDP in the datagram', rejects, ipv4Udp(ipxBytes(), { totalDelta: -(8 + 34) + 4 }), 101, 'IPX_ERR_TRUNCATED')
test('UDP length below 8', rejects, ipv4Udp(ipxBytes(), { udpDelta: -(8 + 34) + 7 }), 101, 'IPX_ERR_BAD_LENGTH')
test('UDP length past the datagram', rejects, ipv4Udp(ipxBytes(), { udpDelta: 1 }), 101, 'IPX_ERR_LENGTH_BEYOND_DATA')
test('a first fragment on an IPX port', rejects, ipv4Udp(ipxBytes(), { flagsFragment: 0x2000 }), 101, 'IPX_ERR_TRUNCATED')
test('IPX length 29 in UDP', rejects, ipv4Udp(hexBuf(IPX_HEX.replace('0022', '001d'))), 101, 'IPX_ERR_BAD_LENGTH')
test('IPX length past the UDP length', rejects, ipv4Udp(ipxBytes(), { udpDelta: -1, pad: 1 }), 101, 'IPX_ERR_LENGTH_BEYOND_DATA')
test('an IPX header cut short in UDP', rejects, ipv4Udp(ipxBytes().subarray(0, 20)), 101, 'IPX_ERR_TRUNCATED')
test('SLL LLC E0 with control 0x13', rejects, sll(0x0004, Buffer.concat([hexBuf('e0e013'), ipxBytes()])), 113, 'IPX_ERR_BAD_FRAME')
test('an Ethernet IPX frame with ipx.len 29', rejects, eth('8137', hexBuf(IPX_HEX.replace('0022', '001d'))), 1, 'IPX_ERR_BAD_LENGTH')
test('a wrong IPX checksum when verifying', rejects, ipv4Udp(hexBuf(IPX_HEX.replace('ffff', '1234'))), 101, 'IPX_ERR_BAD_CHECKSUM', { verifyChecksum: true })

// ---- properties ----------------------------------------------------------------------------------

const LINK_TYPES = Object.values(link.LinkType)

test('property: any valid IPX packet in UDP is found under every IP-carrying link type', t => {
  fc.assert(fc.property(arb.packet(400), fc.constantFrom(213, 2644, 10000), (p, port) => {
    const dgram = ipv4Udp(Buffer.from(ipxPacketBytes(p)), { dstPort: port })
    const frames: Array<[number, Buffer, number]> = [
      [link.LinkType.Raw, dgram, 28],
      [link.LinkType.RawIpv4, dgram, 28],
      [link.LinkType.RawDlt12, dgram, 28],
      [link.LinkType.Null, Buffer.concat([hexBuf('02000000'), dgram]), 32],
      [link.LinkType.RawDlt12, Buffer.concat([hexBuf('00000002'), dgram]), 32],
      [link.LinkType.Ethernet, eth('0800', dgram), 42],
      [link.LinkType.LinuxSll, sll(0x0800, dgram), 44],
      [link.LinkType.LinuxSll2, sll2(0x0800, dgram), 48]
    ]
    for (const [lt, buf, at] of frames) {
      const r = link.locate(buf, lt)
      if (r.ipxOffset !== at) return false
      t.deepEqual(r.ipx, p)
    }
    return true
  }), { numRuns: 200 })
})

function ipxPacketBytes (p: IpxPacket): Buffer {
  const b = Buffer.alloc(30 + p.payload.length)
  b.writeUInt16BE(p.header.checksum, 0)
  b.writeUInt16BE(p.header.length, 2)
  b[4] = p.header.transportControl
  b[5] = p.header.packetType
  b.writeUInt32BE(p.header.dst.network, 6)
  b.writeUIntBE(p.header.dst.node, 10, 6)
  b.writeUInt16BE(p.header.dst.socket, 16)
  b.writeUInt32BE(p.header.src.network, 18)
  b.writeUIntBE(p.header.src.node, 22, 6)
  b.writeUInt16BE(p.header.src.socket, 28)
  p.payload.copy(b, 30)
  return b
}

/** Random bytes, and valid frames of each link type damaged by a cut and an overwritten byte. */
function damagedFrames (): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    fc.uint8Array({ maxLength: 120 }),
    fc.tuple(arb.packet(60), fc.integer({ min: 0, max: 7 }), fc.nat(), fc.nat(), arb.u8, fc.boolean()).map(([p, kind, cut, at, byte, intact]) => {
      const ipxb = ipxPacketBytes(p)
      const dgram = ipv4Udp(ipxb)
      const pick = [
        dgram,
        Buffer.concat([hexBuf('02000000'), dgram]),
        Buffer.concat([hexBuf('00000002'), dgram]),
        eth('0800', dgram),
        ethernet.encodeIpx(p, 'llc'),
        sll(0x8137, ipxb),
        sll(0x0004, Buffer.concat([hexBuf('aaaa03 000000 8137'), ipxb])),
        sll2(0x0800, dgram)
      ][kind]!
      const b = Buffer.from(pick)
      // Half the frames stay whole, so the property always sees some that locate (it is not vacuous).
      if (intact) return b
      b[at % b.length] = byte
      return b.subarray(0, cut % (b.length + 1))
    })
  )
}

test('property: any bytes under any link type locate or throw DecodeError, nothing else', t => {
  const seen = new Set<string>()
  fc.assert(fc.property(damagedFrames(), fc.constantFrom(...LINK_TYPES), fc.boolean(), (bytes, lt, verifyChecksum) => {
    try {
      const r = link.locate(Buffer.from(bytes), lt, { verifyChecksum })
      seen.add('ok')
      return r.ipx.payload.length === r.ipx.header.length - 30
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err
      seen.add(err.code)
      return true
    }
  }), { numRuns: 3000 })
  t.true(seen.has('ok'))
  t.true(seen.has('IPX_ERR_NOT_IPX'))
})

// ---- real captures -------------------------------------------------------------------------------

const missing = realMissing({ shared: true })
function realTest (title: string, fn: (t: ExecutionContext) => void): void {
  (missing === undefined ? test : test.skip)(missing === undefined ? title : `${title} (skipped: ${missing})`, t => {
    if (!requireReal(t, { shared: true })) return
    fn(t)
  })
}

for (const file of ['ipxbox/doom.cap', 'ipxbox/doom.linktype-null.pcap']) {
  realTest(`real capture ${file}: IPX in UDP 10000 behind a NULL header, as tshark decodes it`, t => {
    const { linkType, records } = readPcap(file)
    t.is(linkType, file.endsWith('.cap') ? 12 : 0)
    const rows = readTsharkCsv('ipxbox_doom.ipx.csv')
    t.is(rows.length, records.length)
    let snapped = 0
    records.forEach((r, i) => {
      const row = rows[i]!
      const where = `frame ${row.str('frame.number')}`
      if (r.originalLength > r.data.length) {
        // Cut at snaplen 116: the IPv4 total length runs past the captured bytes.
        snapped++
        t.throws(() => link.locate(r.data, linkType, { originalLength: r.originalLength }), { instanceOf: DecodeError, code: 'IPX_ERR_TRUNCATED' }, where)
        return
      }
      const x = link.locate(r.data, linkType)
      t.is(x.encapsulation, 'udp', where)
      t.is(x.ipxOffset, 32, where)
      t.is(x.ip?.src, row.str('ip.src'), where)
      t.is(x.ip?.dst, row.str('ip.dst'), where)
      t.is<number | undefined, number | undefined>(x.udp?.srcPort, row.num('udp.srcport'), where)
      t.is<number | undefined, number | undefined>(x.udp?.dstPort, row.num('udp.dstport'), where)
      t.is<number | undefined, number | undefined>(x.ipx.header.length, row.num('ipx.len'), where)
      t.is<number | undefined, number | undefined>(x.ipx.header.dst.socket, row.num('ipx.dst.socket'), where)
    })
    t.is(snapped, 8)
  })
}

realTest('real capture tcpdump/ipx.pcap: every frame is 802.2 IPX on Ethernet', t => {
  const { linkType, records } = readPcap('tcpdump/ipx.pcap')
  const rows = readTsharkCsv('tcpdump_ipx.ipx.csv')
  records.forEach((r, i) => {
    const x = link.locate(r.data, linkType)
    t.is(x.framing, 'llc')
    t.is(x.ipxOffset, 17)
    t.is<number | undefined, number | undefined>(x.ethernet?.length, rows[i]!.num('eth.len'))
    t.is<number | undefined, number | undefined>(x.ipx.header.src.network, rows[i]!.num('ipx.src.net'))
  })
})

realTest('real capture ipxbox/ipxpkt.cap: every frame is Ethernet II IPX', t => {
  const { linkType, records } = readPcap('ipxbox/ipxpkt.cap')
  t.is(records.length, 97)
  for (const r of records) {
    const x = link.locate(r.data, linkType)
    t.is(x.framing, 'ethernet_ii')
    t.is(x.ethernet?.etherType, 0x8137)
    t.is(x.ipx.header.transportControl, 127)
  }
})
