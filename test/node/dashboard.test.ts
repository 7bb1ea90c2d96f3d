/**
 * The live dashboard, in real headless Chromium (test/_browser.ts), on a running two-node lab
 * (`ipxlab lab`, which keeps running until stopped): the page updates from the event stream, its
 * numbers are those of /api/stats, its charts are drawn (checked by pixel), its graph shows both
 * nodes and the link; and the stream itself, without a browser.
 */
import test from 'ava'
import type { ExecutionContext } from 'ava'
import http from 'node:http'
import { mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { PassThrough } from 'node:stream'
import type { Page } from 'playwright-core'
import { runLab } from '../../src/cli/lab.js'
import type { StatusDocument } from '../../src/node/status-api.js'
import type { DashboardEvent } from '../../src/node/dashboard.js'
import { DEFAULT_MAX_STREAMS } from '../../src/node/dashboard.js'
import { requireReal } from '../_env.js'
import { countPixels, openBrowser } from '../_browser.js'
import { until } from '../transport/_dosbox-client.js'
import { freePort, twoNodes } from './_two-nodes.js'

async function get (host: string, port: number, p: string): Promise<{ status: number, headers: http.IncomingHttpHeaders, body: string }> {
  return await new Promise((resolve, reject) => {
    http.get({ host, port, path: p, agent: false, timeout: 5000 }, res => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }) })
    }).on('error', reject)
  })
}

async function stats (port: number, host = '127.0.0.1'): Promise<StatusDocument> {
  return JSON.parse((await get(host, port, '/api/stats')).body) as StatusDocument
}

/** Starts `ipxlab lab` (running until the test ends) and waits for node A's status API. */
async function lab (t: ExecutionContext): Promise<{ port: number, snpPort: number, stdout: () => string }> {
  const port = await freePort('127.0.0.2')
  const snpPort = await freePort('127.0.0.2')
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  const out: Buffer[] = []
  stdout.on('data', (c: Buffer) => out.push(c))
  stderr.resume()
  const abort = new AbortController()
  const run = runLab({ json: false, port, snpPort, signal: abort.signal }, { stdout, stderr })
  let ended = false
  void run.finally(() => { ended = true })
  t.teardown(async () => {
    abort.abort()
    await run
  })
  const up = await until(() => ended || Buffer.concat(out).toString().includes('replaying'), 20_000)
  t.true(up && !ended, 'the lab started and keeps running')
  return { port, snpPort, stdout: () => Buffer.concat(out).toString() }
}

/** The page's DOM as the predicates below use it (this project's TypeScript has no DOM types). */
interface PageDom { document: { getElementById: (id: string) => { textContent: string | null } | null, querySelector: (s: string) => { getAttribute: (a: string) => string | null } | null } }

/** Waits until the page counted more than `n` updates and its throughput chart has a series. */
async function waitUpdates (page: Page, n: number, timeout: number): Promise<void> {
  // A function, not a string: the page's CSP forbids eval, and Playwright runs functions through the debugger protocol.
  await page.waitForFunction((min: number) => {
    const d = (globalThis as unknown as PageDom).document
    const chart = d.querySelector('[data-chart="kbps"]')
    return Number(d.getElementById('updates')?.textContent) > min && Number(chart?.getAttribute('data-series') ?? 0) > 0
  }, n, { timeout })
}

async function cellNumber (page: Page, selector: string): Promise<number> {
  return Number((await page.locator(selector).first().textContent())?.replace(/,/g, ''))
}

