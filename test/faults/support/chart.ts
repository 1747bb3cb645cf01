/** A small SVG line chart, made from the soak's figures (no plotting library). */

interface Series {
  name: string;
  color: string;
  points: [number, number][];
  dashed?: boolean;
}

export interface Panel {
  title: string;
  yLabel: string;
  series: Series[];
  /** Vertical lines across the panel, e.g. where the warm-up ends. */
  markers?: { x: number; label: string }[];
}

const WIDTH = 860;
const PANEL_HEIGHT = 250;
const MARGIN = { left: 64, right: 130, top: 34, bottom: 42 };

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Round steps (1, 2, 5 × 10^n) that cut [0, max] into about `count` ticks. */
function ticks(max: number, count = 5): number[] {
  if (max <= 0) return [0];
  const raw = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let i = 0; i <= Math.ceil(max / step - 1e-9); i++) out.push(Number((i * step).toPrecision(12)));
  return out;
}

function panel(p: Panel, top: number, xMax: number, xLabel: string): string {
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = PANEL_HEIGHT - MARGIN.top - MARGIN.bottom;
  const yMaxData = Math.max(1e-9, ...p.series.flatMap((s) => s.points.map(([, y]) => y)));
  const yTicks = ticks(yMaxData * 1.1);
  const yMax = yTicks.at(-1)!;
  const xTicks = ticks(xMax, 10).filter((t) => t <= xMax);
  const x = (v: number) => MARGIN.left + (v / xMax) * plotW;
  const y = (v: number) => top + MARGIN.top + plotH - (v / yMax) * plotH;
  const out: string[] = [];
  out.push(`<text x="${MARGIN.left}" y="${top + 20}" font-size="14" font-weight="bold">${escape(p.title)}</text>`);
  for (const t of yTicks) {
    out.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${y(t)}" y2="${y(t)}" stroke="#e4e4e4"/>`);
    out.push(`<text x="${MARGIN.left - 6}" y="${y(t) + 4}" font-size="11" text-anchor="end">${t}</text>`);
  }
  for (const t of xTicks) {
    out.push(`<line x1="${x(t)}" x2="${x(t)}" y1="${top + MARGIN.top + plotH}" y2="${top + MARGIN.top + plotH + 4}" stroke="#444"/>`);
    out.push(`<text x="${x(t)}" y="${top + MARGIN.top + plotH + 16}" font-size="11" text-anchor="middle">${t}</text>`);
  }
  out.push(`<rect x="${MARGIN.left}" y="${top + MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#444"/>`);
  out.push(
    `<text x="${MARGIN.left + plotW / 2}" y="${top + PANEL_HEIGHT - 8}" font-size="11" text-anchor="middle">${escape(xLabel)}</text>`,
    `<text transform="translate(16 ${top + MARGIN.top + plotH / 2}) rotate(-90)" font-size="11" text-anchor="middle">${escape(p.yLabel)}</text>`,
  );
  for (const m of p.markers ?? []) {
    out.push(`<line x1="${x(m.x)}" x2="${x(m.x)}" y1="${top + MARGIN.top}" y2="${top + MARGIN.top + plotH}" stroke="#888" stroke-dasharray="4 3"/>`);
    out.push(`<text x="${x(m.x) + 4}" y="${top + MARGIN.top + 12}" font-size="10" fill="#555">${escape(m.label)}</text>`);
  }
  p.series.forEach((s, i) => {
    const d = s.points.map(([px, py], j) => `${j ? 'L' : 'M'}${x(px).toFixed(1)} ${y(py).toFixed(1)}`).join(' ');
    out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.6"${s.dashed ? ' stroke-dasharray="5 3"' : ''}/>`);
    const ly = top + MARGIN.top + 10 + i * 18;
    const lx = MARGIN.left + plotW + 14;
    out.push(`<line x1="${lx}" x2="${lx + 22}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 3"' : ''}/>`);
    out.push(`<text x="${lx + 28}" y="${ly + 4}" font-size="11">${escape(s.name)}</text>`);
  });
  return out.join('\n');
}

/** Panels stacked over one time axis, as one SVG document. */
export function chart(title: string, xLabel: string, xMax: number, panels: Panel[]): string {
  const height = 30 + panels.length * PANEL_HEIGHT;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${WIDTH / 2}" y="20" font-size="15" font-weight="bold" text-anchor="middle">${escape(title)}</text>`,
    ...panels.map((p, i) => panel(p, 30 + i * PANEL_HEIGHT, xMax, xLabel)),
    '</svg>',
    '',
  ].join('\n');
}
