import type { ReplaySelection } from '../domain/replay.js';
import type {
  KeysetPosition,
  RetrySelection,
  TransactionFilter,
  TransactionListQuery,
} from '../domain/transaction-query.js';

/** What differs between the SQL engines in the operators' queries. */
export interface SqlDialect {
  /** The placeholder of the `n`th parameter (1-based): `?` or `$n`. */
  placeholder(n: number): string;
  /** A time as the engine stores it (epoch milliseconds, or a Date). */
  time(value: Date): unknown;
  /** `transaction_id` as the list orders it: byte by byte in every engine. */
  orderedId: string;
  /** A condition that `transaction_id` is one of the ids in the parameter `placeholder`. */
  idIn(placeholder: string): string;
  /** The parameter value for {@link SqlDialect.idIn}. */
  ids(ids: readonly string[]): unknown;
}

/**
 * Builds the WHERE clause and parameters of an operator's query. Every value is bound as a
 * parameter, never spliced into the text; the text depends only on which fields are present, so an
 * engine can keep one prepared statement per shape.
 */
export class SqlConditions {
  readonly conditions: string[] = [];
  readonly params: unknown[] = [];

  constructor(private readonly dialect: SqlDialect) {}

  /** Adds `condition`, whose `?` stands for `value`. */
  add(condition: string, value: unknown): this {
    this.params.push(value);
    this.conditions.push(condition.replace('?', this.dialect.placeholder(this.params.length)));
    return this;
  }

  /** Adds a condition without parameters. */
  raw(condition: string): this {
    this.conditions.push(condition);
    return this;
  }

  /** The next parameter's placeholder, for clauses built by hand (LIMIT). */
  param(value: unknown): string {
    this.params.push(value);
    return this.dialect.placeholder(this.params.length);
  }

  /** Adds a condition per field of `filter` that is present. */
  filter(filter: TransactionFilter): this {
    const { time } = this.dialect;
    if (filter.status !== undefined) this.add('status = ?', filter.status);
    if (filter.provider !== undefined) this.add('provider = ?', filter.provider);
    if (filter.eventType !== undefined) this.add('event_type = ?', filter.eventType);
    if (filter.paymentId !== undefined) this.add('payment_id = ?', filter.paymentId);
    if (filter.createdAfter !== undefined) this.add('created_at >= ?', time(filter.createdAfter));
    if (filter.createdBefore !== undefined) this.add('created_at < ?', time(filter.createdBefore));
    if (filter.receivedVia !== undefined) this.add('received_via = ?', filter.receivedVia);
    return this;
  }

  /** Rows after `position` in the list's order (newest first): a row-value comparison the index serves. */
  after(position: KeysetPosition | undefined): this {
    if (!position) return this;
    const at = this.param(this.dialect.time(position.createdAt));
    const id = this.param(position.transactionId);
    return this.raw(`(created_at, ${this.dialect.orderedId}) < (${at}, ${id})`);
  }

  /** FAILED rows of `selection`. */
  failed(selection: RetrySelection): this {
    this.raw(`status = 'FAILED'`);
    if (selection.kind === 'ids') {
      this.params.push(this.dialect.ids(selection.ids));
      return this.raw(this.dialect.idIn(this.dialect.placeholder(this.params.length)));
    }
    return this.filter(selection.filter);
  }

  /** PROCESSED and FAILED rows of `selection` (only those of its status, when it names one). */
  replayable(selection: ReplaySelection): this {
    if (selection.kind === 'ids') {
      this.raw(`status IN ('PROCESSED', 'FAILED')`);
      this.params.push(this.dialect.ids(selection.ids));
      return this.raw(this.dialect.idIn(this.dialect.placeholder(this.params.length)));
    }
    if (selection.filter.status === undefined) this.raw(`status IN ('PROCESSED', 'FAILED')`);
    return this.filter(selection.filter);
  }

  /** `WHERE …`, or nothing when there are no conditions. */
  where(): string {
    return this.conditions.length === 0 ? '' : `WHERE ${this.conditions.join(' AND ')}`;
  }
}

/** The SELECT of one list page, without its columns: `FROM … WHERE … ORDER BY … LIMIT …`. */
export function listClauses(
  dialect: SqlDialect,
  table: string,
  query: TransactionListQuery,
): { text: string; params: unknown[] } {
  const sql = new SqlConditions(dialect).filter(query.filter).after(query.after);
  const limit = sql.param(query.limit);
  return {
    text: `FROM ${table} ${sql.where()} ORDER BY created_at DESC, ${dialect.orderedId} DESC LIMIT ${limit}`,
    params: sql.params,
  };
}
