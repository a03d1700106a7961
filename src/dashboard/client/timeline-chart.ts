/**
 * The last hour at a glance: received, processed and failed per minute, drawn as an SVG line chart
 * by this module (no library, nothing inline: colours and strokes come from the stylesheet by class,
 * so the content security policy stays as strict). Each minute has a hover title with its counts,
 * and the chart's description states the totals for screen readers.
 */
import { api } from './api-client.js';

/** One minute of `GET /v1/stats/timeline`. */
export interface TimelineBucket {
  start: string;
  received: number;
  processed: number;
  failed: number;
}

/** `GET /v1/stats/timeline`. */
export interface TimelineView {
  bucket_seconds: number;
  buckets: TimelineBucket[];
}

/** The minutes the dashboard shows. */
export const TIMELINE_MINUTES = 60;

const SERIES = ['received', 'processed', 'failed'] as const;
const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 720;
const HEIGHT = 180;
const PAD = { left: 44, right: 10, top: 10, bottom: 24 };

function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number> = {},
  text?: string,
): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

/** The smallest of 1, 2, 5 × 10^k at or above `n` (at least 1), so the axis reads in round numbers. */
function niceCeiling(n: number): number {
  if (n <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(n));
  for (const step of [1, 2, 5, 10]) if (step * power >= n) return step * power;
  return 10 * power;
}

const clock = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

/** Draws `timeline` into `container`, replacing what was there. */
export function drawTimeline(container: HTMLElement, timeline: TimelineView): void {
  const { buckets } = timeline;
  const n = Math.max(buckets.length, 1);
  const top = niceCeiling(Math.max(0, ...buckets.flatMap((b) => SERIES.map((s) => b[s]))));
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const step = plotW / n;
  const x = (i: number) => PAD.left + (i + 0.5) * step;
  const y = (v: number) => PAD.top + plotH - (v / top) * plotH;
  const totals = Object.fromEntries(
    SERIES.map((s) => [s, buckets.reduce((sum, b) => sum + b[s], 0)]),
  ) as Record<(typeof SERIES)[number], number>;

  const chart = svg('svg', {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    role: 'img',
    'aria-labelledby': 'timeline-title timeline-desc',
    class: 'timeline-chart',
    'data-minutes': buckets.length,
  });
  chart.append(
    svg('title', { id: 'timeline-title' }, `Transactions per minute, last ${buckets.length} minutes`),
    svg(
      'desc',
      { id: 'timeline-desc' },
      `${totals.received} received, ${totals.processed} processed, ${totals.failed} failed` +
        (buckets.length > 0 ? ` between ${clock(buckets[0]!.start)} and now.` : '.'),
    ),
  );
  // Horizontal grid and the count axis: 0, half, top.
  for (const value of [0, top / 2, top]) {
    chart.append(
      svg('line', { class: 'grid', x1: PAD.left, x2: WIDTH - PAD.right, y1: y(value), y2: y(value) }),
      svg(
        'text',
        { class: 'axis', x: PAD.left - 6, y: y(value) + 4, 'text-anchor': 'end' },
        Number.isInteger(value) ? value.toLocaleString() : value.toFixed(1),
      ),
    );
  }
  // Time axis: the first minute, the middle one, and the current one.
  for (const i of [...new Set([0, Math.floor((buckets.length - 1) / 2), buckets.length - 1])]) {
    const bucket = buckets[i];
    if (!bucket) continue;
    const anchor = i === 0 ? 'start' : i === buckets.length - 1 ? 'end' : 'middle';
    chart.append(
      svg('text', { class: 'axis', x: x(i), y: HEIGHT - 6, 'text-anchor': anchor }, clock(bucket.start)),
    );
  }
  for (const series of SERIES) {
    chart.append(
      svg('polyline', {
        class: `series series-${series}`,
        'data-series': series,
        'data-total': totals[series],
        points: buckets.map((b, i) => `${x(i).toFixed(1)},${y(b[series]).toFixed(1)}`).join(' '),
      }),
    );
  }
  // One transparent column per minute, whose title shows that minute's counts on hover.
  buckets.forEach((b, i) => {
    const column = svg('rect', {
      class: 'minute',
      x: x(i) - step / 2,
      y: PAD.top,
      width: step,
      height: plotH,
    });
    column.append(
      svg(
        'title',
        {},
        `${clock(b.start)}: ${b.received} received, ${b.processed} processed, ${b.failed} failed`,
      ),
    );
    chart.append(column);
  });
  container.replaceChildren(chart);
}

/** Reads the last {@link TIMELINE_MINUTES} minutes and draws them into `container`. */
export async function refreshTimeline(container: HTMLElement): Promise<void> {
  drawTimeline(container, await api<TimelineView>('GET', `/v1/stats/timeline?minutes=${TIMELINE_MINUTES}`));
}
