import test from 'ava'
import { readFileSync, statSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import path from 'node:path'
import { labSample, labSampleFrames, encodeFixture, FIXTURES, BULK_FILE_SIZE } from '../scripts/make-fixtures.js'
import type { Fixture, FixtureFrame } from '../scripts/make-fixtures.js'
import { ncp, spx, sap, rip, upper, PacketType } from '../protocol/index.js'
import { ROOT, realMissing, requireReal } from './_env.js'
import { runCli } from './_cli.js'
import type { Run } from './_cli.js'

async function run (...argv: string[]): Promise<Run> {
  return await runCli(argv)
}

const dir = path.join(ROOT, 'fixtures')
const SAMPLE = path.join(dir, 'lab-sample.pcapng')
/** The size budget of one committed capture (issue 7: "keep each under ~300 KB"). */
const MAX_BYTES = 300 * 1024

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex')
const byName = (file: string): Fixture => {
  const f = FIXTURES.find(x => x.file === file)
  if (f === undefined) throw new Error(`no fixture ${file}`)
  return f
}

/**
 * What each fixture must look like from outside: frame count, Protocol column per protocol (as
 * both `ipxlab decode` and TShark 4.0.17 name it), and the lint findings it is meant to have.
 * No fixture is meant to have any: fixtures/README.md says so, and the lint test holds it to that.
 */
interface Expectation {
  file: string
  frames: number
  protocols: Record<string, number>
  /** `rule@frame` of every intended lint finding. */
  lint: string[]
}

const EXPECTED: readonly Expectation[] = [
  { file: 'lab-sample.pcapng', frames: 15, protocols: { 'IPX SAP': 2, 'IPX RIP': 2, NCP: 4, SPX: 3, NBIPX: 1, IPX: 3 }, lint: [] },
  { file: 'netware-login.pcapng', frames: 28, protocols: { 'IPX SAP': 2, 'IPX RIP': 2, NCP: 24 }, lint: [] },
  { file: 'spx-session.pcapng', frames: 14, protocols: { SPX: 14 }, lint: [] },
  { file: 'sap-rip-convergence.pcapng', frames: 45, protocols: { 'IPX RIP': 24, 'IPX SAP': 21 }, lint: [] },
  { file: 'doom-4player.pcapng', frames: 1274, protocols: { IPX: 1274 }, lint: [] },
  { file: 'ncp-bulk-copy.pcapng', frames: 484, protocols: { NCP: 484 }, lint: [] }
]


function generated (file: string): Buffer {
  return file === 'lab-sample.pcapng' ? labSample() : encodeFixture(byName(file))
}

function count (names: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const n of names) out[n] = (out[n] ?? 0) + 1
  return out
}

test('the table covers every generated fixture', t => {
  t.deepEqual(EXPECTED.map(e => e.file), ['lab-sample.pcapng', ...FIXTURES.map(f => f.file)])
})

for (const e of EXPECTED) {
  test(`${e.file}: committed bytes are what scripts/make-fixtures.ts makes (regenerate with it), within ${MAX_BYTES / 1024} KB`, t => {
    const file = path.join(dir, e.file)
    const made = generated(e.file)
    t.is(sha(readFileSync(file)), sha(made))
    t.true(statSync(file).size <= MAX_BYTES)
    t.is(sha(generated(e.file)), sha(made), 'a second run makes the same bytes')
  })

  test(`${e.file}: ipxlab decode names each protocol as expected, nothing malformed`, async t => {
    const r = await run('decode', '--json', path.join(dir, e.file))
    t.is(r.code, 0)
    const objs = r.stdout.trim().split('\n').map(l => JSON.parse(l) as { kind: string, protocol: string })
    t.is(objs.length, e.frames)
    t.true(objs.every(o => o.kind === 'ipx'))
    t.deepEqual(count(objs.map(o => o.protocol)), e.protocols)
  })

  test(`${e.file}: ipxlab lint finds exactly the intended findings (${e.lint.length === 0 ? 'none' : e.lint.join(', ')})`, async t => {
    const r = await run('lint', '--json', path.join(dir, e.file))
    const found = r.stdout.trim() === '' ? [] : r.stdout.trim().split('\n').map(l => JSON.parse(l) as { rule: string, frame: number })
    t.deepEqual(found.map(x => `${x.rule}@${x.frame}`), e.lint)
    t.is(r.code, e.lint.length === 0 ? 0 : 1)
    t.regex(r.stderr, new RegExp(`: ${e.frames} frames, ${e.lint.length} finding`))
  })
}


