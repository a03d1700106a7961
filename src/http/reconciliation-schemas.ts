import { Type } from '@sinclair/typebox';
import { MAX_KEPT_MISMATCHES } from '../domain/reconciliation.js';
import { PaymentStatusName, ProviderName } from './schemas.js';

const Timestamp = Type.String({ format: 'date-time', description: 'UTC, ISO 8601' });
const NullableStatus = (description: string) => Type.Union([PaymentStatusName, Type.Null()], { description });

/** `GET /v1/reconciliation`. */
export const ReconciliationViewSchema = Type.Object({
  runs: Type.Array(
    Type.Object({
      provider: ProviderName,
      started_at: Timestamp,
      finished_at: Timestamp,
      checked: Type.Integer({ description: 'Events (Stripe) or payments (Razorpay) the provider listed' }),
      recovered: Type.Integer({ description: 'Events stored because their webhook never arrived (Stripe)' }),
      mismatches: Type.Integer({ description: 'Payments whose state differs (Razorpay)' }),
      error: Type.Union([Type.String(), Type.Null()], {
        description: 'Why the run ended early (the provider answered 429 or 5xx, …); null when it completed',
      }),
    }),
    { description: 'The latest run of each provider that has had one' },
  ),
  mismatches: Type.Array(
    Type.Object({
      provider: ProviderName,
      payment_id: Type.String(),
      provider_status: NullableStatus("The payment's state at the provider now"),
      derived_status: NullableStatus('The state derived from the events stored here; null when none'),
      amount: Type.Integer({ description: "In the currency's minor unit" }),
      currency: Type.Union([Type.String(), Type.Null()]),
      created_at: Type.String({ format: 'date-time', description: 'When the payment was created' }),
    }),
    {
      description: `The last complete run's mismatches of every provider, largest amount first, at most ${MAX_KEPT_MISMATCHES}`,
    },
  ),
});
