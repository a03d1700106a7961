/**
 * The operations dashboard: counts and the last hour's chart that refresh on their own, the
 * filterable, paged list, a transaction's detail with its attempts and raw payload, retries (one,
 * or every FAILED match of the filter after a confirmation that shows the count) and replays (the
 * same, for PROCESSED and FAILED). Plain DOM, no framework; it talks only to this origin's API,
 * with the tab's API key when the gateway requires one.
 */
import {
  ApiError,
  api,
  apiKey,
  type DashboardConfig,
  rawPayload,
  type StatsView,
  type TransactionPage,
  type TransactionView,
} from './api-client.js';
import { showAttempts } from './attempts-table.js';
import { byId, el, formatAge, timeElement } from './dom.js';
import { refreshReconciliation } from './reconciliation-panel.js';
import { REPLAYABLE, type ReplayContext, replayMatching, replayOne } from './replay-actions.js';
import { refreshTimeline } from './timeline-chart.js';

const STATUSES = ['RECEIVED', 'PROCESSING', 'PROCESSED', 'FAILED'] as const;

/** What the list shows now: the filter, and the cursors of the pages visited (null: the first). */
const view = {
  filter: {} as Record<string, string>,
  limit: '50',
  cursors: [null] as (string | null)[],
  page: 0,
  nextCursor: null as string | null,
  /** The transaction open in the detail panel, and the control to return focus to when it closes. */
  detailId: null as string | null,
  detailOpener: null as HTMLElement | null,
};

let refreshTimer: ReturnType<typeof setInterval> | undefined;

/** Runs an event handler, showing a failure in `target` instead of leaving an unhandled rejection. */
function guarded(target: HTMLElement, work: () => Promise<void>): () => void {
  return () => {
    work().catch((error: unknown) => {
      if (error instanceof ApiError && error.status === 401) return askForKey('The API key was refused.');
      target.textContent = error instanceof Error ? error.message : String(error);
    });
  };
}

function askForKey(message = ''): void {
  apiKey.clear();
  if (refreshTimer !== undefined) clearInterval(refreshTimer);
  byId('app').hidden = true;
  byId('key-section').hidden = false;
  byId('key-error').textContent = message;
  byId('connection').textContent = '';
  byId<HTMLInputElement>('api-key').focus();
}

/** The reconciliation panel's one action: list a payment's events. */
const reconciliationActions = {
  showPayment(paymentId: string): void {
    const form = byId<HTMLFormElement>('filter-form');
    form.reset();
    byId<HTMLInputElement>('f-payment-id').value = paymentId;
    form.requestSubmit();
    byId('transactions-heading').focus();
  },
};

async function enter(config: DashboardConfig): Promise<void> {
  await refreshStats();
  await refreshReconciliation(reconciliationActions);
  byId('key-section').hidden = true;
  byId('app').hidden = false;
  const connection = byId('connection');
  connection.replaceChildren(
    document.createTextNode(
      config.api_key_required ? 'Signed in with an API key (this tab only). ' : 'No API key required. ',
    ),
  );
  if (config.api_key_required) {
    const forget = el('button', { text: 'Forget key', attrs: { type: 'button' } });
    forget.addEventListener('click', () => askForKey());
    connection.append(forget);
  }
  await loadList();
  refreshTimer = setInterval(
    guarded(byId('list-error'), async () => {
      await refreshStats();
      await refreshReconciliation(reconciliationActions);
      if (view.detailId) await showDetail(view.detailId, false);
    }),
    config.refresh_seconds * 1000,
  );
}

