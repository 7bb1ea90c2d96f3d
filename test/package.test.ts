import test from 'ava'
import { existsSync, readFileSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import path from 'node:path'
import { ROOT } from './_env.js'

const inCi = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false'
const built = existsSync(path.join(ROOT, 'dist', 'src', 'index.js'))

;(built || inCi ? test : test.skip)(`the package's exports resolve from the build: "ipxlab" and "ipxlab/protocol"${built || inCi ? '' : ' (skipped: run npm run build first)'}`, t => {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, { default: string }>, bin: Record<string, string> }
  for (const target of [...Object.values(pkg.exports).map(e => e.default), ...Object.values(pkg.bin)]) {
    t.true(existsSync(path.join(ROOT, target)), `${target} exists`)
  }
  // Import them as a consumer would, by package name (self-reference through the exports map).
  const out = execFileSync(process.execPath, ['--input-type=module', '-e',
    "const a = await import('ipxlab'); const p = await import('ipxlab/protocol'); console.log(typeof a.startNode, typeof a.ipx.header.decode, typeof p.ipx.header.decode, 'startNode' in p)"
  ], { cwd: ROOT, encoding: 'utf8' })
  t.is(out.trim(), 'function function function false', 'the codec entry has no node, sockets or winston')
})

;(built || inCi ? test : test.skip)(`the README's \`npx ipxlab\` runs the package's own bin from a clone; the dashboard assets ship${built || inCi ? '' : ' (skipped: run npm run build first)'}`, t => {
  const out = execFileSync('npx', ['--no-install', 'ipxlab', '--version'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 })
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string, files: string[] }
  t.is(out.trim(), pkg.version)
  t.true(pkg.files.includes('assets/dashboard'))
  for (const f of ['index.html', 'dashboard.js', 'dashboard.css']) t.true(existsSync(path.join(ROOT, 'assets', 'dashboard', f)), f)
  t.regex(readFileSync(path.join(ROOT, 'README.md'), 'utf8'), /npx ipxlab/)
})
