import type { Provider, ProviderEvent } from '../domain/provider-event.js';
import type { TransactionRecord } from '../domain/transaction.js';
import { cashfreeDefinition } from './cashfree/cashfree-definition.js';
import { paytmDefinition } from './paytm/paytm-definition.js';
import { payuDefinition } from './payu/payu-definition.js';
import { phonepeDefinition } from './phonepe/phonepe-definition.js';
import { PROVIDER_NAME, type ProviderDefinition } from './provider-definition.js';
import { razorpayDefinition } from './razorpay/razorpay-definition.js';
import { stripeDefinition } from './stripe/stripe-definition.js';
import { noPaymentFacts } from './unmapped-event.js';
import type { WebhookProvider } from './webhook-provider.js';

/**
 * Every provider whose own webhooks the service receives, one line each: adding a provider is its
 * folder and its line here. The order is the order of the start log, `/v1/stats` and the
 * operators' filter.
 */
export const PROVIDER_REGISTRY: readonly ProviderDefinition[] = [
  razorpayDefinition,
  stripeDefinition,
  cashfreeDefinition,
  payuDefinition,
  phonepeDefinition,
  paytmDefinition,
];

/** A list of provider definitions: {@link PROVIDER_REGISTRY}, or a test's own. */
export type ProviderRegistry = readonly ProviderDefinition[];

/**
 * Checks a registry: names that can be path segments and stored values, none twice, and no
 * variable claimed by two providers. Throws a `RangeError`.
 */
export function checkRegistry(registry: ProviderRegistry): void {
  const names = new Set<string>();
  const variables = new Map<string, string>();
  for (const definition of registry) {
    if (!PROVIDER_NAME.test(definition.name))
      throw new RangeError(`invalid provider name: ${definition.name}`);
    if (names.has(definition.name)) throw new RangeError(`provider registered twice: ${definition.name}`);
    names.add(definition.name);
    for (const variable of Object.keys(definition.settings.variables)) {
      const owner = variables.get(variable);
      if (owner) throw new RangeError(`${variable} is read by both ${owner} and ${definition.name}`);
      variables.set(variable, definition.name);
    }
  }
}

/** The registered providers' names, in registry order. */
export const providerNames = (registry: ProviderRegistry): string[] => registry.map((d) => d.name);

/** Every header a registered provider sends a signature or credential in, for log redaction. */
export const providerSecretHeaders = (registry: ProviderRegistry): string[] => [
  ...new Set(registry.flatMap((d) => d.secretHeaders.map((h) => h.toLowerCase()))),
];

/** How a provider's endpoint is enabled: its variables, joined for a sentence (`A and B`). */
export const enablingVariables = (definition: ProviderDefinition): string =>
  definition.settings.enabledBy.join(' and ');

/**
 * The adapters of the providers whose settings are configured (`settings[name]` not null), by
 * name, in registry order: the endpoints that accept deliveries.
 */
export function enabledProviders(
  registry: ProviderRegistry,
  settings: Readonly<Record<string, unknown>>,
): Map<Provider, WebhookProvider> {
  const providers = new Map<Provider, WebhookProvider>();
  for (const definition of registry) {
    const configured = settings[definition.name];
    if (configured !== null && configured !== undefined) {
      providers.set(definition.name, definition.create(configured));
    }
  }
  return providers;
}

/**
 * Re-reads stored provider events with `registry`'s mappings: a record's event from its payload,
 * or null for a record of the original contract. The payload was verified and mapped by the same
 * function when it arrived. Once the payload is erased (retention, or on request), or should a
 * later version's mapping refuse it or its provider no longer be registered, the record's own
 * columns stand in: the payment's status, and its amount and currency from any event that is not a
 * refund's (see `ProviderDefinition.isRefundEvent`); refund ids and refunded totals, which only the
 * payload holds, are then unknown.
 */
export function storedEventReader(
  registry: ProviderRegistry,
): (record: TransactionRecord) => ProviderEvent | null {
  const byName = new Map(registry.map((d) => [d.name, d]));
  return (record) => {
    const provider = record.provider;
    if (provider === null) return null;
    const definition = byName.get(provider);
    if (definition && record.payload !== null) {
      try {
        return definition.readStoredEvent(record.payload, record.transactionId);
      } catch {
        // The columns below.
      }
    }
    const eventType = record.eventType ?? '';
    const refund = definition?.isRefundEvent?.(eventType) ?? false;
    return {
      provider,
      eventId: record.transactionId,
      eventType,
      paymentId: record.paymentId,
      paymentStatus: record.paymentStatus,
      amount: record.amount,
      currency: record.currency,
      sourceAccount: record.sourceAccount,
      destinationAccount: record.destinationAccount,
      facts: refund
        ? noPaymentFacts()
        : { ...noPaymentFacts(), paymentAmount: record.amount, paymentCurrency: record.currency },
    };
  };
}