async function refreshStats(): Promise<void> {
  const [stats] = await Promise.all([api<StatsView>('GET', '/v1/stats'), refreshTimeline(byId('timeline'))]);
  byId('status-counts').replaceChildren(
    ...STATUSES.map((status) =>
      el(
        'li',
        {},
        el('span', { text: status, className: `status status-${status}` }),
        el('span', { text: (stats.by_status[status] ?? 0).toLocaleString(), className: 'n' }),
      ),
    ),
  );
  const watch = (label: string, value: string) =>
    el('div', {}, el('dt', { text: label }), el('dd', { text: value }));
  byId('watch').replaceChildren(
    watch('Total', stats.total.toLocaleString()),
    watch(
      'Oldest RECEIVED',
      stats.oldest_received_age_seconds === null
        ? 'none'
        : `${formatAge(stats.oldest_received_age_seconds)} old`,
    ),
    watch('Failed in the last hour', stats.failed_last_hour.toLocaleString()),
  );
  byId('provider-counts')
    .querySelector('tbody')!
    .replaceChildren(
      ...Object.entries(stats.by_provider).map(([provider, counts]) =>
        el(
          'tr',
          {},
          el('th', { text: provider, attrs: { scope: 'row' } }),
          ...['RECEIVED', 'PROCESSING', 'FAILED'].map((s) =>
            el('td', { text: (counts[s] ?? 0).toLocaleString(), className: 'num' }),
          ),
        ),
      ),
    );
  const time = byId('stats-time');
  time.textContent = new Date(stats.as_of).toLocaleTimeString();
  time.setAttribute('datetime', stats.as_of);
}

/** The filter as the form states it, in the API's names; local times become UTC instants. */
function filterFromForm(form: HTMLFormElement): Record<string, string> {
  const filter: Record<string, string> = {};
  for (const [name, value] of new FormData(form)) {
    const text = String(value).trim();
    if (name === 'limit' || text === '') continue;
    if (name === 'created_after' || name === 'created_before') {
      const at = new Date(text);
      if (Number.isNaN(at.getTime())) throw new Error(`${name.replace('_', ' ')}: not a valid date and time`);
      filter[name] = at.toISOString();
    } else {
      filter[name] = text;
    }
  }
  return filter;
}

function describeFilter(filter: Record<string, string>): string {
  const parts = Object.entries(filter).map(([k, v]) => `${k.replace('_', ' ')} ${v}`);
  return parts.length === 0 ? 'all transactions' : parts.join(', ');
}

async function loadList(): Promise<void> {
  const query = new URLSearchParams({ ...view.filter, limit: view.limit });
  const cursor = view.cursors[view.page];
  if (cursor) query.set('cursor', cursor);
  const page = await api<TransactionPage>('GET', `/v1/transactions?${query}`);
  byId('list-error').textContent = '';
  view.nextCursor = page.next_cursor;
  byId('transactions')
    .querySelector('tbody')!
    .replaceChildren(...page.items.map(row));
  byId('transactions-caption').textContent =
    `Page ${view.page + 1}, newest first: ${describeFilter(view.filter)}` +
    (page.items.length === 0 ? '. None match.' : '');
  byId<HTMLButtonElement>('next-page').disabled = page.next_cursor === null;
  byId<HTMLButtonElement>('previous-page').disabled = view.page === 0;
  byId<HTMLButtonElement>('first-page').disabled = view.page === 0;
  const status = view.filter.status;
  const retryMatching = byId<HTMLButtonElement>('retry-matching');
  retryMatching.disabled = status !== undefined && status !== 'FAILED';
  retryMatching.title = retryMatching.disabled ? 'Only FAILED transactions can be retried' : '';
  const replayMatchingButton = byId<HTMLButtonElement>('replay-matching');
  replayMatchingButton.disabled = status !== undefined && !REPLAYABLE.includes(status);
  replayMatchingButton.title = replayMatchingButton.disabled
    ? 'Only PROCESSED or FAILED transactions can be replayed'
    : '';
}

function row(t: TransactionView): HTMLTableRowElement {
  const open = el('button', { text: t.transaction_id, className: 'link', attrs: { type: 'button' } });
  open.addEventListener(
    'click',
    guarded(byId('list-error'), async () => {
      view.detailOpener = open;
      await showDetail(t.transaction_id, true);
    }),
  );
  return el(
    'tr',
    {},
    el('td', {}, timeElement(t.created_at)),
    el('td', {}, el('span', { text: t.status, className: `status status-${t.status}` })),
    el('td', { text: t.provider ?? '–' }),
    el('td', { text: t.event_type ?? '–' }),
    el('td', { text: t.received_via }),
    el('td', {}, open),
    el('td', { text: String(t.attempts), className: 'num' }),
    el('td', { text: t.last_error ?? '', className: 'error-text' }),
  );
}

