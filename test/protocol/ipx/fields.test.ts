import test from 'ava'
import fc from 'fast-check'
import { ipx, BROADCAST_NODE, DOSBOX_CONTROL_SOCKET } from '../../../protocol/index.js'
import * as arb from './_arbitrary.js'

test('the accessors read what the decoder reads, at any offset', t => {
  fc.assert(fc.property(arb.header, fc.integer({ min: 0, max: 7 }), (h, at) => {
    const buf = Buffer.alloc(at + 30)
    ipx.header.encode(h, buf, at)
    t.is(ipx.readChecksum(buf, at), h.checksum)
    t.is(ipx.readLength(buf, at), h.length)
    t.is(ipx.readHops(buf, at), h.transportControl)
    t.is(ipx.readPacketType(buf, at), h.packetType)
    t.deepEqual([ipx.readDstNetwork(buf, at), ipx.readDstNode(buf, at), ipx.readDstSocket(buf, at)], [h.dst.network, h.dst.node, h.dst.socket])
    t.deepEqual([ipx.readSrcNetwork(buf, at), ipx.readSrcNode(buf, at), ipx.readSrcSocket(buf, at)], [h.src.network, h.src.node, h.src.socket])
    t.is(ipx.isBroadcast(buf, at), h.dst.node === BROADCAST_NODE)
  }), { numRuns: 500 })
})

test('the writers change their field and nothing else', t => {
  fc.assert(fc.property(arb.header, arb.header, (h, other) => {
    const buf = ipx.header.encode(h)
    ipx.writeChecksum(buf, other.checksum)
    ipx.writeHops(buf, other.transportControl)
    ipx.writeDstNetwork(buf, other.dst.network)
    ipx.writeDstNode(buf, other.dst.node)
    ipx.writeDstSocket(buf, other.dst.socket)
    ipx.writeSrcNetwork(buf, other.src.network)
    ipx.writeSrcNode(buf, other.src.node)
    ipx.writeSrcSocket(buf, other.src.socket)
    t.deepEqual(ipx.IPX_HEADER.read(buf, 0), { ...other, length: h.length, packetType: h.packetType })
  }), { numRuns: 500 })
})

test('DOSBox predicates: registration is dst socket 2 with dst node bytes 10-13 zero; broadcast is bytes 10-13 FF', t => {
  const base = { checksum: 0xffff, length: 30, transportControl: 0, packetType: 0 }
  const reg = ipx.header.encode({ ...base, dst: { network: 7, node: 0x1234, socket: DOSBOX_CONTROL_SOCKET }, src: { network: 0, node: 0, socket: 5 } })
  t.true(ipx.isDosboxRegistration(reg))
  t.false(ipx.isDosboxControl(reg), 'the src socket is 5')
  const notReg = ipx.header.encode({ ...base, dst: { network: 0, node: 0x0100_0000_0000, socket: DOSBOX_CONTROL_SOCKET }, src: { network: 0, node: 0, socket: 2 } })
  t.false(ipx.isDosboxRegistration(notReg))
  t.true(ipx.isDosboxControl(notReg))
  const bcast = ipx.header.encode({ ...base, dst: { network: 0, node: 0xffff_ffff_0000, socket: 0x4000 }, src: { network: 0, node: 1, socket: 2 } })
  t.true(ipx.isDosboxBroadcast(bcast), 'the port bytes are ignored')
  t.false(ipx.isBroadcast(bcast), 'a full broadcast is all six bytes')
})
