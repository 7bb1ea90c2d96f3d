/**
 * The status API's protections (issue 13, items 2 and 3), apart from its routes:
 *  - per-IP and total connection caps ({@link ConnectionLimiter}) applied on accept, so that 64
 *    slow clients from one host hold at most `maxPerIp` sockets and `/healthz` keeps answering for
 *    everyone else (Node's `server.maxConnections` alone refuses everyone once the slow ones fill it);
 *  - an optional bearer token (RFC 6750 §2.1, `Authorization: Bearer <token>`) for every path but
 *    `/healthz`, compared in constant time over SHA-256 digests (so neither the content nor the
 *    length of the token leaks through timing);
 *  - `CONNECT` answered with a status line (405) instead of a silently closed socket: Node's HTTP
 *    server hands CONNECT to a `'connect'` listener and destroys the socket when there is none;
 *  - one warning when the API listens beyond loopback without a token.
 * Refusals are counted and logged at most once a minute per source ({@link LogLimiter}).
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import type http from 'node:http'
import type { Duplex } from 'node:stream'
import type { ConnectionLimiter } from '../transport/connection-limiter.js'
import { LogLimiter } from '../log-limiter.js'
import { isLoopback } from '../address.js'
import type { Logger } from '../log.js'

/** Options of {@link ApiGuard}. */
export interface ApiGuardOptions {
  limiter: ConnectionLimiter
  token?: string
  logger?: Logger
  logIntervalMs?: number
}

/** What the guard counted. */
export interface ApiGuardStats {
  open: number
  refused: { total_limit: number, per_ip_limit: number }
  unauthorized: number
  connect: number
}

function digest (s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest()
}

/** Connection caps, the token check and CONNECT handling for one `http.Server`. */
export class ApiGuard {
  readonly limiter: ConnectionLimiter
  unauthorized = 0
  connect = 0
  readonly #token: Buffer | undefined
  readonly #log: Logger | undefined
  readonly #logLimit: LogLimiter

  constructor (o: ApiGuardOptions) {
    this.limiter = o.limiter
    this.#token = o.token !== undefined ? digest(o.token) : undefined
    this.#log = o.logger
    this.#logLimit = new LogLimiter(o.logIntervalMs !== undefined ? { intervalMs: o.logIntervalMs } : {})
  }

  /** True when a token is required. */
  get protected (): boolean {
    return this.#token !== undefined
  }

  /** Installs the accept-time cap and the CONNECT answer on `server`. */
  attach (server: http.Server): void {
    server.on('connection', (socket: Duplex & { remoteAddress?: string }) => {
      const ip = socket.remoteAddress ?? ''
      const refused = this.limiter.admit(ip)
      if (refused !== undefined) {
        socket.destroy()
        this.#note(`${refused}|${ip}`, 'status api: connection refused', { remote: ip, reason: refused })
        return
      }
      socket.once('close', () => { this.limiter.release(ip) })
    })
    server.on('connect', (_req: http.IncomingMessage, socket: Duplex) => {
      this.connect++
      socket.end('HTTP/1.1 405 Method Not Allowed\r\nAllow: GET, HEAD\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
    })
  }

  /** True when no token is configured, or the request carries it. Counts refusals. */
  authorized (req: http.IncomingMessage): boolean {
    if (this.#token === undefined) return true
    const h = req.headers.authorization
    const m = h === undefined ? null : /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(h)
    if (m !== null && timingSafeEqual(digest(m[1]!), this.#token)) return true
    this.unauthorized++
    const ip = req.socket.remoteAddress ?? ''
    this.#note(`unauthorized|${ip}`, 'status api: request without a valid token', { remote: ip, path: (req.url ?? '').slice(0, 64) })
    return false
  }

  /** Says once when the API is reachable beyond loopback without a token. */
  warnIfExposed (address: string): void {
    if (this.#token === undefined && !isLoopback(address)) {
      this.#log?.warn('status api listens beyond loopback without a token: anyone who reaches it reads client addresses; set --api-token-file', { address })
    }
  }

  stats (): ApiGuardStats {
    const l = this.limiter.snapshot()
    return { open: l.open, refused: l.refused, unauthorized: this.unauthorized, connect: this.connect }
  }

  #note (key: string, message: string, meta: Record<string, unknown>): void {
    const suppressed = this.#logLimit.allow(key)
    if (suppressed !== undefined) this.#log?.warn(message, suppressed > 0 ? { ...meta, suppressedSinceLast: suppressed } : meta)
  }
}