async function showDetail(transactionId: string, focus: boolean): Promise<void> {
  const path = `/v1/transactions/${encodeURIComponent(transactionId)}`;
  const [t, payload] = await Promise.all([
    api<TransactionView>('GET', path),
    rawPayload(transactionId),
    showAttempts(byId<HTMLTableElement>('attempts'), transactionId),
  ]);
  view.detailId = transactionId;
  const field = (label: string, value: Node | string | null) => [
    el('dt', { text: label }),
    el('dd', {}, typeof value === 'string' || value === null ? document.createTextNode(value ?? '–') : value),
  ];
  // A provider states amounts in the currency's minor unit (paise, cents), the original contract in
  // its own decimal: say which, rather than show 100 paise as "100 INR".
  const amount =
    t.amount === null
      ? null
      : `${t.amount}${t.currency ? ` ${t.currency}` : ''}${t.provider ? ' (minor unit)' : ''}`;
  byId('detail-fields').replaceChildren(
    ...field('Transaction', t.transaction_id),
    ...field('Status', el('span', { text: t.status, className: `status status-${t.status}` })),
    ...field('Provider', t.provider),
    ...field('Event type', t.event_type),
    ...field('Payment', t.payment_id),
    ...field('Payment status', t.payment_status),
    ...field('Amount', amount),
    ...field(
      'From / to',
      t.source_account || t.destination_account
        ? `${t.source_account ?? '–'} → ${t.destination_account ?? '–'}`
        : null,
    ),
    ...field('Delivery id', t.delivery_id),
    ...field('Received via', t.received_via),
    ...field('Attempts', String(t.attempts)),
    ...field('Created', timeElement(t.created_at)),
    ...field('Processed', timeElement(t.processed_at)),
    ...field('Last error', t.last_error),
  );
  const shown = byId('detail-payload');
  shown.textContent =
    payload ??
    'Erased: this transaction is finished and its payload was erased (PAYLOAD_RETENTION_DAYS, or on request). Its fields above are kept.';
  shown.classList.toggle('erased', payload === null);
  byId('detail-heading').textContent = `Transaction ${t.transaction_id}`;
  const retry = byId<HTMLButtonElement>('retry-one');
  retry.disabled = t.status !== 'FAILED';
  retry.title = retry.disabled ? `Only FAILED transactions can be retried; this one is ${t.status}` : '';
  const replay = byId<HTMLButtonElement>('replay-one');
  replay.disabled = !REPLAYABLE.includes(t.status);
  replay.title = replay.disabled
    ? `Only PROCESSED or FAILED transactions can be replayed; this one is ${t.status}`
    : '';
  const section = byId('detail');
  section.hidden = false;
  if (focus) {
    byId('detail-status').textContent = '';
    byId('detail-heading').focus();
  }
}

function closeDetail(): void {
  view.detailId = null;
  byId('detail').hidden = true;
  view.detailOpener?.focus();
}

/** Asks the operator to confirm `text` in the modal dialog; resolves true on confirm. */
function confirmDialog(heading: string, text: string, confirmLabel: string): Promise<boolean> {
  const dialog = byId<HTMLDialogElement>('confirm-dialog');
  byId('confirm-heading').textContent = heading;
  byId('confirm-text').textContent = text;
  byId('confirm-button').textContent = confirmLabel;
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'confirm'), { once: true });
    dialog.returnValue = '';
    dialog.showModal();
  });
}

async function retryMatching(): Promise<void> {
  const status = byId('action-status');
  const body = { ...view.filter, status: 'FAILED' };
  const { matched } = await api<{ matched: number }>('POST', '/v1/transactions/retry', {
    ...body,
    dry_run: true,
  });
  if (matched === 0) {
    status.textContent = 'No FAILED transaction matches this filter.';
    return;
  }
  const plural = matched === 1 ? 'transaction' : 'transactions';
  const confirmed = await confirmDialog(
    'Retry FAILED transactions',
    `Retry ${matched.toLocaleString()} FAILED ${plural} matching ${describeFilter(body)}? ` +
      'Each goes back to RECEIVED with its attempts reset.',
    'Retry',
  );
  if (!confirmed) {
    status.textContent = 'Retry cancelled.';
    return;
  }
  const { requeued } = await api<{ requeued: number }>('POST', '/v1/transactions/retry', body);
  status.textContent = `Requeued ${requeued.toLocaleString()} ${requeued === 1 ? 'transaction' : 'transactions'}.`;
  await Promise.all([refreshStats(), loadList()]);
}

