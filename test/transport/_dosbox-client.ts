/**
 * A scripted DOSBox IPXNET client for tests: a plain node:dgram socket on loopback that speaks the
 * protocol of ../shared/tools/dosbox/README.md Part 1 (registration, ping, relayed data), plus
 * bounded wait helpers. Not a DOSBox emulation: it sends exactly the bytes a test asks for.
 */
import dgram from 'node:dgram'
import type { RemoteInfo } from 'node:dgram'

/** IPX header fields for {@link ipxPacket}; everything optional has the DOSBox default. */
export interface PacketSpec {
  dstNode: number
  dstSocket?: number
  srcNode: number
  srcSocket?: number
  dstNetwork?: number
  srcNetwork?: number
  payload?: Uint8Array
  /** Override the length field (default: the real size). */
  length?: number
  checksum?: number
  transportControl?: number
  packetType?: number
}

function writeU48 (b: Buffer, at: number, v: number): void {
  b.writeUInt16BE(Math.floor(v / 0x100000000), at)
  b.writeUInt32BE(v % 0x100000000, at + 2)
}

/** Builds one IPX datagram (30-byte header + payload), with direct writes (an oracle independent of the codec). */
export function ipxPacket (p: PacketSpec): Buffer {
  const payload = p.payload ?? new Uint8Array(0)
  const b = Buffer.alloc(30 + payload.length)
  b.writeUInt16BE(p.checksum ?? 0xffff, 0)
  b.writeUInt16BE(p.length ?? b.length, 2)
  b[4] = p.transportControl ?? 0
  b[5] = p.packetType ?? 4
  b.writeUInt32BE(p.dstNetwork ?? 0, 6)
  writeU48(b, 10, p.dstNode)
  b.writeUInt16BE(p.dstSocket ?? 0x4000, 16)
  b.writeUInt32BE(p.srcNetwork ?? 0, 18)
  writeU48(b, 22, p.srcNode)
  b.writeUInt16BE(p.srcSocket ?? 0x4000, 28)
  Buffer.from(payload).copy(b, 30)
  return b
}

/** The 30-byte registration every DOSBox client sends ([074] ipx.cpp:751-800), packet type 0 as captured. */
export const REGISTRATION = ipxPacket({ dstNode: 0, dstSocket: 2, srcNode: 0, srcSocket: 2, packetType: 0 })

/** The DOSBox-X "M" registration: transport control 'M', the wanted MAC at offsets 30-35, length field 30. */
export function mRegistration (mac: number): Buffer {
  const b = Buffer.alloc(36)
  REGISTRATION.copy(b)
  b[4] = 0x4d
  writeU48(b, 30, mac)
  return b
}

/** A broadcast node. */
export const BROADCAST = 0xffffffffffff

/** Polls `cond` every 5 ms until true or `ms` elapse; resolves to the final value. */
export async function until (cond: () => boolean, ms = 3000): Promise<boolean> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) return false
    await new Promise(resolve => setTimeout(resolve, 5))
  }
  return true
}

/** Resolves after `ms`. */
export async function sleep (ms: number): Promise<void> {
  await new Promise(resolve => setTimeout(resolve, ms))
}

/** One scripted client socket. */
export class TestClient {
  readonly received: Buffer[] = []
  readonly from: RemoteInfo[] = []
  readonly socket: dgram.Socket
  readonly serverPort: number
  readonly serverHost: string
  port = 0
  address = ''

  private constructor (socket: dgram.Socket, serverHost: string, serverPort: number) {
    this.socket = socket
    this.serverHost = serverHost
    this.serverPort = serverPort
    socket.on('message', (m, r) => {
      this.received.push(m)
      this.from.push(r)
    })
  }

  /** Opens a socket on `host` (default 127.0.0.1), ephemeral port. */
  static async open (serverPort: number, host = '127.0.0.1', serverHost = host): Promise<TestClient> {
    const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4')
    const c = new TestClient(socket, serverHost, serverPort)
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject)
      socket.bind(0, host, () => { socket.removeListener('error', reject); resolve() })
    })
    socket.setRecvBufferSize(4 * 1024 * 1024)
    socket.setSendBufferSize(4 * 1024 * 1024)
    const a = socket.address()
    c.port = a.port
    c.address = a.address
    return c
  }

  /** This socket's DOSBox node (IPv4 + port) as a u48; IPv4 sockets only. */
  get node (): number {
    const [a, b, c, d] = this.address.split('.').map(Number)
    return (((a! * 256 + b!) * 256 + c!) * 256 + d!) * 0x10000 + this.port
  }

  /** Sends raw bytes to the server and resolves once the kernel took them. */
  async send (d: Uint8Array): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.socket.send(d, this.serverPort, this.serverHost, err => { if (err !== null) reject(err); else resolve() })
    })
  }

  /** Sends a datagram from this client with its own node as source. */
  async sendTo (dstNode: number, payload: Uint8Array, extra: Partial<PacketSpec> = {}): Promise<Buffer> {
    const d = ipxPacket({ dstNode, srcNode: this.node, payload, ...extra })
    await this.send(d)
    return d
  }

  /** Waits until at least `n` datagrams were received (bounded). */
  async waitFor (n: number, ms = 3000): Promise<boolean> {
    return await until(() => this.received.length >= n, ms)
  }

  /** Registers and resolves to the ack (or undefined after `ms`). */
  async register (datagram: Buffer = REGISTRATION, ms = 2000): Promise<Buffer | undefined> {
    const before = this.received.length
    await this.send(datagram)
    if (!await this.waitFor(before + 1, ms)) return undefined
    return this.received[before]
  }

  /** Forgets what was received. */
  clear (): void {
    this.received.length = 0
    this.from.length = 0
  }

  async close (): Promise<void> {
    await new Promise<void>(resolve => { this.socket.close(() => { resolve() }) })
  }
}
