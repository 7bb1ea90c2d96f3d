/**
 * A small seeded PRNG so that a lab run repeats: mulberry32 by Tommy Ettinger (public domain,
 * https://gist.github.com/tommyettinger/46a874533244883189143505d203312c), a 32-bit state advanced
 * by a Weyl sequence (+0x6D2B79F5) and mixed by two multiply-xorshift rounds. Period 2^32, plenty
 * for a lab run; not for cryptography.
 *
 * Written here rather than imported: `pure-rand` (which has it) is only a transitive dependency of
 * the `fast-check` devDependency, so `src/` cannot rely on it being installed.
 */

/** mulberry32 on an explicit state; same seed, same sequence. */
export class Mulberry32 {
  #state: number

  /** `seed` is taken modulo 2^32. */
  constructor (seed: number) {
    this.#state = seed >>> 0
  }

  /** The next 32-bit unsigned integer. */
  nextUint32 (): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0
    let t = this.#state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return (t ^ (t >>> 14)) >>> 0
  }

  /** A uniform number in [0, 1). */
  next (): number {
    return this.nextUint32() / 4294967296
  }
}
