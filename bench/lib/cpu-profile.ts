/**
 * Summarizes V8 `--cpu-prof` profiles: the functions with the most self time, per process role
 * (profiles are named CPU.<date>.<time>.<pid>.<tid>.<seq>.cpuprofile).
 */
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'

interface ProfileNode { id: number, callFrame: { functionName: string, url: string, lineNumber: number } }
interface CpuProfile { nodes: ProfileNode[], samples: number[], timeDeltas: number[] }

export interface HotFunction { readonly name: string, readonly where: string, readonly selfMs: number, readonly percent: number }

function where (url: string, line: number): string {
  if (url === '') return ''
  const short = url.replace(/^file:\/\/.*?\/node_modules\//, '').replace(/^file:\/\/.*?\/(node-core|bench|test)\//, '$1/')
  return `${short}:${line + 1}`
}

/** Self time by function over every profile in `dir` whose pid maps to `role`; the top `top`, excluding idle time. */
export async function hotFunctions (dir: string, roleOf: (pid: number) => string | undefined, top = 15): Promise<Record<string, HotFunction[]>> {
  const byRole = new Map<string, Map<string, { name: string, where: string, us: number }>>()
  for (const file of (await readdir(dir)).filter(f => f.endsWith('.cpuprofile'))) {
    const pid = Number(file.split('.')[3])
    const role = roleOf(pid) ?? 'other'
    const profile = JSON.parse(await readFile(join(dir, file), 'utf8')) as CpuProfile
    const nodes = new Map(profile.nodes.map(n => [n.id, n]))
    const table = byRole.get(role) ?? new Map()
    byRole.set(role, table)
    profile.samples.forEach((id, i) => {
      const n = nodes.get(id)
      if (n == null || n.callFrame.functionName === '(idle)') return
      const key = `${n.callFrame.functionName}@${n.callFrame.url}:${n.callFrame.lineNumber}`
      const row = table.get(key) ?? { name: n.callFrame.functionName || '(anonymous)', where: where(n.callFrame.url, n.callFrame.lineNumber), us: 0 }
      row.us += profile.timeDeltas[i] ?? 0
      table.set(key, row)
    })
  }
  const out: Record<string, HotFunction[]> = {}
  for (const [role, table] of byRole) {
    const total = [...table.values()].reduce((s, r) => s + r.us, 0)
    out[role] = [...table.values()].sort((a, b) => b.us - a.us).slice(0, top)
      .map(r => ({ name: r.name, where: r.where, selfMs: Math.round(r.us / 1000), percent: Number((100 * r.us / total).toFixed(1)) }))
  }
  return out
}

export function hotFunctionsMarkdown (scenario: string, hot: Record<string, HotFunction[]>): string {
  const parts = [`### --cpu-prof of ${scenario}: top self-time functions (idle excluded)`]
  for (const [role, rows] of Object.entries(hot)) {
    parts.push('', `**${role}**`, '', '| function | where | self ms | % |', '|---|---|---|---|',
      ...rows.map(r => `| ${r.name.replace(/\|/g, '\\|')} | ${r.where} | ${r.selfMs} | ${r.percent} |`))
  }
  return parts.join('\n') + '\n'
}
