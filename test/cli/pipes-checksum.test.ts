/**
 * Issue 12 item 5: a closed stdout ends a command quietly with exit 0; a bad IPX checksum under
 * --verify-checksum is a finding on a frame still shown whole; `ping` reads nodes as logs print them.
 */
import test from 'ava'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { ROOT, REAL, realMissing, requireReal } from '../_env.js'
import { runCli } from '../_cli.js'
import { ethernetIpx, pcapOf } from '../_pcap.js'
import { parseTarget } from '../../src/cli/ping.js'
import { isClosedPipe, endQuietlyOnClosedPipe } from '../../src/cli/pipes.js'
import { EventEmitter } from 'node:events'

const BULK = path.join(ROOT, 'fixtures', 'ncp-bulk-copy.pcapng')

/** Runs the CLI from source with stdout a pipe, and closes the pipe after the first chunk. */
async function firstChunkThenClose (argv: string[]): Promise<{ code: number | null, signal: NodeJS.Signals | null, stderr: string, first: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts'), ...argv], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  let first = ''
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString() })
  child.stdout.once('data', (c: Buffer) => {
    first = c.toString()
    child.stdout.destroy()
  })
  return await new Promise(resolve => child.on('close', (code, signal) => { resolve({ code, signal, stderr, first }) }))
}

const IPXPKT = path.join(REAL, 'captures/ipxbox/ipxpkt.cap')
const why = realMissing({ shared: true })
for (const argv of [['decode', '--json', BULK], ['decode', BULK], ['lint', IPXPKT, IPXPKT, IPXPKT, IPXPKT, IPXPKT, IPXPKT]]) {
  const needsShared = argv.includes(IPXPKT)
  ;(needsShared && why !== undefined ? test.skip : test)(`a reader closing stdout ends \`ipxlab ${argv[0] ?? ''} ${argv[1]?.startsWith('--') === true ? argv[1] : ''}\` quietly with exit 0${needsShared && why !== undefined ? ` (skipped: ${why})` : ''}`, async t => {
    if (needsShared && !requireReal(t, { shared: true })) return
    const r = await firstChunkThenClose(argv)
    t.true(r.first.length > 0, 'the command wrote before the pipe closed')
    t.is(r.code, 0)
    t.notRegex(r.stderr, /EPIPE|Error|at /)
  })
}

test('isClosedPipe knows EPIPE; other errors still throw', t => {
  t.true(isClosedPipe(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' })))
  t.false(isClosedPipe(new Error('boom')))
  const stream = new EventEmitter()
  const exits: number[] = []
  endQuietlyOnClosedPipe(stream as unknown as NodeJS.WritableStream, c => { exits.push(c) })
  stream.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }))
  t.deepEqual(exits, [0])
  t.throws(() => stream.emit('error', Object.assign(new Error('disk full'), { code: 'ENOSPC' })), { message: 'disk full' })
})

/** A pcap of one Ethernet II IPX frame (a SAP general query) whose checksum is `checksum`. */
function onePacketPcap (checksum: number): Buffer {
  return pcapOf([ethernetIpx({ packetType: 4, checksum, dst: { network: 1, node: 0xffffffffffff, socket: 0x0452 }, src: { network: 1, node: 0x020000000001, socket: 0x4003 } }, Buffer.from('00010452', 'hex'))])
}

test('--verify-checksum: a bad checksum is a finding on a frame whose header is still shown (text and JSON), exit 1', async t => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ipxlab-sum-'))
  t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })
  const file = path.join(dir, 'bad-sum.pcap')
  writeFileSync(file, onePacketPcap(0x1234))
  const text = await runCli(['decode', '--verify-checksum', file])
  t.is(text.code, 1)
  t.regex(text.stdout, /^ {4}1 .* 00000001:020000000001:4003 -> 00000001:FFFFFFFFFFFF:0452 type=0x04\(PEP\) .* len=34 hops=0 IPX SAP: General Query \[bad checksum 0x1234, the sum gives 0x[0-9a-f]{4}\]$/m)
  t.notRegex(text.stdout, /malformed/)
  t.regex(text.stderr, /1 frames, 1 IPX, 0 malformed, 0 not IPX, 1 bad checksum$/m)
  const json = await runCli(['decode', '--json', '--verify-checksum', file])
  const o = JSON.parse(json.stdout) as { kind: string, ipx: { checksum: number }, badChecksum: { stored: number, correct: number } }
  t.is(o.kind, 'ipx')
  t.is(o.ipx.checksum, 0x1234)
  t.is(o.badChecksum.stored, 0x1234)
  t.not(o.badChecksum.correct, 0x1234)
  const plain = await runCli(['decode', file])
  t.is(plain.code, 0, 'without --verify-checksum the checksum is not judged')
  const good = onePacketPcap(0xffff)
  writeFileSync(file, good)
  t.is((await runCli(['decode', '--verify-checksum', file])).code, 0)
})

test('ping reads NET:NODE with the node as the logs print it, and a node alone', t => {
  t.deepEqual(parseTarget('00000001:02:72:20:83:75:73'), { network: 1, node: 0x027220837573, socket: 0 })
  t.deepEqual(parseTarget('02:72:20:83:75:73'), { network: 0, node: 0x027220837573, socket: 0 })
  t.deepEqual(parseTarget('00000001:027220837573'), { network: 1, node: 0x027220837573, socket: 0 })
  t.deepEqual(parseTarget('0000000A:02:72:20:83:75:73:9086'), { network: 10, node: 0x027220837573, socket: 0x9086 })
  t.is(parseTarget('02:72:20:83:75'), undefined)
  t.is(parseTarget('nonsense'), undefined)
})

test('ping rejects a malformed target with a ConfigError line, exit 2', async t => {
  const r = await runCli(['ping', '02:72:20:83', '--via', '127.0.0.1:9'])
  t.is(r.code, 2)
  t.regex(r.stderr, /is not NET:NODE/)
})
