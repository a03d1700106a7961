import type { Provider } from '../domain/provider-event.js';
import { mapRazorpayEvent } from './razorpay/razorpay-event.js';
import { mapStripeEvent } from './stripe/stripe-event.js';
import type { StoredEventMapper } from './webhook-provider.js';

/**
 * Each provider's mapping of a stored event: its parsed payload and its transaction id (the event
 * id, which for Razorpay only a header carried) back into the event. The same pure functions the
 * providers use on arrival, so a payment's state derived from stored records matches what was
 * received; needs no secrets.
 */
export const STORED_EVENT_MAPPERS: Readonly<Record<Provider, StoredEventMapper>> = {
  razorpay: mapRazorpayEvent,
  stripe: mapStripeEvent,
};
