/**
 * A transaction's attempts in its detail: one row per run of the handler, oldest first, with what
 * the receiver answered (status code and the start of its answer), how long it took and how it
 * ended. Every value is set as text.
 */
import { api } from './api-client.js';
import { el, timeElement } from './dom.js';

/** One attempt of `GET /v1/transactions/{id}/attempts`. */
export interface AttemptView {
  attempt: number;
  started_at: string;
  finished_at: string | null;
  duration_ms: number | null;
  outcome: 'succeeded' | 'retrying' | 'failed' | 'interrupted' | null;
  error: string | null;
  http_status: number | null;
  response_excerpt: string | null;
}

/** A duration in milliseconds as people read it. */
function formatDuration(ms: number | null): string {
  if (ms === null) return '–';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

function row(a: AttemptView): HTMLTableRowElement {
  const outcome = a.outcome ?? 'running';
  return el(
    'tr',
    { attrs: { 'data-attempt': String(a.attempt) } },
    el('td', { text: String(a.attempt), className: 'num' }),
    el('td', {}, timeElement(a.started_at)),
    el('td', {}, el('span', { text: outcome, className: `outcome outcome-${outcome}` })),
    el('td', { text: a.http_status === null ? '–' : String(a.http_status), className: 'num http-status' }),
    el('td', { text: formatDuration(a.duration_ms), className: 'num' }),
    el('td', { text: a.error ?? '', className: 'error-text' }),
    el('td', {}, el('pre', { text: a.response_excerpt ?? '', className: 'excerpt' })),
  );
}

/** Reads the attempts of `transactionId` and fills `table`'s body (or says there are none). */
export async function showAttempts(table: HTMLTableElement, transactionId: string): Promise<void> {
  const { items } = await api<{ items: AttemptView[] }>(
    'GET',
    `/v1/transactions/${encodeURIComponent(transactionId)}/attempts`,
  );
  const body = table.tBodies[0]!;
  if (items.length === 0) {
    body.replaceChildren(el('tr', {}, el('td', { text: 'No attempt yet.', attrs: { colspan: '7' } })));
    return;
  }
  body.replaceChildren(...items.map(row));
}
