/**
 * How a server picks a backend for a new client. Every strategy is given the candidates
 * already narrowed to the live backends of the best (lowest) priority and sorted by
 * `host:port`, so each choice is deterministic; gobetween walks a Go map in random order.
 */
import { ErrorCode, MeterkitError, describeValue } from '../core/errors.js';
import type { Backend } from './backend.js';

/** The strategy names, as gobetween spells them. */
export const STRATEGIES = ['roundrobin', 'weight', 'leastconn', 'leastbandwidth', 'iphash', 'iphash1'] as const;
/** A balancing strategy (see README "Strategies"). */
export type StrategyName = (typeof STRATEGIES)[number];

/** Picks one of `candidates` (never empty) for a client at `clientIp`. */
export interface Strategy {
  pick(candidates: readonly Backend[], clientIp: string): Backend;
}

/** Checks a strategy name. @throws MeterkitError `ERR_METERKIT_INVALID_ARGUMENT` */
export function checkStrategy(name: unknown): StrategyName {
  if (typeof name === 'string' && (STRATEGIES as readonly string[]).includes(name)) return name as StrategyName;
  throw new MeterkitError(ErrorCode.InvalidArgument, `unknown proxy strategy ${describeValue(name)}: use one of ${STRATEGIES.join(', ')}`);
}

/** FNV-1a, 32 bits, over bytes then a string's UTF-16 code units (as gobetween's fnv32a over bytes). */
function fnv1a(bytes: readonly number[], tail = ''): number {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  for (let i = 0; i < tail.length; i++) h = Math.imul(h ^ (tail.charCodeAt(i) & 0xff), 0x01000193) >>> 0;
  return h;
}

/** The bytes of an IP address: 4 for IPv4 (also IPv4-mapped IPv6), 16 for IPv6. */
export function ipBytes(ip: string): number[] {
  const v4 = /^(?:::ffff:)?(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/i.exec(ip);
  if (v4 !== null) return [Number(v4[1]), Number(v4[2]), Number(v4[3]), Number(v4[4])];
  const [head = '', tail = ''] = ip.split('::', 2);
  const groups = (s: string): number[] => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16) || 0));
  const hi = groups(head);
  const lo = ip.includes('::') ? groups(tail) : [];
  const all = [...hi, ...new Array<number>(Math.max(0, 8 - hi.length - lo.length)).fill(0), ...lo];
  return all.flatMap((g) => [g >> 8, g & 0xff]);
}

class RoundRobin implements Strategy {
  private next = 0;
  pick(c: readonly Backend[]): Backend {
    if (this.next >= c.length) this.next = 0;
    return c[this.next++] as Backend;
  }
}

/**
 * Smooth weighted round robin (nginx's): over any run of W = Σweights picks, each backend is
 * picked exactly `weight` times, interleaved. gobetween draws at random by weight (RFC 2782);
 * the ratio is the same on average, exact here.
 */
class Weighted implements Strategy {
  private readonly current = new WeakMap<Backend, number>();
  pick(c: readonly Backend[]): Backend {
    let total = 0;
    let best: Backend | undefined;
    let bestScore = -Infinity;
    for (const b of c) {
      const score = (this.current.get(b) ?? 0) + b.weight;
      this.current.set(b, score);
      total += b.weight;
      if (score > bestScore) {
        bestScore = score;
        best = b;
      }
    }
    const chosen = best as Backend;
    this.current.set(chosen, bestScore - total);
    return chosen;
  }
}

/** Fewest active connections; ties go to the one with fewest connections so far, then by address. */
class LeastConn implements Strategy {
  pick(c: readonly Backend[]): Backend {
    let best = c[0] as Backend;
    for (const b of c) {
      if (b.active < best.active || (b.active === best.active && b.totalConnections < best.totalConnections)) best = b;
    }
    return best;
  }
}

/** Least rx + tx bytes per second now; ties go to fewer active connections, then by address. */
class LeastBandwidth implements Strategy {
  pick(c: readonly Backend[]): Backend {
    let best = c[0] as Backend;
    let bestBw = best.rxRate.value + best.txRate.value;
    for (const b of c) {
      const bw = b.rxRate.value + b.txRate.value;
      if (bw < bestBw || (bw === bestBw && b.active < best.active)) {
        best = b;
        bestBw = bw;
      }
    }
    return best;
  }
}

/** FNV-1a of the client's IP bytes, modulo the candidates: stable while the set is. */
class IpHash implements Strategy {
  pick(c: readonly Backend[], ip: string): Backend {
    return c[fnv1a(ipBytes(ip)) % c.length] as Backend;
  }
}

/**
 * Rendezvous hashing (gobetween's "key + node hash"): the backend with the highest
 * FNV-1a(IP bytes + "host:port") wins, so when a backend leaves only its clients move.
 */
class IpHash1 implements Strategy {
  pick(c: readonly Backend[], ip: string): Backend {
    const bytes = ipBytes(ip);
    let best = c[0] as Backend;
    let bestHash = -1;
    for (const b of c) {
      const h = fnv1a(bytes, b.key);
      if (h > bestHash) {
        bestHash = h;
        best = b;
      }
    }
    return best;
  }
}

/** A fresh strategy object (round robin and weight keep state per server). */
export function createStrategy(name: StrategyName): Strategy {
  switch (name) {
    case 'roundrobin':
      return new RoundRobin();
    case 'weight':
      return new Weighted();
    case 'leastconn':
      return new LeastConn();
    case 'leastbandwidth':
      return new LeastBandwidth();
    case 'iphash':
      return new IpHash();
    case 'iphash1':
      return new IpHash1();
  }
}
