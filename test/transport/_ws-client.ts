/**
 * A scripted js-dos relay client for tests, on the `ws` library: it connects to
 * `ws://HOST:PORT/ipx/<room>` with the subprotocol `binary` (as js-dos does), sends exactly the
 * bytes a test asks for as binary messages, and records every message it gets. It follows the
 * relay protocol of caiiiycuk/dosbox-ipx-server byte for byte: the DOSBox registration datagram,
 * then one IPX datagram per message. Not an emulation of js-dos.
 */
import { WebSocket } from 'ws'
import type { ClientOptions } from 'ws'
import { REGISTRATION, ipxPacket, until } from './_dosbox-client.js'
import type { PacketSpec } from './_dosbox-client.js'

/** One client connection. */
export class WsTestClient {
  readonly received: Buffer[] = []
  /** Text messages received (the server never sends any). */
  readonly texts: string[] = []
  readonly ws: WebSocket
  /** Close code and reason, once closed. */
  closed: { code: number, reason: string } | undefined
  /** The HTTP status of a refused upgrade. */
  refusedStatus: number | undefined

  private constructor (ws: WebSocket) {
    this.ws = ws
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) this.received.push(data)
      else this.texts.push(data.toString())
    })
    ws.on('close', (code, reason) => { this.closed = { code, reason: reason.toString() } })
    ws.on('unexpected-response', (_req, res) => {
      this.refusedStatus = res.statusCode
      res.resume()
      ws.terminate()
    })
    ws.on('error', () => {})
  }

  /** Connects (resolves once open, or once refused: check {@link refusedStatus}). */
  static async open (url: string, options: ClientOptions & { protocols?: string[] } = {}): Promise<WsTestClient> {
    const { protocols, ...rest } = options
    const ws = new WebSocket(url, protocols ?? ['binary'], rest)
    const c = new WsTestClient(ws)
    await new Promise<void>(resolve => {
      ws.once('open', () => { resolve() })
      ws.once('close', () => { resolve() })
    })
    return c
  }

  /** The local TCP port (the client's IPX node is 127.0.0.1 + it, on loopback). */
  get port (): number {
    return (this.ws as unknown as { _socket: { localPort: number } })._socket.localPort
  }

  /** The node the server derives: IPv4 127.0.0.1 + the local port. */
  get node (): number {
    return 0x7f000001 * 0x10000 + this.port
  }

  send (d: Uint8Array): void {
    this.ws.send(d, { binary: true })
  }

  /** Sends a datagram with this client's node as source. */
  sendTo (dstNode: number, payload: Uint8Array, extra: Partial<PacketSpec> = {}): Buffer {
    const d = ipxPacket({ dstNode, srcNode: this.node, payload, ...extra })
    this.send(d)
    return d
  }

  async waitFor (n: number, ms = 3000): Promise<boolean> {
    return await until(() => this.received.length >= n, ms)
  }

  /** Registers; resolves to the ack, or undefined. */
  async register (datagram: Buffer = REGISTRATION, ms = 3000): Promise<Buffer | undefined> {
    const before = this.received.length
    this.send(datagram)
    if (!await this.waitFor(before + 1, ms)) return undefined
    return this.received[before]
  }

  async waitClosed (ms = 3000): Promise<boolean> {
    return await until(() => this.closed !== undefined || this.refusedStatus !== undefined, ms)
  }

  async close (): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return
    await new Promise<void>(resolve => {
      this.ws.once('close', () => { resolve() })
      this.ws.close()
      setTimeout(() => { this.ws.terminate() }, 1000).unref()
    })
  }
}
