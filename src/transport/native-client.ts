/**
 * A native peer client (protocol/tunnel/SPEC.md) over one UDP socket, for `replay --mode native`:
 * hello until hello-ack, data frames, keepalives (answered, and sent when idle), keepalive echoes
 * for flow control, bye on close; frames are signed when a key is given. The node must list the
 * client's bind address as a peer (src/transport/udp-tunnel.ts: other senders count `unregistered`).
 */
import type dgram from 'node:dgram'
import type { RemoteInfo } from 'node:dgram'
import { randomInt } from 'node:crypto'
import { tunnel, DecodeError, DOSBOX_MAX_DATAGRAM } from '../../protocol/index.js'
import { ConfigError, TransportError } from '../errors.js'
import { Waiter, openClientSocket, closeClientSocket, REGISTRATION_ATTEMPTS, REGISTRATION_WAIT_MS } from './dosbox-client.js'
import type { ClientOptions } from './dosbox-client.js'

/** Options of {@link NativeClient}. */
export interface NativeClientOptions extends ClientOptions {
  /** The replayer's node id in the native header (default 02:00:00:00 + bind port, a locally administered address). */
  node?: number
  /** Pre-shared key (≥ 16 bytes): frames are signed (SPEC.md §4). */
  key?: Buffer
  /** Key id (default 1, as the node's config). */
  keyId?: number
  /** Network announced in hello (default 0). */
  network?: number
  /** Keepalive after this long without sending, ms (default 1000, the link default; the node's dead interval is 3 of them). */
  keepaliveMs?: number
}

/** A native peer (protocol/tunnel/SPEC.md): hello, data, keepalive markers, bye. */
export class NativeClient {
  readonly mode = 'native'
  readonly sourceNode = undefined
  readonly #o: NativeClientOptions
  readonly #waiter = new Waiter()
  #socket: dgram.Socket | undefined
  #node = 0
  /** Random first sequence, as NativeLink starts (a restarted replayer's hello then resets the node's window, SPEC.md §5). */
  #seq = randomInt(0, 0x100000000)
  #up = false
  #echoed = -1
  #lastSentMs = 0
  #timer: NodeJS.Timeout | undefined

  constructor (options: NativeClientOptions) {
    if (options.key !== undefined && options.key.length < tunnel.MIN_KEY_LENGTH) {
      throw new ConfigError('key', `is ${options.key.length} bytes; at least ${tunnel.MIN_KEY_LENGTH} are needed (tunnel SPEC.md §4)`)
    }
    this.#o = options
  }

  async open (): Promise<void> {
    this.#socket = await openClientSocket(this.#o, (d, r) => { this.#receive(d, r) })
    const bound = this.#socket.address()
    this.#node = this.#o.node ?? 0x020000000000 + bound.port
    const hello = tunnel.encodeHello({
      network: this.#o.network ?? 0,
      mode: tunnel.LinkMode.Bridge,
      reserved: 0,
      capabilities: tunnel.Capability.Echo | (this.#o.key !== undefined ? tunnel.Capability.Auth : 0),
      keepaliveInterval: 1,
      maxPacket: DOSBOX_MAX_DATAGRAM,
      classDigest: Buffer.alloc(tunnel.CLASS_DIGEST_LENGTH)
    })
    for (let i = 0; i < REGISTRATION_ATTEMPTS && !this.#up; i++) {
      this.#frame(tunnel.MessageType.Hello, hello)
      await this.#waiter.wait(() => this.#up, REGISTRATION_WAIT_MS)
    }
    if (!this.#up) {
      await this.close()
      throw new TransportError('IPX_ERR_SOCKET', `no native hello-ack from ${this.#o.to.host}:${this.#o.to.port}: does the node list ${bound.address}:${bound.port} as a peer (and the same key)?`)
    }
    const keepaliveMs = this.#o.keepaliveMs ?? 1000
    this.#timer = setInterval(() => {
      if (performance.now() - this.#lastSentMs >= keepaliveMs) this.#frame(tunnel.MessageType.Keepalive, Buffer.alloc(0))
    }, Math.max(10, keepaliveMs / 4))
    this.#timer.unref()
  }

  /** Encodes, signs and sends one frame; returns its sequence. `sent` is called once the socket sent it. */
  #frame (type: number, body: Buffer, sent?: () => void): number {
    const seq = this.#seq
    this.#seq = (this.#seq + 1) >>> 0
    const us = Math.floor((performance.timeOrigin + performance.now()) * 1000)
    const seconds = Math.floor(us / 1e6)
    const key = this.#o.key
    const frame = tunnel.makeFrame({
      type,
      node: this.#node,
      sequence: seq,
      timestamp: { seconds, micros: us - seconds * 1e6 },
      ...(key !== undefined ? { authenticated: true, keyId: this.#o.keyId ?? 1 } : {})
    }, body)
    const out = tunnel.encode(frame)
    if (key !== undefined) tunnel.sign(out, key)
    if (this.#socket === undefined) sent?.()
    else this.#socket.send(out, this.#o.to.port, this.#o.to.host, () => { sent?.() })
    this.#lastSentMs = performance.now()
    return seq
  }

  #receive (d: Buffer, r: RemoteInfo): void {
    if (r.port !== this.#o.to.port || tunnel.classify(d) !== 'native') return
    let f: tunnel.NativeFrame
    try {
      f = tunnel.decode(d)
    } catch (err) {
      if (err instanceof DecodeError) return
      throw err
    }
    if (this.#o.key !== undefined && tunnel.verify(d, new Map([[this.#o.keyId ?? 1, this.#o.key]])) !== 'ok') return
    const type = f.header.type
    if (type === tunnel.MessageType.HelloAck || type === tunnel.MessageType.Hello) this.#up = true
    else if (type === tunnel.MessageType.KeepaliveAck) {
      const echo = tunnel.decodeEcho(f.payload).echoSequence
      // Serial-number comparison (RFC 1982): the latest echo wins.
      if (this.#echoed < 0 || ((echo - this.#echoed) >>> 0) < 0x80000000) this.#echoed = echo
    } else if (type === tunnel.MessageType.Keepalive) {
      this.#frame(tunnel.MessageType.KeepaliveAck, tunnel.encodeEcho({ echoSequence: f.header.sequence, echoTimestamp: f.header.timestamp }))
    }
    this.#waiter.poke()
  }

  send (datagram: Buffer): void {
    this.#frame(tunnel.MessageType.Data, datagram)
  }

  async sync (timeoutMs: number): Promise<boolean> {
    const seq = this.#frame(tunnel.MessageType.Keepalive, Buffer.alloc(0))
    return await this.#waiter.wait(() => this.#echoed >= 0 && ((this.#echoed - seq) >>> 0) < 0x80000000, timeoutMs)
  }

  async close (): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer)
    this.#timer = undefined
    const s = this.#socket
    if (s === undefined) return
    // The bye tells the node's link to go down at once rather than after its dead interval.
    if (this.#up) await new Promise<void>(resolve => { this.#frame(tunnel.MessageType.Bye, tunnel.encodeBye({ reason: tunnel.ByeReason.Shutdown }), resolve) })
    this.#socket = undefined
    await closeClientSocket(s)
  }
}
