#!/usr/bin/env -S node --max-semi-space-size=2
/**
 * The interpreter line gives V8 a 2 MiB cap on each young-generation semi-space (default up to 16
 * MiB, grown under allocation): a relaying node's peak RSS falls from 83 to 72 MB under the loads of
 * `npm run bench:peers` (issue 18), at the cost of more, equally short scavenges (what a scavenge
 * costs depends on what survives, which for a relay is next to nothing). `env -S` splits the line
 * (GNU coreutils 8.30+, BSD env).
 *
 * The `ipxlab` command. The only place that reads argv or sets the exit status; every command is
 * a function that writes to the given streams and returns its exit status, so tests call them
 * in-process with `program.exitOverride()`.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { packageRoot } from '../paths.js'
import type { ExplainFormat } from './explain.js'
import type { NodeFlags } from './node.js'
import { parseNumberOption, parseFrameRange, parseNetworkMapping, parseNodeMapping, parseNetwork, parseNodeOption, parseSpeed, parseKey } from './replay-options.js'
import type { ReplayCommandOptions } from './replay.js'
import { ConfigError, CaptureError, TransportError, UsageError } from '../errors.js'
import { endQuietlyOnClosedPipe } from './pipes.js'
import type { DisplayFilter } from '../capture/view.js'
import { isEntryPoint } from './entry-point.js'

// Each command's implementation is imported in its action (`await import('./x.js')`), never here:
// building the program loads commander and the option parsers only, so `ipxlab node` does not carry
// the decoder, dissectors, replayer or dashboard of the other commands (issue 18, peak RSS; a test
// in test/cli/lazy-modules.test.ts holds it).

/** Where a command writes. */
export interface Io {
  stdout: NodeJS.WritableStream
  stderr: NodeJS.WritableStream
}

/** Exit statuses shared by the commands. */
export const Exit = {
  /** Everything went as asked. */
  Ok: 0,
  /** The command ran, and found something: malformed frames (decode), findings (lint). */
  Findings: 1,
  /** Bad input the user gave: a file that cannot be read, a wrong option. */
  Usage: 2
} as const

function parseCount (name: string, min: number) {
  return (value: string): number => {
    const n = Number(value)
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} is an integer of at least ${min}.`)
    return n
  }
}

function parsePort (value: string, previous: number[] = []): number[] {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InvalidArgumentError('a UDP port is an integer from 1 to 65535.')
  return [...previous, n]
}

/** The stats command's token: from the file, else `IPXLAB_API_TOKEN`. Throws ConfigError for an unreadable file. */
function statsToken (file: string | undefined): string | undefined {
  if (file === undefined) {
    const env = process.env.IPXLAB_API_TOKEN?.trim()
    return env === undefined || env === '' ? undefined : env
  }
  try {
    return (readFileSync(file, 'utf8').split(/\r?\n/)[0] ?? '').trim()
  } catch (err) {
    throw new ConfigError('api-token-file', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`)
  }
}

const DISPLAY_FILTER_HELP = 'only frames that pass a Wireshark display filter, e.g. \'ipx.dst.socket == 0x0452 and ipxsap.packet_type == 2\''

/** Compiles `-Y`: undefined when absent, null (after printing where it is wrong) when it does not parse. */
async function compileFilterOption (text: string | undefined, io: Io): Promise<DisplayFilter | undefined | null> {
  if (text === undefined) return undefined
  const { compileDisplayFilter, filterErrorText } = await import('../capture/view.js')
  const { FilterSyntaxError } = await import('../../protocol/filter.js')
  try {
    return compileDisplayFilter(text)
  } catch (err) {
    if (!(err instanceof FilterSyntaxError)) throw err
    io.stderr.write(filterErrorText(err))
    return null
  }
}

