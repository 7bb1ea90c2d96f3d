/**
 * Era profiles: named WAN links of the NetWare years, as presets for the WAN emulator and the
 * shaper (peers.md, "What no peer has", item 6). Each carries its provenance and says which of its
 * numbers are approximations: line rates come from the standards; delays, jitter and loss depend
 * on distance and equipment and are typical values chosen by ipxlab, not measurements.
 */
import { ConfigError } from '../errors.js'
import type { WanOptions } from './wan.js'

/** Names of the built-in profiles. */
export const ProfileName = {
  /** V.90 dial-up modem. */
  Modem56k: 'modem-56k',
  /** ISDN BRI, one B channel. */
  Isdn64k: 'isdn-64k',
  /** ISDN BRI, both B channels bonded. */
  Isdn128k: 'isdn-128k',
  /** T1 leased line. */
  T1: 't1',
  /** 10 Mbit/s office Ethernet. */
  Ethernet10m: 'ethernet-10m',
  /** The lab's reference WAN: 1 Mbit/s, 30 ms. */
  LabWan: 'lab-wan'
} as const
export type ProfileName = typeof ProfileName[keyof typeof ProfileName]

/** A named link preset. */
export interface EraProfile {
  readonly name: ProfileName
  /** One line for menus and reports. */
  readonly title: string
  /** The emulator settings (no seed: supply one with {@link profile}). */
  readonly wan: WanOptions & { readonly rate: number }
  /** Where the numbers come from. */
  readonly provenance: readonly string[]
  /** Which numbers are approximations, and why. */
  readonly approximate: readonly string[]
}

/** The built-in profiles. */
export const PROFILES: Readonly<Record<ProfileName, EraProfile>> = {
  'modem-56k': {
    name: 'modem-56k',
    title: '56k modem (V.90 dial-up, late 1990s)',
    wan: { rate: 56_000, delayMs: 100, jitterMs: 10 },
    provenance: [
      'ITU-T V.90 (1998): up to 56 kbit/s downstream, 33.6 kbit/s upstream',
      'V.42 error correction in the modem retransmits corrupted frames, so the line shows delay, not loss'
    ],
    approximate: [
      'rate: 56 kbit/s is the nominal downstream maximum; real connections trained lower (US FCC power limits capped it near 53 kbit/s) and upstream is 33.6 kbit/s at best',
      'delay 100 ms and jitter ±10 ms: typical one-way latency of modem buffering, compression and error correction; not a measurement',
      'loss 0: assumed hidden by V.42 retransmission'
    ]
  },
  'isdn-64k': {
    name: 'isdn-64k',
    title: 'ISDN BRI, one B channel (64 kbit/s)',
    wan: { rate: 64_000, delayMs: 20, jitterMs: 1 },
    provenance: ['ITU-T I.430 basic rate interface: 2B+D, each B channel 64 kbit/s, circuit-switched (no statistical jitter)'],
    approximate: ['delay 20 ms and jitter ±1 ms: a regional circuit with PPP framing; not a measurement']
  },
  'isdn-128k': {
    name: 'isdn-128k',
    title: 'ISDN BRI, both B channels bonded (128 kbit/s)',
    wan: { rate: 128_000, delayMs: 20, jitterMs: 1 },
    provenance: [
      'ITU-T I.430: two 64 kbit/s B channels',
      'bonded with the PPP Multilink Protocol (RFC 1990)'
    ],
    approximate: ['delay 20 ms and jitter ±1 ms: as isdn-64k; multilink fragment reassembly adds a little, ignored']
  },
  t1: {
    name: 't1',
    title: 'T1 leased line (1.544 Mbit/s)',
    wan: { rate: 1_536_000, delayMs: 10, jitterMs: 0.5 },
    provenance: [
      'T1 / DS1: 1.544 Mbit/s line rate = 24 DS0 channels of 64 kbit/s (1.536 Mbit/s of payload) + 8 kbit/s framing (the North American DS1 digital hierarchy); the emulator uses the payload rate'
    ],
    approximate: ['delay 10 ms and jitter ±0.5 ms: an intercity circuit (roughly 1000 km of fibre or copper plus equipment); not a measurement']
  },
  'ethernet-10m': {
    name: 'ethernet-10m',
    title: '10 Mbit/s office Ethernet (10BASE2 / 10BASE-T)',
    wan: { rate: 10_000_000, delayMs: 0.05 },
    provenance: ['IEEE 802.3 10BASE5 / 10BASE2 / 10BASE-T: 10 Mbit/s, shared (half-duplex) medium'],
    approximate: [
      'delay 0.05 ms: propagation over a building-sized segment plus a hub or bridge; not a measurement',
      'collisions and CSMA/CD backoff on a busy shared segment are not modelled'
    ]
  },
  'lab-wan': {
    name: 'lab-wan',
    title: 'Lab WAN: 1 Mbit/s, 30 ms one-way (the QoS scenario link)',
    wan: { rate: 1_000_000, delayMs: 30 },
    provenance: ['ipxlab issue 6: the reference link of `ipxlab lab --scenario qos`'],
    approximate: ['invented for the lab: a slow, long link on which one 1500-byte frame takes 12 ms to serialize']
  }
}

/** True when `s` names a built-in profile. */
export function isProfileName (s: string): s is ProfileName {
  return Object.prototype.hasOwnProperty.call(PROFILES, s)
}

/**
 * The WAN settings of a profile, with a seed and any overrides applied. Throws {@link ConfigError}
 * for an unknown name.
 */
export function profile (name: string, overrides: WanOptions = {}): WanOptions & { readonly rate: number } {
  if (!isProfileName(name)) {
    throw new ConfigError('qos.profile', `unknown profile ${name}; known: ${Object.keys(PROFILES).join(', ')}`)
  }
  return { ...PROFILES[name].wan, seed: 1, ...overrides, rate: overrides.rate ?? PROFILES[name].wan.rate }
}
