/**
 * `ADDR:PORT` as people write it, parsed one way for every layer: the config file, the command
 * line, and the transports. A leaf of src/ (like errors.ts), so any layer may import it.
 */
import { isIP } from 'node:net'
import { ConfigError } from './errors.js'

/** A host (IP address, or a name where names are allowed) and a port. */
export interface HostPort {
  host: string
  port: number
}

/** Options of {@link parseHostPort}. */
export interface HostPortOptions {
  /**
   * Host names are allowed (peers, for containers: `node-b:2644`). Without them the text must be
   * an address one can bind: an IP (`localhost` is read as 127.0.0.1), and port 0 (the system
   * picks one) is allowed.
   */
  allowNames: boolean
  /** The port when the text gives none. */
  defaultPort: number
}

const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/

/**
 * Parses `ADDR:PORT`, `[V6]:PORT`, a bare IP (the default port), or, for a listening address, a bare
 * `PORT` (on 0.0.0.0).
 * Returns the reason as text when the input is not an address, for the caller to report.
 */
export function parseHostPort (text: string, options: HostPortOptions): HostPort | string {
  const t = text.trim()
  let host: string
  let portText: string | undefined
  const v6 = /^\[([^\]]+)\](?::(\d*))?$/.exec(t)
  if (v6 !== null) {
    host = v6[1]!
    portText = v6[2]
    if (isIP(host) !== 6) return `${JSON.stringify(host)} is not an IPv6 address`
  } else if (!options.allowNames && /^\d+$/.test(t)) {
    // A bare port is a listening address on every interface; for a peer it would mean nothing.
    host = '0.0.0.0'
    portText = t
  } else if (isIP(t) === 6) {
    host = t
  } else {
    const i = t.lastIndexOf(':')
    if (i >= 0 && t.indexOf(':') !== i) return 'write an IPv6 address in brackets: [ADDR]:PORT'
    host = i < 0 ? t : t.slice(0, i)
    portText = i < 0 ? undefined : t.slice(i + 1)
    if (!options.allowNames && host === 'localhost') host = '127.0.0.1'
    if (isIP(host) === 0 && !(options.allowNames && HOST_NAME.test(host))) {
      return `${JSON.stringify(host)} is not an IP address${options.allowNames ? ' or host name' : ''}`
    }
  }
  if (portText === undefined) return { host, port: options.defaultPort }
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN
  const min = options.allowNames ? 1 : 0
  if (!(port >= min && port <= 0xffff)) return `bad port ${JSON.stringify(portText)} (${min}..65535)`
  return { host, port }
}

/** {@link parseHostPort} for a flag or option: throws {@link ConfigError} naming `field`. */
export function parseAddress (text: string, field: string, options: HostPortOptions): HostPort {
  const r = parseHostPort(text, options)
  if (typeof r === 'string') throw new ConfigError(field, `must be ADDR:PORT: ${r}`)
  return r
}

/** True for a loopback address: 127.0.0.0/8, ::1, their IPv4-mapped form, or `localhost` (RFC 1122 §3.2.1.3, RFC 4291 §2.5.3). */
export function isLoopback (host: string): boolean {
  return /^(127\.|::ffff:127\.)/i.test(host) || host === '::1' || host === 'localhost'
}

/** `host:port` as people and URLs write it: an IPv6 host in brackets (RFC 3986 §3.2.2). */
export function formatHostPort (host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
}
