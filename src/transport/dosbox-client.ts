/**
 * The DOSBox IPXNET client role, once for every user (replay, `ipxlab ping`, the lab, the QoS
 * scenario): a UDP socket that registers with a node's 2644 port (the 30-byte registration of
 * ../shared/tools/dosbox/README.md Part 1, retried: DOSBox itself sends it once), takes its node
 * from the ack, then sends and receives bare IPX; optional keepalives keep it from expiring at an
 * idle-timing server; {@link DosboxClient.sync} round-trips a marker for flow control. DOSBox has
 * no disconnect datagram ([074] ipx.cpp:1004 TODO), so close just closes the socket.
 */
import dgram from 'node:dgram'
import type { RemoteInfo } from 'node:dgram'
import { ipx, IPX_HEADER_LENGTH, IPX_NO_CHECKSUM, DOSBOX_CONTROL_SOCKET } from '../../protocol/index.js'
import { TransportError } from '../errors.js'
import { encodeUnregister } from '../../protocol/dosbox-unregister.js'

/** Socket errors after bind, over every client of this process (send failures among them). */
export const errors = { count: 0 }

/** Options shared by the clients of a node's 2644 port (this one and the native client). */
export interface ClientOptions {
  /** The node's 2644 address. */
  to: { host: string, port: number }
  /** Local address to bind (default an ephemeral port on the wildcard of `to`'s family). */
  bind?: { host: string, port: number }
  /** Every datagram the node sends this client, other than the ack and the flow-control markers. */
  onDatagram?: (datagram: Buffer) => void
  /** SO_RCVBUF / SO_SNDBUF requests (default: the system's). A load generator wants several MiB. */
  recvBufferSize?: number
  sendBufferSize?: number
}

/** Binds a client's socket; rejects with {@link TransportError}. */
export async function openClientSocket (o: ClientOptions, onMessage: (d: Buffer, r: RemoteInfo) => void): Promise<dgram.Socket> {
  const v6 = o.to.host.includes(':')
  const socket = dgram.createSocket(v6 ? 'udp6' : 'udp4')
  socket.on('message', onMessage)
  await new Promise<void>((resolve, reject) => {
    const fail = (err: Error): void => {
      reject(new TransportError((err as NodeJS.ErrnoException).code === 'EADDRINUSE' ? 'IPX_ERR_ADDR_IN_USE' : 'IPX_ERR_SOCKET', `cannot bind the client's socket: ${err.message}`, { cause: err }))
    }
    socket.once('error', fail)
    socket.bind(o.bind?.port ?? 0, o.bind?.host ?? (v6 ? '::' : '0.0.0.0'), () => { socket.removeListener('error', fail); resolve() })
  })
  if (o.recvBufferSize !== undefined) socket.setRecvBufferSize(o.recvBufferSize)
  if (o.sendBufferSize !== undefined) socket.setSendBufferSize(o.sendBufferSize)
  // Send errors (ICMP port unreachable and the like) must not crash the process; they show as
  // unanswered markers or missing replies, and are counted.
  socket.on('error', () => { errors.count++ })
  return socket
}

/** Closes a client's socket (nothing when already closed). */
export async function closeClientSocket (s: dgram.Socket | undefined): Promise<void> {
  if (s === undefined) return
  await new Promise<void>(resolve => { s.close(() => { resolve() }) })
}

/** A waiter for one condition on received datagrams, bounded by a timeout. */
export class Waiter {
  #pending: Array<{ test: () => boolean, resolve: (ok: boolean) => void, timer: NodeJS.Timeout }> = []

