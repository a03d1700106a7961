/** Where deliveries go, split into what the connection pool, the request and the logs each need. */
export interface ForwardTarget {
  /** `protocol://host:port`: what the connection pool connects to. */
  origin: string;
  /** The path and query string of the request line. */
  path: string;
  /** `Basic …` built from the URL's user and password, when it has them. */
  authorization: string | undefined;
  /** The URL without its user and password, safe to log. */
  display: string;
  /** Credentials from the URL, in every form they could be echoed in, to redact from messages. */
  credentials: string[];
}

/**
 * Splits `FORWARD_URL` (already validated as http or https). Credentials in the URL
 * (`https://user:password@host/path`) become an `Authorization: Basic` header, as browsers and
 * curl treat them; they never reach the connection pool, so no network error can quote them.
 */
export function forwardTarget(url: string): ForwardTarget {
  const parsed = new URL(url);
  // As written in the URL (percent-encoded), and as sent.
  const rawUser = parsed.username;
  const rawPassword = parsed.password;
  const user = decodeURIComponent(rawUser);
  const password = decodeURIComponent(rawPassword);
  const hasCredentials = rawUser !== '' || rawPassword !== '';
  const token = hasCredentials ? Buffer.from(`${user}:${password}`).toString('base64') : undefined;
  parsed.username = '';
  parsed.password = '';
  parsed.hash = '';
  const credentials = hasCredentials
    ? [token!, `${user}:${password}`, `${rawUser}:${rawPassword}`, password, rawPassword]
    : [];
  return {
    origin: parsed.origin,
    path: `${parsed.pathname}${parsed.search}`,
    authorization: token === undefined ? undefined : `Basic ${token}`,
    display: parsed.toString(),
    // A one-character password protects nothing, and redacting it would garble every message.
    credentials: [...new Set(credentials)].filter((c) => c.length > 1),
  };
}

/** The shortest start of a secret taken for the secret when it ends a text cut short. */
const PARTIAL_SECRET_MIN = 6;

/**
 * `text` with every occurrence of each of `secrets` replaced by `[redacted]`, longest first, and a
 * start of a secret that ends the text replaced too: an answer is kept only up to a byte limit, and
 * a receiver echoing a secret just there would otherwise leave its first half in plain sight.
 */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  const ordered = [...secrets].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  for (const secret of ordered) out = out.replaceAll(secret, '[redacted]');
  for (const secret of ordered) {
    for (let k = Math.min(secret.length - 1, out.length); k >= PARTIAL_SECRET_MIN; k--) {
      if (out.endsWith(secret.slice(0, k))) {
        out = `${out.slice(0, out.length - k)}[redacted]`;
        break;
      }
    }
  }
  return out;
}