// ---- TShark: an independent decoder -----------------------------------------------------------

const need = { tools: ['tshark'] }
const why = realMissing(need)
const tsharkTest = why === undefined ? test : test.skip
const skipNote = why !== undefined ? ` (skipped: ${why})` : ''

function tshark (file: string, args: string[]): string[][] {
  return execFileSync('tshark', ['-r', file, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 * 1024 * 1024 })
    .trim().split('\n').filter(l => l !== '').map(l => l.split('\t'))
}

for (const e of EXPECTED) {
  tsharkTest(`${e.file}: TShark decodes every frame with no malformed or expert-warning frame, same protocols and lengths${skipNote}`, t => {
    if (!requireReal(t, need)) return
    const file = path.join(dir, e.file)
    t.deepEqual(tshark(file, ['-Y', '_ws.malformed || _ws.expert.severity >= 0x00600000', '-T', 'fields', '-e', 'frame.number']), [])
    const cols = tshark(file, ['-T', 'fields', '-e', '_ws.col.Protocol', '-e', 'ipx.len'])
    t.is(cols.length, e.frames)
    // decode's protocol column is tshark's (protocol/columns.ts), so the counts are the same table.
    t.deepEqual(count(cols.map(c => c[0] ?? '')), e.protocols)
    const lengths = e.file === 'lab-sample.pcapng' ? labSampleFrames().map(f => f.packet.header.length) : byName(e.file).frames().map(f => f.packet.header.length)
    t.deepEqual(cols.map(c => Number(c[1])), lengths)
  })
}

tsharkTest(`the sample's first frames read as tshark's protocol columns${skipNote}`, t => {
  if (!requireReal(t, need)) return
  const cols = tshark(SAMPLE, ['-T', 'fields', '-e', '_ws.col.Protocol'])
  t.deepEqual(cols.slice(0, 12).map(c => c[0]), ['IPX SAP', 'IPX SAP', 'IPX RIP', 'IPX RIP', 'NCP', 'NCP', 'NCP', 'NCP', 'SPX', 'SPX', 'SPX', 'NBIPX'])
})

tsharkTest(`netware-login: TShark names each NCP call and matches every reply to its request${skipNote}`, t => {
  if (!requireReal(t, need)) return
  const rows = tshark(path.join(dir, 'netware-login.pcapng'), ['-Y', 'ncp', '-T', 'fields', '-e', '_ws.col.Info', '-e', 'ncp.req_frame_num'])
  const calls = rows.filter((_, i) => i % 2 === 0).map(r => r[0])
  t.deepEqual(calls, [
    'C Create Connection Service', 'C Negotiate Buffer Size', 'C Get Login Key', 'C Get Bindery Object: STUDENT',
    'C Keyed Object Login: STUDENT', 'C Open File: SYS:PUBLIC/WELCOME.TXT', 'C Read From File - 0x00000c1b0000',
    'C Read From File - 0x00000c1b0000', 'C Read From File - 0x00000c1b0000', 'C Close File - 0x00000c1b0000', 'C Logout',
    'C Destroy Connection Service'
  ])
  t.true(rows.filter((_, i) => i % 2 === 1).every(r => r[0] === 'R OK' && r[1] !== ''))
})

tsharkTest(`ncp-bulk-copy: TShark pairs all 242 replies with their requests across the sequence wrap${skipNote}`, t => {
  if (!requireReal(t, need)) return
  const rows = tshark(path.join(dir, 'ncp-bulk-copy.pcapng'), ['-Y', 'ncp.type == 0x3333', '-T', 'fields', '-e', 'frame.number', '-e', 'ncp.req_frame_num'])
  t.is(rows.length, 242)
  t.true(rows.every(r => Number(r[1]) === Number(r[0]) - 1))
})