async function retryOne(): Promise<void> {
  const id = view.detailId;
  if (!id) return;
  const answer = await api<{ status: string }>('POST', `/v1/transactions/${encodeURIComponent(id)}/retry`);
  byId('detail-status').textContent = `Requeued: now ${answer.status}.`;
  await Promise.all([showDetail(id, false), refreshStats(), loadList()]);
}

function wire(config: DashboardConfig): void {
  byId('refresh-seconds').textContent = String(config.refresh_seconds);
  // The provider filter offers the providers the gateway has registered.
  byId<HTMLSelectElement>('f-provider').append(...config.providers.map((p) => el('option', { text: p })));
  byId<HTMLFormElement>('key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = byId<HTMLInputElement>('api-key');
    const key = input.value.trim();
    if (key === '') {
      byId('key-error').textContent = 'Enter an API key.';
      input.focus();
      return;
    }
    apiKey.set(key);
    input.value = '';
    guarded(byId('key-error'), () => enter(config))();
  });
  const filterForm = byId<HTMLFormElement>('filter-form');
  const listError = byId('list-error');
  filterForm.addEventListener('submit', (event) => {
    event.preventDefault();
    guarded(listError, async () => {
      view.filter = filterFromForm(filterForm);
      view.limit = byId<HTMLSelectElement>('f-limit').value;
      view.cursors = [null];
      view.page = 0;
      await loadList();
    })();
  });
  byId('reset-filters').addEventListener('click', () => {
    filterForm.reset();
    filterForm.requestSubmit();
  });
  byId('refresh-list').addEventListener('click', guarded(listError, loadList));
  byId('next-page').addEventListener(
    'click',
    guarded(listError, async () => {
      if (!view.nextCursor) return;
      view.cursors[view.page + 1] = view.nextCursor;
      view.page += 1;
      await loadList();
    }),
  );
  byId('previous-page').addEventListener(
    'click',
    guarded(listError, async () => {
      view.page = Math.max(0, view.page - 1);
      await loadList();
    }),
  );
  byId('first-page').addEventListener(
    'click',
    guarded(listError, async () => {
      view.page = 0;
      await loadList();
    }),
  );
  byId('retry-matching').addEventListener('click', guarded(byId('action-status'), retryMatching));
  byId('retry-one').addEventListener('click', guarded(byId('detail-status'), retryOne));
  const replayContext = (status: HTMLElement): ReplayContext => ({
    confirm: confirmDialog,
    status,
    refresh: async () => {
      await Promise.all([
        refreshStats(),
        loadList(),
        view.detailId ? showDetail(view.detailId, false) : Promise.resolve(),
      ]);
    },
  });
  byId('replay-one').addEventListener(
    'click',
    guarded(byId('detail-status'), async () => {
      if (view.detailId) await replayOne(view.detailId, replayContext(byId('detail-status')));
    }),
  );
  byId('replay-matching').addEventListener(
    'click',
    guarded(byId('action-status'), () =>
      replayMatching(view.filter, describeFilter(view.filter), replayContext(byId('action-status'))),
    ),
  );
  byId('close-detail').addEventListener('click', closeDetail);
  const dialog = byId<HTMLDialogElement>('confirm-dialog');
  byId('confirm-button').addEventListener('click', () => dialog.close('confirm'));
  byId('cancel-button').addEventListener('click', () => dialog.close('cancel'));
}

async function start(): Promise<void> {
  const config = await api<DashboardConfig>('GET', '/dashboard/config.json');
  wire(config);
  if (config.api_key_required && !apiKey.get()) return askForKey();
  await enter(config).catch((error: unknown) => {
    if (error instanceof ApiError && error.status === 401)
      return askForKey('The stored API key was refused.');
    throw error;
  });
}

start().catch((error: unknown) => {
  byId('connection').textContent =
    `The dashboard could not start: ${error instanceof Error ? error.message : String(error)}`;
});
