/**
 * Issue 13, items 4 and 5: every packet accounted for, from the socket up. The kernel's receive
 * drops are read per socket and reconcile with what a sender sent; for every component of two
 * linked nodes, received = delivered + drops by reason, over random traffic (fast-check).
 */
import test from 'ava'
import { spawnSync } from 'node:child_process'
import net from 'node:net'
import http from 'node:http'
import fc from 'fast-check'
import { startNode } from '../../src/node/node.js'
import type { IpxNode } from '../../src/node/node.js'
import { validateConfig } from '../../src/node/config.js'
import { parseProcNetUdp, KernelDropReader } from '../../src/transport/kernel-drops.js'
import type { CounterSnapshot } from '../../src/transport/counters.js'
import { TestClient, ipxPacket, until } from '../transport/_dosbox-client.js'
import { twoNodes } from './_two-nodes.js'

const onLinux = process.platform === 'linux'

test('parseProcNetUdp reads port, inode and the drops column of udp and udp6 rows', t => {
  const text = [
    '   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops',
    '  342: 0100007F:B9C3 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 166687 2 00000000478144d9 17',
    ' 1045: 00000000000000000000000001000000:0A54 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000  1000        0 167266 2 0000000096852874 0',
    'garbage'
  ].join('\n')
  t.deepEqual(parseProcNetUdp(text), [{ port: 0xb9c3, inode: 166687, drops: 17 }, { port: 0x0a54, inode: 167266, drops: 0 }])
})

test('kernel receive-buffer drops: a flood while the node cannot read; sent = received by the node + kernel drops, shown in stats, /api/stats and /metrics', async t => {
  if (!onLinux) {
    t.pass('no /proc/net/udp here: the drops read as null')
    return
  }
  const n = await startNode(validateConfig({ listen: '127.0.0.1:0', snpListen: '127.0.0.1:0' }))
  t.teardown(async () => { await n.stop() })
  const port = n.address().port
  t.deepEqual(new KernelDropReader().read([{ name: 'x', address: { address: '127.0.0.1', port: 9 } }]), { x: null }, 'a port we do not hold reads as unknown')
  t.is(n.stats().kernelDrops.tunnel, 0)
  const COUNT = 20_000
  // The sender is a child process run synchronously: this process's event loop is blocked while
  // it sends, so the node cannot drain its socket and the kernel buffer overflows.
  const script = `const s=require('dgram').createSocket('udp4');const b=Buffer.alloc(200,0xff);b.writeUInt16BE(200,2);let left=${COUNT};for(let i=0;i<${COUNT};i++)s.send(b,${port},'127.0.0.1',()=>{if(--left===0)s.close()})`
  const r = spawnSync(process.execPath, ['-e', script], { timeout: 20_000 })
  t.is(r.status, 0, r.stderr.toString())
  const kernel = (): number => n.stats().kernelDrops.tunnel ?? 0
  t.true(await until(() => n.tunnel.counters.received + kernel() === COUNT, 10_000), `received ${n.tunnel.counters.received} + kernel ${kernel()} of ${COUNT}`)
  const drops = kernel()
  t.log(`flood: ${COUNT} sent, ${n.tunnel.counters.received} reached the node, ${drops} dropped by the kernel (${(100 * drops / COUNT).toFixed(1)} %)`)
  const doc = JSON.parse(await get(n.api!.port, '/api/stats')) as { kernelDrops: Record<string, number>, drops: Array<{ component: string, count: number }> }
  t.is(doc.kernelDrops.tunnel, drops)
  if (drops > 0) t.is(doc.drops.find(d => d.component === 'kernel')?.count, drops)
  const metrics = await get(n.api!.port, '/metrics')
  t.regex(metrics, new RegExp(`^ipxlab_kernel_receive_drops_total\\{socket="tunnel"\\} ${drops}$`, 'm'))
  // The busy poller accounts for every datagram the socket read: it began a window, was read while
  // polling, or came while polling rested.
  const bp = n.stats().socket.busyPoll!
  t.is(bp.windowUs, 200)
  t.is(bp.windows + bp.caught + bp.rested, n.tunnel.counters.received, JSON.stringify(bp))
  t.true(bp.caught > 0, 'a flood is read while polling')
  t.regex(metrics, new RegExp(`^ipxlab_busy_poll_windows_total ${bp.windows}$`, 'm'))
  t.regex(metrics, new RegExp(`^ipxlab_busy_poll_caught_total ${bp.caught}$`, 'm'))
})

async function get (port: number, path: string): Promise<string> {
  return await new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, agent: false }, res => {
      let body = ''
      res.on('data', (c: Buffer) => { body += c.toString() })
      res.on('end', () => { resolve(body) })
    }).on('error', reject)
  })
}

/** Every component of a node whose counters must reconcile. */
function components (n: IpxNode): Array<[string, CounterSnapshot]> {
  const s = n.stats()
  const out: Array<[string, CounterSnapshot]> = [['dosbox', s.counters.dosbox], ['router', s.counters.router], ['attachments', s.counters.attachments], ['tunnel', s.counters.tunnel]]
  if (s.counters.tcp !== null) out.push(['tcp', s.counters.tcp])
  for (const p of s.peers) out.push([`link_rx ${p.address}`, p.counters], [`link_tx ${p.address}`, p.sent])
  return out
}

