import test from 'ava'
import { TokenBucket, Mulberry32 } from '../../src/qos/index.js'
import { ConfigError } from '../../src/errors.js'

const RATES: Array<[string, number, number]> = [
  ['56 kbit/s, 1500-byte bucket', 56_000, 1500],
  ['1 Mbit/s, 1500-byte bucket', 1_000_000, 1500],
  ['1.536 Mbit/s, 3000-byte bucket', 1_536_000, 3000],
  ['10 Mbit/s, 600-byte bucket (smaller than a frame)', 10_000_000, 600]
]

for (const [title, rate, burst] of RATES) {
  test(`shaper rate within 1 % of configured over a long run: ${title}`, t => {
    const rng = new Mulberry32(11)
    const b = new TokenBucket({ rate, burst })
    let now = 0
    let bytes = 0
    const end = 60_000 * (1_000_000 / rate) // ~7.5 MB at any rate: long in frames
    while (now < end) {
      const size = 64 + Math.floor(rng.next() * 1437)
      now = b.nextSendTime(size, now)
      t.true(b.canSend(size, now)) // nextSendTime and canSend agree
      b.consume(size, now)
      bytes += size
    }
    const measured = bytes * 8000 / now
    t.log(`${title}: measured ${measured.toFixed(0)} bit/s, error ${((measured / rate - 1) * 100).toFixed(3)} %`)
    t.true(Math.abs(measured - rate) / rate < 0.01)
  })
}

test('token bucket: burst allowance, refill, debt', t => {
  const b = new TokenBucket({ rate: 8000, burst: 100 }) // 1 byte per ms
  t.true(b.canSend(100, 0))
  b.consume(100, 0)
  t.false(b.canSend(10, 0))
  t.is(b.nextSendTime(10, 0), 10)
  t.true(b.canSend(10, 10))
  t.is(b.tokens(1000), 100) // capped at burst
  // A frame larger than the bucket waits for a full bucket, then leaves the bucket in debt.
  b.consume(100, 1000)
  t.is(b.nextSendTime(250, 1000), 1100)
  b.consume(250, 1100)
  t.is(b.tokens(1100), -150)
  t.is(b.nextSendTime(50, 1100), 1300)
})

test('token bucket: startFull false and clock going backwards', t => {
  const b = new TokenBucket({ rate: 8000, burst: 100, now: 50, startFull: false })
  t.is(b.tokens(50), 0)
  t.is(b.tokens(40), 0)
  t.is(b.nextSendTime(20, 50), 70)
})

test('token bucket: bad options throw ConfigError', t => {
  t.throws(() => new TokenBucket({ rate: 0, burst: 10 }), { instanceOf: ConfigError, code: 'IPX_ERR_CONFIG' })
  t.throws(() => new TokenBucket({ rate: 1000, burst: -1 }), { instanceOf: ConfigError })
  t.throws(() => new TokenBucket({ rate: Infinity, burst: 1 }), { instanceOf: ConfigError })
})
