import test from 'ava'
import path from 'node:path'
import { runCli } from '../_cli.js'
import { ROOT } from '../_env.js'

async function explain (frame: number): Promise<string> {
  const r = await runCli(['explain', path.join(ROOT, 'fixtures', 'lab-sample.pcapng'), '--frame', String(frame)])
  if (r.code !== 0) throw new Error(`explain exited ${r.code}`)
  return r.stdout
}

test('ipxlab explain shows which QoS rule puts the frame in which class, and why earlier rules did not', async t => {
  const spxData = await explain(11)
  t.regex(spxData, /QoS class: interactive \(rule spx-data: /)
  t.regex(spxData, /MATCH #12 spx-data -> interactive/)
  t.regex(spxData, /no {4}#9 game -> game\n {10}src socket 0x4010 \/ dst socket 0x8060: neither is one of 0x869b, 0x869c, 0x869d/)
  t.regex(await explain(3), /QoS class: network_control \(rule rip: /)
  t.regex(await explain(12), /QoS class: background \(rule netbios-type20: /)
})
