/**
 * Issue 16, the lab guide's internetwork exercises as a student types them: `ipxlab lab --topology
 * docs/topologies/classroom.json` with `--simulate-cut` (virtual clock: slow convergence, the count
 * to 16) and `--cut` (real sockets), and each wrong use of the new options as one line, exit 2.
 */
import test from 'ava'
import { runCli } from '../_cli.js'
import { freePort } from '../node/_two-nodes.js'

const CLASSROOM = 'docs/topologies/classroom.json'

test('ipxlab lab --topology classroom.json --simulate-cut HQ-BRANCH: the routes wait for CORE\'s next update, 42.110 virtual seconds, then go by CORE', async t => {
  const r = await runCli(['lab', '--topology', CLASSROOM, '--simulate-cut', 'HQ-BRANCH'])
  t.is(r.code, 0, r.stderr)
  t.is(r.stderr, '')
  const o = r.stdout
  t.regex(o, /^ipxlab lab: docs\/topologies\/classroom\.json on a virtual clock: 5 routers, 5 links, RIP and SAP updates every 60 s, each link 55 ms one way$/m)
  t.regex(o, /^ {2}periodic updates: HQ at 0\.000 s, CORE at 12\.000 s, GAMES at 24\.000 s, BRANCH at 36\.000 s, REMOTE at 48\.000 s, then every 60 s$/m)
  t.regex(o, /^cut HQ - BRANCH at 210\.000 s; route changes, in seconds after the cut:$/m)
  t.regex(o, /^ {2}\+ +0\.000 {2}HQ +0000C004 {2}1 hop via BRANCH -> 16 hops \(unreachable\)$/m)
  t.regex(o, /^ {2}\+ +42\.055 {2}HQ +0000C004 {2}16 hops \(unreachable\) -> 2 hops via CORE$/m, 'at CORE\'s update (252 s) plus one link')
  t.regex(o, /^round 1 \(\+60 s\):$/m)
  t.regex(o, /^ {2}BRANCH: DISPLAY SERVERS\n {4}BRANCH 0 +CORE +1 +FS1 +2 +GAMES +2 +REMOTE 1$/m, 'HQ\'s server two hops from BRANCH after the round')
  t.regex(o, /^re-converged 42\.110 s after the cut \(virtual clock\)/m)
  t.notRegex(o, /count-to-16/)
})

test('ipxlab lab --topology classroom.json --simulate-cut BRANCH-REMOTE --cut-at 179.995: HQ\'s update 5 ms after the cut counts REMOTE\'s network to 16', async t => {
  const r = await runCli(['lab', '--topology', CLASSROOM, '--simulate-cut', 'BRANCH-REMOTE', '--cut-at', '179.995'])
  t.is(r.code, 0, r.stderr)
  const o = r.stdout
  t.regex(o, /^ {2}\+ +0\.060 {2}CORE +0000C005 {2}16 hops \(unreachable\) -> 3 hops via HQ$/m, 'CORE takes HQ\'s stale offer after the poison')
  t.regex(o, /^ {2}\+ +0\.720 {2}CORE +0000C005 {2}16 hops \(unreachable\) -> 15 hops via HQ$/m)
  t.regex(o, /^count-to-16: 0000C005 was offered around a loop, one hop more each time, up to 15 hops/m)
  t.regex(o, /^re-converged 0\.770 s after the cut/m)
  t.regex(o, /^ {2}HQ: DISPLAY SERVERS\n {4}BRANCH 1 +CORE +1 +FS1 +0 +GAMES +2\n {4}There are 4 known servers$/m, 'REMOTE\'s server gone from HQ')
})

test('ipxlab lab --topology classroom.json --cut HQ-BRANCH --update-interval 0.3 on real sockets: the cut, the changes as they happen, the time', async t => {
  t.timeout(60_000)
  const port = await freePort('127.0.0.1')
  const snp = await freePort('127.0.0.1')
  const r = await runCli(['lab', '--topology', CLASSROOM, '--cut', 'HQ-BRANCH', '--update-interval', '0.3', '--duration', '4', '--port', String(port), '--snp-port', String(snp)])
  t.is(r.code, 0, r.stderr)
  t.regex(r.stdout, /^ {2}converged: every route and server matches the shortest paths/m)
  t.regex(r.stdout, /^ {2}\+ *\d+ ms {2}BRANCH +0000C001 {2}16 hops \(unreachable\) -> 2 hops via CORE$/m)
  t.regex(r.stdout, /^re-converged \d+ ms after the cut on real sockets: every route matches the shortest paths without HQ - BRANCH$/m)
  t.regex(r.stdout, /^servers followed \d+ ms after the cut/m)
  t.regex(r.stdout, /^BRANCH: DISPLAY SERVERS\n {2}BRANCH 0 +CORE +1 +FS1 +2 +GAMES +2 +REMOTE 1$/m)
})

const bad: Array<[string, string[], RegExp]> = [
  ['a link the topology does not have', ['--topology', CLASSROOM, '--simulate-cut', 'HQ-REMOTE'], /^ipxlab: simulate-cut: "HQ-REMOTE" is not a link of the topology \(write A-B with two linked node names; links: HQ-CORE, CORE-GAMES, CORE-BRANCH, HQ-BRANCH, BRANCH-REMOTE\)$/m],
  ['--cut with a node that does not exist', ['--topology', CLASSROOM, '--cut', 'HQ-MARS', '--port', '1'], /^ipxlab: cut: "HQ-MARS" is not a link of the topology/],
  ['--cut without --topology', ['--cut', 'HQ-BRANCH'], /^ipxlab: lab: --cut is an option of --topology$/m],
  ['--cut and --simulate-cut together', ['--topology', CLASSROOM, '--cut', 'HQ-BRANCH', '--simulate-cut', 'HQ-BRANCH'], /^ipxlab: lab: give --cut \(real sockets\) or --simulate-cut \(virtual clock\), not both$/m],
  ['--cut-at without --simulate-cut', ['--topology', CLASSROOM, '--cut-at', '10'], /^ipxlab: lab: --cut-at is an option of --simulate-cut/],
  ['--simulate-cut with --duration', ['--topology', CLASSROOM, '--simulate-cut', 'HQ-BRANCH', '--duration', '5'], /^ipxlab: lab: --simulate-cut runs on a virtual clock and ends by itself/],
  ['an update interval of 0', ['--topology', CLASSROOM, '--update-interval', '0'], /--update-interval is a number of seconds above 0/]
]

for (const [title, args, message] of bad) {
  test(`ipxlab lab refuses ${title}: exit 2, the reason first`, async t => {
    const r = await runCli(['lab', ...args])
    t.is(r.code, 2)
    t.regex(r.stderr, message)
    t.is(r.stdout, '', 'nothing ran')
  })
}