  async wait (test: () => boolean, ms: number): Promise<boolean> {
    if (test()) return true
    return await new Promise<boolean>(resolve => {
      const entry = { test, resolve, timer: setTimeout(() => { this.#pending = this.#pending.filter(e => e !== entry); resolve(false) }, ms) }
      this.#pending.push(entry)
    })
  }

  /** Re-tests the pending conditions (after a datagram arrived). */
  poke (): void {
    if (this.#pending.length === 0) return
    this.#pending = this.#pending.filter(e => {
      if (!e.test()) return true
      clearTimeout(e.timer)
      e.resolve(true)
      return false
    })
  }
}

/** Registration attempts and the wait for each ack (DOSBox waits 5000 ms once, [074] ipx.cpp:804; we retry). */
export const REGISTRATION_ATTEMPTS = 4
export const REGISTRATION_WAIT_MS = 750

/** Payload prefix of the flow-control markers and keepalives of {@link DosboxClient}. */
const SYNC_MAGIC = Buffer.from('ipxlab-replay-sync')

/** Options of {@link DosboxClient}. */
export interface DosboxClientOptions extends ClientOptions {
  /** Registrations sent before giving up (default {@link REGISTRATION_ATTEMPTS}). */
  registrationAttempts?: number
  /** Wait for the ack after each, ms (default {@link REGISTRATION_WAIT_MS}). */
  registrationWaitMs?: number
  /** Send a keepalive after this long without sending, ms (default none: DOSBox sends none). */
  keepaliveMs?: number
}

/** The registration of [074] ipx.cpp:751-800: socket 2, every node and network zero, 30 bytes. */
function registrationDatagram (): Buffer {
  return ipx.header.encode({
    checksum: IPX_NO_CHECKSUM,
    length: IPX_HEADER_LENGTH,
    transportControl: 0,
    packetType: 0,
    dst: { network: 0, node: 0, socket: DOSBOX_CONTROL_SOCKET },
    src: { network: 0, node: 0, socket: DOSBOX_CONTROL_SOCKET }
  })
}

/** A whole IPX header with DOSBox's FFFF checksum: anything else from the server is ignored. */
function isDosboxDatagram (d: Buffer): boolean {
  return d.length >= IPX_HEADER_LENGTH && ipx.readChecksum(d) === IPX_NO_CHECKSUM
}

/**
 * The node a registration ack gives ([074] ackClient: dst socket 2, src socket 2; its dst node is
 * the client's), else undefined. A DOSBox client takes the first datagram it gets ([074]
 * ipx.cpp:813); we at least check the sockets.
 */
function ackedNode (d: Buffer): number | undefined {
  return ipx.isDosboxControl(d) ? ipx.readDstNode(d) : undefined
}

/**
 * A DOSBox IPXNET client: registers, then sends bare IPX. Keepalives are unicasts to its own node
 * on socket 2 (which the server relays back, [074] ipxserver.cpp:67-118 sends a unicast to every
 * slot whose ip:port equals the destination, the sender's own included). Flow-control markers go,
 * from the first {@link sync} on, to a second client of its own, the sync client, registered beside
 * it: a unicast between two clients, which every DOSBox-protocol server relays (ipxbox never
 * returns a packet to its sender, issue 18). When the server refuses the second registration (a
 * full table), markers go to the client's own node as keepalives do. Neither reaches
 * {@link DosboxClientOptions.onDatagram}.
 */
export class DosboxClient {
  readonly mode = 'dosbox'
  #node: number | undefined
  #socket: dgram.Socket | undefined
  readonly #o: DosboxClientOptions
  readonly #waiter = new Waiter()
  #markerSent = 0
  #markerSeen = 0
  #syncNode: number | undefined
  #syncSocket: dgram.Socket | undefined
  #syncTried = false
  #lastSentMs = 0
  #timer: NodeJS.Timeout | undefined

  constructor (options: DosboxClientOptions) {
    this.#o = options
  }

  /** Where received datagrams go (settable, e.g. once the client is known to the test). */
  set onDatagram (fn: ((datagram: Buffer) => void) | undefined) {
    if (fn === undefined) delete this.#o.onDatagram
    else this.#o.onDatagram = fn
  }

  /** The node the server assigned, after {@link open}. */
  get node (): number {
    return this.#node ?? 0
  }

  get sourceNode (): number | undefined {
    return this.#node
  }

  async open (): Promise<void> {
    this.#socket = await openClientSocket(this.#o, (d) => { this.#receive(d) })
    const registration = registrationDatagram()
    const attempts = this.#o.registrationAttempts ?? REGISTRATION_ATTEMPTS
    for (let i = 0; i < attempts && this.#node === undefined; i++) {
      this.#raw(registration)
      await this.#waiter.wait(() => this.#node !== undefined, this.#o.registrationWaitMs ?? REGISTRATION_WAIT_MS)
    }
    if (this.#node === undefined) {
      await this.close()
      throw new TransportError('IPX_ERR_SOCKET', `no DOSBox registration ack from ${this.#o.to.host}:${this.#o.to.port} after ${attempts} attempts`)
    }
    const keepaliveMs = this.#o.keepaliveMs
    if (keepaliveMs !== undefined) {
      this.#timer = setInterval(() => {
        if (performance.now() - this.#lastSentMs >= keepaliveMs) this.#raw(this.#marker(0))
      }, Math.max(10, keepaliveMs / 4))
      this.#timer.unref()
    }
  }

  #raw (d: Uint8Array): void {
    this.#socket?.send(d, this.#o.to.port, this.#o.to.host)
    this.#lastSentMs = performance.now()
  }

