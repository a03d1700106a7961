/** What the dashboard reads from the API (the shapes of the API's JSON answers). */
export interface TransactionView {
  transaction_id: string;
  source_account: string | null;
  destination_account: string | null;
  amount: number | null;
  currency: string | null;
  provider: string | null;
  event_type: string | null;
  payment_id: string | null;
  payment_status: string | null;
  status: string;
  created_at: string;
  processed_at: string | null;
  attempts: number;
  last_error: string | null;
  delivery_id: string | null;
  received_via: 'webhook' | 'reconciliation';
}

export interface TransactionPage {
  items: TransactionView[];
  next_cursor: string | null;
}

export interface StatsView {
  by_status: Record<string, number>;
  total: number;
  oldest_received_at: string | null;
  oldest_received_age_seconds: number | null;
  failed_last_hour: number;
  by_provider: Record<string, Record<string, number>>;
  as_of: string;
}

/** `GET /v1/reconciliation`. */
export interface ReconciliationView {
  runs: {
    provider: string;
    started_at: string;
    finished_at: string;
    checked: number;
    recovered: number;
    mismatches: number;
    error: string | null;
  }[];
  mismatches: {
    provider: string;
    payment_id: string;
    provider_status: string | null;
    derived_status: string | null;
    amount: number;
    currency: string | null;
    created_at: string;
  }[];
}

/** The dashboard's own settings, served beside it without a key. */
export interface DashboardConfig {
  api_key_required: boolean;
  refresh_seconds: number;
  /** The registered providers, for the provider filter. */
  providers: string[];
}

/** An answer other than 2xx, with the API's `detail` turned into one readable line. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const KEY_STORAGE = 'webhook-gateway-api-key';

/** The API key for this tab: session storage only, never a cookie, so no request carries it by itself. */
export const apiKey = {
  get: (): string | null => sessionStorage.getItem(KEY_STORAGE),
  set: (key: string) => sessionStorage.setItem(KEY_STORAGE, key),
  clear: () => sessionStorage.removeItem(KEY_STORAGE),
};

/** The `detail` of an error answer as one line: the message, or each field error as `field: message`. */
function describe(body: unknown, status: number): string {
  const detail = (body as { detail?: unknown } | null)?.detail;
  if (typeof detail === 'string') return detail;
  if (Array.isArray(detail)) {
    return detail
      .map((d: { loc?: unknown[]; msg?: string }) => `${(d.loc ?? []).slice(1).join('.')}: ${d.msg ?? ''}`)
      .join('; ');
  }
  return `HTTP ${status}`;
}

/** Calls the API on this origin with the tab's key; resolves with the parsed JSON, or throws {@link ApiError}. */
export async function api<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const key = apiKey.get();
  if (key) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'omit',
    cache: 'no-store',
  });
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (!response.ok) throw new ApiError(response.status, describe(parsed, response.status));
  return parsed as T;
}

/** The raw payload as stored: text, shown as is; null once it was erased (410). */
export async function rawPayload(transactionId: string): Promise<string | null> {
  const key = apiKey.get();
  const response = await fetch(`/v1/transactions/${encodeURIComponent(transactionId)}/payload`, {
    headers: key ? { authorization: `Bearer ${key}` } : {},
    credentials: 'omit',
    cache: 'no-store',
  });
  if (response.status === 410) return null;
  if (!response.ok) throw new ApiError(response.status, `HTTP ${response.status}`);
  return response.text();
}
