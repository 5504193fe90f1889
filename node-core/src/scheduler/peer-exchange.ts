/**
 * Whom a server introduces to a newcomer (the peers of a WELCOME): up to `max` members of the
 * share's swarm drawn at random, without repeats, never the newcomer itself.
 *
 * Not the first members met: everyone starts at the origin, so "the first 32" hands every newcomer
 * the crowd's first 32 arrivals, who end up serving nearly everyone while later peers' uploads sit
 * idle. The swarm simulator measured it (docs/PERFORMANCE.md, "At scale"): at N = 100 a random
 * sample brought the crowd from 3.3x the fluid lower bound to 2.1x.
 */
export function introduceMembers<T> (members: Iterable<T>, newcomer: T, max: number, random: () => number = Math.random): T[] {
  const pool: T[] = []
  for (const m of members) if (m !== newcomer) pool.push(m)
  const take = Math.min(max, pool.length)
  // A partial Fisher–Yates shuffle: the first `take` places get a uniform sample.
  for (let i = 0; i < take; i++) {
    const j = i + Math.floor(random() * (pool.length - i))
    const t = pool[i]!
    pool[i] = pool[j]!
    pool[j] = t
  }
  pool.length = take
  return pool
}
