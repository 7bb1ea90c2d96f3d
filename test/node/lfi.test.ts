/**
 * LFI end to end (issue 11): two real nodes on loopback whose links are configured, as a user
 * would, with `qos: { discipline: 'snp', rateBps, lfi }`. A large bulk frame leaves A as fragments,
 * a game packet sent just after it overtakes the rest of them, and B rebuilds the bulk frame byte
 * for byte. Beside it, the seams: a peer that does not announce reassembly gets whole frames, and a
 * link without a reassembler counts a fragment `unsupported`.
 */
import test from 'ava'
import { twoNodes, data, dataFor, client } from './_two-nodes.js'
import { LinkQos } from '../../src/node/link-qos.js'
import { resolveLfi, LFI_MIN_FRAGMENT_BYTES } from '../../src/node/lfi.js'
import { NativeLink } from '../../src/transport/native-link.js'
import { ConfigError } from '../../src/errors.js'
import { MessageType, Reassembler, encode, fragmentPacket, makeFrame } from '../../protocol/tunnel/index.js'
import { ipx } from '../../protocol/index.js'

/** 200 kbit/s: a 1424-byte frame holds the line 57 ms; LFI's 10 ms fragments are 250 bytes, 6 of them. */
const QOS = { discipline: 'snp', rateBps: '200k', delayMs: 5 }

const interleave = test.macro({
  async exec (t, lfi: 'on' | 'off') {
    const { a, b, aPort, bPort } = await twoNodes(t, { extra: { qos: { ...QOS, lfi } } })
    const x = await client(t, aPort, '127.0.0.1')
    const y = await client(t, bPort, '127.0.0.2')
    // 1424 bytes to an ordinary socket: the "large frame" rule makes it bulk.
    const bulk = await x.sendTo(y.node, Buffer.alloc(1424 - 30, 0x5a))
    const game = await x.sendTo(y.node, Buffer.from('DOOM tic'), { dstSocket: 0x869c, srcSocket: 0x869c })
    t.true(await dataFor(y, 2), 'both arrived')
    const got = data(y)
    t.deepEqual(got.find(d => d.length === 1424), bulk, 'the bulk frame arrived whole, byte for byte')
    const order = got.map(d => d.length === 1424 ? 'bulk' : 'game')
    const q = a.stats().peers[0]!.qos
    const r = b.stats().peers[0]!.reassembly
    t.is(q.classes.bulk!.packets, 1)
    t.is(q.classes.game!.sentPackets, 1)
    t.deepEqual(got.find(d => d.length !== 1424), game)
    if (lfi === 'on') {
      t.deepEqual(order, ['game', 'bulk'], 'the game packet went between the fragments and arrived first')
      t.like(q.lfi, { enabled: true, chunkBytes: 250, fragmentedFrames: 1, fragmentsSent: 6, overheadBytes: 6 * 8 })
      t.like(r, { fragmentsReceived: 6, fragmentsAccepted: 6, framesCompleted: 1, pending: 0 })
      t.is(b.stats().peers[0]!.counters.dropped.unsupported, 0)
    } else {
      t.deepEqual(order, ['bulk', 'game'], 'without LFI the game packet waits for the whole frame')
      t.like(q.lfi, { enabled: false, fragmentsSent: 0 })
      t.is(r.fragmentsReceived, 0)
    }
  },
  title: (_given, lfi: string) => `two nodes with qos snp at 200 kbit/s, lfi ${lfi}: ${lfi === 'on' ? 'a game packet overtakes a fragmented bulk frame, which B rebuilds' : 'the game packet waits behind the bulk frame'}`
})

test.serial(interleave, 'on')
test.serial(interleave, 'off')

function datagram (size: number, socket = 0x4001): Buffer {
  return ipx.packet.encode(ipx.packet.makePacket({ packetType: 4, dst: { network: 1, node: 2, socket }, src: { network: 1, node: 3, socket: 0x4000 } }, Buffer.alloc(size - 30, 1)))
}

