import test from 'ava'
import type { ExecutionContext } from 'ava'
import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { execFileSync } from 'node:child_process'
import { pathToFileURL } from 'node:url'
import { capture, DecodeError } from '../../protocol/index.js'
import { readCapture } from '../../src/capture/reader.js'
import type { CaptureRecord } from '../../src/capture/reader.js'
import { CaptureError } from '../../src/errors.js'
import { ROOT, REAL, realMissing, requireReal } from '../_env.js'

const dir = mkdtempSync(path.join(tmpdir(), 'ipxlab-capture-'))
test.after.always(() => rmSync(dir, { recursive: true, force: true }))

function file (name: string, bytes: Buffer): string {
  const p = path.join(dir, name)
  writeFileSync(p, bytes)
  return p
}

/** Collects records until the generator ends or throws; returns both. */
async function drain (p: string, chunkSize?: number): Promise<{ records: CaptureRecord[], error: unknown }> {
  const records: CaptureRecord[] = []
  try {
    for await (const r of readCapture(p, chunkSize === undefined ? {} : { chunkSize })) records.push(r)
    return { records, error: undefined }
  } catch (error) {
    return { records, error }
  }
}

const FRAMES = Array.from({ length: 5 }, (_, i) => ({ data: Buffer.alloc(40 + i, i), timestampNs: BigInt(i) * 1_000_000_000n }))

const missing = realMissing({ shared: true })
const REAL_COUNTS: Array<[string, number]> = [
  ['tcpdump/ipx.pcap', 64], ['tcpdump/ipx-invalid-length.pcap', 1], ['tcpdump/smb_print_trans-oobr1.pcap', 4],
  ['ipxbox/ipxpkt.cap', 97], ['ipxbox/doom.cap', 1124], ['ipxbox/doom.linktype-null.pcap', 1124]
]
for (const [name, count] of REAL_COUNTS) {
  const title = `readCapture streams real ${name}: ${count} records`
  const fn = async (t: ExecutionContext): Promise<void> => {
    if (!requireReal(t, { shared: true })) return
    const { records, error } = await drain(path.join(REAL, 'captures', name), 4096)
    t.is(error, undefined)
    t.is(records.length, count)
    t.deepEqual(records.map(r => r.index), records.map((_, i) => i))
  }
  if (missing === undefined) test(title, fn)
  else test.skip(`${title} (${missing})`, fn)
}

test('pcap and pcapng files read back whole, in small chunks too', async t => {
  const pcap = file('ok.pcap', capture.encodePcapFile(FRAMES, 1, { nanosecond: true }))
  const ng = file('ok.pcapng', capture.encodePcapngFile([{ linkType: 1 }], FRAMES.map(f => ({ ...f, interfaceId: 0 }))))
  for (const p of [pcap, ng]) {
    for (const chunkSize of [undefined, 7]) {
      const { records, error } = await drain(p, chunkSize)
      t.is(error, undefined)
      t.deepEqual(records.map(r => [r.timestampNs, r.data]), FRAMES.map(f => [f.timestampNs, f.data]))
    }
  }
})

test('truncated mid-record: every whole record first, then IPX_ERR_CAPTURE_TRUNCATED', async t => {
  const whole = capture.encodePcapFile(FRAMES, 1)
  const p = file('cut.pcap', whole.subarray(0, whole.length - 10))
  const { records, error } = await drain(p, 16)
  t.is(records.length, 4)
  t.true(error instanceof CaptureError)
  const err = error as CaptureError
  t.is(err.code, 'IPX_ERR_CAPTURE_TRUNCATED')
  t.is(err.path, p)
  t.true(err.cause instanceof DecodeError)
  // The offset where reading stopped: just past the 4th record.
  t.is((err.cause as DecodeError).offset, 24 + FRAMES.slice(0, 4).reduce((n, f) => n + 16 + f.data.length, 0))
  t.false(err.message.includes('\n'))
})

const fails = test.macro({
  async exec (t, make: () => string, code: CaptureError['code']) {
    const p = make()
    const { records, error } = await drain(p)
    t.is(records.length, 0)
    t.true(error instanceof CaptureError, String(error))
    t.is((error as CaptureError).code, code)
    t.is((error as CaptureError).path, p)
    t.false((error as CaptureError).message.includes('\n'))
  },
  title: (given = '', _make, code: string) => `${given} → ${code}`
})

test('wrong magic', fails, () => file('text.pcap', Buffer.from('this is not a capture file\n')), 'IPX_ERR_CAPTURE_FORMAT')
test('zero-length file', fails, () => file('empty.pcap', Buffer.alloc(0)), 'IPX_ERR_CAPTURE_FORMAT')
test('bad pcapng block', fails, () => {
  const b = capture.encodePcapngFile([{ linkType: 1 }], [])
  b.writeUInt32LE(13, 28 + 4) // IDB length not a multiple of 4
  return file('bad.pcapng', b)
}, 'IPX_ERR_CAPTURE_FORMAT')
test('a directory', fails, () => dir, 'IPX_ERR_CAPTURE_OPEN')
test('a missing file', fails, () => path.join(dir, 'no-such.pcap'), 'IPX_ERR_CAPTURE_OPEN')

// root reads any file whatever its mode, so EACCES needs another user: as root (CI), the read runs
// in a child process that drops to `nobody`; otherwise the test itself is that other user.
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0
if (!isRoot) {
  test('an unreadable file', fails, () => {
    const p = file('secret.pcap', capture.encodePcapFile(FRAMES, 1))
    chmodSync(p, 0o000)
    return p
  }, 'IPX_ERR_CAPTURE_OPEN')
} else {
  test('an unreadable file (read as nobody, since root reads any file) → IPX_ERR_CAPTURE_OPEN', t => {
    const p = file('secret.pcap', capture.encodePcapFile(FRAMES, 1))
    chmodSync(dir, 0o755)
    chmodSync(p, 0o000)
    const reader = pathToFileURL(path.join(ROOT, 'src', 'capture', 'reader.ts')).href
    const script = `const { readCapture } = await import(${JSON.stringify(reader)});
      try { for await (const _ of readCapture(${JSON.stringify(p)})) {} ; console.log('read it') }
      catch (e) { console.log(e.name, e.code, e.message.includes('permission denied')) }`
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: ROOT, uid: 65534, gid: 65534, encoding: 'utf8', env: { ...process.env, HOME: tmpdir() } })
    t.is(out.trim(), 'CaptureError IPX_ERR_CAPTURE_OPEN true')
  })
}

test('stopping early closes the file without error', async t => {
  const p = file('early.pcap', capture.encodePcapFile(FRAMES, 1))
  let n = 0
  for await (const r of readCapture(p)) { n++; if (r.index === 1) break }
  t.is(n, 2)
})
