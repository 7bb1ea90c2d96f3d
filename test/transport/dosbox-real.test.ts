/**
 * REAL DOSBox 0.74 against our server, as ../shared/tools/dosbox/ping_test.sh does it: headless
 * DOSBox clients (SDL dummy drivers, no sound), client B connects and stays at the prompt, client A
 * connects, runs `IPXNET PING` into C:\\APING.TXT and exits. The verdict is B's port in A's output.
 */
import test from 'ava'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { startDosboxNode } from '../../src/transport/serve.js'
import { DOSBOX, dosboxMissing as missing, conf, startDosbox, dosboxDir, dosFile, exited } from '../_dosbox.js'
import { until } from './_dosbox-client.js'

(missing === undefined ? test : test.skip)(`real DOSBox 0.74: IPXNET PING from A is answered by B through our server${missing !== undefined ? ` (${missing})` : ''}`, async t => {
  t.timeout(60_000)
  if (DOSBOX === undefined) {
    t.fail('CI is set but this test needs the `dosbox` command')
    return
  }
  const { dir, cDir } = dosboxDir(t)

  const registered: number[] = []
  const node = await startDosboxNode({ listen: '127.0.0.1:0', onClient: (e, c) => { if (e === 'registered') registered.push(c.port) } })
  t.teardown(async () => { await node.stop() })
  const port = node.address.port

  // Client B: connects and stays at the prompt (it answers pings from its timer tick).
  writeFileSync(path.join(dir, 'B.conf'), conf(cDir, [`ipxnet connect 127.0.0.1 ${port} > c:\\B.TXT`]))
  startDosbox(t, dir, 'B')
  t.true(await until(() => registered.length >= 1, 20_000), 'B registered')
  const bPort = registered[0]!

  // Client A: connects, pings, exits.
  writeFileSync(path.join(dir, 'A.conf'), conf(cDir, [
    `ipxnet connect 127.0.0.1 ${port} > c:\\A.TXT`,
    'ipxnet ping >> c:\\APING.TXT',
    'exit'
  ]))
  const a = startDosbox(t, dir, 'A')
  t.not(await exited(a, 30_000), 'timeout', 'client A exited by itself')

  const aTxt = dosFile(cDir, 'A.TXT')
  const ping = dosFile(cDir, 'APING.TXT')
  t.log(ping.replaceAll('\r', '').trim())
  t.regex(aTxt, /connected to server/i)
  t.true(ping.includes(`Response from 127.0.0.1, port ${bPort} `), `APING.TXT has B's port ${bPort}`)
  t.is(node.clients().length, 2)
  t.is(node.counters.received, node.counters.delivered + node.counters.totalDropped())
  t.is(node.counters.totalDropped(), 0, 'real DOSBox traffic passes every check')
})
