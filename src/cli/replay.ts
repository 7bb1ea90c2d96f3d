/**
 * `ipxlab replay CAPTURE --to ADDR:PORT`: plays the IPX frames of a capture into a node (see
 * src/capture/replay.ts for the modes, the planner and the flow control).
 *
 * Output: a progress bar on stderr when stderr is a terminal (cli-progress), else one plain line
 * per second on stderr; then the summary on stdout: frames read, sent, skipped (by reason),
 * elapsed, rate, and what was rewritten.
 *
 * Exit status:
 *  - 0: every selected frame was sent (frames skipped on purpose, by a filter, or because the
 *    capture did not hold them whole (snapped, not IPX, too large) do not count against it);
 *  - 1: the replay ran but found something: frames skipped as malformed (as `decode` does);
 *  - 2: bad input, as for every command (README "Exit status"): the capture cannot be read at
 *    all, or is damaged (broken or cut short: replayed up to its last whole record, and one line on
 *    stderr says where it stopped), a wrong option, or the node did not answer the registration /
 *    hello.
 */
import { SingleBar, Presets } from 'cli-progress'
import { ipx } from '../../protocol/index.js'
import { readCapture } from '../capture/reader.js'
import { CaptureError, ConfigError } from '../errors.js'
import { parseListenAddress } from '../transport/serve.js'
import { parseAddress } from '../address.js'
import { DEFAULT_TUNNEL_PORT } from '../node/config.js'
import { Replayer, SkipReason } from '../capture/replay.js'
import { DosboxClient } from '../transport/dosbox-client.js'
import { NativeClient } from '../transport/native-client.js'
import type { ReplayMode, ReplayStats, ReplayTiming, ReplaySender, ReplayRewrite, PlannedFrame } from '../capture/replay.js'
import { DISCOVERY_WAIT_MS, NetworkDiscovery, autoNetworkMap, captureNetworks, ripRequest } from '../capture/network-map.js'
import type { Io } from './main.js'

/** Options of {@link runReplay}, as the command line gives them (parsed). */
export interface ReplayCommandOptions {
  /** The node's 2644 address, `ADDR:PORT`. */
  to: string
  mode: ReplayMode
  /** Speed factor (default 1: the original spacing). */
  speed?: number
  /** As fast as the node accepts (flow-controlled). */
  max?: boolean
  loop?: number
  sockets?: number[]
  types?: number[]
  frames?: { from: number, to: number }
  mapNetwork?: Map<number, number>
  mapNode?: Map<number, number>
  /** `--network`: every network of the capture becomes this one. */
  network?: number
  /**
   * DOSBox mode: map the capture's networks onto the node's, asked by RIP (default true; false =
   * `--no-auto-map`); off with `--network`. `mapNetwork` entries win. src/capture/network-map.ts.
   */
  autoMap?: boolean
  /** Extra UDP ports that carry IPX in the capture. */
  udpPorts?: number[]
  /** Local `ADDR:PORT` to send from (native mode: the address the node lists as a peer). */
  bind?: string
  /** Native mode: pre-shared key and its id; the replayer's node id. */
  key?: Buffer
  keyId?: number
  node?: number
  /** Frames between flow-control markers. */
  window?: number
  /** `bar`, `lines` or `none`; default: `bar` when stderr is a terminal, else `lines`. */
  progress?: 'bar' | 'lines' | 'none'
  /** Told of every frame sent (tests). */
  onSend?: (frame: PlannedFrame) => void
  /** Stops the replay between frames (`lab --topology` ending while a replay runs). */
  signal?: AbortSignal
}

// ---- the command ------------------------------------------------------------------------------