test('the dashboard of a running lab in headless Chromium: live updates, numbers as in /api/stats, both nodes and the link, charts drawn', async t => {
  t.timeout(90_000)
  if (!requireReal(t, { tools: ['chromium'] })) return
  const { snpPort, stdout } = await lab(t)
  t.regex(stdout(), new RegExp(`dashboard: http://127\\.0\\.0\\.1:${snpPort}/ `), 'the banner names the dashboard')
  const url = `http://127.0.0.1:${snpPort}/`
  const { ctx, page, errors } = await openBrowser(t)
  await page.goto(url)
  // Live: several events arrived, and the charts have series (traffic crossed the link meanwhile);
  // eight seconds of them draw lines long enough for the pixel check below.
  await waitUpdates(page, 8, 40_000)
  t.is(await page.locator('#state').getAttribute('data-state'), 'live')

  // Counters only grow: a value the page shows from an event made after S0 was read, and read
  // before S1, lies between them. The first event rendered after S0 may have been made just before
  // it (in flight); the second one, a second later, was not.
  const s0 = await stats(snpPort)
  const before = Number(await page.locator('#updates').textContent())
  await waitUpdates(page, before + 1, 15_000)
  const peer = s0.peers[0]!.address
  const shown = {
    routerReceived: await cellNumber(page, '#counters tr[data-component="router"] [data-f="received"]'),
    dosboxDelivered: await cellNumber(page, '#counters tr[data-component="dosbox"] [data-f="delivered"]'),
    dataSent: await cellNumber(page, `#links tr[data-peer="${peer}"] [data-f="dataSent"]`),
    nc: await cellNumber(page, `table[data-classes="${peer}"] tr[data-class="network_control"] [data-f="packets"]`),
    clientPackets: await cellNumber(page, '#clients tbody tr [data-f="packets"]')
  }
  const s1 = await stats(snpPort)
  const between = (name: string, v: number, a: number, b: number): void => { t.true(v >= a && v <= b, `${name}: page ${v}, api ${a}..${b}`) }
  between('router received', shown.routerReceived, s0.counters.router.received, s1.counters.router.received)
  between('dosbox delivered', shown.dosboxDelivered, s0.counters.dosbox.delivered, s1.counters.dosbox.delivered)
  between('link data sent', shown.dataSent, s0.peers[0]!.link.dataSent as number, s1.peers[0]!.link.dataSent as number)
  between('network_control packets', shown.nc, s0.peers[0]!.qos.classes.network_control!.packets, s1.peers[0]!.qos.classes.network_control!.packets)
  between('client packets', shown.clientPackets, s0.clients[0]!.packets, s1.clients[0]!.packets)
  t.true(s1.counters.router.received > s0.counters.router.received, 'the lab kept replaying')
  // What does not change while it runs is equal.
  t.is(await page.locator('#clients tbody tr').count(), s1.clients.length)
  t.is(await page.locator('#routes tbody tr').count(), s1.routes.length)
  t.is(await page.locator('#services tbody tr').count(), s1.services.length)
  t.is(await page.locator(`#links tr[data-peer="${peer}"] [data-f="state"]`).textContent(), s1.peers[0]!.up ? 'up' : 'DOWN')
  t.is(await page.locator('#title').textContent(), `ipxlab node ${s1.name}`)
  t.is(await page.locator('#drops tbody tr').count(), s1.drops.length)
  // The lab's graph: both nodes by name, and a link drawn from each side, up.
  t.is(await page.locator('#graph circle[data-node]').count(), 2)
  const names = await page.locator('#graph text').allTextContents()
  t.true(names.includes('NODE-A') && names.includes('NODE-B'), names.join(' | '))
  t.is(await page.locator('#graph line[data-link-from][stroke="#2a7d2a"]').count(), 2, 'both halves of the link, green (up)')

  // Pixels: the throughput chart has series colours in it, not just axes.
  const chart = await page.locator('[data-chart="kbps"]').first().screenshot()
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ipxlab-dashboard-'))
  const shot = await page.screenshot({ fullPage: true })
  writeFileSync(path.join(dir, 'dashboard.png'), shot)
  t.log(`screenshot: ${path.join(dir, 'dashboard.png')}`)
  // Counted on a blank page of its own: the dashboard's CSP (rightly) forbids the evaluated code.
  const blank = await ctx.newPage()
  const px = await countPixels(blank, chart, ['#9467bd', '#1f77b4', '#7f7f7f'], 30)
  t.true(px.byColour['#9467bd']! + px.byColour['#1f77b4']! > 100, `series pixels ${JSON.stringify(px.byColour)}`)
  t.true(px.nonWhite > px.total * 0.02, 'more than an empty frame')
  const whole = await countPixels(blank, shot, ['#2a7d2a'], 20)
  t.true(whole.byColour['#2a7d2a']! > 200, 'the green link line of the graph')
  t.deepEqual(errors, [], 'no script errors')
})

