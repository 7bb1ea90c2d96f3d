/**
 * Issue 11's proof on real DOSBox: a game over a real slow link. Two hand-configured nodes linked
 * with `qos: { discipline, wan: 'isdn-64k' }` (what `ipxlab node --qos snp --wan isdn-64k` builds),
 * a real DOSBox 0.74 client on each, and a bulk replay through the same link (NCP read replies of
 * 1424 bytes from a capture, into node A as a DOSBox client, to a listener on node B): `IPXNET PING`
 * on A's DOSBox is answered by B's, and its round trip under SNP (with LFI, which `auto` turns on
 * at 64 kbit/s) is below the FIFO run's, where the ping waits behind the bulk queue.
 *
 * The replay holds a steady queue: 3 frames at once, then one every 0.97 frame times, so under
 * FIFO the ping waits for 3-4 frames (about 0.6 s at 64 kbit/s, inside DOSBox's 1.5 s ping window).
 * Each run takes about 8 s.
 */
import test from 'ava'
import type { ExecutionContext } from 'ava'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { DOSBOX, dosboxMissing as missing, conf, startDosbox, dosboxDir, dosFile, exited } from '../_dosbox.js'
import { until } from '../transport/_dosbox-client.js'
import { twoNodes } from './_two-nodes.js'
import { Replayer } from '../../src/capture/replay.js'
import { DosboxClient } from '../../src/transport/dosbox-client.js'
import { CaptureWriter } from '../../src/capture/writer.js'
import { ncpReplyDatagram } from '../../src/qos/simulate.js'
import { ethernet, ipx } from '../../protocol/index.js'

const FRAME = 1424
const FRAME_MS = FRAME * 8 / 64
const FRAMES = 50

/** The bulk capture: NCP replies to `dst`, 3 at t = 0, then one every 0.97 frame times. */
function bulkCapture (file: string, dst: number): void {
  const w = new CaptureWriter(file, { format: 'pcapng', interfaces: [{ name: 'bulk', linkType: 1 }] })
  for (let k = 0; k < FRAMES; k++) {
    const d = ncpReplyDatagram(FRAME, k)
    d.writeUInt32BE(0, 6)
    d.writeUIntBE(dst, 10, 6)
    d.writeUInt32BE(0, 18)
    const at = Math.max(0, k - 2) * 0.97 * FRAME_MS
    w.write({ data: ethernet.encodeIpx(ipx.packet.decode(d), ethernet.Framing.EthernetII, { src: 0x020000000001, dst: 0x020000000002 }), interfaceId: 0, timestampNs: BigInt(Math.round(at * 1e6)) + 1_700_000_000_000_000_000n })
  }
  w.close()
}

interface PingRun { rttMs: number, output: string, bulkReceived: number, utilisation: number | null }

async function pingUnderBulk (t: ExecutionContext, discipline: 'fifo' | 'snp'): Promise<PingRun> {
  const { dir, cDir } = dosboxDir(t)
  // Default (60 s) RIP and SAP timers: the nodes' own broadcasts would otherwise show in the ping output.
  const { a, b, aPort, bPort } = await twoNodes(t, { extra: { timers: {}, qos: { discipline, wan: 'isdn-64k' } } })
  writeFileSync(path.join(dir, 'B.conf'), conf(cDir, [`ipxnet connect 127.0.0.2 ${bPort} > c:\\B.TXT`]))
  startDosbox(t, dir, 'B')
  t.true(await until(() => b.dosbox.clients().length >= 1, 20_000), 'B\'s DOSBox registered with node B')
  const bClient = b.dosbox.clients()[0]!

  let bulkReceived = 0
  const sink = new DosboxClient({ to: { host: '127.0.0.2', port: bPort }, onDatagram: d => { if (d.length === FRAME) bulkReceived++ } })
  await sink.open()
  t.teardown(async () => { await sink.close() })
  const file = path.join(dir, 'bulk.pcapng')
  bulkCapture(file, sink.sourceNode!)
  const sender = new DosboxClient({ to: { host: '127.0.0.1', port: aPort } })
  t.teardown(async () => { await sender.close() })
  const abort = new AbortController()
  const replay = new Replayer({ path: file, sender, timing: { kind: 'original', speed: 1 }, signal: abort.signal }).run()
  t.true(await until(() => bulkReceived >= 2, 5000), 'the bulk is crossing the link')

  writeFileSync(path.join(dir, 'A.conf'), conf(cDir, [`ipxnet connect 127.0.0.1 ${aPort} > c:\\A.TXT`, 'ipxnet ping >> c:\\APING.TXT', 'exit']))
  const dosA = startDosbox(t, dir, 'A')
  t.not(await exited(dosA, 40_000), 'timeout', 'client A exited by itself')
  const utilisation = a.stats().peers[0]!.qos.utilisation
  abort.abort()
  await replay
  const output = dosFile(cDir, 'APING.TXT').replaceAll('\r', '').trim()
  const m = new RegExp(`Response from ${bClient.ipv4.replaceAll('.', '\\.')}, port ${bClient.port} time=(\\d+)ms`).exec(output)
  await a.stop()
  await b.stop()
  // No answer within DOSBox's 1.5 s window is a round trip longer than the window.
  return { rttMs: m === null ? Infinity : Number(m[1]), output, bulkReceived, utilisation }
}

(missing === undefined ? test.serial : test.skip)(`real DOSBox 0.74, two nodes on isdn-64k under a bulk replay: IPXNET PING's round trip under SNP is below FIFO's${missing !== undefined ? ` (${missing})` : ''}`, async t => {
  t.timeout(120_000)
  if (DOSBOX === undefined) {
    t.fail('CI is set but this test needs the `dosbox` command')
    return
  }
  const fifo = await pingUnderBulk(t, 'fifo')
  const snp = await pingUnderBulk(t, 'snp')
  t.log(`FIFO: ${fifo.rttMs} ms (${fifo.bulkReceived} bulk frames, utilisation ${fifo.utilisation}); SNP + LFI: ${snp.rttMs} ms (${snp.bulkReceived} bulk frames, utilisation ${snp.utilisation})`)
  t.log(`FIFO ping output: ${fifo.output}`)
  t.log(`SNP ping output: ${snp.output}`)
  t.true(Number.isFinite(snp.rttMs), 'B\'s DOSBox answered within the ping window under SNP')
  t.true(snp.rttMs < fifo.rttMs, `SNP ${snp.rttMs} ms < FIFO ${fifo.rttMs} ms`)
  for (const r of [fifo, snp]) t.true(r.bulkReceived >= 5, 'the bulk kept crossing while the ping ran')
})
