/**
 * Test helper (issue 16): several real nodes (route mode unless told) on loopback, each on its own 127.0.16.x
 * address (no privileges needed; away from the 127.0.0.1/2 other tests use), ephemeral ports,
 * joined by native UDP links as the test lists them. Every node is stopped in teardown.
 */
import type { ExecutionContext } from 'ava'
import { startNode, socketAttachments } from '../../src/node/node.js'
import type { IpxNode } from '../../src/node/node.js'
import { NativeLinkAttachment } from '../../src/transport/attachment.js'
import { validateConfig } from '../../src/node/config.js'
import { until } from '../transport/_dosbox-client.js'
import { IN_PROCESS_LIMITS, freePort } from './_two-nodes.js'

/** One node of the lab: its name, IPX network and the datagrams it sent to each peer, by peer address. */
export interface LabNode {
  name: string
  host: string
  port: number
  snp: number
  network: number
  node: IpxNode
  /** What this node handed to each native link (the IPX datagrams the link then wraps and sends), by `host:port`. */
  sentTo: Map<string, Buffer[]>
}

/** Options of {@link internetwork}: route mode by default; bridge mode puts every node on `networks[0]`. */
export interface InternetworkOptions {
  mode?: 'route' | 'bridge'
  bridgeRelay?: boolean
  timers?: Record<string, number>
}

/** Starts one node per entry of `networks` and links the pairs in `links` (indexes). */
export async function internetwork (t: ExecutionContext, networks: number[], links: Array<[number, number]>, o: InternetworkOptions = {}): Promise<LabNode[]> {
  const mode = o.mode ?? 'route'
  const hosts = networks.map((_, i) => `127.0.16.${i + 1}`)
  const ports = await Promise.all(hosts.map(async h => await freePort(h)))
  const snps = await Promise.all(hosts.map(async h => await freePort(h)))
  const lab: LabNode[] = []
  for (let i = 0; i < networks.length; i++) {
    const peers = links.filter(l => l.includes(i)).map(l => l[0] === i ? l[1] : l[0])
    const sentTo = new Map<string, Buffer[]>()
    const config = validateConfig({
      name: `NODE-${String.fromCharCode(65 + i)}`,
      mode,
      ...(o.bridgeRelay === true ? { bridgeRelay: true } : {}),
      network: (mode === 'route' ? networks[i]! : networks[0]!).toString(16).padStart(8, '0'),
      listen: `${hosts[i]!}:${ports[i]!}`,
      snpListen: `${hosts[i]!}:${snps[i]!}`,
      timers: { ripIntervalMs: 300, sapIntervalMs: 300, ...o.timers },
      limits: IN_PROCESS_LIMITS,
      peers: peers.map(j => ({ address: `${hosts[j]!}:${ports[j]!}`, transport: 'udp', snp: `${hosts[j]!}:${snps[j]!}` }))
    })
    const node = await startNode(config, {
      attachments: {
        ...socketAttachments,
        nativeLink: (o) => {
          const a = new NativeLinkAttachment(o)
          const sent: Buffer[] = []
          sentTo.set(typeof o.peer === 'string' ? o.peer : `${o.peer.host}:${o.peer.port}`, sent)
          const send = a.send.bind(a)
          a.send = (d, trafficClass) => { sent.push(Buffer.from(d)); return send(d, trafficClass) }
          return a
        }
      }
    })
    t.teardown(async () => { await node.stop() })
    lab.push({ name: config.name, host: hosts[i]!, port: ports[i]!, snp: snps[i]!, network: config.network, node, sentTo })
  }
  const up = await until(() => lab.every(n => n.node.peers().every(p => p.link.up)), 5000)
  if (!up) throw new Error('not every link of the internetwork came up')
  return lab
}

/** Hops of `n`'s route to `network`; 16 when it has none. */
export function hopsTo (n: LabNode, network: number): number {
  return n.node.router.route(network)?.hops ?? 16
}

/** The router port (on any node linked to `to`) whose link goes to `to`. */
export function portTo (to: LabNode): string {
  return `peer:udp:${to.host}:${to.port}`
}