test('the page sends the token of its URL fragment as a bearer header on every data request, and has a CSP', async t => {
  t.timeout(60_000)
  if (!requireReal(t, { tools: ['chromium'] })) return
  const { aSnp } = await twoNodes(t)
  const { page } = await openBrowser(t)
  const seen: Array<{ url: string, auth: string | undefined }> = []
  page.on('request', r => { seen.push({ url: r.url(), auth: r.headers().authorization }) })
  const res = await page.goto(`http://127.0.0.1:${aSnp}/#token=s3cret-token`)
  t.regex(res?.headers()['content-security-policy'] ?? '', /default-src 'none'; script-src 'self'/)
  await page.waitForFunction(() => Number((globalThis as unknown as PageDom).document.getElementById('updates')?.textContent) >= 1, null, { timeout: 20_000 })
  const events = seen.filter(s => s.url.endsWith('/api/events'))
  t.true(events.length >= 1)
  for (const e of events) t.is(e.auth, 'Bearer s3cret-token')
  t.false(seen.some(s => s.url.includes('s3cret')), 'the fragment never reaches the server')
})

test('/api/events is a bounded event stream: retry, then a document at once and every second; over the limit 503', async t => {
  t.timeout(30_000)
  // One host opens all the streams here: the status API's per-IP cap (8 by default, issue 13) is
  // raised so the dashboard's own stream limit is what the test meets.
  const { a, aSnp } = await twoNodes(t, { extra: { api: { maxPerIp: 64 } } })
  const events: DashboardEvent[] = []
  const reqs: http.ClientRequest[] = []
  let text = ''
  const req = http.get({ host: '127.0.0.1', port: aSnp, path: '/api/events', agent: false }, res => {
    t.regex(String(res.headers['content-type']), /^text\/event-stream/)
    res.setEncoding('utf8')
    res.on('data', (c: string) => {
      text += c
      let i
      while ((i = text.indexOf('\n\n')) >= 0) {
        const block = text.slice(0, i)
        text = text.slice(i + 2)
        const data = block.split('\n').filter(l => l.startsWith('data: ')).map(l => l.slice(6)).join('\n')
        if (data !== '') events.push(JSON.parse(data) as DashboardEvent)
        else t.regex(block, /^retry: \d+$/)
      }
    })
  })
  reqs.push(req)
  t.teardown(() => { for (const r of reqs) r.destroy() })
  t.true(await until(() => events.length >= 2, 5000), `${events.length} events`)
  const e = events[1]!
  t.is(e.stats.name, 'NODE-A')
  t.true(events[1]!.at - events[0]!.at >= 500, 'about a second apart')
  t.is(e.topology.scope, 'node')
  t.deepEqual(e.topology.nodes.map(n => n.self), [true, false])
  t.is(e.topology.links[0]!.to, e.stats.peers[0]!.address)
  // Fill the limit; the next stream is refused, the API still serves.
  for (let i = 1; i < DEFAULT_MAX_STREAMS; i++) {
    const r = http.get({ host: '127.0.0.1', port: aSnp, path: '/api/events', agent: false }, res => { res.resume() })
    r.on('error', err => { t.fail(`event stream ${i}: ${err.message}`) })
    reqs.push(r)
  }
  t.true(await until(() => a.statusApi!.streams === DEFAULT_MAX_STREAMS, 5000), `streams open: ${a.statusApi!.streams}`)
  const over = await get('127.0.0.1', aSnp, '/api/events')
  t.is(over.status, 503)
  t.is((await get('127.0.0.1', aSnp, '/healthz')).status, 200)
  t.is((await get('127.0.0.1', aSnp, '/api/topology')).status, 200)
})