tsharkTest(`spx-session: TShark reads the SPX fields as the generator wrote them${skipNote}`, t => {
  if (!requireReal(t, need)) return
  const rows = tshark(path.join(dir, 'spx-session.pcapng'), ['-T', 'fields', '-e', 'spx.type', '-e', 'spx.seq', '-e', 'spx.ack', '-e', 'spx.alloc'])
  const frames = byName('spx-session.pcapng').frames().map(f => spx.decode(f.packet.payload).header)
  t.deepEqual(rows.map(r => r.map(Number)), frames.map(h => [h.datastreamType, h.sequence, h.acknowledge, h.allocation]))
})

// ---- What each scenario shows (from the generator's frames, decoded by the codec) ------------

/** Requests and replies only: none of these fixtures uses packet burst. */
function ncpOf (f: FixtureFrame): ncp.NcpRequest | ncp.NcpReply {
  const m = ncp.decode(f.packet.payload)
  if (m.kind !== 'request' && m.kind !== 'reply') throw new Error(`unexpected NCP ${m.kind}`)
  return m
}

test('netware-login: SAP, RIP, then the NCP calls of a 3.x login and file read, each reply answering its request', t => {
  const frames = byName('netware-login.pcapng').frames()
  t.deepEqual(frames.slice(0, 4).map(f => upper.classify(f.packet.header).name), ['IPX SAP', 'IPX SAP', 'IPX RIP', 'IPX RIP'])
  const msgs = frames.slice(4).map(ncpOf)
  const requests = msgs.filter((m): m is ncp.NcpRequest => m.kind === 'request')
  t.deepEqual(requests.map(m => m.type === ncp.NcpType.ServiceRequest ? `${m.function.toString(16)}${m.subfunction !== undefined ? '/' + m.subfunction.toString(16) : ''}` : m.type.toString(16)), [
    '1111', '21', '17/17', '17/35', '17/18', '4c', '48', '48', '48', '42', '19', '5555'
  ])
  for (let i = 0; i < msgs.length; i += 2) {
    const [q, r] = [msgs[i]!, msgs[i + 1]!]
    t.is(r.kind, 'reply')
    t.is(r.sequence, q.sequence)
    if (r.kind === 'reply') t.is(r.completionCode, 0)
  }
  t.is(msgs[1]!.connection, 7, 'the server assigns connection 7')
  const readBytes = msgs.filter((m, i) => m.kind === 'reply' && (msgs[i - 1] as ncp.NcpRequest).function === 0x48).reduce((n, m) => n + m.data.readUInt16BE(0), 0)
  t.is(readBytes, 2600)
})

test('spx-session: SPX I set-up, data within the allocation window, send-ack and end-of-message, 0xFE / 0xFF teardown', t => {
  const hs = byName('spx-session.pcapng').frames().map(f => ({ node: f.packet.header.src.node, h: spx.decode(f.packet.payload).header }))
  const cc = spx.ConnectionControl
  t.true(hs.every(x => (x.h.connectionControl & cc.Spx2) === 0), 'no SPX II packet')
  t.is(hs[0]!.h.dstConnectionId, spx.SPX_UNKNOWN_CONNECTION_ID)
  t.is(hs[0]!.h.connectionControl, cc.System | cc.SendAck)
  t.is(hs[1]!.h.connectionControl, cc.System)
  // Every data packet asks for an ack, and its sequence is within what the peer last allocated.
  const lastAlloc = new Map<number, number>()
  for (const { node, h } of hs) {
    if ((h.connectionControl & cc.System) === 0) {
      t.true((h.connectionControl & cc.SendAck) !== 0)
      const peer = [...lastAlloc.entries()].find(([n]) => n !== node)
      t.true(peer !== undefined && h.sequence <= peer[1], `seq ${h.sequence} inside the window`)
    }
    lastAlloc.set(node, h.allocation)
  }
  t.is(hs.filter(x => (x.h.connectionControl & cc.EndOfMessage) !== 0 && x.h.datastreamType === 0).length, 2, 'two messages end')
  t.deepEqual(hs.slice(-2).map(x => x.h.datastreamType), [spx.DatastreamType.EndOfConnection, spx.DatastreamType.EndOfConnectionAck])
})