test('a peer that does not announce reassembly gets whole frames, counted', async t => {
  const whole: Buffer[] = []
  const fragments: Buffer[] = []
  const q = new LinkQos({
    discipline: 'snp', rateBps: 1e9, lfi: resolveLfi('on', 64_000), now: () => performance.now(),
    send: d => { whole.push(d); return undefined },
    sendFragment: d => { fragments.push(d); return undefined },
    peerReassembles: () => false
  })
  t.teardown(() => { q.stop() })
  q.enqueue(datagram(1424))
  await new Promise(resolve => setTimeout(resolve, 20))
  t.is(whole.length, 1)
  t.is(fragments.length, 0)
  t.like(q.stats().lfi, { enabled: true, peerCannotReassemble: 1, fragmentedFrames: 0 })
})

test('LinkQos with LFI: small and urgent frames are never fragmented; a frame of a low class is, and every fragment is sent', async t => {
  const fragments: Buffer[] = []
  const whole: Buffer[] = []
  const q = new LinkQos({
    discipline: 'snp', rateBps: 1e7, lfi: resolveLfi('on', 1e7, 10, 200), now: () => performance.now(),
    send: d => { whole.push(d); return undefined },
    sendFragment: d => { fragments.push(d); return undefined },
    peerReassembles: () => true
  })
  t.teardown(() => { q.stop() })
  q.enqueue(datagram(150))
  q.enqueue(datagram(1000, 0x869c))
  q.enqueue(datagram(1424))
  await new Promise(resolve => setTimeout(resolve, 30))
  t.is(whole.length, 2, 'the small frame and the game frame went whole')
  t.is(fragments.length, 8, '1424 bytes in 200-byte fragments')
  const r = new Reassembler()
  const results = fragments.map(f => r.push(f, 0))
  const done = results.find(x => x.kind === 'complete')
  t.true(done !== undefined && done.kind === 'complete' && done.packet.equals(datagram(1424)))
})

test('resolveLfi: auto by the full-frame time; the floor; a size below it is a ConfigError naming the field', t => {
  t.true(resolveLfi('auto', 56_000).enabled, '56k: 203 ms a frame')
  t.false(resolveLfi('auto', 1_536_000).enabled, 'T1: 7.4 ms a frame')
  t.false(resolveLfi('auto', 1_000_000).enabled, 'the lab WAN: 11.4 ms')
  t.false(resolveLfi('off', 56_000).enabled)
  t.is(resolveLfi('on', 56_000).chunkBytes, LFI_MIN_FRAGMENT_BYTES, '10 ms at 56k is 70 bytes: raised to the floor')
  t.is(resolveLfi('on', 256_000).chunkBytes, 320, '10 ms at 256 kbit/s')
  t.false(resolveLfi('on', 10_000_000).enabled, 'a 10 ms fragment would be larger than a frame')
  t.throws(() => resolveLfi('on', 56_000, 10, 64), { instanceOf: ConfigError, message: /qos\.fragmentBytes/ })
})

test('a link without a reassembler counts a fragment unsupported; one with a reassembler announces it in hello', t => {
  const peer = { host: '127.0.0.1', port: 9 }
  const old = new NativeLink({ node: 1, peer, onPacket: () => {}, send: () => undefined })
  const now = new NativeLink({ node: 2, peer, onPacket: () => {}, reassembler: new Reassembler(), send: () => undefined })
  old.start()
  now.start()
  t.teardown(() => { old.stop(); now.stop() })
  const body = fragmentPacket(datagram(300), 128, 1)[0]!
  const f = encode(makeFrame({ type: MessageType.Fragment, node: 9, sequence: 5 }, body))
  t.is(old.handleDatagram(f), 'unsupported')
  t.is(now.handleDatagram(f), undefined)
  t.false(old.peerReassembles)
  // Each link's hello, fed to the other, tells whether it reassembles.
  const hellos: Buffer[] = []
  const probe = new NativeLink({ node: 3, peer, onPacket: () => {}, reassembler: new Reassembler(), send: d => { hellos.push(d); return undefined } })
  probe.start()
  t.teardown(() => { probe.stop() })
  t.is(old.handleDatagram(hellos[0]!), undefined)
  t.true(old.peerReassembles)
})
