import {
  RECEIVED_VIA,
  type ReceivedVia,
  TRANSACTION_STATUSES,
  type TransactionStatus,
} from '../domain/transaction.js';
import type { TransactionFilter } from '../domain/transaction-query.js';

/** A filter as an operator writes it: the HTTP query's (or JSON body's) names, every value text. */
export interface FilterInput {
  status?: string;
  provider?: string;
  event_type?: string;
  payment_id?: string;
  created_after?: string;
  created_before?: string;
  received_via?: string;
}

/** Why one field was refused, in the terms of a FastAPI field error. */
export interface InputProblem {
  field: string;
  msg: string;
  type: string;
}

/** The parsed filter, or every problem found. */
export type FilterParse = { ok: true; filter: TransactionFilter } | { ok: false; problems: InputProblem[] };

/** Event types and payment ids: what providers send, and nothing a query language could read as syntax. */
const NAME = /^[A-Za-z0-9_.:-]{1,128}$/;
/** ISO 8601 as RFC 3339 writes it: a date, or a date and time with its offset (a time without one is ambiguous). */
const INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|z|[+-]\d{2}:\d{2}))?$/;
/** A duration back from now, for the command line's `--since 1h`. */
const DURATION = /^(\d{1,9})(s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * An instant from ISO 8601 text (`2026-11-25`, midnight UTC; `2026-11-25T10:30:00Z`;
 * `2026-11-25T16:00:00+05:30`), or from a duration before `now` (`90s`, `15m`, `1h`, `7d`) when
 * `durations` is set. Null when the text is neither, or names a date that does not exist.
 */
export function parseInstant(text: string, now: Date, durations = false): Date | null {
  const duration = durations ? DURATION.exec(text) : null;
  if (duration) return new Date(now.getTime() - Number(duration[1]) * UNIT_MS[duration[2]!]!);
  const match = INSTANT.exec(text);
  if (!match) return null;
  const [, year, month, day, hour = '00', minute = '00', second = '00'] = match;
  const at = new Date(match[4] === undefined ? `${year}-${month}-${day}T00:00:00Z` : text.toUpperCase());
  if (Number.isNaN(at.getTime())) return null;
  // Date rolls 2026-02-30 over to March; refuse what the calendar does not have.
  const calendar = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  const valid =
    calendar.getUTCMonth() === Number(month) - 1 &&
    calendar.getUTCDate() === Number(day) &&
    Number(hour) < 24 &&
    Number(minute) < 60 &&
    Number(second) < 60;
  return valid ? at : null;
}

const oneOf = (values: readonly string[]) =>
  values.length === 1
    ? `'${values[0]}'`
    : `${values
        .slice(0, -1)
        .map((v) => `'${v}'`)
        .join(', ')} or '${values.at(-1)}'`;

/** Options of {@link parseFilterInput}. */
export interface FilterInputOptions {
  /** The registered providers' names: the only values `provider` may take. */
  providers: readonly string[];
  /** Also accept `1h`-style times (the command line). Default false. */
  durations?: boolean;
}

/**
 * Parses an operator's filter once, where it enters (the HTTP query or body, the command line), so
 * list, dry-run count and retry all receive the same checked {@link TransactionFilter}. Every
 * problem is reported, not just the first.
 */
export function parseFilterInput(
  input: FilterInput,
  now: Date,
  { providers, durations = false }: FilterInputOptions,
): FilterParse {
  const problems: InputProblem[] = [];
  const filter: TransactionFilter = {};
  if (input.status !== undefined) {
    if ((TRANSACTION_STATUSES as readonly string[]).includes(input.status)) {
      filter.status = input.status as TransactionStatus;
    } else {
      problems.push({ field: 'status', msg: `Input should be ${oneOf(TRANSACTION_STATUSES)}`, type: 'enum' });
    }
  }
  if (input.provider !== undefined) {
    if (providers.includes(input.provider)) filter.provider = input.provider;
    else problems.push({ field: 'provider', msg: `Input should be ${oneOf(providers)}`, type: 'enum' });
  }
  if (input.received_via !== undefined) {
    if ((RECEIVED_VIA as readonly string[]).includes(input.received_via)) {
      filter.receivedVia = input.received_via as ReceivedVia;
    } else {
      problems.push({ field: 'received_via', msg: `Input should be ${oneOf(RECEIVED_VIA)}`, type: 'enum' });
    }
  }
  for (const [field, key] of [
    ['event_type', 'eventType'],
    ['payment_id', 'paymentId'],
  ] as const) {
    const value = input[field];
    if (value === undefined) continue;
    if (NAME.test(value)) filter[key] = value;
    else {
      problems.push({
        field,
        msg: `String should match pattern '${NAME.source}'`,
        type: 'string_pattern_mismatch',
      });
    }
  }
  for (const [field, key] of [
    ['created_after', 'createdAfter'],
    ['created_before', 'createdBefore'],
  ] as const) {
    const value = input[field];
    if (value === undefined) continue;
    const at = parseInstant(value, now, durations);
    if (at) filter[key] = at;
    else {
      problems.push({
        field,
        msg: `Input should be a valid datetime: ISO 8601 with a time zone (2026-11-25T10:30:00Z) or a date${durations ? ', or a duration back from now (15m, 1h, 7d)' : ''}`,
        type: 'datetime_parsing',
      });
    }
  }
  if (filter.createdAfter && filter.createdBefore && filter.createdAfter >= filter.createdBefore) {
    problems.push({
      field: 'created_before',
      msg: 'Input should be later than created_after',
      type: 'greater_than',
    });
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, filter };
}

/**
 * A page size (or another count, named `field`) from text: a whole number from 1 to `max` (default
 * `fallback` when absent).
 */
export function parseLimit(
  text: string | undefined,
  fallback: number,
  max: number,
  field = 'limit',
): { ok: true; limit: number } | { ok: false; problem: InputProblem } {
  if (text === undefined) return { ok: true, limit: fallback };
  if (!/^[0-9]{1,9}$/.test(text)) {
    return {
      ok: false,
      problem: {
        field,
        msg: 'Input should be a valid integer, unable to parse string as an integer',
        type: 'int_parsing',
      },
    };
  }
  const limit = Number(text);
  if (limit < 1) {
    return {
      ok: false,
      problem: { field, msg: 'Input should be greater than 0', type: 'greater_than' },
    };
  }
  if (limit > max) {
    return {
      ok: false,
      problem: {
        field,
        msg: `Input should be less than or equal to ${max}`,
        type: 'less_than_equal',
      },
    };
  }
  return { ok: true, limit };
}
