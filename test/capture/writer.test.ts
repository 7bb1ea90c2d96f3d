import test from 'ava'
import type { ExecutionContext } from 'ava'
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { capture, ethernet, ipx, EncodeError } from '../../protocol/index.js'
import { CaptureWriter } from '../../src/capture/writer.js'
import { readCapture } from '../../src/capture/reader.js'
import type { CaptureRecord } from '../../src/capture/reader.js'
import { CaptureError } from '../../src/errors.js'
import { realMissing, requireReal } from '../_env.js'

const dir = mkdtempSync(path.join(tmpdir(), 'ipxlab-writer-'))
test.after.always(() => rmSync(dir, { recursive: true, force: true }))
const here = path.dirname(fileURLToPath(import.meta.url))

async function readAllRecords (p: string): Promise<CaptureRecord[]> {
  const out: CaptureRecord[] = []
  for await (const r of readCapture(p)) out.push({ ...r, data: Buffer.from(r.data) })
  return out
}

/**
 * Ethernet II IPX frames (EtherType 0x8137) of varied sizes, built with the project's own encoders.
 * Sockets 0x5000-0x5100 have no tshark dissector (0x4001/0x4003 would be parsed as IPX messages
 * and short payloads flagged malformed), so tshark judges only the framing we write.
 */
function ipxFrames (): Buffer[] {
  const payloads = [0, 1, 16, 100, 546, 1470]
  return payloads.map((n, i) => ethernet.encodeIpx(ipx.packet.makePacket({
    packetType: i % 2 === 0 ? 4 : 0,
    dst: { network: 0x00000001, node: 0xffffffffffff, socket: 0x5000 + i },
    src: { network: 0x00000001, node: 0x020000000001 + i, socket: 0x5100 }
  }, Buffer.alloc(n, i)), 'ethernet_ii'))
}

test('pcapng with two named interfaces reads back record by record', async t => {
  const p = path.join(dir, 'two.pcapng')
  const w = new CaptureWriter(p, { interfaces: [{ name: 'dosbox0', linkType: capture.LinkType.Ethernet }, { name: 'loop0', linkType: capture.LinkType.Null }] })
  w.write({ data: Buffer.alloc(60, 1), interfaceId: 0, timestampNs: 1_700_000_000_000_000_001n })
  w.write({ data: Buffer.alloc(50, 2), interfaceId: 1, timestampNs: 1_700_000_000_000_000_002n, originalLength: 70 })
  const id = w.addInterface({ name: 'late0', linkType: capture.LinkType.Raw, snaplen: 20 })
  t.is(id, 2)
  w.write({ data: Buffer.alloc(40, 3), interfaceId: id, timestampNs: 1_700_000_000_000_000_003n })
  t.is(w.recordCount, 3)
  w.close()
  w.close()
  t.is(w.bytesWritten, readFileSync(p).length)
  const records = await readAllRecords(p)
  t.deepEqual(records.map(r => [r.interfaceId, r.linkType, r.timestampNs, r.capturedLength, r.originalLength]), [
    [0, 1, 1_700_000_000_000_000_001n, 60, 60],
    [1, 0, 1_700_000_000_000_000_002n, 50, 70],
    [2, 101, 1_700_000_000_000_000_003n, 20, 40]
  ])
  t.deepEqual(records[0]?.data, Buffer.alloc(60, 1))
})

test('pcap (ns and µs) reads back; the clock is injected', async t => {
  for (const nanosecond of [true, false]) {
    const p = path.join(dir, `one-${String(nanosecond)}.pcap`)
    const w = new CaptureWriter(p, { format: 'pcap', nanosecond, interfaces: [{ name: 'eth0', linkType: 1 }], now: () => 5_000_000_123n })
    w.write({ data: Buffer.alloc(10, 1) })
    w.close()
    const [r] = await readAllRecords(p)
    t.is(r?.timestampNs, nanosecond ? 5_000_000_123n : 5_000_000_000n)
    t.is(readFileSync(p).readUInt32LE(0), nanosecond ? 0xa1b23c4d : 0xa1b2c3d4)
  }
})

test('every record is on disk as soon as write() returns (before close)', async t => {
  const p = path.join(dir, 'open.pcapng')
  const w = new CaptureWriter(p, { interfaces: [{ name: 'eth0', linkType: 1 }] })
  t.teardown(() => w.close())
  for (let i = 0; i < 3; i++) {
    w.write({ data: Buffer.alloc(20, i) })
    t.is((await readAllRecords(p)).length, i + 1)
  }
})

test('a writer killed with SIGKILL leaves a file readable to its last record', async t => {
  const p = path.join(dir, 'killed.pcapng')
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, '_writer-child.ts'), p, '7'], { stdio: ['ignore', 'pipe', 'inherit'] })
  const exited = new Promise<NodeJS.Signals | null>(resolve => child.on('exit', (_code, signal) => resolve(signal)))
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('child did not report within 30 s')), 30_000)
    child.stdout.on('data', (d: Buffer) => { if (d.toString().includes('written')) { clearTimeout(timer); resolve() } })
    child.on('exit', () => { clearTimeout(timer); resolve() })
  })
  child.kill('SIGKILL')
  t.is(await exited, 'SIGKILL')
  const records = await readAllRecords(p)
  t.is(records.length, 7)
  t.deepEqual(records[6]?.data, Buffer.alloc(60, 6))
})

