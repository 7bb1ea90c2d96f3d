/** decode/lint/explain share one dissection: `--json` carries it whole, `-Y` filters each view. */
import test from 'ava'
import path from 'node:path'
import { ROOT, REAL, realMissing, requireReal } from '../_env.js'
import { runCli } from '../_cli.js'

const LOGIN = path.join(ROOT, 'fixtures', 'netware-login.pcapng')
const SAMPLE = path.join(ROOT, 'fixtures', 'lab-sample.pcapng')

interface Field { name: string, field: string, offset: number, size: number, value?: number | string, show?: string, meaning: string }
interface Layer { layer: string, offset: number, size: number, next?: string, fields: Field[] }
interface Frame { frame: number, protocol: string, info: string, dissection: { path: string, layers: Layer[] } }

function frames (stdout: string): Frame[] {
  return stdout.trim().split('\n').map(l => JSON.parse(l) as Frame)
}

function field (f: Frame, name: string): Field[] {
  return f.dissection.layers.flatMap(l => l.fields.filter(x => x.name === name))
}

test('decode --json: the whole dissection, every layer naming the next, fields by Wireshark name with byte ranges', async t => {
  const r = await runCli(['decode', '--json', SAMPLE])
  t.is(r.code, 0)
  const all = frames(r.stdout)
  const sapResponse = all[1]!
  t.is(sapResponse.protocol, 'IPX SAP')
  t.is(sapResponse.info, 'Nearest Response')
  t.deepEqual(sapResponse.dissection.layers.map(l => [l.layer, l.next]), [['ethernet', 'llc'], ['llc', 'ipx'], ['ipx', 'sap'], ['sap', undefined]])
  t.deepEqual(field(sapResponse, 'ipxsap.server.name').map(x => x.value), ['FS1'])
  t.deepEqual(field(sapResponse, 'ipx.dst.socket').map(x => [x.offset, x.size]), [[17 + 16, 2]])
  const rip = all[3]!
  t.true(field(rip, 'ipxrip.route_vector').length >= 1)
  const ncp = all[4]!
  t.is(ncp.info, 'C Create Connection Service')
  t.deepEqual(field(ncp, 'ncp.type').map(x => x.value), [0x1111])
  const nb = all[11]!
  t.deepEqual(field(nb, 'netbios.nb_name').map(x => x.value), ['LABPC'])
  const spx = all[8]!
  t.true(field(spx, 'spx.src').length === 1 && field(spx, 'spx.dst').length === 1)
  // Coverage: each frame's fields and filler tile the captured bytes (no gaps inside a layer).
  for (const f of all) for (const l of f.dissection.layers) t.is(l.fields.reduce((n, x) => n + x.size, 0), l.size, `frame ${f.frame} ${l.layer}`)
})

test('decode --json: NCP requests carry function and subfunction, and the subfunction\'s Wireshark name', async t => {
  const r = await runCli(['decode', '--json', '-Y', 'ncp.func == 0x17 and ncp.subfunc == 0x17', LOGIN])
  t.is(r.code, 0)
  const [request, reply] = frames(r.stdout)
  t.is(request?.info, 'C Get Login Key')
  t.regex(field(request!, 'ncp.subfunc')[0]?.meaning ?? '', /Get Login Key \(Wireshark's name for 0x17\/0x17\)/)
  t.is(reply?.info, 'R OK', 'the reply carries its request\'s function, as in tshark')
  t.regex(r.stderr, /28 frames, 28 IPX, 0 malformed, 0 not IPX, 2 shown by -Y/)
})

test('decode -Y: the example from the issue, and a syntax error pointing at its column with exit 2', async t => {
  const ok = await runCli(['decode', '-Y', 'ipx.src.socket == 0x0452 and ipxsap.packet_type == 4', SAMPLE, LOGIN])
  t.is(ok.code, 0)
  t.is(ok.stdout.trim().split('\n').length, 2)
  t.regex(ok.stdout, /IPX SAP: Nearest Response/)
  const bad = await runCli(['decode', '-Y', 'ipx.dst.socket == and sap', SAMPLE])
  t.is(bad.code, 2)
  t.is(bad.stdout, '')
  t.is(bad.stderr, 'ipxlab: -Y: expected a value after "==" (column 19)\n  ipx.dst.socket == and sap\n                    ^ expected a value after "=="\n')
})

test('explain -Y without --frame explains every frame that passes; with --frame, a frame that does not pass is refused', async t => {
  const all = await runCli(['explain', LOGIN, '-Y', 'ncp.func == 0x48', '--format', 'markdown'])
  t.is(all.code, 0)
  t.is(all.stdout.match(/^## Frame /gm)?.length, 6, "3 reads and their replies, which carry ncp.func as in tshark")
  t.regex(all.stdout, /Info: C Read From File - 0x00000c1b0000/)
  t.regex(all.stderr, /6 frames pass -Y "ncp.func == 0x48"/)
  const one = await runCli(['explain', LOGIN, '--frame', '1', '-Y', 'ncp'])
  t.is(one.code, 1)
  t.regex(one.stderr, /frame 1 of .* does not pass -Y "ncp"/)
  const none = await runCli(['explain', LOGIN])
  t.is(none.code, 2)
  t.regex(none.stderr, /--frame must be a frame number/)
  const bad = await runCli(['explain', LOGIN, '-Y', 'ncp.nope'])
  t.is(bad.code, 2)
  t.regex(bad.stderr, /"ncp.nope" is neither a field nor a protocol name \(column 1\)/)
})

const why = realMissing({ shared: true })
;(why === undefined ? test : test.skip)(`lint -Y lints only the frames that pass${why !== undefined ? ` (skipped: ${why})` : ''}`, async t => {
  if (!requireReal(t, { shared: true })) return
  const file = path.join(REAL, 'captures/ipxbox/ipxpkt.cap')
  const all = await runCli(['lint', file])
  const some = await runCli(['lint', '-Y', 'ipx.packet_type == 0x14', file])
  t.is(all.code, 1)
  t.is(some.code, 1)
  const n = some.stdout.trim().split('\n').length
  t.true(n > 0 && n < all.stdout.trim().split('\n').length)
  t.regex(some.stderr, /^.*ipxpkt\.cap: \d+ frames?, /m)
  const none = await runCli(['lint', '-Y', 'ncp', file])
  t.is(none.code, 0)
  t.regex(none.stderr, /0 frames, 0 findings/)
})
