/**
 * `ipxlab node --listen ADDR:PORT`: a node that serves DOSBox IPXNET clients (and RFC 1234 peers)
 * on UDP 2644. Prints its address on start (ipxbox users asked for exactly that, fragglet/ipxbox#44),
 * logs who registers, and on SIGINT/SIGTERM stops cleanly and prints its counters.
 */
import { startDosboxNode } from '../transport/serve.js'
import type { DosboxNode } from '../transport/serve.js'
import { createLogger } from '../log.js'
import { ConfigError } from '../errors.js'
import type { Io } from './main.js'

/** Options of {@link runNode}. */
export interface NodeCommandOptions {
  listen: string
  maxClients?: number
  idleTimeout?: number
  keepalive?: number
  logLevel: string
  /** Resolves when the node should stop; default: the first SIGINT or SIGTERM. */
  until?: Promise<unknown>
  /** Called once the node is up (tests). */
  onStarted?: (node: DosboxNode) => void
}

function untilSignal (): Promise<string> {
  return new Promise(resolve => {
    const stop = (sig: string): void => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      resolve(sig)
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
}

/** Runs the node until stopped; returns the exit status. */
export async function runNode (options: NodeCommandOptions, io: Io): Promise<number> {
  const levels = ['error', 'warn', 'info', 'debug']
  if (!levels.includes(options.logLevel)) throw new ConfigError('log-level', `must be one of ${levels.join(', ')}`)
  const logger = createLogger({ level: options.logLevel, stream: io.stderr })
  const node = await startDosboxNode({
    listen: options.listen,
    logger,
    ...(options.maxClients !== undefined ? { maxClients: options.maxClients } : {}),
    ...(options.idleTimeout !== undefined ? { idleTimeoutMs: options.idleTimeout * 1000 } : {}),
    ...(options.keepalive !== undefined ? { keepaliveMs: options.keepalive * 1000 } : {})
  })
  const { address, port } = node.address
  const shown = address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`
  io.stdout.write(`ipxlab node listening on udp ${shown}\n`)
  io.stdout.write(`  DOSBox clients: IPXNET CONNECT <this host's address> ${port}\n`)
  options.onStarted?.(node)
  const why = await (options.until ?? untilSignal())
  await node.stop()
  const c = node.counters.snapshot()
  const drops = Object.entries(c.dropped).filter(([, n]) => n > 0).map(([r, n]) => `${r} ${n}`).join(', ')
  io.stdout.write(`ipxlab node stopped (${String(why)}): ${c.received} datagrams received, ${c.delivered} delivered, ` +
    `${node.counters.totalDropped()} dropped${drops !== '' ? ` (${drops})` : ''}\n`)
  return 0
}
