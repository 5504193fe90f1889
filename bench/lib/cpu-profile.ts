/**
 * Summarizes V8 `--cpu-prof` profiles: the functions with the most self time, per process role
 * (profiles are named CPU.<date>.<time>.<pid>.<tid>.<seq>.cpuprofile).
 */
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'

interface ProfileNode { id: number, callFrame: { functionName: string, url: string, lineNumber: number }, children?: number[] }
interface CpuProfile { nodes: ProfileNode[], samples: number[], timeDeltas: number[] }

export interface HotFunction { readonly name: string, readonly where: string, readonly selfMs: number, readonly percent: number }
export interface HotModule { readonly module: string, readonly selfMs: number, readonly percent: number }

/** The package (node_modules/<name>) or project file a frame's url belongs to; '' for Node internals and natives. */
function moduleOf (url: string): string {
  const pkg = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)
  if (pkg != null) return pkg[1]!
  return projectPath(url) ?? ''
}

/** A project file's path from the project root (node-core/…, bench/…, test/…), or null. */
function projectPath (url: string): string | null {
  const m = /\/(node-core\/.*)$/.exec(url) ?? /\/(bench\/(?:lib|scenarios|baselines)\/.*)$/.exec(url) ?? /\/(test\/(?:helpers|unit|integration)\/.*)$/.exec(url)
  return m != null ? m[1]! : null
}

function where (url: string, line: number): string {
  if (url === '') return ''
  return `${projectPath(url) ?? url.replace(/^file:\/\/.*?\/node_modules\//, '')}:${line + 1}`
}

/** Self time by function over every profile in `dir` whose pid maps to `role`; the top `top`, excluding idle time. */
export async function hotFunctions (dir: string, roleOf: (pid: number) => string | undefined, top = 15): Promise<{ functions: Record<string, HotFunction[]>, modules: Record<string, HotModule[]> }> {
  const byRole = new Map<string, Map<string, { name: string, where: string, us: number }>>()
  const modulesByRole = new Map<string, Map<string, number>>()
  for (const file of (await readdir(dir)).filter(f => f.endsWith('.cpuprofile'))) {
    const pid = Number(file.split('.')[3])
    const role = roleOf(pid) ?? 'other'
    const profile = JSON.parse(await readFile(join(dir, file), 'utf8')) as CpuProfile
    const nodes = new Map(profile.nodes.map(n => [n.id, n]))
    const parent = new Map<number, number>()
    for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
    const table = byRole.get(role) ?? new Map()
    byRole.set(role, table)
    const modules = modulesByRole.get(role) ?? new Map<string, number>()
    modulesByRole.set(role, modules)
    profile.samples.forEach((id, i) => {
      const n = nodes.get(id)
      if (n == null || n.callFrame.functionName === '(idle)') return
      // Charge Node-internal and native time to the nearest package or project file that called it.
      let owner = moduleOf(n.callFrame.url)
      for (let up = parent.get(id); owner === '' && up != null; up = parent.get(up)) owner = moduleOf(nodes.get(up)?.callFrame.url ?? '')
      if (owner === '') owner = n.callFrame.functionName.startsWith('(') ? n.callFrame.functionName : '(node internals)'
      modules.set(owner, (modules.get(owner) ?? 0) + (profile.timeDeltas[i] ?? 0))
      const key = `${n.callFrame.functionName}@${n.callFrame.url}:${n.callFrame.lineNumber}`
      const row = table.get(key) ?? { name: n.callFrame.functionName || '(anonymous)', where: where(n.callFrame.url, n.callFrame.lineNumber), us: 0 }
      row.us += profile.timeDeltas[i] ?? 0
      table.set(key, row)
    })
  }
  const functions: Record<string, HotFunction[]> = {}
  const modules: Record<string, HotModule[]> = {}
  for (const [role, table] of byRole) {
    const total = [...table.values()].reduce((s, r) => s + r.us, 0)
    functions[role] = [...table.values()].sort((a, b) => b.us - a.us).slice(0, top)
      .map(r => ({ name: r.name, where: r.where, selfMs: Math.round(r.us / 1000), percent: Number((100 * r.us / total).toFixed(1)) }))
    modules[role] = [...(modulesByRole.get(role) ?? new Map<string, number>())].sort((a, b) => b[1] - a[1]).slice(0, top)
      .map(([module, us]) => ({ module, selfMs: Math.round(us / 1000), percent: Number((100 * us / total).toFixed(1)) }))
  }
  return { functions, modules }
}

export function hotFunctionsMarkdown (scenario: string, hot: { functions: Record<string, HotFunction[]>, modules: Record<string, HotModule[]> }): string {
  const parts = [`### --cpu-prof of ${scenario} (main and worker threads, idle excluded)`]
  for (const [role, rows] of Object.entries(hot.functions)) {
    parts.push('', `**${role}: top self-time functions**`, '', '| function | where | self ms | % |', '|---|---|---|---|',
      ...rows.map(r => `| ${r.name.replace(/\|/g, '\\|')} | ${r.where} | ${r.selfMs} | ${r.percent} |`))
    parts.push('', `**${role}: self time by package or project file** (Node-internal time charged to its nearest caller)`, '', '| module | self ms | % |', '|---|---|---|',
      ...(hot.modules[role] ?? []).map(r => `| ${r.module} | ${r.selfMs} | ${r.percent} |`))
  }
  return parts.join('\n') + '\n'
}
