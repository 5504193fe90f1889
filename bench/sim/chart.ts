/** The simulator's figures against N as one SVG: panels of lines over a logarithmic N axis. */

export interface Series {
  readonly label: string
  readonly points: ReadonlyArray<readonly [number, number]>
  /** Drawn dashed (targets, bounds). */
  readonly dashed?: boolean
}

export interface Panel {
  readonly title: string
  readonly series: readonly Series[]
}

const PALETTE = ['#2f6fde', '#e07b28', '#3a9d4a', '#b0413e', '#7d5ba6', '#8a8a8a']
const text = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

/** A round number at or above x (1, 2 or 5 times a power of ten). */
function ceilNice (x: number): number {
  if (!(x > 0)) return 1
  const p = 10 ** Math.floor(Math.log10(x))
  return [1, 2, 5, 10].map(m => m * p).find(v => v >= x) ?? 10 * p
}

function panel (p: Panel, top: number, out: string[]): number {
  const left = 70
  const w = 420
  const h = 180
  const plotTop = top + 24
  const pts = p.series.flatMap(s => s.points).filter(([x, y]) => x > 0 && Number.isFinite(y))
  const xs = pts.map(q => q[0])
  const lx0 = Math.floor(Math.log10(Math.min(...xs)))
  const lx1 = Math.max(lx0 + 1, Math.ceil(Math.log10(Math.max(...xs))))
  const yMax = ceilNice(Math.max(...pts.map(q => q[1])))
  const px = (x: number): number => left + (Math.log10(x) - lx0) / (lx1 - lx0) * w
  const py = (y: number): number => plotTop + h - y / yMax * h
  out.push(`<text x="20" y="${top + 14}" font-size="13" font-weight="bold">${text(p.title)}</text>`,
    `<line x1="${left}" y1="${plotTop + h}" x2="${left + w}" y2="${plotTop + h}" stroke="#333"/>`,
    `<line x1="${left}" y1="${plotTop}" x2="${left}" y2="${plotTop + h}" stroke="#333"/>`)
  for (let k = 0; k <= 4; k++) {
    const y = yMax * k / 4
    out.push(`<line x1="${left}" y1="${py(y).toFixed(1)}" x2="${left + w}" y2="${py(y).toFixed(1)}" stroke="#e3e3e3"/>`,
      `<text x="${left - 6}" y="${(py(y) + 4).toFixed(1)}" font-size="11" text-anchor="end">${Number(y.toPrecision(3))}</text>`)
  }
  for (let e = lx0; e <= lx1; e++) {
    out.push(`<text x="${px(10 ** e).toFixed(1)}" y="${plotTop + h + 15}" font-size="11" text-anchor="middle">${(10 ** e).toLocaleString('en-US')}</text>`)
  }
  out.push(`<text x="${left + w / 2}" y="${plotTop + h + 30}" font-size="11" text-anchor="middle">peers (N, log scale)</text>`)
  p.series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length]!
    const line = s.points.filter(([x, y]) => x > 0 && Number.isFinite(y))
    const dash = s.dashed === true ? ' stroke-dasharray="6 4"' : ''
    out.push(`<polyline fill="none" stroke="${color}" stroke-width="2"${dash} points="${line.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ')}"/>`)
    if (s.dashed !== true) for (const [x, y] of line) out.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3" fill="${color}"/>`)
    out.push(`<rect x="${left + w + 14}" y="${plotTop + i * 18}" width="12" height="12" fill="${color}"/>`,
      `<text x="${left + w + 30}" y="${plotTop + i * 18 + 10}" font-size="11">${text(s.label)}</text>`)
  })
  return plotTop + h + 44
}

export function simChartSvg (title: string, panels: readonly Panel[]): string {
  const out: string[] = [`<text x="20" y="24" font-size="16" font-weight="bold">${text(title)}</text>`]
  let y = 40
  for (const p of panels) y = panel(p, y, out)
  const width = 820
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}" font-family="sans-serif">\n<rect width="100%" height="100%" fill="#fff"/>\n${out.join('\n')}\n</svg>\n`
}