function plural (n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

function skippedText (st: ReplayStats): string {
  const parts = Object.values(SkipReason).filter(r => st.skipped[r] > 0).map(r => `${r} ${st.skipped[r]}`)
  return parts.length > 0 ? ` (${parts.join(', ')})` : ''
}

function totalSkipped (st: ReplayStats): number {
  let n = 0
  for (const r of Object.values(SkipReason)) n += st.skipped[r]
  return n
}

/** Whole records of a capture, for the progress bar's total (stops quietly at a broken record). */
async function countRecords (path: string): Promise<number> {
  let n = 0
  try {
    const records = readCapture(path)
    while (!(await records.next()).done) n++
  } catch (err) {
    if (!(err instanceof CaptureError)) throw err
  }
  return n
}

/** Throws the CaptureError of a capture that yields no record at all, before the node is contacted. */
async function probeCapture (path: string): Promise<void> {
  const records = readCapture(path)
  try {
    await records.next()
  } finally {
    await records.return(undefined)
  }
}

interface Progress {
  update: (st: Readonly<ReplayStats>) => void
  stop: () => void
}

async function makeProgress (kind: 'bar' | 'lines' | 'none', capture: string, passes: number, io: Io, now: () => number): Promise<Progress> {
  if (kind === 'none') return { update: () => {}, stop: () => {} }
  if (kind === 'bar') {
    const total = (await countRecords(capture)) * passes
    const bar = new SingleBar({
      stream: io.stderr,
      format: 'replay [{bar}] {percentage}% | {value}/{total} records | sent {sent} | skipped {skipped}',
      hideCursor: true,
      clearOnComplete: false
    }, Presets.shades_classic)
    bar.start(total, 0, { sent: 0, skipped: 0 })
    return {
      update: st => { bar.update(st.read, { sent: st.sent, skipped: totalSkipped(st) }) },
      stop: () => { bar.stop() }
    }
  }
  let last: ReplayStats | undefined
  let lastSent = 0
  let lastAt = now()
  const timer = setInterval(() => {
    if (last === undefined) return
    const t = now()
    const rate = (last.sent - lastSent) / ((t - lastAt) / 1000)
    lastSent = last.sent
    lastAt = t
    io.stderr.write(`replay: ${last.read} records read, ${last.sent} sent, ${totalSkipped(last)} skipped, ${Math.round(rate)} frames/s\n`)
  }, 1000)
  timer.unref()
  return { update: st => { last = st }, stop: () => { clearInterval(timer) } }
}

function hex8 (n: number): string {
  return n.toString(16).toUpperCase().padStart(8, '0')
}

/** The automatic network mapping of a DOSBox-mode replay: what the sender feeds, what the replayer calls, the summary line. */
interface AutoMapping {
  receive: (d: Buffer) => void
  resolve: (sender: ReplaySender) => Promise<ReplayRewrite | undefined>
  note: () => string
}

async function autoMapping (capture: string, o: ReplayCommandOptions, sourceNode: () => number | undefined, base: ReplayRewrite): Promise<AutoMapping> {
  const captured = await captureNetworks(capture, { udpPorts: o.udpPorts ?? [] })
  const discovery = new NetworkDiscovery(sourceNode)
  let note = `networks: kept as captured (no RIP answer from the node within ${DISCOVERY_WAIT_MS} ms; map them with --map-network OLD=NEW or --network HEX)`
  return {
    receive: d => { discovery.receive(d) },
    resolve: async sender => {
      const node = sender.sourceNode
      if (captured.length === 0) note = 'networks: the capture names none but 0 and FFFFFFFF: nothing to map'
      if (node === undefined || captured.length === 0) return undefined
      sender.send(ripRequest(node))
      const found = await discovery.wait()
      if (found === undefined) return undefined
      const networks = autoNetworkMap(captured, found, o.mapNetwork)
      const pairs = [...networks].map(([from, to]) => `${hex8(from)}->${hex8(to)}`).join(', ')
      note = `networks: ${pairs}, sources on the node's segment ${hex8(found.own)} (from the node's RIP answer; --map-network overrides, --no-auto-map keeps them)`
      return { ...base, networks, sourceNetwork: found.own }
    },
    note: () => note
  }
}

/** Runs the command; returns its exit status. */
export async function runReplay (capture: string, o: ReplayCommandOptions, io: Io): Promise<number> {
  if (o.max === true && o.speed !== undefined) throw new ConfigError('speed', '--speed and --max exclude each other')
  // A host name is fine here (a container service such as node-a): dgram resolves it.
  const to = parseAddress(o.to, 'to', { allowNames: true, defaultPort: DEFAULT_TUNNEL_PORT })
  const bind = o.bind !== undefined ? parseListenAddress(o.bind, 'bind') : undefined
  if (o.mode === 'native' && bind === undefined) {
    throw new ConfigError('bind', 'native mode needs --bind ADDR:PORT: the node accepts native frames only from an address it lists as a peer')
  }
  if (o.mode !== 'native' && (o.key !== undefined || o.node !== undefined)) throw new ConfigError('key', '--key and --node are for native mode')
  await probeCapture(capture)
  const timing: ReplayTiming = o.max === true ? { kind: 'max' } : { kind: 'original', speed: o.speed ?? 1 }
  const senderOptions = { to, ...(bind !== undefined ? { bind } : {}) }
  const rewrite: ReplayRewrite = {
    ...(o.mapNetwork !== undefined ? { networks: o.mapNetwork } : {}),
    ...(o.mapNode !== undefined ? { nodes: o.mapNode } : {}),
    ...(o.network !== undefined ? { allNetworks: o.network } : {})
  }
  const auto = o.mode === 'dosbox' && o.autoMap !== false && o.network === undefined
    ? await autoMapping(capture, o, () => sender.sourceNode, rewrite)
    : undefined
  const sender: ReplaySender = o.mode === 'native'
    ? new NativeClient({ ...senderOptions, ...(o.key !== undefined ? { key: o.key } : {}), ...(o.keyId !== undefined ? { keyId: o.keyId } : {}), ...(o.node !== undefined ? { node: o.node } : {}) })
    : new DosboxClient({ ...senderOptions, ...(auto !== undefined ? { onDatagram: auto.receive } : {}) })
  const passes = o.loop ?? 1
  const now = (): number => performance.now()
  const kind = o.progress ?? ((io.stderr as { isTTY?: boolean }).isTTY === true ? 'bar' : 'lines')
  const progress = await makeProgress(kind, capture, passes, io, now)
  const replayer = new Replayer({
    path: capture,
    sender,
    timing,
    loop: passes,
    filter: {
      ...(o.sockets !== undefined ? { sockets: o.sockets } : {}),
      ...(o.types !== undefined ? { types: o.types } : {}),
      ...(o.frames !== undefined ? { frames: o.frames } : {})
    },
    rewrite,
    ...(auto !== undefined ? { resolveRewrite: auto.resolve } : {}),
    frames: { udpPorts: o.udpPorts ?? [] },
    ...(o.window !== undefined ? { window: o.window } : {}),
    onProgress: st => { progress.update(st) },
    ...(o.onSend !== undefined ? { onSend: o.onSend } : {}),
    ...(o.signal !== undefined ? { signal: o.signal } : {})
  })
  let st: ReplayStats
  try {
    st = await replayer.run()
  } finally {
    progress.stop()
  }
  const out = (line: string): void => { io.stdout.write(line + '\n') }
  const dest = `${to.host}:${to.port}`
  if (o.mode === 'dosbox') {
    out(`replayed ${capture} into ${dest} as a DOSBox client, node ${ipx.formatNode(sender.sourceNode ?? 0)}`)
    out('  every source node was rewritten to that node: the DOSBox server drops frames whose source is not the sender\'s own (spoofed); destinations are kept unless mapped')
  } else {
    out(`replayed ${capture} into ${dest} as a native peer${o.key !== undefined ? ' (signed)' : ''}; source nodes kept unless mapped`)
  }
  if (auto?.note !== undefined) out(auto.note())
  out(`frames read: ${st.read}${passes > 1 ? ` over ${st.passes} passes` : ''}`)
  out(`sent: ${st.sent}${st.rewritten > 0 ? ` (${st.rewritten} with rewritten addresses)` : ''}`)
  out(`skipped: ${totalSkipped(st)}${skippedText(st)}`)
  if (st.firstMalformed !== undefined) out(`  first malformed: frame ${st.firstMalformed.frame}, ${st.firstMalformed.code} at offset ${st.firstMalformed.offset}`)
  const seconds = st.elapsedMs / 1000
  out(`elapsed: ${seconds.toFixed(3)} s, rate: ${seconds > 0 ? Math.round(st.sent / seconds) : st.sent} frames/s`)
  if (st.syncTimeouts > 0) out(`node: ${plural(st.syncTimeouts, 'flow-control marker')} not answered in time; frames may have been lost at the node (see its drop counters)`)
  if (st.stopped !== undefined) {
    io.stderr.write(`ipxlab replay: stopped early: ${st.stopped.message} (${st.stopped.code}); every whole record before it was replayed\n`)
    return 2
  }
  return st.skipped.malformed > 0 ? 1 : 0
}
