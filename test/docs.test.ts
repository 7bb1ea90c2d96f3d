import test from 'ava'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { ROOT } from './_env.js'

test('every exercise of the lab guide names a test file that exists', t => {
  const guide = readFileSync(path.join(ROOT, 'docs', 'lab-guide.md'), 'utf8')
  const exercises = guide.split('\n').filter(l => /^\d+\. \*\*/.test(l))
  t.true(exercises.length >= 4, 'four or more exercises')
  const cited = [...guide.matchAll(/`(test\/[\w/.-]+\.test\.ts)`/g)].map(m => m[1]!)
  t.true(cited.length >= exercises.length)
  for (const file of cited) t.true(existsSync(path.join(ROOT, file)), `${file} exists`)
})
