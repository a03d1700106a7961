/** A JSON answer from the service under test. */
export interface JsonResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

/** Sends a request to the service under test and parses the JSON answer (null when the body is not JSON). */
export async function request(
  base: string,
  method: string,
  path: string,
  { body, headers = {} }: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<JsonResponse> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
  }
  const response = await fetch(`${base}${path}`, init);
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

/** POSTs a webhook body to the transactions endpoint. */
export const postWebhook = (base: string, body: unknown, headers: Record<string, string> = {}) =>
  request(base, 'POST', '/v1/webhooks/transactions', { body, headers });

/** GETs a transaction's status. */
export const getTransaction = (base: string, id: string, headers: Record<string, string> = {}) =>
  request(base, 'GET', `/v1/transactions/${encodeURIComponent(id)}`, { headers });
