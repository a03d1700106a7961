import type { ProviderEvent } from '../domain/provider-event.js';
import type { ProviderSettings } from './provider-settings.js';
import type { WebhookProvider } from './webhook-provider.js';

/** The media types a provider's endpoint accepts; anything else answers 415. */
export type ProviderBodyType = 'application/json' | 'application/x-www-form-urlencoded';

/**
 * Everything the service needs to know about one payment provider, declared in the provider's own
 * folder (`src/providers/<name>/<name>-definition.ts`) and listed once in the registry
 * (`provider-registry.ts`). The endpoint `POST /v1/webhooks/<name>`, its settings and their
 * validation, the start log, the operators' provider filter, `/v1/stats`, the redaction of its
 * signature headers and the re-reading of its stored events all come from here, so adding a
 * provider is a folder and a line, with no schema migration: the `provider` column holds any
 * registered name.
 *
 * `S` is the adapter's settings; the registry holds definitions of every `S` (methods are checked
 * bivariantly, so a definition of `S` is a `ProviderDefinition`).
 */
export interface ProviderDefinition<S = unknown> {
  /** Lower-case letters and digits: the endpoint's last path segment and the records' `provider`. */
  readonly name: string;
  /** As the provider writes its own name, for answers and documentation. */
  readonly displayName: string;
  /** What its deliveries are posted as. */
  readonly bodyType: ProviderBodyType;
  /** Its environment variables and what enables it. */
  readonly settings: ProviderSettings<S>;
  /** Headers that carry its signatures or credentials, censored wherever a log line shows headers. */
  readonly secretHeaders: readonly string[];
  /** Its adapter, built from settings `read` returned (not null). */
  create(settings: S): WebhookProvider;
  /**
   * A stored event re-read from its payload (the body's text as received) and its transaction id,
   * by the same mapping that read it on arrival: needs no secret. Throws `EnvelopeError` or
   * `MalformedBodyError` when the payload no longer maps.
   */
  readStoredEvent(payload: string, eventId: string): ProviderEvent;
  /**
   * Whether an event of `eventType` is about a refund, whose amount is the refund's rather than the
   * payment's. Read when a stored event must stand on the record's own columns (its payload erased
   * by retention or on request): the amount of any other event is the payment's. Absent: no event
   * type of this provider is a refund's.
   */
  isRefundEvent?(eventType: string): boolean;
}

/** What a provider's name must be: it becomes a path segment and a stored value. */
export const PROVIDER_NAME = /^[a-z][a-z0-9]{1,31}$/;
