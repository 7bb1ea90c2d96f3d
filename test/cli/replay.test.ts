import test from 'ava'
import type { ExecutionContext } from 'ava'
import dgram from 'node:dgram'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { runCli } from '../_cli.js'
import type { Run } from '../_cli.js'
import { startDosboxNode } from '../../src/transport/serve.js'
import type { DosboxNode } from '../../src/transport/serve.js'
import { TestClient } from '../transport/_dosbox-client.js'
import { ROOT, REAL, realMissing, requireReal } from '../_env.js'

async function run (argv: string[], tty = false): Promise<Run> {
  return await runCli(argv, { tty })
}

const SAMPLE = path.join(ROOT, 'fixtures', 'lab-sample.pcapng')

async function dosboxNode (t: ExecutionContext): Promise<DosboxNode> {
  const n = await startDosboxNode({ listen: '127.0.0.1:0' })
  t.teardown(async () => { await n.stop() })
  return n
}

function tempDir (t: ExecutionContext): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ipxlab-cli-replay-'))
  t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })
  return dir
}

test('replay --to takes a host name, as a container service name would be (compose.yaml: node-a:2644)', async t => {
  const n = await dosboxNode(t)
  const r = await run(['replay', SAMPLE, '--to', `localhost:${n.address.port}`, '--max'])
  t.is(r.code, 0, r.stderr)
  t.regex(r.stdout, /^sent: 15 /m)
  const bad = await run(['replay', SAMPLE, '--to', 'no_such host:2644', '--max'])
  t.is(bad.code, 2)
  t.regex(bad.stderr, /ipxlab: to: must be ADDR:PORT/)
})

