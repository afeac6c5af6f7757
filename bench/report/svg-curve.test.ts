import { describe, expect, it } from 'vitest';
import { escapeXml, niceCeiling, renderCapacitySvg, ticks } from './svg-curve.ts';

describe('renderCapacitySvg', () => {
  const svg = renderCapacitySvg([
    {
      title: 'Audio & video',
      xLabel: 'consumers',
      leftLabel: 'packets/s',
      rightLabel: 'CPU %',
      series: [
        {
          name: 'skjerm pkt/s',
          color: '#00f',
          axis: 'left',
          points: [
            { x: 100, y: 5000 },
            { x: 50, y: 2500 },
          ],
        },
        {
          name: 'worker CPU',
          color: '#f00',
          axis: 'right',
          dashed: true,
          points: [
            { x: 50, y: 10 },
            { x: 100, y: 20 },
          ],
        },
      ],
      marker: { x: 100, label: 'holds 100' },
    },
  ]);

  it('is one SVG document with a line per series and the marker', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    expect(svg).toContain('stroke-dasharray="6 4"');
    expect(svg).toContain('holds 100');
  });

  it('draws points in x order whatever order they came in', () => {
    const line = /<polyline points="([^"]+)"/.exec(svg)?.[1]?.split(' ') ?? [];
    const xs = line.map((xy) => Number(xy.split(',')[0]));
    expect(xs).toEqual([...xs].sort((a, b) => a - b));
  });

  it('escapes text', () => {
    expect(svg).toContain('Audio &amp; video');
    expect(escapeXml('<a "b">')).toBe('&lt;a &quot;b&quot;&gt;');
  });

  it('survives a panel without data', () => {
    const empty = renderCapacitySvg([
      { title: 't', xLabel: 'x', leftLabel: 'l', rightLabel: 'r', series: [] },
    ]);
    expect(empty).not.toContain('NaN');
  });
});

describe('axis scaling', () => {
  it('rounds up to a readable axis end', () => {
    expect(niceCeiling(0.3)).toBe(0.3);
    expect(niceCeiling(7)).toBe(8);
    expect(niceCeiling(1104)).toBe(1500);
    expect(niceCeiling(48_000)).toBe(50_000);
    expect(niceCeiling(0)).toBe(1);
    expect(ticks(50)).toEqual([0, 10, 20, 30, 40, 50]);
  });
});