test('sap-rip-convergence: hop counts grow by one per router, split horizon holds, then 16 hops for FS1 and LAN C', t => {
  const frames = byName('sap-rip-convergence.pcapng').frames()
  const routes: Array<{ lan: number, network: number, hops: number }> = []
  const services: Array<{ lan: number, name: string, hops: number }> = []
  for (const f of frames) {
    const lan = f.packet.header.src.network
    if (f.packet.header.packetType === PacketType.Rip) {
      const m = rip.decode(f.packet.payload)
      if (m.operation === rip.RipOperation.Response) for (const e of m.entries) routes.push({ lan, network: e.network, hops: e.hops })
    } else {
      const m = sap.decode(f.packet.payload)
      if (sap.isResponse(m)) for (const s of m.servers) services.push({ lan, name: s.name, hops: s.hops })
    }
  }
  // Split horizon: no response on a LAN advertises that LAN.
  t.false(routes.some(r => r.network === r.lan))
  const hopsOf = (name: string, lan: number): number[] => [...new Set(services.filter(s => s.name === name && s.lan === lan).map(s => s.hops))]
  t.deepEqual([hopsOf('FS1', 0x0a01), hopsOf('FS1', 0x0b02), hopsOf('FS1', 0x0c03)], [[1, 16], [2, 16], [3, 16]])
  t.deepEqual([hopsOf('PS1', 0x0c03), hopsOf('PS1', 0x0b02), hopsOf('PS1', 0x0a01)], [[1], [2, 16], [3, 16]])
  // Nobody advertises a service on the LAN it lives on except the server itself (split horizon for SAP).
  t.false(services.some(s => s.name === 'PS1' && s.lan === 0x0c03 && s.hops !== 1))
  const cHops = (lan: number): number[] => [...new Set(routes.filter(r => r.network === 0x0c03 && r.lan === lan).map(r => r.hops))]
  t.deepEqual([cHops(0x0b02), cHops(0x0a01)], [[1, 16], [2, 16]])
  t.is(new Set(frames.map(f => f.framing)).size, 3, 'three LANs, three framings')
})

test('doom-4player: setup broadcasts, then every node sends each other node one packet per tic at 35 Hz', t => {
  const frames = byName('doom-4player.pcapng').frames()
  t.true(frames.every(f => f.packet.header.src.socket === 0x869c && f.packet.header.dst.socket === 0x869c && f.packet.header.packetType === 0))
  const setup = frames.filter(f => f.packet.payload.readInt32LE(0) === -1)
  t.true(setup.length >= 4 && setup.every(f => f.packet.header.dst.node === 0xffffffffffff && f.packet.header.length === 46))
  const game = frames.filter(f => f.packet.header.length >= 54)
  t.true(game.every(f => f.packet.header.dst.node !== 0xffffffffffff), 'play is unicast')
  const pairs = new Map<string, bigint[]>()
  for (const f of game) {
    const k = `${f.packet.header.src.node}>${f.packet.header.dst.node}`
    pairs.set(k, [...(pairs.get(k) ?? []), f.timestampNs])
  }
  t.is(pairs.size, 12)
  for (const times of pairs.values()) {
    t.is(times.length, 105)
    const mean = Number(times[times.length - 1]! - times[0]!) / (times.length - 1) / 1e6
    t.true(Math.abs(mean - 1000 / 35) < 0.2, `mean tic spacing ${mean} ms`)
  }
})

test('ncp-bulk-copy: 240 replies of 1 KB that need about 2 s at 1 Mbit/s but arrive in under 1 s on the LAN', t => {
  const frames = byName('ncp-bulk-copy.pcapng').frames()
  const msgs = frames.map(ncpOf)
  const reads = msgs.filter((m, i) => m.kind === 'reply' && (msgs[i - 1] as ncp.NcpRequest).function === 0x48)
  t.is(reads.length, 240)
  t.true(reads.every(m => m.data.readUInt16BE(0) === 1024))
  t.is(reads.reduce((n, m) => n + m.data.length - 2, 0), BULK_FILE_SIZE)
  t.true(msgs.some((m, i) => i > 0 && m.sequence < msgs[i - 1]!.sequence), 'the sequence number wraps')
  const bits = reads.length * (1024 + 2 + 8 + 30 + 3 + 14 + 24) * 8
  t.true(bits / 1e6 >= 2, `${bits / 1e6} s of reply bytes at 1 Mbit/s`)
  const span = Number(frames[frames.length - 1]!.timestampNs - frames[0]!.timestampNs) / 1e9
  t.true(span < 1, `${span} s on the 10 Mbit/s LAN`)
})