  #receive (d: Buffer): void {
    if (!isDosboxDatagram(d)) return
    if (this.#node === undefined) {
      this.#node = ackedNode(d)
      if (this.#node !== undefined) this.#waiter.poke()
      return
    }
    if (this.#seeMarker(d)) return
    this.#o.onDatagram?.(d)
  }

  /** A marker (SYNC_MAGIC + u32) from our own node: counted seen; true when `d` was one. */
  #seeMarker (d: Buffer): boolean {
    if (d.length !== IPX_HEADER_LENGTH + SYNC_MAGIC.length + 4 || ipx.readSrcNode(d) !== this.#node ||
        !d.subarray(IPX_HEADER_LENGTH, IPX_HEADER_LENGTH + SYNC_MAGIC.length).equals(SYNC_MAGIC)) return false
    this.#markerSeen = Math.max(this.#markerSeen, d.readUInt32BE(IPX_HEADER_LENGTH + SYNC_MAGIC.length))
    this.#waiter.poke()
    return true
  }

  /** The sync client hears its ack, then the markers (and copies of broadcasts, ignored). */
  #receiveSync (d: Buffer): void {
    if (!isDosboxDatagram(d)) return
    if (this.#syncNode === undefined) {
      this.#syncNode = ackedNode(d)
      if (this.#syncNode !== undefined) this.#waiter.poke()
      return
    }
    this.#seeMarker(d)
  }

  /**
   * Opens and registers the sync client, once, at the first marker (a client that never syncs,
   * such as `ipxlab ping`'s or the lab's listener, registers no second client).
   */
  async #openSync (): Promise<void> {
    if (this.#syncTried) return
    this.#syncTried = true
    const sync = await openClientSocket({ to: this.#o.to }, (d) => { this.#receiveSync(d) })
    this.#syncSocket = sync
    const registration = registrationDatagram()
    const attempts = this.#o.registrationAttempts ?? REGISTRATION_ATTEMPTS
    for (let i = 0; i < attempts && this.#syncNode === undefined && this.#socket !== undefined; i++) {
      sync.send(registration, this.#o.to.port, this.#o.to.host)
      await this.#waiter.wait(() => this.#syncNode !== undefined, this.#o.registrationWaitMs ?? REGISTRATION_WAIT_MS)
    }
    if (this.#syncNode === undefined) {
      this.#syncSocket = undefined
      await closeClientSocket(sync)
    }
  }

  /** Sends one IPX datagram to the server, fire and forget. */
  send (datagram: Uint8Array): void {
    this.#raw(datagram)
  }

  /** A marker from our own node to `dst` (default our own) on socket 2 carrying `n` (0: a keepalive, never waited for). */
  #marker (n: number, dst?: number): Buffer {
    const node = this.#node ?? 0
    const payload = Buffer.alloc(SYNC_MAGIC.length + 4)
    SYNC_MAGIC.copy(payload)
    payload.writeUInt32BE(n >>> 0, SYNC_MAGIC.length)
    return ipx.packet.encode(ipx.packet.makePacket({
      packetType: 0,
      dst: { network: 0, node: dst ?? node, socket: DOSBOX_CONTROL_SOCKET },
      src: { network: 0, node, socket: DOSBOX_CONTROL_SOCKET }
    }, payload))
  }

  /** Resolves true once the server relayed back a marker sent now (so it handled all before), false after `timeoutMs`. */
  async sync (timeoutMs: number): Promise<boolean> {
    await this.#openSync()
    if (this.#node === undefined) return false
    const n = ++this.#markerSent
    this.#raw(this.#marker(n, this.#syncNode))
    return await this.#waiter.wait(() => this.#markerSeen >= n, timeoutMs)
  }

  async close (): Promise<void> {
    // DOSBox has no disconnect datagram ([074] ipx.cpp:1004 TODO): ipxlab's unregister gives the
    // slot back at once (protocol/dosbox-unregister.ts); other servers expire idle clients.
    if (this.#timer !== undefined) clearInterval(this.#timer)
    this.#timer = undefined
    const s = this.#socket
    const sync = this.#syncSocket
    this.#socket = undefined
    this.#syncSocket = undefined
    await this.#unregister(s, this.#node)
    await this.#unregister(sync, this.#syncNode)
    await closeClientSocket(s)
    await closeClientSocket(sync)
  }

  async #unregister (s: dgram.Socket | undefined, node: number | undefined): Promise<void> {
    if (s === undefined || node === undefined) return
    const bye = encodeUnregister(node, this.#o.to.port)
    await new Promise<void>(resolve => { s.send(bye, this.#o.to.port, this.#o.to.host, () => { resolve() }) })
  }
}