/** ipxlab's version, from its package.json. */
export function version (): string {
  return (JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version
}

/** The line after a usage error: where that command's options are listed. */
export function helpHint (command: string | undefined): string {
  return command === undefined ? '  (ipxlab --help lists the commands)' : `  (ipxlab ${command} --help shows its options)`
}

/** Builds the commander program. `status.code` receives the command's exit status; `status.command` the subcommand run. */
export function buildProgram (io: Io, status: { code: number, command?: string }): Command {
  const program = new Command()
  program
    .name('ipxlab')
    .description('IPX-over-IP tunnel emulator for a teaching lab: DOSBox-exact tunnel, NetWare routing, SNP-style QoS.')
    .configureOutput({
      writeOut: s => { io.stdout.write(s) },
      writeErr: s => { io.stderr.write(s) }
    })
    .version(version(), '-V, --version', 'print ipxlab\'s version')
    .showHelpAfterError(helpHint(undefined))
    // Before the subcommands are added: they copy this setting when created.
    .exitOverride()
    .hook('preAction', (_program, action) => { status.command = action.name() })

  program.command('decode')
    .description('print one line (or one JSON object) per IPX frame of pcap/pcapng captures')
    .argument('<capture...>', 'pcap or pcapng files')
    .option('--json', 'one JSON object per frame, with the codec\'s field names')
    .option('--udp-port <port>', 'also look for IPX inside UDP on this port (repeatable; 213, 2644 and 10000 always)', parsePort, [])
    .option('--verify-checksum', 'check IPX checksums that are not FFFF (a wrong one is a finding; the frame is still shown)')
    .option('-Y, --display-filter <expr>', DISPLAY_FILTER_HELP)
    .action(async (captures: string[], opts: { json?: boolean, udpPort: number[], verifyChecksum?: boolean, displayFilter?: string }) => {
      const displayFilter = await compileFilterOption(opts.displayFilter, io)
      if (displayFilter === null) { status.code = Exit.Usage; return }
      const { runDecode } = await import('./decode.js')
      status.code = await runDecode(captures, { json: opts.json === true, udpPorts: opts.udpPort, verifyChecksum: opts.verifyChecksum === true, ...(displayFilter !== undefined ? { displayFilter } : {}) }, io)
    })

  program.command('lint')
    .description('spec-conformance findings for IPX captures, one per line, each naming its rule and citing its source')
    .argument('<capture...>', 'pcap or pcapng files')
    .option('--json', 'one JSON object per finding')
    .option('--udp-port <port>', 'also look for IPX inside UDP on this port (repeatable; 213, 2644 and 10000 always)', parsePort, [])
    .option('-Y, --display-filter <expr>', DISPLAY_FILTER_HELP)
    .action(async (captures: string[], opts: { json?: boolean, udpPort: number[], displayFilter?: string }) => {
      const displayFilter = await compileFilterOption(opts.displayFilter, io)
      if (displayFilter === null) { status.code = Exit.Usage; return }
      const { runLint } = await import('./lint.js')
      status.code = await runLint(captures, { json: opts.json === true, udpPorts: opts.udpPort, ...(displayFilter !== undefined ? { displayFilter } : {}) }, io)
    })

  program.command('node')
    .description('run one emulated node: DOSBox clients and native peers on udp+tcp 2644, bridged or routed')
    .option('--config <file>', 'JSON config file (IPXLAB_* environment variables and flags override it)')
    .option('--listen <addr:port>', 'where to listen (default 0.0.0.0:2644)')
    .option('--snp <addr:port>', 'the QoS plane: SNP on UDP, status API and /metrics on TCP (default: the listen host, port 2629)')
    .option('--peer <[udp|tcp]://addr:port>', 'another node to link with (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--mode <mode>', 'bridge (one IPX network across the nodes, default) or route (a network per node)')
    .option('--bridge-relay', 'bridge mode: relay one peer\'s frames to the other peers (a chain of bridges; loops are yours to avoid)')
    .option('--network <hex>', 'this node\'s IPX network number')
    .option('--name <name>', 'node name (its SAP file server is called this)')
    .option('--node <mac>', 'this node\'s IPX node address')
    .option('--key <hex|base64>', 'pre-shared key for the native links (HMAC-SHA-256)')
    .option('--key-file <file>', 'read the pre-shared key from a file, made with a new random key when absent (IPXLAB_KEY_FILE)')
    .option('--capture <file.pcapng>', 'write every IPX frame the node routes to a pcapng file')
    .option('--max-clients <n>', 'bound on registered DOSBox clients (default 256; DOSBox has 16)', parseCount('--max-clients', 1))
    .option('--idle-timeout <seconds>', 'forget a client silent this long (default 600)', parseCount('--idle-timeout', 1))
    .option('--keepalive <seconds>', 'ping each DOSBox client this often so NAT mappings stay open (default off)', parseCount('--keepalive', 1))
    .option('--max-per-ip <n>', 'DOSBox client slots one IP address may hold (default 16); a full table evicts the longest-idle client', parseCount('--max-per-ip', 1))
    .option('--rate-limit <pps>', 'per-client limit, datagrams per second (burst: one second\'s worth; default none)', parseCount('--rate-limit', 1))
    .option('--tcp-max-connections <n>', 'open TCP connections on the listen port at most (default 512)', parseCount('--tcp-max-connections', 1))
    .option('--tcp-max-per-ip <n>', 'open TCP connections from one IP at most (default 16)', parseCount('--tcp-max-per-ip', 1))
    .option('--tcp-idle-timeout <seconds>', 'close a TCP connection without a whole frame this long (default 300; the first frame: 10)', parseCount('--tcp-idle-timeout', 1))
    .option('--busy-poll <us>', 'after each datagram, keep polling the socket this long before sleeping, µs: lower latency for some CPU (default 200; 0 = off)', parseCount('--busy-poll', 0))
    .option('--api <addr:port>', 'the status API (HTTP): default loopback, or the --snp address when given')
    .option('--api-token <token>', 'bearer token for the status API (all but /healthz); prefer --api-token-file')
    .option('--api-token-file <file>', 'read the status API token from the first line of this file')
    .option('--qos <mode>', 'QoS on the links: off (default: classify and count only), monitor, fifo or snp (fifo and snp need --wan or --rate)')
    .option('--wan <profile>', 'emulate an era link: modem-56k, isdn-64k, isdn-128k, t1, ethernet-10m (or lab-wan)')
    .option('--rate <bit/s>', 'emulated link rate, e.g. 56000 or 56k (overrides the profile\'s)')
    .option('--delay <ms>', 'emulated one-way delay, 0..60000 ms (overrides the profile\'s)')
    .option('--jitter <ms>', 'emulated jitter, ± ms (overrides the profile\'s)')
    .option('--loss <p>', 'emulated random loss probability, 0..1 (overrides the profile\'s)')
    .option('--seed <n>', 'seed of the WAN emulator (default 1), for repeatable runs')
    .option('--lfi <mode>', 'link fragmentation and interleaving: auto (default: on when a full frame takes over 20 ms), on or off')
    .option('--fragment-ms <ms>', 'LFI: target serialisation time of a fragment (default 10)')
    .option('--fragment-bytes <n>', 'LFI: fragment size in bytes instead (at least 128)')
    .option('--ws <addr:port>', 'WebSocket endpoint for js-dos players, ws://ADDR:PORT/ipx/<room> (js-dos uses port 1900; default off)')
    .option('--ws-room <name|*>', 'the WebSocket room on this node\'s IPX segment; * (default) = every room; other rooms stay apart')
    .option('--ws-origin <origin>', 'allow WebSocket pages from this Origin only, e.g. https://games.example.org (repeatable; default any)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--tls-cert <file.pem>', 'certificate for the WebSocket endpoint: it then speaks wss://')
    .option('--tls-key <file.pem>', 'the certificate\'s private key')
    .option('--log-level <level>', 'error, warn, info or debug (debug names every drop)', 'info')
    .action(async (opts: NodeFlags) => {
      const { runNode } = await import('./node.js')
      status.code = await runNode(opts, io)
    })

  program.command('explain')
    .description('annotated hex dump of one frame: every byte with its layer, field, value and meaning')
    .argument('<capture>', 'pcap or pcapng file')
    .option('--frame <n>', 'frame number, 1-based as in tshark (required unless -Y is given)', (v: string) => {
      const n = Number(v)
      if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a frame number is an integer from 1 (tshark numbering).')
      return n
    })
    .addOption(new Option('--format <format>', 'text (coloured on a terminal) or markdown (a table per layer)').choices(['text', 'markdown'] satisfies ExplainFormat[]).default('text'))
    .option('--udp-port <port>', 'also look for IPX inside UDP on this port (repeatable; 213, 2644 and 10000 always)', parsePort, [])
    .option('-Y, --display-filter <expr>', `${DISPLAY_FILTER_HELP}; without --frame, every frame that passes`)
    .action(async (capture: string, opts: { frame?: number, format: ExplainFormat, udpPort: number[], displayFilter?: string }) => {
      const displayFilter = await compileFilterOption(opts.displayFilter, io)
      if (displayFilter === null) { status.code = Exit.Usage; return }
      const { runExplain } = await import('./explain.js')
      const { qosExplainSection } = await import('../node/explain-qos.js')
      status.code = await runExplain(capture, { ...(opts.frame !== undefined ? { frame: opts.frame } : {}), format: opts.format, udpPorts: opts.udpPort, sections: [qosExplainSection()], ...(displayFilter !== undefined ? { displayFilter } : {}) }, io)
    })

  addReplayCommand(program, io, status)

  addClientCommands(program, io, status)

  addLabCommand(program, io, status)
  addTopologyCommand(program, io, status)

  // A wrong option or argument names the subcommand's own help, not the list of commands.
  for (const c of program.commands) c.showHelpAfterError(helpHint(c.name()))
  return program
}

/** `ipxlab stats` and `ipxlab ping`, the commands that talk to a running node (apart from {@link buildProgram} to keep each function short). */
function addClientCommands (program: Command, io: Io, status: { code: number }): void {
  program.command('stats')
    .description('a node\'s status from its API on tcp 2629: clients, peers, routes, services, per-class counters and the peer\'s SNP report, drops by reason')
    .option('--node <addr:port>', 'the node\'s status API address (its --api, else its --snp; default 127.0.0.1:2629), or its 2644 address')
    .option('--json', 'print the /api/stats JSON as the node gave it')
    .option('--api-token-file <file>', 'bearer token for a node that requires one (first line of the file; default: IPXLAB_API_TOKEN)')
    .action(async (opts: { node?: string, json?: boolean, apiTokenFile?: string }) => {
      const { runStats } = await import('./stats.js')
      status.code = await runStats({ node: opts.node, json: opts.json === true, token: statsToken(opts.apiTokenFile) }, io)
    })

  program.command('ping')
    .description('Novell ping (socket 0x9086) to NET:NODE through a node, joined as a DOSBox client')
    .argument('<net:node>', 'the target, e.g. 00000001:02AABBCCDDEE (every ipxlab node answers for its own address)')
    .option('--via <addr:port>', 'the node to go through (default 127.0.0.1:2644)')
    .option('--count <n>', 'pings to send (default 4)', parseCount('--count', 1))
    .option('--interval <ms>', 'between pings (default 1000)', parseCount('--interval', 1))
    .option('--timeout <ms>', 'wait for each reply (default 2000)', parseCount('--timeout', 1))
    .action(async (target: string, opts: { via?: string, count?: number, interval?: number, timeout?: number }) => {
      const { runPing } = await import('./ping.js')
      const abort = new AbortController()
      const stop = (): void => { abort.abort() }
      process.once('SIGINT', stop)
      try {
        status.code = await runPing(target, {
          ...(opts.via !== undefined ? { via: opts.via } : {}),
          ...(opts.count !== undefined ? { count: opts.count } : {}),
          ...(opts.interval !== undefined ? { intervalMs: opts.interval } : {}),
          ...(opts.timeout !== undefined ? { timeoutMs: opts.timeout } : {}),
          signal: abort.signal
        }, io)
      } finally {
        process.off('SIGINT', stop)
      }
    })
}

/** `ipxlab replay`. */
function addReplayCommand (program: Command, io: Io, status: { code: number }): void {
  program.command('replay')
    .description('play the IPX frames of a capture into a node, as a DOSBox client (default) or as a native peer')
    .argument('<capture>', 'pcap or pcapng file')
    .requiredOption('--to <addr:port>', 'the node\'s 2644 address')
    .addOption(new Option('--mode <mode>', 'dosbox (register as a client; source nodes become the assigned node) or native (a peer the node lists; --bind needed)').choices(['dosbox', 'native']).default('dosbox'))
    .option('--speed <x>', 'original spacing divided by x (default 1)', parseSpeed)
    .option('--max', 'as fast as the node accepts (flow-controlled)')
    .option('--loop <n>', 'play the capture n times', parseCount('--loop', 1), 1)
    .option('--socket <n>', 'only frames with this source or destination socket (0x hex or decimal; repeatable)', parseNumberOption('a socket', 0xffff))
    .option('--type <n>', 'only frames of this packet type (repeatable)', parseNumberOption('a packet type', 0xff))
    .option('--frames <a-b>', 'only frames a to b (1-based, as tshark numbers them)', parseFrameRange)
    .option('--map-network <old=new>', 'rewrite a network number, source and destination (hex; repeatable)', parseNetworkMapping)
    .option('--map-node <old=new>', 'rewrite a node, source and destination (repeatable)', parseNodeMapping)
    .option('--network <hex>', 'rewrite every network of the capture (but 0 and FFFFFFFF) to the lab\'s', parseNetwork)
    .option('--no-auto-map', 'dosbox mode: keep the capture\'s networks (by default they are mapped onto the networks the node names in its RIP answer)')
    .option('--udp-port <port>', 'also look for IPX inside UDP on this port in the capture (repeatable; 213, 2644 and 10000 always)', parsePort, [])
    .option('--bind <addr:port>', 'local address to send from (native mode: the peer address the node lists)')
    .option('--key <hex|base64>', 'native mode: pre-shared key; frames are signed', parseKey)
    .option('--key-id <n>', 'native mode: key id (default 1)', parseCount('--key-id', 1))
    .option('--node <mac>', 'native mode: the replayer\'s node id', parseNodeOption)
    .option('--window <n>', 'frames in flight between flow-control markers (default 8; --max also paces each window to at least 2 ms)', parseCount('--window', 1))
    .action(async (capture: string, opts: Omit<ReplayCommandOptions, 'sockets' | 'types' | 'udpPorts'> & { socket?: number[], type?: number[], udpPort: number[] }) => {
      const { socket, type, udpPort, ...rest } = opts
      const { runReplay } = await import('./replay.js')
      status.code = await runReplay(capture, { ...rest, udpPorts: udpPort, ...(socket !== undefined ? { sockets: socket } : {}), ...(type !== undefined ? { types: type } : {}) }, io)
    })
}

/** A commander parser for a number of seconds above 0. */
function seconds (option: string): (v: string) => number {
  return (v: string) => {
    const n = Number(v)
    if (!(Number.isFinite(n) && n > 0 && n <= 86_400)) throw new InvalidArgumentError(`${option} is a number of seconds above 0 (at most 86400).`)
    return n
  }
}

/** `ipxlab lab` (npm start). */
function addLabCommand (program: Command, io: Io, status: { code: number }): void {
  program.command('lab')
    .description('the embedded default (npm start): nodes A and B on loopback, a native tunnel with SNP QoS, the bundled capture replayed into A until Ctrl-C, a live dashboard')
    .option('--scenario <name>', 'default, or qos: FIFO versus SNP under a bulk copy on an emulated 1 Mbit/s, 30 ms link')
    .option('--topology <file>', 'run a topology file (YAML or JSON; docs/topologies/classroom.json, pair.yaml): its nodes on 127.0.0.<i+1>, links with their transport, key, WAN profile and QoS, DOSBox segments, replays; tables at the end (with --port, --snp-port, --duration, --log-level)')
    .option('--wan <profile>', 'qos scenario: run FIFO, SNP and SNP + LFI on an era profile (modem-56k, isdn-64k, isdn-128k, t1, ethernet-10m)')
    .option('--report <file.html>', 'qos scenario: where to write the HTML report')
    .option('--json', 'qos scenario: print one JSON object')
    .option('--once', 'play the bundled capture 10 times, print the summary and end (default: run until Ctrl-C)')
    .option('--duration <seconds>', 'run this long, then print the summary and end', (v: string) => {
      const n = Number(v)
      if (!(n > 0)) throw new InvalidArgumentError('a duration is a number of seconds above 0.')
      return n
    })
    .option('--loop <n>', 'play the bundled capture n times, then end (as --once)', parseCount('--loop', 1))
    .option('--speed <x>', 'speed factor over the capture\'s own spacing (default 1)', (v: string) => {
      const n = Number(v)
      if (!(n > 0)) throw new InvalidArgumentError('a speed factor is a positive number.')
      return n
    })
    .option('--port <port>', 'the port of both nodes on 127.0.0.1 and 127.0.0.2 (default 2644)', parseCount('--port', 1))
    .option('--snp-port <port>', 'the port of both nodes\' QoS plane and status API (default 2629)', parseCount('--snp-port', 1))
    .option('--capture <file.pcapng>', 'write what node B routes to a capture file')
    .option('--log-level <level>', 'error, warn (default), info or debug')
    .option('--update-interval <seconds>', 'topology: RIP and SAP update interval (default 60, NetWare\'s; expiry 3 and garbage 4 intervals follow)', seconds('--update-interval'))
    .option('--cut <A-B>', 'topology: once the tables have converged, cut the link A-B on the real sockets and watch the routes and servers re-converge')
    .option('--simulate-cut <A-B>', 'topology: run RIP and SAP on a virtual clock instead, cut the link A-B, print every route change and every round\'s tables')
    .option('--cut-at <seconds>', 'with --simulate-cut: when the link is cut, on the virtual clock (default 3.5 update intervals)', seconds('--cut-at'))
    .action(async (opts: { topology?: string, scenario?: string, wan?: string, report?: string, json?: boolean, once?: boolean, duration?: number, loop?: number, speed?: number, port?: number, snpPort?: number, capture?: string, logLevel?: string, updateInterval?: number, cut?: string, simulateCut?: string, cutAt?: number }) => {
      const { duration, ...rest } = opts
      const { runLab } = await import('./lab.js')
      status.code = await runLab({ ...rest, json: opts.json === true, ...(duration !== undefined ? { durationS: duration } : {}) }, io)
    })
}

/** `ipxlab topology compose|configs`: a topology file's lab for containers or network namespaces (src/cli/topology.ts). */
function addTopologyCommand (program: Command, io: Io, status: { code: number }): void {
  const topology = program.command('topology')
    .description('a topology file\'s lab on separate hosts: a compose file (one container per node), or configs for network namespaces')
  topology.command('compose')
    .description('write a compose file that runs the topology, one container per node, one network per link')
    .argument('<file>', 'the topology file')
    .option('-o, --out <compose.yaml>', 'the compose file to write (default compose.yaml); node configs go to ipxlab-nodes/ beside it')
    .option('--force', 'overwrite an existing compose file')
    .option('--host-port <port>', 'host port of the first node\'s data plane, node i gets port + i (default 2644)', parseCount('--host-port', 1))
    .option('--host-api-port <port>', 'host port of the first node\'s status API, node i gets port + i (default 2729)', parseCount('--host-api-port', 1))
    .action(async (file: string, opts: { out?: string, force?: boolean, hostPort?: number, hostApiPort?: number }) => {
      const { runTopologyCompose } = await import('./topology.js')
      status.code = await runTopologyCompose({ file, ...opts }, io)
    })
  topology.command('configs')
    .description('write one node config per node for a lab of network namespaces (scripts/netns-lab.sh --topology) and print its plan')
    .argument('<file>', 'the topology file')
    .requiredOption('--out <dir>', 'where to write the configs (<i>.json for node i)')
    .action(async (file: string, opts: { out: string }) => {
      const { runTopologyConfigs } = await import('./topology.js')
      status.code = await runTopologyConfigs({ file, out: opts.out }, io)
    })
}

/** Runs the command line; returns the exit status. Never throws for a user error. */
export async function main (argv: readonly string[], io: Io = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const status: { code: number, command?: string } = { code: Exit.Ok }
  const program = buildProgram(io, status)
  try {
    await program.parseAsync([...argv], { from: 'user' })
    return status.code
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? Exit.Ok : Exit.Usage
    if (err instanceof ConfigError) {
      // A bad value is one line naming its setting (issue 11); options that do not go together are
      // a usage error, and point at the command's help as commander's own do (issue 17).
      io.stderr.write(`ipxlab: ${err.message}\n${err instanceof UsageError ? `${helpHint(status.command)}\n` : ''}`)
      return Exit.Usage
    }
    if (err instanceof CaptureError || err instanceof TransportError) {
      io.stderr.write(`ipxlab: ${err.message}\n`)
      return Exit.Usage
    }
    throw err
  }
}

if (isEntryPoint(import.meta.url)) {
  // `ipxlab decode x.pcap | head`: the reader leaving ends the command quietly, exit 0 (cli/pipes.ts).
  endQuietlyOnClosedPipe(process.stdout)
  endQuietlyOnClosedPipe(process.stderr)
  process.exitCode = await main(process.argv.slice(2))
}