test('replay --max into a DOSBox server: every frame sent, the summary names the rewrite, exit 0', async t => {
  const n = await dosboxNode(t)
  const listener = await TestClient.open(n.address.port)
  t.teardown(async () => { await listener.close() })
  await listener.register()
  listener.clear()
  const r = await run(['replay', SAMPLE, '--to', `127.0.0.1:${n.address.port}`, '--max'])
  t.is(r.code, 0, r.stderr)
  t.regex(r.stdout, /^replayed .*lab-sample\.pcapng into 127\.0\.0\.1:\d+ as a DOSBox client, node 7f:00:00:01:[0-9a-f]{2}:[0-9a-f]{2}$/m)
  t.regex(r.stdout, /every source node was rewritten to that node/)
  t.regex(r.stdout, /^frames read: 15$/m)
  t.regex(r.stdout, /^sent: 15 \(15 with rewritten addresses\)$/m)
  t.regex(r.stdout, /^skipped: 0$/m)
  t.regex(r.stdout, /^elapsed: \d+\.\d{3} s, rate: \d+ frames\/s$/m)
  // The server saw the registration, 15 frames and the flow-control markers; none was spoofed.
  t.is(n.counters.dropped.spoofed, 0)
  t.is(n.counters.dropped.unregistered, 0)
  // Its 4 broadcasts reached the other client (the listener), and so did the replayer's RIP
  // request for the node's networks (src/capture/network-map.ts), which a plain DOSBox server
  // relays as any broadcast and nobody answers; unicasts to nodes nobody has were counted.
  t.true(await listener.waitFor(5, 2000))
  t.is(listener.received.length, 5)
  t.is(listener.received.filter(d => d.readUInt16BE(16) === 0x0453 && d[5] === 1).length, 2, 'the RIP request and the sample\'s own')
  t.regex(r.stdout, /^networks: kept as captured \(no RIP answer/m)
  t.is(n.counters.dropped.unknown_destination, 11)
})

test('replay: filters, rewrites and --loop show in the summary', async t => {
  const n = await dosboxNode(t)
  const r = await run(['replay', SAMPLE, '--to', `127.0.0.1:${n.address.port}`, '--max', '--loop', '2', '--frames', '2-9', '--socket', '0x0452', '--socket', '0x0453', '--network', '00000001'])
  t.is(r.code, 0, r.stderr)
  t.regex(r.stdout, /^frames read: 30 over 2 passes$/m)
  const sent = Number(/^sent: (\d+)/m.exec(r.stdout)?.[1])
  t.true(sent > 0 && sent < 16)
  t.regex(r.stdout, /^skipped: \d+ \(frame_range 14, socket \d+\)$/m)
  const typed = await run(['replay', SAMPLE, '--to', `127.0.0.1:${n.address.port}`, '--max', '--type', '0x14'])
  t.regex(typed.stdout, /^sent: 1 /m, 'one NetBIOS broadcast (type 20) in the sample')
})

test('replay: a capture cut inside a record is replayed up to its last whole record, says where it stopped in one line on stderr, exit 2 (as every command for a damaged file)', async t => {
  const n = await dosboxNode(t)
  const file = path.join(tempDir(t), 'cut.pcapng')
  const bytes = readFileSync(SAMPLE)
  writeFileSync(file, bytes.subarray(0, bytes.length - 10))
  const r = await run(['replay', file, '--to', `127.0.0.1:${n.address.port}`, '--max'])
  t.is(r.code, 2)
  t.regex(r.stdout, /^sent: 14 /m)
  t.is(r.stderr.trim().split('\n').length, 1, r.stderr)
  t.regex(r.stderr, /^ipxlab replay: stopped early: .*capture is truncated: 14 whole records read, then an incomplete record at byte offset \d+ \(IPX_ERR_CAPTURE_TRUNCATED\); every whole record before it was replayed$/m)
})

const need = { shared: true }
const why = realMissing(need)
;(why === undefined ? test : test.skip)(`replay: a malformed frame is skipped and named, exit 1${why !== undefined ? ` (skipped: ${why})` : ''}`, async t => {
  if (!requireReal(t, need)) return
  const n = await dosboxNode(t)
  const r = await run(['replay', path.join(REAL, 'captures/tcpdump/ipx-invalid-length.pcap'), '--to', `127.0.0.1:${n.address.port}`, '--max'])
  t.is(r.code, 1)
  t.regex(r.stdout, /^skipped: 1 \(malformed 1\)$/m)
  t.regex(r.stdout, /^ {2}first malformed: frame 1, IPX_ERR_BAD_LENGTH at offset 19$/m)
})

test('replay: unreadable capture or wrong options exit 2 before any datagram is sent', async t => {
  const dir = tempDir(t)
  const missing = await run(['replay', path.join(dir, 'nope.pcap'), '--to', '127.0.0.1:2644'])
  t.is(missing.code, 2)
  t.regex(missing.stderr, /cannot open capture: no such file/)
  for (const argv of [
    ['replay', SAMPLE],
    ['replay', SAMPLE, '--to', '127.0.0.1:2644', '--speed', '2', '--max'],
    ['replay', SAMPLE, '--to', '127.0.0.1:2644', '--speed', '0'],
    ['replay', SAMPLE, '--to', '127.0.0.1:2644', '--frames', '5-2'],
    ['replay', SAMPLE, '--to', '127.0.0.1:2644', '--map-node', '0080C8123456'],
    ['replay', SAMPLE, '--to', '127.0.0.1:2644', '--map-network', 'zz=1'],
    ['replay', SAMPLE, '--to', '127.0.0.1:2644', '--socket', '70000'],
    ['replay', SAMPLE, '--to', '127.0.0.1:2644', '--mode', 'native'],
    ['replay', SAMPLE, '--to', '127.0.0.1:2644', '--mode', 'telnet'],
    ['replay', SAMPLE, '--to', '127.0.0.1:2644', '--key', '0011'],
    ['replay', SAMPLE, '--to', 'not-an-address']
  ]) {
    const r = await run(argv)
    t.is(r.code, 2, argv.join(' '))
  }
})

test('replay: a node that never answers the registration: exit 2 after the retries', async t => {
  const silent = dgram.createSocket('udp4')
  await new Promise<void>(resolve => { silent.bind(0, '127.0.0.1', () => { resolve() }) })
  t.teardown(() => { silent.close() })
  let got = 0
  silent.on('message', () => { got++ })
  const r = await run(['replay', SAMPLE, '--to', `127.0.0.1:${silent.address().port}`, '--max'])
  t.is(r.code, 2)
  t.regex(r.stderr, /no DOSBox registration ack/)
  t.is(got, 4, 'four registration attempts')
})

test('replay: piped, a plain progress line per second on stderr', async t => {
  const n = await dosboxNode(t)
  // The sample spans 140 ms; at a tenth of the speed that is 1.4 s: one progress line.
  const r = await run(['replay', SAMPLE, '--to', `127.0.0.1:${n.address.port}`, '--speed', '0.1'])
  t.is(r.code, 0)
  t.regex(r.stderr, /^replay: \d+ records read, \d+ sent, 0 skipped, \d+ frames\/s$/m)
  t.regex(r.stdout, /^elapsed: 1\.\d{3} s/m)
})

test('replay: on a terminal, a cli-progress bar on stderr', async t => {
  const n = await dosboxNode(t)
  const r = await run(['replay', SAMPLE, '--to', `127.0.0.1:${n.address.port}`, '--max'], true)
  t.is(r.code, 0)
  t.regex(r.stderr, /replay \[[^\]]*\] 100% \| 15\/15 records \| sent 15 \| skipped 0/)
})
