/**
 * `ipxlab node --qos snp --wan isdn-64k` as a user starts it (issue 11): the banner says what runs,
 * and `stats`, `/api/stats` and `/metrics` show the discipline, the profile and per-class figures
 * of a hand-started node.
 */
import test from 'ava'
import { runNode } from '../../src/cli/node.js'
import type { IpxNode } from '../../src/node/node.js'
import { runStats } from '../../src/cli/stats.js'
import { captureIo } from '../_cli.js'
import { BROADCAST, ipxPacket } from '../transport/_dosbox-client.js'

test('a hand-started node with --qos snp --wan isdn-64k: banner, stats, /api/stats and /metrics', async t => {
  const { io, text } = captureIo()
  let release: () => void = () => {}
  const until = new Promise<void>(resolve => { release = resolve })
  let started: IpxNode | undefined
  const run = runNode({
    listen: '127.0.0.1:0', snp: '127.0.0.1:0', peer: ['127.0.0.3:9'], qos: 'snp', wan: 'isdn-64k', seed: '3', logLevel: 'error',
    env: {}, until, onStarted: n => { started = n }
  }, io)
  const deadline = Date.now() + 10_000
  while (started === undefined && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 10))
  t.teardown(() => { release() })
  const node = started!
  t.truthy(node, 'the node started')
  const banner = text().stdout
  t.regex(banner, /QoS: snp on isdn-64k \(64 kbit\/s, 20 ms ± 1 ms\), LFI on \(128-byte fragments, 17\.0 ms each; a full frame takes 178\.0 ms\)/)
  // Traffic on the link is classified and counted even while the peer is away.
  node.peers()[0]!.qos.enqueue(ipxPacket({ dstNode: BROADCAST, srcNode: 2, dstSocket: 0x869c, srcSocket: 0x869c, payload: Buffer.alloc(8) }))
  const port = node.api!.port
  const api = await (await fetch(`http://127.0.0.1:${port}/api/stats`)).json() as { peers: Array<{ qos: Record<string, unknown> }> }
  t.like(api.peers[0]!.qos, { qos: 'snp', discipline: 'snp', profile: 'isdn-64k', rateBps: 64_000, lfi: { enabled: true, chunkBytes: 128 } })
  t.like((api.peers[0]!.qos.classes as Record<string, unknown>).game, { packets: 1 })
  const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
  t.regex(metrics, /ipxlab_link_qos_info\{peer="127\.0\.0\.3:9",qos="snp",discipline="snp",profile="isdn-64k",lfi="on"\} 1/)
  t.regex(metrics, /ipxlab_link_rate_bps\{peer="127\.0\.0\.3:9"\} 64000/)
  t.regex(metrics, /ipxlab_class_packets_total\{peer="127\.0\.0\.3:9",class="game",direction="tx"\} 1/)
  const s = captureIo()
  t.is(await runStats({ node: `127.0.0.1:${port}` }, s.io), 0)
  t.regex(s.text().stdout, /qos on the link to 127\.0\.0\.3:9: qos snp, discipline snp, 64 kbit\/s \(isdn-64k\), utilisation [\d.]+ %, LFI on: 0 frames in 0 fragments of 128 B/)
  release()
  t.is(await run, 0)
  t.regex(text().stdout, /link to 127\.0\.0\.3:9 \(qos snp on isdn-64k, LFI: 0 fragments sent\):\n {4}game +1 packets, \d sent, \d dropped, queue p50 [\d.]+ ms p99 [\d.]+ ms/, 'the stop summary shows the per-class figures')
})
