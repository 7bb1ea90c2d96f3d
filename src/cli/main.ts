#!/usr/bin/env node
/**
 * The `ipxlab` command. The only place that reads argv or sets the exit status; every command is
 * a function that writes to the given streams and returns its exit status, so tests call them
 * in-process with `program.exitOverride()`.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander'
import { realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { runDecode } from './decode.js'
import { runExplain, EXPLAIN_FORMATS } from './explain.js'
import type { ExplainFormat } from './explain.js'
import { runLint } from './lint.js'
import { runNode } from './node.js'
import type { NodeFlags } from './node.js'
import { ConfigError, CaptureError, TransportError } from '../errors.js'

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

/** Builds the commander program. `status.code` receives the command's exit status. */
export function buildProgram (io: Io, status: { code: number }): Command {
  const program = new Command()
  program
    .name('ipxlab')
    .description('IPX-over-IP tunnel emulator for a teaching lab: DOSBox-exact tunnel, NetWare routing, SNP-style QoS.')
    .configureOutput({
      writeOut: s => { io.stdout.write(s) },
      writeErr: s => { io.stderr.write(s) }
    })
    .showHelpAfterError('(ipxlab --help lists the commands)')
    // Before the subcommands are added: they copy this setting when created.
    .exitOverride()

  program.command('decode')
    .description('print one line (or one JSON object) per IPX frame of pcap/pcapng captures')
    .argument('<capture...>', 'pcap or pcapng files')
    .option('--json', 'one JSON object per frame, with the codec\'s field names')
    .option('--udp-port <port>', 'also look for IPX inside UDP on this port (repeatable; 213, 2644 and 10000 always)', parsePort, [])
    .option('--verify-checksum', 'check IPX checksums that are not FFFF')
    .action(async (captures: string[], opts: { json?: boolean, udpPort: number[], verifyChecksum?: boolean }) => {
      status.code = await runDecode(captures, { json: opts.json === true, udpPorts: opts.udpPort, verifyChecksum: opts.verifyChecksum === true }, io)
    })

  program.command('lint')
    .description('spec-conformance findings for IPX captures, one per line, each naming its rule and citing its source')
    .argument('<capture...>', 'pcap or pcapng files')
    .option('--json', 'one JSON object per finding')
    .option('--udp-port <port>', 'also look for IPX inside UDP on this port (repeatable; 213, 2644 and 10000 always)', parsePort, [])
    .action(async (captures: string[], opts: { json?: boolean, udpPort: number[] }) => {
      status.code = await runLint(captures, { json: opts.json === true, udpPorts: opts.udpPort }, io)
    })

  program.command('node')
    .description('run one emulated node: DOSBox clients and native peers on udp+tcp 2644, bridged or routed')
    .option('--config <file>', 'JSON config file (IPXLAB_* environment variables and flags override it)')
    .option('--listen <addr:port>', 'where to listen (default 0.0.0.0:2644)')
    .option('--peer <[udp|tcp]://addr:port>', 'another node to link with (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--mode <mode>', 'bridge (one IPX network across the nodes, default) or route (a network per node)')
    .option('--network <hex>', 'this node\'s IPX network number')
    .option('--name <name>', 'node name (its SAP file server is called this)')
    .option('--node <mac>', 'this node\'s IPX node address')
    .option('--key <hex|base64>', 'pre-shared key for the native links (HMAC-SHA-256)')
    .option('--capture <file.pcapng>', 'write every IPX frame the node routes to a pcapng file')
    .option('--max-clients <n>', 'bound on registered DOSBox clients (DOSBox has 16)', parseCount('--max-clients', 1))
    .option('--idle-timeout <seconds>', 'forget a client silent this long (default 600)', parseCount('--idle-timeout', 1))
    .option('--log-level <level>', 'error, warn, info or debug (debug names every drop)', 'info')
    .action(async (opts: NodeFlags) => {
      status.code = await runNode(opts, io)
    })

  program.command('explain')
    .description('annotated hex dump of one frame: every byte with its layer, field, value and meaning')
    .argument('<capture>', 'pcap or pcapng file')
    .requiredOption('--frame <n>', 'frame number, 1-based as in tshark', (v: string) => {
      const n = Number(v)
      if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a frame number is an integer from 1 (tshark numbering).')
      return n
    })
    .addOption(new Option('--format <format>', 'text (coloured on a terminal) or markdown (a table per layer)').choices(EXPLAIN_FORMATS).default('text'))
    .option('--udp-port <port>', 'also look for IPX inside UDP on this port (repeatable; 213, 2644 and 10000 always)', parsePort, [])
    .action(async (capture: string, opts: { frame: number, format: ExplainFormat, udpPort: number[] }) => {
      status.code = await runExplain(capture, { frame: opts.frame, format: opts.format, udpPorts: opts.udpPort }, io)
    })

  program.command('lab')
    .description('the embedded default (npm start); until the two-node lab lands, decodes the bundled capture')
    .action(async () => {
      const sample = fileURLToPath(new URL('../../../fixtures/lab-sample.pcapng', import.meta.url))
      io.stdout.write(`ipxlab: the two-node lab is not built yet; decoding the bundled capture ${sample}\n`)
      status.code = await runDecode([sample], { json: false, udpPorts: [], verifyChecksum: true }, io)
    })

  return program
}

/** Runs the command line; returns the exit status. Never throws for a user error. */
export async function main (argv: readonly string[], io: Io = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const status = { code: Exit.Ok as number }
  const program = buildProgram(io, status)
  try {
    await program.parseAsync([...argv], { from: 'user' })
    return status.code
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? Exit.Ok : Exit.Usage
    if (err instanceof ConfigError || err instanceof CaptureError || err instanceof TransportError) {
      io.stderr.write(`ipxlab: ${err.message}\n`)
      return Exit.Usage
    }
    throw err
  }
}

function isEntryPoint (): boolean {
  const script = process.argv[1]
  if (script === undefined) return false
  try {
    return realpathSync(script) === fileURLToPath(import.meta.url)
  } catch {
    return false
  }
}

if (isEntryPoint()) {
  process.exitCode = await main(process.argv.slice(2))
}
