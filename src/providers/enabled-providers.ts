import type { ProviderEvent } from '../domain/provider-event.js';
import type { TransactionRecord } from '../domain/transaction.js';
import { enabledProviders as enabledOf, PROVIDER_REGISTRY, storedEventReader } from './provider-registry.js';
import type { WebhookProvider } from './webhook-provider.js';

/** The registered providers whose settings are configured, by name: the endpoints that accept deliveries. */
export const enabledProviders = (settings: Readonly<Record<string, unknown>>): Map<string, WebhookProvider> =>
  enabledOf(PROVIDER_REGISTRY, settings);

/** A stored provider event re-read with the registered providers' mappings (see `storedEventReader`). */
export const readStoredEvent: (record: TransactionRecord) => ProviderEvent | null =
  storedEventReader(PROVIDER_REGISTRY);