test('misuse is a CaptureError or EncodeError', t => {
  t.throws(() => new CaptureWriter(path.join(dir, 'x.pcap'), { format: 'pcap', interfaces: [] }), { instanceOf: CaptureError, code: 'IPX_ERR_CAPTURE_FORMAT' })
  t.throws(() => new CaptureWriter(path.join(dir, 'no-such-dir', 'x.pcapng'), { interfaces: [] }), { instanceOf: CaptureError, code: 'IPX_ERR_CAPTURE_OPEN' })
  const w = new CaptureWriter(path.join(dir, 'y.pcap'), { format: 'pcap', interfaces: [{ name: 'eth0', linkType: 1 }] })
  t.throws(() => w.addInterface({ name: 'eth1', linkType: 1 }), { instanceOf: CaptureError, code: 'IPX_ERR_CAPTURE_FORMAT' })
  t.throws(() => w.write({ data: Buffer.alloc(1), interfaceId: 1 }), { instanceOf: CaptureError, code: 'IPX_ERR_CAPTURE_FORMAT' })
  t.throws(() => w.write({ data: Buffer.alloc(1), timestampNs: -1n }), { instanceOf: EncodeError, code: 'IPX_ERR_FIELD_RANGE' })
  w.close()
  t.throws(() => w.write({ data: Buffer.alloc(1) }), { instanceOf: CaptureError, code: 'IPX_ERR_CAPTURE_OPEN' })
})

const noTshark = realMissing({ tools: ['tshark'] })
function tsharkTest (title: string, fn: (t: ExecutionContext) => void): void {
  if (noTshark === undefined) test(title, fn)
  else test.skip(`${title} (${noTshark})`, fn)
}

function tshark (args: string[]): string {
  return execFileSync('tshark', args, { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'ignore'] })
}

/** The checks of SOURCES.md: no malformed or expert-error frame, and the lengths as written. */
function checkWithTshark (t: ExecutionContext, p: string, lengths: number[]): void {
  t.is(tshark(['-r', p, '-Y', '_ws.malformed || _ws.expert.severity >= 0x00600000', '-T', 'fields', '-e', 'frame.number']).trim(), '')
  t.deepEqual(tshark(['-r', p, '-T', 'fields', '-e', 'frame.len']).trim().split('\n').map(Number), lengths)
  t.is(tshark(['-r', p, '-Y', 'ipx', '-T', 'fields', '-e', 'ipx.len']).trim().split('\n').length, lengths.length, 'every frame decodes as IPX')
}

tsharkTest('tshark reads our pcapng (3 interfaces, nanoseconds) without malformed or expert-error frames', t => {
  if (!requireReal(t, { tools: ['tshark'] })) return
  const frames = ipxFrames()
  const p = path.join(dir, 'tshark.pcapng')
  const w = new CaptureWriter(p, { interfaces: [{ name: 'dosbox0', linkType: 1 }, { name: 'rfc1234', linkType: 1, description: 'RFC 1234 peers' }] })
  const third = w.addInterface({ name: 'wan0', linkType: 1 })
  frames.forEach((data, i) => w.write({ data, interfaceId: i % 3 === 2 ? third : i % 3, timestampNs: 1_700_000_000_000_000_000n + BigInt(i) * 1_000_001n }))
  w.close()
  checkWithTshark(t, p, frames.map(f => f.length))
  t.deepEqual(tshark(['-r', p, '-T', 'fields', '-e', 'frame.interface_name']).trim().split('\n'),
    frames.map((_, i) => ['dosbox0', 'rfc1234', 'wan0'][i % 3]))
  t.deepEqual(tshark(['-r', p, '-T', 'fields', '-e', 'frame.time_epoch']).trim().split('\n'),
    frames.map((_, i) => `1700000000.${String(i * 1_000_001).padStart(9, '0')}`))
})

tsharkTest('tshark reads our pcap files (µs and ns) without malformed or expert-error frames', t => {
  if (!requireReal(t, { tools: ['tshark'] })) return
  const frames = ipxFrames()
  for (const nanosecond of [false, true]) {
    const p = path.join(dir, `tshark-${String(nanosecond)}.pcap`)
    const w = new CaptureWriter(p, { format: 'pcap', nanosecond, interfaces: [{ name: 'eth0', linkType: 1 }] })
    frames.forEach((data, i) => w.write({ data, timestampNs: 1_700_000_000_000_000_000n + BigInt(i) * 1_000_001n }))
    w.close()
    checkWithTshark(t, p, frames.map(f => f.length))
  }
})

tsharkTest('tshark reads encodePcapFile and encodePcapngFile output in both byte orders', t => {
  if (!requireReal(t, { tools: ['tshark'] })) return
  const frames = ipxFrames()
  for (const byteOrder of ['le', 'be'] as const) {
    const p = path.join(dir, `mem-${byteOrder}.pcap`)
    writeFileSync(p, capture.encodePcapFile(frames.map(data => ({ data, timestampNs: 1_000_000_000n })), 1, { byteOrder, nanosecond: byteOrder === 'be' }))
    checkWithTshark(t, p, frames.map(f => f.length))
    const q = path.join(dir, `mem-${byteOrder}.pcapng`)
    writeFileSync(q, capture.encodePcapngFile([{ linkType: 1, name: 'a' }, { linkType: 1, tsresol: 6 }],
      frames.map((data, i) => ({ data, interfaceId: i % 2, timestampNs: 2_000_000_000n })), { byteOrder }))
    checkWithTshark(t, q, frames.map(f => f.length))
  }
})
