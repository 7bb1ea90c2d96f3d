/**
 * Test helper: two real nodes on loopback (127.0.0.1 and 127.0.0.2, which need no privileges),
 * linked by the native tunnel, with free ports found by binding port 0 first.
 */
import dgram from 'node:dgram'
import net from 'node:net'
import type { ExecutionContext } from 'ava'
import { startNode } from '../../src/node/node.js'
import type { IpxNode, NodeRuntime } from '../../src/node/node.js'
import { validateConfig, IN_PROCESS_RECEIVE_BUFFER } from '../../src/node/config.js'
import { TestClient, until } from '../transport/_dosbox-client.js'

/** A port free for both UDP and TCP on `host` (checked, then released). */
export async function freePort (host: string): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const u = dgram.createSocket('udp4')
    const port = await new Promise<number>((resolve, reject) => {
      u.once('error', reject)
      u.bind(0, host, () => { resolve(u.address().port) })
    })
    const tcpFree = await new Promise<boolean>(resolve => {
      const s = net.createServer()
      s.once('error', () => { resolve(false) })
      s.listen(port, host, () => { s.close(() => { resolve(true) }) })
    })
    await new Promise<void>(resolve => { u.close(() => { resolve() }) })
    if (tcpFree) return port
  }
  throw new Error('no free port')
}

/** Options of {@link twoNodes}. */
export interface TwoNodeOptions {
  transport?: 'udp' | 'tcp'
  mode?: 'bridge' | 'route'
  key?: string
  extra?: Record<string, unknown>
  extraB?: Record<string, unknown>
  runtime?: NodeRuntime
  /** B's runtime when it differs from A's (e.g. another class table); default `runtime`. */
  runtimeB?: NodeRuntime
  capture?: string
}

/**
 * The receive buffer of nodes under test. A node's default is small (16 KiB, src/node/config.ts
 * DEFAULT_RECEIVE_BUFFER: at saturation it drops early instead of queueing), but here the test's
 * clients and the nodes share one event loop: a burst a test sends in one turn waits whole in the
 * node's socket queue until the node's handler can run. A node in a process of its own drains its
 * queue as the datagrams arrive.
 */
export const IN_PROCESS_LIMITS = { receiveBufferBytes: IN_PROCESS_RECEIVE_BUFFER } as const

/** Starts A on 127.0.0.1 and B on 127.0.0.2, peered; stops them in teardown; waits for the link. */
export async function twoNodes (t: ExecutionContext, o: TwoNodeOptions = {}): Promise<{ a: IpxNode, b: IpxNode, aPort: number, bPort: number, aSnp: number, bSnp: number }> {
  const aPort = await freePort('127.0.0.1')
  const bPort = await freePort('127.0.0.2')
  // The QoS plane (SNP udp + status tcp) on free ports too, and each peer's SNP address set explicitly.
  const aSnp = await freePort('127.0.0.1')
  const bSnp = await freePort('127.0.0.2')
  const common = {
    mode: o.mode ?? 'bridge',
    ...(o.key !== undefined ? { key: o.key } : {}),
    timers: { ripIntervalMs: 300, sapIntervalMs: 300 },
    ...(o.extra ?? {}),
    limits: { ...IN_PROCESS_LIMITS, ...((o.extra?.limits as Record<string, unknown> | undefined) ?? {}) }
  }
  const route = o.mode === 'route'
  const a = await startNode(validateConfig({
    ...common, name: 'NODE-A', listen: `127.0.0.1:${aPort}`, snpListen: `127.0.0.1:${aSnp}`,
    peers: [{ address: `127.0.0.2:${bPort}`, transport: o.transport ?? 'udp', snp: `127.0.0.2:${bSnp}` }],
    ...(route ? { network: '0000AAAA' } : {}), ...(o.capture !== undefined ? { capture: o.capture } : {})
  }), o.runtime ?? {})
  t.teardown(async () => { await a.stop() })
  const b = await startNode(validateConfig({
    ...common, name: 'NODE-B', listen: `127.0.0.2:${bPort}`, snpListen: `127.0.0.2:${bSnp}`,
    peers: [{ address: `127.0.0.1:${aPort}`, transport: o.transport ?? 'udp', snp: `127.0.0.1:${aSnp}` }],
    ...(route ? { network: '0000BBBB' } : {}), ...(o.extraB ?? {})
  }), o.runtimeB ?? o.runtime ?? {})
  t.teardown(async () => { await b.stop() })
  const up = await until(() => a.peers().every(p => p.link.up) && b.peers().every(p => p.link.up), 5000)
  if (!up) throw new Error('the link between the nodes did not come up')
  return { a, b, aPort, bPort, aSnp, bSnp }
}

/** What a client got, less the nodes' own RIP and SAP broadcasts (a NetWare LAN carries those too). */
export function data (c: TestClient): Buffer[] {
  return c.received.filter(d => { const s = d.readUInt16BE(16); return s !== 0x0452 && s !== 0x0453 })
}

/** Waits (bounded) until {@link data} holds `n` datagrams. */
export async function dataFor (c: TestClient, n: number, ms = 5000): Promise<boolean> {
  return await until(() => data(c).length >= n, ms)
}

/** A DOSBox-protocol client registered with the node at `host:port`, closed in teardown. */
export async function client (t: ExecutionContext, port: number, host: string): Promise<TestClient> {
  const c = await TestClient.open(port, host)
  t.teardown(async () => { await c.close() })
  if (await c.register() === undefined) throw new Error('no registration ack')
  c.clear()
  return c
}
