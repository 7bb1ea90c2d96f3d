#!/usr/bin/env node
/**
 * The container health check (Dockerfile HEALTHCHECK, compose.yaml `healthcheck:`): asks the
 * node's status API for `/healthz` (src/node/status-api.ts: 200 once every native link is up) and
 * exits 0 when it answers 200, 1 otherwise. A file of its own rather than `node -e '...'`, because
 * podman-compose 1.0 passes a health check's command through `/bin/sh -c` word by word, and the
 * shell then reads a script's parentheses as its own syntax.
 *
 * The address: where the node's status API listens: `IPXLAB_API_LISTEN` when set, else the QoS
 * plane's `IPXLAB_SNP_LISTEN` (which the API follows, issue 13), else loopback port 2629; a
 * wildcard listening address is asked on loopback. So moving either needs no other health check.
 */
import { formatHostPort, parseHostPort } from '../address.js'
import { DEFAULT_SNP_PORT } from '../node/config.js'
import { isEntryPoint } from './entry-point.js'

/** The `/healthz` URL of the node whose status API listens at `apiListen` (IPXLAB_API_LISTEN, else IPXLAB_SNP_LISTEN). */
export function healthUrl (apiListen: string | undefined): string {
  const parsed = apiListen === undefined || apiListen.trim() === '' ? undefined : parseHostPort(apiListen, { allowNames: false, defaultPort: DEFAULT_SNP_PORT })
  const hp = parsed === undefined || typeof parsed === 'string' ? { host: '0.0.0.0', port: DEFAULT_SNP_PORT } : parsed
  const host = hp.host === '0.0.0.0' ? '127.0.0.1' : hp.host === '::' ? '::1' : hp.host
  return `http://${formatHostPort(host, hp.port)}/healthz`
}

/** 0 when the node says it is healthy within `timeoutMs`, else 1. */
export async function checkHealth (url: string, timeoutMs = 4000): Promise<number> {
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) })
    return r.ok ? 0 : 1
  } catch {
    return 1
  }
}

if (isEntryPoint(import.meta.url)) {
  const api = process.env.IPXLAB_API_LISTEN?.trim()
  process.exitCode = await checkHealth(healthUrl(api !== undefined && api !== '' ? api : process.env.IPXLAB_SNP_LISTEN))
}