function unbalanced (n: IpxNode): string[] {
  const bad: string[] = []
  for (const [name, c] of components(n)) {
    const dropped = Object.values(c.dropped).reduce((a, b) => a + b, 0)
    if (c.received !== c.delivered + dropped) bad.push(`${n.config.name} ${name}: received ${c.received} ≠ delivered ${c.delivered} + dropped ${dropped}`)
  }
  const e = n.snp.stats().endpoint
  const snpDropped = Object.values(e.dropped).reduce((a, b) => a + b, 0)
  if (e.received !== e.delivered + snpDropped) bad.push(`${n.config.name} snp: received ${e.received} ≠ ${e.delivered} + ${snpDropped}`)
  return bad
}

type Action =
  | { kind: 'garbage', bytes: Uint8Array }
  | { kind: 'native-garbage', bytes: Uint8Array }
  | { kind: 'broadcast', size: number }
  | { kind: 'unicast-unknown', size: number }
  | { kind: 'to-b-client', size: number }
  | { kind: 'spoofed', size: number }
  | { kind: 'bad-length', size: number }
  | { kind: 'stranger' }
  | { kind: 'tcp', bytes: Uint8Array }

const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ kind: fc.constant('garbage' as const), bytes: fc.uint8Array({ minLength: 0, maxLength: 80 }) }),
  fc.record({ kind: fc.constant('native-garbage' as const), bytes: fc.uint8Array({ minLength: 0, maxLength: 60 }) }),
  fc.record({ kind: fc.constant('broadcast' as const), size: fc.integer({ min: 0, max: 200 }) }),
  fc.record({ kind: fc.constant('unicast-unknown' as const), size: fc.integer({ min: 0, max: 200 }) }),
  fc.record({ kind: fc.constant('to-b-client' as const), size: fc.integer({ min: 0, max: 200 }) }),
  fc.record({ kind: fc.constant('spoofed' as const), size: fc.integer({ min: 0, max: 50 }) }),
  fc.record({ kind: fc.constant('bad-length' as const), size: fc.integer({ min: 0, max: 50 }) }),
  fc.record({ kind: fc.constant('stranger' as const) }),
  fc.record({ kind: fc.constant('tcp' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 120 }) })
)

test('for every component of two linked nodes, received = delivered + drops by reason, over random traffic (fast-check)', async t => {
  const { a, b, aPort } = await twoNodes(t)
  const ca = await TestClient.open(aPort)
  const cb = await TestClient.open((b.address()).port, '127.0.0.2')
  const stranger = await TestClient.open(aPort)
  t.teardown(async () => { await ca.close(); await cb.close(); await stranger.close() })
  t.truthy(await ca.register())
  t.truthy(await cb.register())
  let sentUdp = 0
  await fc.assert(fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 25 }), async actions => {
    for (const x of actions) {
      switch (x.kind) {
        case 'garbage': await ca.send(x.bytes); break
        case 'native-garbage': await ca.send(Buffer.concat([Buffer.from('IX'), x.bytes])); break
        case 'broadcast': await ca.sendTo(0xffffffffffff, Buffer.alloc(x.size)); break
        case 'unicast-unknown': await ca.sendTo(0x0a0b0c0d0e0f, Buffer.alloc(x.size)); break
        case 'to-b-client': await ca.sendTo(cb.node, Buffer.alloc(x.size)); break
        case 'spoofed': await ca.send(ipxPacket({ dstNode: 0xffffffffffff, srcNode: 0x7f0000010001, payload: Buffer.alloc(x.size) })); break
        case 'bad-length': await ca.send(ipxPacket({ dstNode: 0xffffffffffff, srcNode: ca.node, length: 30 + x.size + 1, payload: Buffer.alloc(x.size) })); break
        case 'stranger': await stranger.sendTo(0xffffffffffff, Buffer.alloc(10)); break
        case 'tcp': {
          const s = net.connect({ host: '127.0.0.1', port: aPort })
          s.on('error', () => {})
          await new Promise(resolve => { s.once('connect', resolve); s.once('close', resolve) })
          s.end(Buffer.from(x.bytes))
          await new Promise(resolve => { s.once('close', resolve); setTimeout(resolve, 2000).unref() })
          s.destroy()
          break
        }
      }
      if (x.kind !== 'tcp') sentUdp++
    }
    const settled = await until(() => a.tunnel.counters.received + (a.stats().kernelDrops.tunnel ?? 0) >= sentUdp + 1 && unbalanced(a).length === 0 && unbalanced(b).length === 0, 5000)
    if (!settled) throw new Error([...unbalanced(a), ...unbalanced(b)].join('; ') || `node A read ${a.tunnel.counters.received} of ${sentUdp}`)
  }), { numRuns: 12 })
  const figures = components(a).map(([name, c]) => `${name} ${c.received}=${c.delivered}+${c.received - c.delivered}`).join(', ')
  t.log(`node A after 12 random runs: ${figures}`)
  t.deepEqual([...unbalanced(a), ...unbalanced(b)], [])
})
