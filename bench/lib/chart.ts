/**
 * The results drawn as one SVG: throughput bars (one scale per group) and completion time versus
 * the number of peers (lines). Plain SVG text, no library; labels are escaped.
 */
import type { ChartData } from './result.ts'

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
const COLORS = ['#2f6fde', '#e07b28', '#3a9d4a', '#b0413e', '#7d5ba6', '#8a8a8a']

function niceMax (x: number): number {
  if (!(x > 0)) return 1
  const p = 10 ** Math.floor(Math.log10(x))
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= x) return m * p
  return 10 * p
}

export function chartSvg (data: readonly ChartData[], title: string): string {
  const bars = data.flatMap(d => d.bars ?? [])
  const lines = data.flatMap(d => d.lines ?? [])
  const width = 760
  const out: string[] = []
  let y = 40
  out.push(`<text x="20" y="24" font-size="16" font-weight="bold">${esc(title)}</text>`)

  const groups = [...new Set(bars.map(b => b.group))]
  for (const g of groups) {
    const inGroup = bars.filter(b => b.group === g)
    const max = niceMax(Math.max(...inGroup.map(b => b.value)))
    out.push(`<text x="20" y="${y + 14}" font-size="13" font-weight="bold">${esc(g)} (${esc(inGroup[0]!.unit)})</text>`)
    y += 22
    inGroup.forEach(b => {
      const w = Number.isFinite(b.value) ? Math.max(1, (b.value / max) * 440) : 0
      out.push(`<text x="170" y="${y + 13}" font-size="12" text-anchor="end">${esc(b.label)}</text>`,
        `<rect x="178" y="${y + 2}" width="${w.toFixed(1)}" height="14" fill="${b.baseline === true ? '#9aa0a6' : COLORS[0]}"/>`,
        `<text x="${(184 + w).toFixed(1)}" y="${y + 13}" font-size="12">${Number.isFinite(b.value) ? b.value.toFixed(b.value < 10 ? 2 : 0) : 'n/a'}</text>`)
      y += 20
    })
    y += 14
  }

  if (lines.length > 0) {
    const xs = lines.flatMap(l => l.points.map(p => p[0]))
    const ys = lines.flatMap(l => l.points.map(p => p[1])).filter(Number.isFinite)
    const x0 = 0; const x1 = Math.max(...xs); const yMax = niceMax(Math.max(...ys))
    const left = 70; const top = y + 30; const w = 440; const h = 220
    const px = (x: number): number => left + (x - x0) / (x1 - x0 || 1) * w
    const py = (v: number): number => top + h - v / yMax * h
    out.push(`<text x="20" y="${y + 14}" font-size="13" font-weight="bold">Flash crowd: time until all downloaders are done (s) vs number of downloaders</text>`)
    out.push(`<line x1="${left}" y1="${top + h}" x2="${left + w}" y2="${top + h}" stroke="#333"/>`, `<line x1="${left}" y1="${top}" x2="${left}" y2="${top + h}" stroke="#333"/>`)
    for (let i = 0; i <= 4; i++) {
      const v = yMax * i / 4
      out.push(`<text x="${left - 6}" y="${py(v) + 4}" font-size="11" text-anchor="end">${v}</text>`, `<line x1="${left}" y1="${py(v)}" x2="${left + w}" y2="${py(v)}" stroke="#ddd"/>`)
    }
    for (const x of [...new Set(xs)].sort((a, b) => a - b)) out.push(`<text x="${px(x)}" y="${top + h + 16}" font-size="11" text-anchor="middle">${x}</text>`)
    out.push(`<text x="${left + w / 2}" y="${top + h + 32}" font-size="11" text-anchor="middle">downloaders (N)</text>`)
    lines.forEach((l, i) => {
      const pts = l.points.filter(p => Number.isFinite(p[1]))
      const color = COLORS[i % COLORS.length]!
      out.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.map(p => `${px(p[0]).toFixed(1)},${py(p[1]).toFixed(1)}`).join(' ')}"/>`)
      for (const p of pts) out.push(`<circle cx="${px(p[0]).toFixed(1)}" cy="${py(p[1]).toFixed(1)}" r="3" fill="${color}"/>`)
      out.push(`<rect x="${left + w + 16}" y="${top + i * 18}" width="12" height="12" fill="${color}"/>`, `<text x="${left + w + 32}" y="${top + i * 18 + 10}" font-size="11">${esc(l.label)}</text>`)
    })
    y = top + h + 44
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y + 10}" viewBox="0 0 ${width} ${y + 10}" font-family="sans-serif">\n<rect width="100%" height="100%" fill="#fff"/>\n${out.join('\n')}\n</svg>\n`
}
