import { writeFileSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';

export interface Series {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
}

export interface Chart {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  /** Draw the points as well as the lines (few points: load steps). */
  readonly markers?: boolean;
}

const COLORS = ['#1f77b4', '#ff7f0e', '#d62728', '#2ca02c', '#9467bd', '#8c564b'];
const W = 800;
const H = 450;
const M = { left: 70, right: 160, top: 40, bottom: 50 };

/** A rounded axis end and tick step for [0, max]. */
function axis(max: number): { end: number; step: number } {
  const raw = max > 0 && Number.isFinite(max) ? max : 1;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * magnitude).find((s) => raw / s <= 6) ?? 10 * magnitude;
  return { end: Math.ceil(raw / step) * step, step };
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
const fmt = (x: number) => (Math.abs(x) >= 1000 ? x.toLocaleString('en') : String(Math.round(x * 100) / 100));

/** A line chart as SVG: axes from zero, a legend on the right. */
export function svg(chart: Chart): string {
  const points = chart.series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const xs = axis(Math.max(...points.map(([x]) => x), 0));
  const ys = axis(Math.max(...points.map(([, y]) => y), 0));
  const px = (x: number) => M.left + (x / xs.end) * (W - M.left - M.right);
  const py = (y: number) => H - M.bottom - (y / ys.end) * (H - M.top - M.bottom);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="DejaVu Sans, sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
  ];
  out.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${esc(chart.title)}</text>`);
  for (let y = 0; y <= ys.end + 1e-9; y += ys.step) {
    out.push(
      `<line x1="${M.left}" x2="${W - M.right}" y1="${py(y)}" y2="${py(y)}" stroke="#ddd"/>`,
      `<text x="${M.left - 6}" y="${py(y) + 4}" text-anchor="end">${fmt(y)}</text>`,
    );
  }
  for (let x = 0; x <= xs.end + 1e-9; x += xs.step) out.push(`<text x="${px(x)}" y="${H - M.bottom + 18}" text-anchor="middle">${fmt(x)}</text>`);
  out.push(
    `<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${H - M.bottom}" stroke="black"/>`,
    `<line x1="${M.left}" x2="${W - M.right}" y1="${H - M.bottom}" y2="${H - M.bottom}" stroke="black"/>`,
  );
  out.push(`<text x="${(M.left + W - M.right) / 2}" y="${H - 12}" text-anchor="middle">${esc(chart.xLabel)}</text>`);
  out.push(`<text transform="translate(18 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(chart.yLabel)}</text>`);
  chart.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length] ?? 'black';
    const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    if (pts.length > 0)
      out.push(
        `<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ')}"/>`,
      );
    if (chart.markers === true) for (const [x, y] of pts) out.push(`<circle cx="${px(x)}" cy="${py(y)}" r="3.5" fill="${color}"/>`);
    const ly = M.top + 10 + i * 20;
    out.push(
      `<line x1="${W - M.right + 15}" x2="${W - M.right + 35}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="3"/>`,
      `<text x="${W - M.right + 40}" y="${ly + 4}">${esc(s.name)}</text>`,
    );
  });
  out.push('</svg>');
  return out.join('\n');
}

/** Renders the chart to a PNG file (text uses the system's fonts). */
export function writePng(path: string, chart: Chart): void {
  const png = new Resvg(svg(chart), { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } }).render().asPng();
  writeFileSync(path, png);
}
