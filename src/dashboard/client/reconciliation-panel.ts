/**
 * The reconciliation panel: each provider's latest run (when, what it checked and recovered, its
 * error) and the payments whose state at the provider differs from the service's, largest amount
 * first. Reads `GET /v1/reconciliation`; every value is set as text.
 */
import { api, type ReconciliationView } from './api-client.js';
import { byId, el, timeElement } from './dom.js';

/** What the panel may ask of the page: show one payment's events in the list. */
export interface ReconciliationPanelActions {
  showPayment(paymentId: string): void;
}

const NAMES: Record<string, string> = { stripe: 'Stripe', razorpay: 'Razorpay' };
const providerName = (provider: string) => NAMES[provider] ?? provider;

/** Loads the reconciliation figures and renders them. */
export async function refreshReconciliation(actions: ReconciliationPanelActions): Promise<void> {
  const view = await api<ReconciliationView>('GET', '/v1/reconciliation');
  byId('reconciliation-empty').hidden = view.runs.length > 0;
  byId('reconcile-runs').hidden = view.runs.length === 0;
  byId('reconcile-runs')
    .querySelector('tbody')!
    .replaceChildren(
      ...view.runs.map((run) =>
        el(
          'tr',
          {},
          el('th', { text: providerName(run.provider), attrs: { scope: 'row' } }),
          el('td', {}, timeElement(run.finished_at)),
          el('td', {
            text: run.error === null ? 'completed' : 'failed',
            className: run.error === null ? 'status status-PROCESSED' : 'status status-FAILED',
          }),
          el('td', { text: run.checked.toLocaleString(), className: 'num' }),
          el('td', { text: run.recovered.toLocaleString(), className: 'num' }),
          el('td', { text: run.mismatches.toLocaleString(), className: 'num' }),
          el('td', { text: run.error ?? '', className: 'error-text' }),
        ),
      ),
    );
  const mismatches = byId('mismatches');
  mismatches.hidden = view.mismatches.length === 0;
  byId('mismatches-caption').textContent =
    `${view.mismatches.length.toLocaleString()} ${view.mismatches.length === 1 ? 'payment' : 'payments'} ` +
    "whose state at the provider differs from the events received here, as each provider's last complete run found them, largest amount first";
  mismatches.querySelector('tbody')!.replaceChildren(
    ...view.mismatches.map((m) => {
      const open = el('button', { text: m.payment_id, className: 'link', attrs: { type: 'button' } });
      open.title = "List this payment's events";
      open.addEventListener('click', () => actions.showPayment(m.payment_id));
      return el(
        'tr',
        {},
        el('td', { text: providerName(m.provider) }),
        el('td', {}, open),
        el('td', { text: m.provider_status ?? '–' }),
        el('td', { text: m.derived_status ?? 'no event received' }),
        el('td', {
          text: `${m.amount.toLocaleString()}${m.currency ? ` ${m.currency}` : ''}`,
          className: 'num',
          attrs: { title: "In the currency's minor unit" },
        }),
        el('td', {}, timeElement(m.created_at)),
      );
    }),
  );
}
