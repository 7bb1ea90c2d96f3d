/**
 * `ipxlab ping NET:NODE [--via ADDR:PORT]`: Novell ping (socket 0x9086) through a node, printed like
 * `ping`. ipxlab joins the node at `--via` as a DOSBox IPXNET client (the node then knows where to
 * send the replies), sends one ping request a second to NET:NODE:9086, and times each reply. Every
 * ipxlab node answers pings to its own address; so does any Novell-ping responder the target is.
 */
import { ipx, ping, Socket, PacketType, IPX_HEADER_LENGTH } from '../../protocol/index.js'
import { DosboxClient } from '../transport/dosbox-client.js'
import { parseAddress } from '../address.js'
import { DEFAULT_TUNNEL_PORT } from '../node/config.js'
import { ConfigError } from '../errors.js'
import type { Io } from './main.js'

/** Options of {@link runPing}. */
export interface PingOptions {
  via?: string
  count?: number
  intervalMs?: number
  timeoutMs?: number
  /** Stops early (tests; the CLI stops on SIGINT). */
  signal?: AbortSignal
}

/** The client socket the pings come from (a dynamic socket, Linux `IPX_MIN_EPHEMERAL_SOCKET`). */
const PING_CLIENT_SOCKET = 0x4000

/** Waits `ms`, or less when `signal` aborts or `early` is called; clears its timer either way. */
async function pause (ms: number, signal: AbortSignal | undefined, early?: (resolve: () => void) => void): Promise<void> {
  await new Promise<void>(resolve => {
    const done = (): void => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal?.addEventListener('abort', done)
    early?.(done)
  })
}

/**
 * The ping target: NET:NODE in any form `ipx.parseIpxAddress` reads (the node as 12 hex digits or
 * as the logs print it, `02:72:20:83:75:73`), or a node alone, on network 0 ("this network").
 */
export function parseTarget (target: string): ipx.IpxAddress | undefined {
  const node = ipx.parseNode(target.trim())
  if (node !== undefined && target.includes(':')) return { network: 0, node, socket: 0 }
  return target.includes(':') || target.includes('.') ? ipx.parseIpxAddress(target) : undefined
}

/** Runs the command; returns 0 when any reply came, 1 when none did. */
export async function runPing (target: string, o: PingOptions, io: Io): Promise<number> {
  const dst = parseTarget(target)
  if (dst === undefined) throw new ConfigError('target', `${JSON.stringify(target)} is not NET:NODE (e.g. 00000001:02AABBCCDDEE or 00000001:02:aa:bb:cc:dd:ee) or a node alone (02:aa:bb:cc:dd:ee, this network)`)
  const via = parseAddress(o.via ?? '127.0.0.1:2644', 'via', { allowNames: true, defaultPort: DEFAULT_TUNNEL_PORT })
  const count = o.count ?? 4
  const interval = o.intervalMs ?? 1000
  const timeout = o.timeoutMs ?? 2000
  const sentAt = new Map<number, number>()
  const rtts: number[] = []
  let waiting: (() => void) | undefined
  let current = 0
  const client = new DosboxClient({
    to: via,
    onDatagram: (d) => {
      if (d.length < IPX_HEADER_LENGTH + ping.PING_HEADER_LENGTH || ipx.readSrcSocket(d) !== Socket.NovellPing) return
      let reply: ping.NovellPing
      try {
        reply = ping.decode(d, IPX_HEADER_LENGTH)
      } catch {
        return
      }
      const at = sentAt.get(reply.pingId)
      if (reply.type !== ping.PingType.Reply || at === undefined) return
      sentAt.delete(reply.pingId)
      const ms = performance.now() - at
      const from = ipx.formatIpxAddress({ network: ipx.readSrcNetwork(d), node: ipx.readSrcNode(d), socket: ipx.readSrcSocket(d) })
      if (reply.pingId !== current) {
        // A reply to an earlier ping, after its wait ended: shown, but that ping stays lost.
        io.stdout.write(`late reply from ${from}: ping id=${reply.pingId} time=${ms.toFixed(2)} ms (not counted)\n`)
        return
      }
      rtts.push(ms)
      io.stdout.write(`reply from ${from}: ping id=${reply.pingId} bytes=${d.length} time=${ms.toFixed(2)} ms\n`)
      waiting?.()
    }
  })
  await client.open()
  const me = client.sourceNode!
  io.stdout.write(`PING ${ipx.formatIpxAddress({ ...dst, socket: Socket.NovellPing })} via ${via.host}:${via.port} as DOSBox client ${ipx.formatNode(me)}\n`)
  let sent = 0
  const aborted = (): boolean => o.signal?.aborted === true
  try {
    for (let i = 1; i <= count && !aborted(); i++) {
      const request = ipx.packet.encode(ipx.packet.makePacket({
        packetType: PacketType.Pep,
        dst: { ...dst, socket: Socket.NovellPing },
        src: { network: 0, node: me, socket: PING_CLIENT_SOCKET }
      }, ping.encode({ version: ping.PING_VERSION, type: ping.PingType.Request, pingId: i, result: 0, reserved: 0, data: Buffer.alloc(0) })))
      current = i
      sentAt.set(i, performance.now())
      client.send(request)
      sent++
      // Wait for this ping's reply, the timeout or Ctrl-C, whichever comes first; no timer outlives it.
      await pause(timeout, o.signal, resolve => { waiting = resolve })
      waiting = undefined
      if (sentAt.has(i)) io.stdout.write(`no reply to ping id=${i} within ${timeout} ms\n`)
      if (i < count && !aborted()) await pause(interval, o.signal)
    }
  } finally {
    await client.close()
  }
  const loss = sent === 0 ? 0 : Math.round(100 * (sent - rtts.length) / sent)
  io.stdout.write(`--- ${ipx.formatIpxAddress({ ...dst, socket: Socket.NovellPing })} ping statistics ---\n`)
  io.stdout.write(`${sent} sent, ${rtts.length} received, ${loss}% loss`)
  if (rtts.length > 0) {
    const avg = rtts.reduce((x, y) => x + y, 0) / rtts.length
    io.stdout.write(`, rtt min/avg/max ${Math.min(...rtts).toFixed(2)}/${avg.toFixed(2)}/${Math.max(...rtts).toFixed(2)} ms`)
  }
  io.stdout.write('\n')
  return rtts.length > 0 ? 0 : 1
}
