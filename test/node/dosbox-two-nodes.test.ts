/**
 * Issue 5's proof on real DOSBox: a DOSBox 0.74 client attached to node A runs `IPXNET PING`, and a
 * DOSBox client attached to node B answers, in bridge mode, through the native tunnel between the
 * two nodes (A on 127.0.0.1, B on 127.0.0.2).
 */
import test from 'ava'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { DOSBOX, dosboxMissing as missing, conf, startDosbox, dosboxDir, dosFile, exited } from '../_dosbox.js'
import { until } from '../transport/_dosbox-client.js'
import { twoNodes } from './_two-nodes.js'

(missing === undefined ? test : test.skip)(`real DOSBox 0.74 across two nodes: IPXNET PING on A is answered by a client of B${missing !== undefined ? ` (${missing})` : ''}`, async t => {
  t.timeout(90_000)
  if (DOSBOX === undefined) {
    t.fail('CI is set but this test needs the `dosbox` command')
    return
  }
  const { dir, cDir } = dosboxDir(t)
  // Default (60 s) RIP and SAP timers: the nodes' own broadcasts would otherwise show in the ping output.
  const { a, b, aPort, bPort } = await twoNodes(t, { extra: { timers: {} } })

  // Client B joins node B and stays at the prompt (it answers pings from its timer tick).
  writeFileSync(path.join(dir, 'B.conf'), conf(cDir, [`ipxnet connect 127.0.0.2 ${bPort} > c:\\B.TXT`]))
  startDosbox(t, dir, 'B')
  t.true(await until(() => b.dosbox.clients().length >= 1, 20_000), 'B\'s client registered with node B')
  const bClient = b.dosbox.clients()[0]!

  // Client A joins node A, pings, exits.
  writeFileSync(path.join(dir, 'A.conf'), conf(cDir, [
    `ipxnet connect 127.0.0.1 ${aPort} > c:\\A.TXT`,
    'ipxnet ping >> c:\\APING.TXT',
    'exit'
  ]))
  const dosA = startDosbox(t, dir, 'A')
  t.not(await exited(dosA, 40_000), 'timeout', 'client A exited by itself')

  const ping = dosFile(cDir, 'APING.TXT')
  t.log(ping.replaceAll('\r', '').trim())
  t.regex(dosFile(cDir, 'A.TXT'), /connected to server/i)
  t.true(ping.includes(`Response from ${bClient.ipv4}, port ${bClient.port} `), `A's ping output names B's client ${bClient.ipv4}:${bClient.port}`)
  t.is(a.dosbox.clients().length, 1, 'A has only its own client: B\'s client is across the tunnel')
  for (const n of [a, b]) {
    t.is(n.dosbox.counters.totalDropped(), 0, `${n.config.name}: real DOSBox traffic passes every check`)
    t.is(n.router.counters.totalDropped(), 0, `${n.config.name}: nothing dropped in the router`)
  }
  t.true((a.peers()[0]?.link.stats.dataSent ?? 0) >= 1, 'the ping crossed the native link')
})
