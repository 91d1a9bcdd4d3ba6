/**
 * A small stacked bar chart of payments per day by status, as inline SVG (no script, CSP-friendly).
 */
import { escapeHtml } from '../../../checkout/index.js';

export const STATUS_COLORS: Record<string, string> = {
  succeeded: '#1a7f4b',
  pending: '#8792a2',
  processing: '#3b6fd8',
  failed: '#c62828',
  expired: '#d18b00',
  canceled: '#e0a23b',
};

const ORDER = ['succeeded', 'processing', 'pending', 'failed', 'expired', 'canceled'];

/** UTC days from `since` through `until`, as YYYY-MM-DD. */
export function daysBetween(since: Date, until: Date): string[] {
  const days: string[] = [];
  const d = new Date(Date.UTC(since.getUTCFullYear(), since.getUTCMonth(), since.getUTCDate()));
  while (d.getTime() <= until.getTime()) {
    days.push(d.toISOString().slice(0, 10));
    d.setUTCDate(d.getUTCDate() + 1);
  }
  return days;
}

/**
 * @example
 * statusChart(['2026-01-01'], [{ day: '2026-01-01', status: 'succeeded', count: 3 }]);
 */
export function statusChart(
  days: string[],
  rows: Array<{ day: string; status: string; count: number }>,
  /** The page's words: each status's name and the chart's label (default: the API's words). */
  words: { label?: string; status?: (status: string) => string } = {},
): string {
  const name = words.status ?? ((s: string) => s);
  const width = 640;
  const height = 160;
  const pad = 24;
  const perDay = new Map<string, Map<string, number>>();
  for (const r of rows) {
    const m = perDay.get(r.day) ?? new Map<string, number>();
    m.set(r.status, (m.get(r.status) ?? 0) + r.count);
    perDay.set(r.day, m);
  }
  const totals = days.map((day) => [...(perDay.get(day)?.values() ?? [])].reduce((a, b) => a + b, 0));
  const max = Math.max(1, ...totals);
  const slot = (width - pad) / Math.max(1, days.length);
  const bar = Math.max(4, slot * 0.7);
  const bars: string[] = [];
  days.forEach((day, i) => {
    let y = height - pad;
    const x = pad + i * slot + (slot - bar) / 2;
    for (const status of ORDER) {
      const n = perDay.get(day)?.get(status) ?? 0;
      if (n === 0) continue;
      const h = ((height - 2 * pad) * n) / max;
      y -= h;
      bars.push(
        `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${bar.toFixed(1)}" height="${h.toFixed(1)}" fill="${STATUS_COLORS[status] ?? '#999'}"><title>${escapeHtml(`${day} · ${name(status)}: ${n}`)}</title></rect>`,
      );
    }
    if (i === 0 || i === days.length - 1 || days.length <= 8) {
      bars.push(
        `<text x="${(x + bar / 2).toFixed(1)}" y="${height - 6}" font-size="10" text-anchor="middle" fill="#697386">${day.slice(5)}</text>`,
      );
    }
  });
  const legend = ORDER.map(
    (s, i) =>
      `<rect x="${pad + i * 100}" y="2" width="10" height="10" fill="${STATUS_COLORS[s]}"/><text x="${pad + i * 100 + 14}" y="11" font-size="11" fill="#3c4257">${escapeHtml(name(s))}</text>`,
  ).join('');
  return (
    `<svg class="dash-chart" data-testid="status-chart" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(words.label ?? 'Payments per day and status')}">` +
    `<text x="${pad - 4}" y="${pad + 4}" font-size="10" text-anchor="end" fill="#697386">${max}</text>` +
    `<line x1="${pad}" y1="${height - pad}" x2="${width}" y2="${height - pad}" stroke="#c1c9d2"/>` +
    legend +
    bars.join('') +
    `</svg>`
  );
}
