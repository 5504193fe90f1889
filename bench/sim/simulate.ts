/** Runs one simulated swarm and returns its figures. */
import type { SimConfig } from './config.ts'
import { figuresOf } from './figures.ts'
import type { SimFigures } from './figures.ts'
import { Swarm } from './swarm.ts'

export function simulate (config: SimConfig): SimFigures {
  const t0 = performance.now()
  const out = new Swarm(config).run()
  return figuresOf(config, out, (performance.now() - t0) / 1000)
}
