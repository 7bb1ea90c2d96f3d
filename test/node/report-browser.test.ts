/**
 * The QoS HTML report in real headless Chromium, rendered from a real scenario run's report
 * (fixtures/qos-report.json: 8 s per discipline, FIFO and SNP, with 749 CoDel drops): every chart
 * readable (no float noise in a tick, no tick over an axis title), interactive visible where it
 * coincides with game (pixels of its colour in the screenshot), a class legend on the bar chart, a
 * paragraph per chart, and the drops section agreeing with the table.
 */
import test from 'ava'
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { renderQosReportHtml } from '../../src/node/report-html.js'
import type { QosScenarioReport } from '../../src/node/scenario-qos.js'
import { requireReal } from '../_env.js'
import { countPixels, openBrowser } from '../_browser.js'

const REPORT = JSON.parse(readFileSync(new URL('./fixtures/qos-report.json', import.meta.url), 'utf8')) as QosScenarioReport

interface Box { x: number, y: number, width: number, height: number }
interface Layout { chart: string, ticks: Array<{ text: string, box: Box }>, titles: Box[] }

test('the QoS report in headless Chromium: clean ticks clear of the axis titles, interactive visible over game, a legend, a paragraph per chart, drops as in the table', async t => {
  t.timeout(60_000)
  if (!requireReal(t, { tools: ['chromium'] })) return
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ipxlab-report-'))
  const file = path.join(dir, 'report.html')
  writeFileSync(file, renderQosReportHtml(REPORT))
  const { page, errors } = await openBrowser(t, { width: 1040, height: 900 })
  await page.goto(`file://${file}`)
  t.is(await page.locator('h2', { hasText: 'Aims' }).first().textContent(), 'Aims', 'no "(issue 6)"')
  t.notRegex(await page.locator('body').innerText(), /issue \d/i)
  // Every SVG text: no binary floating-point noise, and no tick label overlapping an axis title.
  const layout = await page.evaluate(`[...document.querySelectorAll('svg.chart')].map(svg => {
    const texts = [...svg.querySelectorAll('text')]
    const box = e => { const b = e.getBBox(); return { x: b.x, y: b.y, width: b.width, height: b.height } }
    return {
      chart: svg.getAttribute('data-chart'),
      ticks: texts.filter(e => /^-?[0-9.]+$/.test(e.textContent)).map(e => ({ text: e.textContent, box: box(e) })),
      titles: texts.filter(e => (e.getAttribute('transform') || '').includes('rotate')).map(box)
    }
  })`) as Layout[]
  t.is(layout.length, 5)
  const overlap = (a: Box, b: Box): boolean => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height
  for (const c of layout) {
    t.true(c.ticks.length >= 4, `${c.chart} has ticks`)
    for (const tick of c.ticks) {
      t.notRegex(tick.text, /\.\d{4,}/, `${c.chart}: tick ${tick.text}`)
      for (const title of c.titles) t.false(overlap(tick.box, title), `${c.chart}: tick ${tick.text} over the axis title`)
    }
  }
  // The bar chart names its classes.
  const legend = await page.locator('svg[data-chart="queueing"] [data-legend]').allTextContents()
  t.deepEqual([...legend].sort(), ['bulk', 'game', 'interactive'])
  // A paragraph under every chart.
  for (const which of ['queueing', 'over-time', 'cdf', 'drops']) t.true((await page.locator(`p.explain[data-explains="${which}"]`).textContent())!.length > 200, which)
  t.regex((await page.locator('p.explain[data-explains="over-time"]').textContent())!, /sawtooth/)
  t.regex((await page.locator('p.explain[data-explains="queueing"]').textContent())!, new RegExp(`${REPORT.disciplines.snp!.classes.bulk!.offered} packets against FIFO's ${REPORT.disciplines.fifo!.classes.bulk!.offered}`))
  // Drops: what the table counts is what the drops section says.
  const codel = REPORT.disciplines.snp!.classes.bulk!.dropsByReason.codel!
  t.true(codel > 0)
  t.regex((await page.locator('li[data-drops="snp"]').textContent())!, new RegExp(`dropped ${codel} \\(bulk: codel ${codel}\\)`))
  t.notRegex((await page.locator('li[data-drops="snp"]').textContent())!, /: none/)

  // Pixels: under SNP interactive and game share their delays; interactive must still show.
  const shot = await page.screenshot({ fullPage: true })
  writeFileSync(path.join(dir, 'report.png'), shot)
  t.log(`screenshot: ${path.join(dir, 'report.png')}`)
  const blank = await page.context().newPage()
  for (const id of ['over-time-snp', 'cdf-snp', 'queueing']) {
    const png = await page.locator(`svg[data-chart="${id}"]`).screenshot()
    const px = await countPixels(blank, png, ['#1f77b4', '#2ca02c', '#d62728'], 24)
    t.true(px.byColour['#1f77b4']! > 40, `${id}: interactive pixels ${JSON.stringify(px.byColour)}`)
    t.true(px.byColour['#d62728']! > 40, `${id}: bulk pixels`)
  }
  t.deepEqual(errors, [])
})
