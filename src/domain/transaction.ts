import type { PaymentStatus } from './payment-status.js';
import type { Provider } from './provider-event.js';

/**
 * The transaction as the service knows it, independent of any storage engine.
 *
 * Lifecycle: RECEIVED -> PROCESSING -> PROCESSED, or FAILED once the handler has failed
 * `MAX_ATTEMPTS` times. A FAILED transaction can be requeued to RECEIVED.
 */

/** Every status a transaction can be in. `FAILED` is the only addition to the seed's three. */
export const TRANSACTION_STATUSES = ['RECEIVED', 'PROCESSING', 'PROCESSED', 'FAILED'] as const;

/** A transaction's status. */
export type TransactionStatus = (typeof TRANSACTION_STATUSES)[number];

/**
 * How an event reached the service: `webhook`, delivered to one of its endpoints, or
 * `reconciliation`, listed from the provider's API after its delivery never arrived.
 */
export const RECEIVED_VIA = ['webhook', 'reconciliation'] as const;

/** How a transaction reached the service. */
export type ReceivedVia = (typeof RECEIVED_VIA)[number];

/**
 * The statuses a transaction has finished in: only these may be deleted or have their payload
 * erased by retention. RECEIVED and PROCESSING never are, however old: they are acknowledged work
 * not yet done. (A FAILED transaction may still be requeued; until it is, nothing runs for it.)
 */
export const FINISHED_STATUSES = ['PROCESSED', 'FAILED'] as const satisfies readonly TransactionStatus[];

/** A status retention may act on (see {@link FINISHED_STATUSES}). */
export type FinishedStatus = (typeof FINISHED_STATUSES)[number];

/** Whether `status` is finished (see {@link FINISHED_STATUSES}). */
export function isFinished(status: TransactionStatus): status is FinishedStatus {
  return status === 'PROCESSED' || status === 'FAILED';
}

/**
 * What a webhook delivers: the fields the service understands plus the raw body it arrived in. A
 * webhook of the original contract sets the account, amount and currency fields and leaves the
 * provider fields null; a provider's event sets what its payload states and null elsewhere.
 */
export interface NewTransaction {
  /** The original contract's `transaction_id`, or the provider's event id. */
  transactionId: string;
  sourceAccount: string | null;
  destinationAccount: string | null;
  /**
   * Finite, at most 15 significant digits, so it round-trips through every store exactly: the
   * original contract's positive decimal, or a provider's integer in the currency's minor unit.
   */
  amount: number | null;
  /** ISO 4217 code, three uppercase letters. */
  currency: string | null;
  /** The provider whose signed event this is; null for the original contract. */
  provider: Provider | null;
  /** The event type as the provider names it (`payment.captured`). */
  eventType: string | null;
  /** The payment the event is about (`pay_…`, `pi_…`). */
  paymentId: string | null;
  /** What the event says the payment's status is. */
  paymentStatus: PaymentStatus | null;
  /** The request body exactly as received (UTF-8), extra fields included. */
  payload: string;
  /** The provider's delivery id (`x-razorpay-event-id`, `webhook-id`), when it sent one. */
  deliveryId: string | null;
  /** The id of the HTTP request that created the record; follows the transaction into worker logs. */
  requestId: string | null;
  /** When the webhook was received. */
  receivedAt: Date;
  /** How it arrived; absent means `webhook`, as for every record stored before reconciliation existed. */
  receivedVia?: ReceivedVia;
}

/** A stored transaction with its processing state. */
export interface TransactionRecord extends Omit<NewTransaction, 'receivedAt' | 'receivedVia' | 'payload'> {
  receivedVia: ReceivedVia;
  /**
   * The request body exactly as received, or null once it has been erased (by
   * `PAYLOAD_RETENTION_DAYS` or on request); the record's own fields stay.
   */
  payload: string | null;
  status: TransactionStatus;
  createdAt: Date;
  /**
   * When the transaction last changed state (received, claimed, retried, completed, failed,
   * released, requeued): retention measures a finished transaction's age from it. Renewing a lease
   * and erasing a payload are not changes of state and leave it.
   */
  updatedAt: Date;
  processedAt: Date | null;
  /** Processing attempts started so far (a claim counts as an attempt; a release on shutdown does not). */
  attempts: number;
  /** A RECEIVED transaction is not claimed before this instant (retry backoff). */
  availableAt: Date;
  /** Who holds the PROCESSING lease, if anyone. */
  leaseOwner: string | null;
  /** When the PROCESSING lease runs out unless renewed. */
  leaseExpiresAt: Date | null;
  /** The last handler error, kept after a retry and on FAILED. */
  lastError: string | null;
}

/**
 * The record a new transaction is stored as: RECEIVED, no attempt yet, claimable at once.
 * Spelled out field by field: with a rest and a spread copy instead, the API spent about 20% more
 * CPU per webhook on PostgreSQL + Redis under load.
 */
export function receivedRecord(item: NewTransaction): TransactionRecord {
  const receivedAt = item.receivedAt;
  return {
    transactionId: item.transactionId,
    sourceAccount: item.sourceAccount,
    destinationAccount: item.destinationAccount,
    amount: item.amount,
    currency: item.currency,
    provider: item.provider,
    eventType: item.eventType,
    paymentId: item.paymentId,
    paymentStatus: item.paymentStatus,
    payload: item.payload,
    deliveryId: item.deliveryId,
    requestId: item.requestId,
    receivedVia: item.receivedVia ?? 'webhook',
    status: 'RECEIVED',
    createdAt: receivedAt,
    updatedAt: receivedAt,
    processedAt: null,
    attempts: 0,
    availableAt: receivedAt,
    leaseOwner: null,
    leaseExpiresAt: null,
    lastError: null,
  };
}
