/**
 * Test helper: REAL headless Chromium (Debian's `chromium`), driven by playwright-core, with a
 * fresh profile directory and everything that would reach outside the machine switched off. A page
 * is served from a loopback HTTP server of the test, so it has a real `http://127.0.0.1:PORT`
 * Origin (the WebSocket endpoint's allow-list sees it).
 */
import http from 'node:http'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { ExecutionContext } from 'ava'
import { chromium } from 'playwright-core'
import type { Page } from 'playwright-core'

/** Where Debian installs it. */
export const CHROMIUM = '/usr/bin/chromium'
export const chromiumNeeds = { tools: ['chromium'] }

/** Flags for a closed network and a clean profile (the brief for these tests). */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync']

/** Serves `html` at `/` on 127.0.0.1 (ephemeral port); closed in teardown. Returns the page's origin. */
export async function servePage (t: ExecutionContext, html: string, files: Record<string, { type: string, body: Buffer | string }> = {}): Promise<string> {
  const server = http.createServer((req, res) => {
    const f = req.url === '/' ? { type: 'text/html; charset=utf-8', body: html } : files[req.url ?? '']
    if (f === undefined) {
      res.writeHead(404).end()
      return
    }
    res.writeHead(200, { 'Content-Type': f.type }).end(f.body)
  })
  await new Promise<void>(resolve => { server.listen(0, '127.0.0.1', () => { resolve() }) })
  t.teardown(async () => {
    server.closeAllConnections()
    await new Promise<void>(resolve => { server.close(() => { resolve() }) })
  })
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`
}

/** Opens `url` in a fresh headless Chromium; the browser and its profile go in teardown. */
export async function openPage (t: ExecutionContext, url: string): Promise<Page> {
  const profile = mkdtempSync(path.join(tmpdir(), 'ipxlab-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS
  })
  t.teardown(async () => {
    await context.close()
    rmSync(profile, { recursive: true, force: true })
  })
  const page = context.pages()[0] ?? await context.newPage()
  page.on('console', m => { t.log(`[page] ${m.text()}`) })
  await page.goto(url)
  return page
}
