/**
 * What a node facing the Internet is protected by (issue 13), from its configuration: the options
 * the node passes to the TCP listener on 2644 and to the status API. One place, so `node.ts` only
 * spreads them in.
 */
import type { TcpTunnelServerOptions } from '../transport/tcp.js'
import type { StatusApiOptions } from './status-api.js'
import type { NodeConfig } from './config.js'

/** The TCP listener's caps and deadlines. */
export function tcpProtection (c: NodeConfig): Pick<TcpTunnelServerOptions, 'limits' | 'deadlines'> {
  return {
    limits: { maxTotal: c.limits.tcpMaxConnections, maxPerIp: c.limits.tcpMaxPerIp },
    deadlines: { firstFrameMs: c.limits.tcpFirstFrameMs, idleMs: c.limits.tcpIdleMs }
  }
}

/** The status API's address, token and connection caps (the port is the caller's: 0 follows SNP's). */
export function apiProtection (c: NodeConfig): Pick<StatusApiOptions, 'host' | 'token' | 'maxConnections' | 'maxPerIp'> {
  return {
    host: c.api.listen.host,
    maxConnections: c.api.maxConnections,
    maxPerIp: c.api.maxPerIp,
    ...(c.api.token !== undefined ? { token: c.api.token } : {})
  }
}
