import test from 'ava'
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { ROOT, REAL, realMissing, requireReal } from '../_env.js'
import { runCli } from '../_cli.js'
import type { Run } from '../_cli.js'

async function run (...argv: string[]): Promise<Run> {
  return await runCli(argv)
}


const SAMPLE = path.join(ROOT, 'fixtures', 'lab-sample.pcapng')

function tempDir (t: { teardown: (fn: () => void) => void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ipxlab-cli-'))
  t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })
  return dir
}

test('decode: one line per frame, exit 0', async t => {
  const r = await run('decode', SAMPLE)
  t.is(r.code, 0)
  const lines = r.stdout.trimEnd().split('\n')
  t.is(lines.length, 15)
  t.regex(lines[0] ?? '', /^ {4}1 1994-03-01T09:00:00\.000000000Z Ethernet_802\.2 00000A01:0080C8123456:4003 -> 00000A01:FFFFFFFFFFFF:0452 type=0x04\(PEP\) .* len=34 hops=0 IPX SAP: Nearest Query$/)
  t.regex(lines[8] ?? '', / Ethernet_SNAP .* type=0x05\(SPX\) .* SPX: SPX /)
  t.regex(lines[11] ?? '', / Ethernet_802\.3 .* type=0x14\(NetBIOS Broadcast\) .* NBIPX: Find name LABPC<00>$/)
  t.regex(r.stderr, /15 frames, 15 IPX, 0 malformed, 0 not IPX/)
})

test('decode --json: one object per frame with the codec\'s field names', async t => {
  const r = await run('decode', '--json', SAMPLE)
  t.is(r.code, 0)
  const objs = r.stdout.trim().split('\n').map(l => JSON.parse(l) as Record<string, unknown>)
  t.is(objs.length, 15)
  const first = objs[0] as { ipx: { length: number, packetType: number, dst: { socket: number } }, framing: string, protocol: string, frame: number }
  t.is(first.frame, 1)
  t.is(first.framing, 'llc')
  t.is(first.protocol, 'IPX SAP')
  t.deepEqual([first.ipx.length, first.ipx.packetType, first.ipx.dst.socket], [34, 4, 0x0452])
})

const need = { shared: true }
const why = realMissing(need)
;(why === undefined ? test : test.skip)(`decode: a malformed frame prints its code and offset, decoding goes on, exit 1${why !== undefined ? ` (skipped: ${why})` : ''}`, async t => {
  if (!requireReal(t, need)) return
  const r = await run('decode', path.join(REAL, 'captures/tcpdump/ipx-invalid-length.pcap'), SAMPLE)
  t.is(r.code, 1)
  t.regex(r.stdout, /^ {4}1 2003-11-17T16:41:40\.226660000Z malformed IPX_ERR_BAD_LENGTH at offset 19: ipx length 29 is below the 30-byte header \(IPX: Unknown \(0x402b\)\[Malformed Packet\]\)$/m)
  t.is(r.stdout.trim().split('\n').length, 16, 'the next file was decoded too')
})

;(why === undefined ? test : test.skip)(`decode: IPX in UDP on port 10000 (doom.cap), snapped records are not malformed${why !== undefined ? ` (skipped: ${why})` : ''}`, async t => {
  if (!requireReal(t, need)) return
  const r = await run('decode', path.join(REAL, 'captures/ipxbox/doom.cap'))
  t.is(r.code, 0)
  t.regex(r.stderr, /1124 frames, 1124 IPX, 0 malformed/)
  t.regex(r.stdout, /^ {2}125 .* IPX-in-UDP\(31357->10000\) .*\[snapped: 2 bytes not captured\]$/m)
})

test('decode: a tunnel port named with --udp-port', async t => {
  const r = await run('decode', '--udp-port', '7777', '--udp-port', '8888', SAMPLE)
  t.is(r.code, 0)
  const bad = await run('decode', '--udp-port', '70000', SAMPLE)
  t.is(bad.code, 2)
  t.regex(bad.stderr, /UDP port/)
})

const broken = test.macro({
  async exec (t, make: (dir: string) => string, pattern: RegExp) {
    const dir = tempDir(t)
    const r = await run('decode', make(dir))
    t.is(r.code, 2)
    t.regex(r.stderr, pattern)
    t.notRegex(r.stderr, /\n\s+at /, 'no stack trace')
    t.is(r.stderr.split('\n').filter(l => l.startsWith('ipxlab:')).length, 1, 'one clear line')
  },
  title: (name?: string) => `decode: broken input gives one clear line and exit 2: ${name ?? ''}`
})
test('missing file', broken, dir => path.join(dir, 'nope.pcap'), /nope\.pcap: cannot open capture: no such file/)
test('a directory', broken, dir => dir, /is a directory/)
test('zero-length', broken, dir => { const f = path.join(dir, 'empty.pcap'); writeFileSync(f, ''); return f }, /the file is empty/)
test('wrong magic', broken, dir => { const f = path.join(dir, 'text.pcap'); writeFileSync(f, 'hello, this is not a capture file at all'); return f }, /not a pcap or pcapng file/)
test('truncated mid-record', broken, dir => {
  const f = path.join(dir, 'cut.pcapng')
  writeFileSync(f, readFileSync(SAMPLE).subarray(0, 400))
  return f
}, /capture is truncated: \d+ whole records? read, then an incomplete record at byte offset \d+/)

test('usage errors exit 2', async t => {
  t.is((await run('decode')).code, 2)
  t.is((await run('no-such-command')).code, 2)
  t.is((await run('--help')).code, 0)
})
