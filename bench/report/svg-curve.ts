/**
 * Capacity curves as a self-contained SVG: one panel per ramp, consumers on the x axis,
 * forwarded packets/s on the left axis and CPU % on the right, one line per series, and the
 * largest consumer count that held marked. No dependencies; the numbers are the data.
 */

export interface Point {
  x: number;
  y: number;
}

export interface Series {
  name: string;
  color: string;
  axis: 'left' | 'right';
  dashed?: boolean;
  points: Point[];
}

export interface CapacityPanel {
  title: string;
  xLabel: string;
  leftLabel: string;
  rightLabel: string;
  series: Series[];
  /** A vertical marker, e.g. the largest consumer count that held. */
  marker?: { x: number; label: string } | undefined;
}

const WIDTH = 720;
const PANEL_HEIGHT = 320;
const MARGIN = { top: 40, right: 70, bottom: 50, left: 80 };

/** Renders the panels stacked vertically into one SVG document. */
export function renderCapacitySvg(panels: readonly CapacityPanel[]): string {
  const body = panels.map((panel, i) => renderPanel(panel, i * PANEL_HEIGHT)).join('\n');
  const height = Math.max(1, panels.length) * PANEL_HEIGHT;
  const title = panels.map((panel) => panel.title).join('; ') || 'Capacity curves';
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="title" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="11">`,
    `<title id="title">${escapeXml(title)}</title>`,
    `<rect width="${WIDTH}" height="${height}" fill="white"/>`,
    body,
    '</svg>',
    '',
  ].join('\n');
}

function renderPanel(panel: CapacityPanel, top: number): string {
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = PANEL_HEIGHT - MARGIN.top - MARGIN.bottom;
  const x0 = MARGIN.left;
  const y0 = top + MARGIN.top + plotHeight;
  const all = panel.series.flatMap((s) => s.points);
  const xMax = niceCeiling(Math.max(1, ...all.map((p) => p.x), panel.marker?.x ?? 0));
  const leftMax = niceCeiling(maxOf(panel.series, 'left'));
  const rightMax = niceCeiling(maxOf(panel.series, 'right'));
  const sx = (x: number) => x0 + (x / xMax) * plotWidth;
  const sy = (y: number, axis: 'left' | 'right') =>
    y0 - (y / (axis === 'left' ? leftMax : rightMax)) * plotHeight;

  const out: string[] = [
    `<text x="${x0}" y="${top + 22}" font-size="14" font-weight="bold">${escapeXml(panel.title)}</text>`,
    `<rect x="${x0}" y="${y0 - plotHeight}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#999"/>`,
  ];
  for (const tick of ticks(xMax)) {
    const x = sx(tick).toFixed(1);
    out.push(
      `<line x1="${x}" y1="${y0}" x2="${x}" y2="${y0 + 4}" stroke="#999"/>`,
      `<text x="${x}" y="${y0 + 16}" text-anchor="middle">${formatTick(tick)}</text>`,
    );
  }
  for (const [axis, max, at, anchor] of [
    ['left', leftMax, x0 - 6, 'end'],
    ['right', rightMax, x0 + plotWidth + 6, 'start'],
  ] as const) {
    for (const tick of ticks(max)) {
      const y = sy(tick, axis).toFixed(1);
      out.push(
        `<text x="${at}" y="${y}" dy="4" text-anchor="${anchor}">${formatTick(tick)}</text>`,
      );
      if (axis === 'left') {
        out.push(`<line x1="${x0}" y1="${y}" x2="${x0 + plotWidth}" y2="${y}" stroke="#eee"/>`);
      }
    }
  }
  const midY = y0 - plotHeight / 2;
  out.push(
    `<text x="${x0 + plotWidth / 2}" y="${y0 + 36}" text-anchor="middle">${escapeXml(panel.xLabel)}</text>`,
    `<text transform="translate(18 ${midY}) rotate(-90)" text-anchor="middle">${escapeXml(panel.leftLabel)}</text>`,
    `<text transform="translate(${WIDTH - 14} ${midY}) rotate(90)" text-anchor="middle">${escapeXml(panel.rightLabel)}</text>`,
  );
  if (panel.marker) {
    const x = sx(panel.marker.x).toFixed(1);
    out.push(
      `<line x1="${x}" y1="${y0}" x2="${x}" y2="${y0 - plotHeight}" stroke="#c00" stroke-dasharray="2 3"/>`,
      `<text x="${x}" y="${y0 - 6}" dx="4" fill="#c00">${escapeXml(panel.marker.label)}</text>`,
    );
  }
  panel.series.forEach((series, i) => {
    const points = [...series.points].sort((a, b) => a.x - b.x);
    const path = points.map((p) => `${sx(p.x).toFixed(1)},${sy(p.y, series.axis).toFixed(1)}`);
    const dash = series.dashed ? ' stroke-dasharray="6 4"' : '';
    if (path.length > 0) {
      out.push(
        `<polyline points="${path.join(' ')}" fill="none" stroke="${series.color}" stroke-width="2"${dash}/>`,
        ...path.map((xy) => {
          const [cx, cy] = xy.split(',');
          return `<circle cx="${cx}" cy="${cy}" r="2.5" fill="${series.color}"/>`;
        }),
      );
    }
    const ly = top + MARGIN.top + 6 + i * 14;
    const lx = x0 + 10;
    out.push(
      `<line x1="${lx}" y1="${ly}" x2="${lx + 22}" y2="${ly}" stroke="${series.color}" stroke-width="2"${dash}/>`,
      `<text x="${lx + 28}" y="${ly + 4}">${escapeXml(`${series.name} (${series.axis === 'left' ? 'left' : 'right'} axis)`)}</text>`,
    );
  });
  return `<g>\n${out.join('\n')}\n</g>`;
}

function maxOf(series: readonly Series[], axis: 'left' | 'right'): number {
  const values = series.filter((s) => s.axis === axis).flatMap((s) => s.points.map((p) => p.y));
  return Math.max(1, ...values.filter(Number.isFinite));
}

/** Round axis ends: a multiple of a power of ten that divides into five readable ticks. */
const NICE_STEPS = [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10];

/** The smallest nice axis end at or above `value`. */
export function niceCeiling(value: number): number {
  if (!(value > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  const step = NICE_STEPS.find((n) => n * magnitude >= value * (1 - 1e-9)) ?? 10;
  return Number((step * magnitude).toPrecision(12));
}

/** Six evenly spaced tick values from 0 to `max`. */
export function ticks(max: number): number[] {
  return Array.from({ length: 6 }, (_, i) => (i * max) / 5);
}

function formatTick(value: number): string {
  if (value >= 10_000) return `${Math.round(value / 1000)}k`;
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

export function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}
