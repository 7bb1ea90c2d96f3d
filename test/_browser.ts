/**
 * Real headless Chromium for the page tests (Debian `chromium`, driven by playwright-core). Launched
 * with the flags a closed network and a root user need: without them Chromium waits on refused
 * connections (component updates, sync, QUIC) or refuses to start as root.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { ExecutionContext } from 'ava'
import { chromium } from 'playwright-core'
import type { BrowserContext, Page } from 'playwright-core'
import { haveTool } from './_env.js'

/** Where Debian puts it. */
export const CHROMIUM = '/usr/bin/chromium'
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

/** True when Chromium is installed (for requireReal's `tools`). */
export function haveChromium (): boolean {
  return haveTool('chromium')
}

/** A fresh browser (its own profile directory), closed and removed in teardown. */
export async function openBrowser (t: ExecutionContext, viewport = { width: 1040, height: 900 }): Promise<{ ctx: BrowserContext, page: Page, errors: string[] }> {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'ipxlab-chromium-'))
  const ctx = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport, timeout: 30_000 })
  t.teardown(async () => {
    await ctx.close()
    rmSync(profile, { recursive: true, force: true })
  })
  const page = ctx.pages()[0] ?? await ctx.newPage()
  const errors: string[] = []
  page.on('pageerror', e => errors.push(e.message))
  page.on('console', m => { if (m.type() === 'error') errors.push(m.text()) })
  return { ctx, page, errors }
}

/**
 * Counts the pixels of a PNG that are near each colour (`#rrggbb`, within `tolerance` per channel),
 * and those that are not near-white: the browser itself decodes the image (an <img> drawn on a canvas).
 */
export async function countPixels (page: Page, png: Buffer, colours: string[], tolerance = 40): Promise<{ total: number, nonWhite: number, byColour: Record<string, number> }> {
  // Runs in the page (this project's TypeScript has no DOM types, so the function is text).
  const fn = `async ({ b64, colours, tolerance }) => {
    const img = new Image()
    img.src = 'data:image/png;base64,' + b64
    await img.decode()
    const c = document.createElement('canvas')
    c.width = img.width
    c.height = img.height
    const g = c.getContext('2d')
    g.drawImage(img, 0, 0)
    const px = g.getImageData(0, 0, c.width, c.height).data
    const rgb = colours.map(h => [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16)])
    const byColour = Object.fromEntries(colours.map(h => [h, 0]))
    let nonWhite = 0
    for (let i = 0; i < px.length; i += 4) {
      const r = px[i]; const gr = px[i + 1]; const b = px[i + 2]
      if (r < 235 || gr < 235 || b < 235) nonWhite++
      rgb.forEach((k, j) => { if (Math.abs(r - k[0]) <= tolerance && Math.abs(gr - k[1]) <= tolerance && Math.abs(b - k[2]) <= tolerance) byColour[colours[j]]++ })
    }
    return { total: px.length / 4, nonWhite, byColour }
  }`
  return await page.evaluate(`(${fn})(${JSON.stringify({ b64: png.toString('base64'), colours, tolerance })})`) as { total: number, nonWhite: number, byColour: Record<string, number> }
}
