/**
 * Test helper (issue 16): a topology file run by `ipxlab lab --topology` (runTopologyLab) on
 * 127.0.<subnet>.x, ephemeral ports, until stopped (at the latest in teardown). Resolves once every
 * node runs, with the nodes by name, what the lab printed so far, and the times `--cut` measured.
 */
import type { ExecutionContext } from 'ava'
import { PassThrough } from 'node:stream'
import { runTopologyLab } from '../../src/cli/lab-topology.js'
import type { TopologyLabOptions } from '../../src/cli/lab-topology.js'
import type { CutTimes } from '../../src/cli/lab-cut.js'
import type { IpxNode } from '../../src/node/node.js'
import { until } from '../transport/_dosbox-client.js'
import { freePort } from './_two-nodes.js'

/** A running topology lab. */
export interface RunningLab {
  nodes: Map<string, IpxNode>
  /** In the file's order. */
  list: readonly IpxNode[]
  /** What the lab printed so far. */
  text: () => string
  /** What `cut` measured, once it did. */
  times: Promise<CutTimes>
  /** Stops the lab (idempotent); its exit status. */
  stop: () => Promise<number>
}

/** Runs `file` on 127.0.<subnet>.x with `extra` options; throws when its nodes do not all start. */
export async function topologyLab (t: ExecutionContext, file: string, subnet: number, extra: Partial<TopologyLabOptions> = {}): Promise<RunningLab> {
  const host = `127.0.${subnet}.1`
  const port = await freePort(host)
  const snpPort = await freePort(host)
  const out = new PassThrough()
  let text = ''
  out.on('data', (c: Buffer) => { text += c.toString() })
  const abort = new AbortController()
  let nodes: readonly IpxNode[] | undefined
  let cutTimes: (v: CutTimes) => void = () => {}
  const times = new Promise<CutTimes>(resolve => { cutTimes = resolve })
  const run = runTopologyLab({ file, subnet, port, snpPort, ...extra, signal: abort.signal, onRunning: (n) => { nodes = n }, onCut: cutTimes }, { stdout: out, stderr: new PassThrough() })
  let stopped: Promise<number> | undefined
  const stop = async (): Promise<number> => { stopped ??= (abort.abort(), run); return await stopped }
  t.teardown(async () => { await stop() })
  if (!await until(() => nodes !== undefined, 30_000)) throw new Error(`${file} did not start`)
  return { nodes: new Map(nodes!.map(n => [n.config.name, n])), list: nodes!, text: () => text, times, stop }
}
