import pg from 'pg';
import type { Row } from '../playbooks/types.ts';
import { markOwn } from '../workload/own.ts';
import { describeConnectError } from './errors.ts';
import type { Target } from './target.ts';

export interface ReadOnlyDbOptions {
  /** per statement, ms */
  statementTimeoutMs: number;
  /** per lock wait, ms */
  lockTimeoutMs: number;
  /** parallel connections for probes */
  connections: number;
}

export const DEFAULT_SESSION_OPTIONS: ReadOnlyDbOptions = {
  statementTimeoutMs: 30_000,
  lockTimeoutMs: 2_000,
  // Three, not two: the cells of one database are independent catalog queries; with a third connection the
  // server works on one while the client reads another's rows (a fleet keeps to two per database)
  connections: 3,
};

export class ConnectError extends Error {}

export interface QueryResult {
  columns: string[];
  rows: Row[];
}

/**
 * A read-only session on the inspected database. Every statement runs inside its own explicit
 * `BEGIN READ ONLY` transaction with transaction-local statement and lock timeouts; nothing is set at session
 * level. Behind a transaction-mode pooler (PgBouncer, Supavisor) a session-level SET would land on a
 * server connection that other clients share next: ours must leave no trace there, and must hold even
 * when consecutive statements reach different server connections.
 *
 * Every statement sent, transaction control included, carries the pgadvisor marker (workload/own.ts), so
 * pg_stat_statements entries and log lines of the advisor's own are told apart from the application's.
 */
export class ReadOnlyDb {
  private begin: string;
  private context: TransactionContext = { appRoles: [], schemas: [] };

  private constructor(
    private readonly pool: pg.Pool,
    readonly target: Target,
    readonly options: ReadOnlyDbOptions,
    private statements = 0,
  ) {
    this.begin = beginStatements(options, this.context);
  }

  /**
   * The roles the application connects as (--app-role, the config's app_roles): from now on every statement's
   * transaction carries them as the transaction-local custom setting `pgadvisor.app_roles`, a JSON array.
   */
  setAppRoles(roles: string[]): void {
    this.context = { ...this.context, appRoles: roles };
    this.begin = beginStatements(this.options, this.context);
  }

  /**
   * Schemas every statement's transaction appends to the session's search_path when they are not on it: where the
   * extensions the cells name unqualified live (pg_stat_statements in `extensions`, say). Appended last, so a
   * name the session already resolves keeps resolving the same way; the session's own search_path is never changed.
   */
  setExtensionSchemas(schemas: string[]): void {
    this.context = { ...this.context, schemas: [...new Set(schemas)] };
    this.begin = beginStatements(this.options, this.context);
  }

  static async open(target: Target, options: Partial<ReadOnlyDbOptions> = {}): Promise<ReadOnlyDb> {
    const opts = { ...DEFAULT_SESSION_OPTIONS, ...options };
    const pool = new pg.Pool({
      ...target.config,
      max: opts.connections,
      // a startup parameter, so a pooler keeps it per client rather than leaving it on a shared backend
      application_name: 'pgadvisor',
      connectionTimeoutMillis: 10_000,
      idleTimeoutMillis: 0,
    });
    // An idle client that loses its server must not crash the process; the next query reports it.
    pool.on('error', () => undefined);
    const session = new ReadOnlyDb(pool, target, opts);
    // the other connections open while the first checks the session (and, for check, while the CLI loads):
    // the first cells then start at once on all of them; one that fails to open is opened again when needed
    const warming = Array.from({ length: opts.connections - 1 }, () => pool.connect().then((c) => c.release(), () => undefined));
    try {
      const ro = await session.query(`SELECT current_setting('transaction_read_only') AS ro, current_setting('transaction_isolation') AS isolation, pg_backend_pid() AS pid`);
      await Promise.all(warming);
      if (ro.rows[0]?.ro !== 'on') throw new ConnectError(`refusing to run: the session to ${target.display} is not read-only`);
    } catch (err) {
      await pool.end().catch(() => undefined);
      if (err instanceof ConnectError) throw err;
      throw new ConnectError(describeConnectError(err, target.display));
    }
    return session;
  }

  /** Number of statements sent since open (including the read-only check), each in its own read-only transaction. */
  get statementCount(): number {
    return this.statements;
  }

  /** One statement in its own read-only transaction; extended protocol (a multi-statement string is refused). */
  async query(sql: string, params: unknown[] = [], signal?: AbortSignal): Promise<QueryResult> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      return await this.inTransaction(client, () => this.run(client, sql, params, signal));
    } catch (err) {
      broken = isConnectionLoss(err);
      throw err;
    } finally {
      client.release(broken);
    }
  }

  /**
   * One statement the engineer typed (a scratch cell), in its own read-only transaction with the same
   * timeouts, rolled back rather than committed: whatever it did to the session (a set_config(…, false), a
   * cursor) goes with the transaction. The server refuses a write (read-only transaction).
   */
  async scratch(sql: string, signal?: AbortSignal): Promise<QueryResult> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      return await this.inTransaction(client, () => this.run(client, sql, [], signal), 'ROLLBACK');
    } catch (err) {
      broken = isConnectionLoss(err);
      throw err;
    } finally {
      client.release(broken);
    }
  }

  /**
   * Runs fn with all its statements on one connection and inside one read-only transaction, so
   * backend-local state (hypopg's hypothetical indexes, prepared statements) lives exactly as long as
   * fn, also behind a transaction-mode pooler. A failing statement is rolled back to a savepoint, so
   * fn can go on after it.
   */
  async pinned<T>(fn: (query: (sql: string, params?: unknown[]) => Promise<Row[]>) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      return await this.inTransaction(client, () =>
        fn(async (sql, params = []) => {
          await client.query(markOwn('SAVEPOINT pgadvisor'));
          try {
            const rows = (await this.run(client, sql, params, signal)).rows;
            await client.query(markOwn('RELEASE SAVEPOINT pgadvisor'));
            return rows;
          } catch (err) {
            if (isConnectionLoss(err)) throw err;
            await client.query(markOwn('ROLLBACK TO SAVEPOINT pgadvisor'));
            throw err;
          }
        }),
      );
    } catch (err) {
      broken = isConnectionLoss(err);
      throw err;
    } finally {
      client.release(broken);
    }
  }

  private async inTransaction<T>(client: pg.PoolClient, fn: () => Promise<T>, end: 'COMMIT' | 'ROLLBACK' = 'COMMIT'): Promise<T> {
    await client.query(this.begin);
    try {
      const result = await fn();
      await client.query(markOwn(end));
      return result;
    } catch (err) {
      if (!isConnectionLoss(err)) await client.query(markOwn('ROLLBACK')).catch(() => undefined);
      throw err;
    }
  }

  private async run(client: pg.PoolClient, sql: string, params: unknown[], signal?: AbortSignal): Promise<QueryResult> {
    let onAbort: (() => void) | undefined;
    try {
      this.statements++;
      if (signal) {
        if (signal.aborted) throw new CancelledError();
        onAbort = () => cancelBackend(this.target.config, client);
        signal.addEventListener('abort', onAbort, { once: true });
      }
      const res = await client.query({ text: markOwn(sql), values: params, queryMode: 'extended' } as pg.QueryConfig);
      return { columns: res.fields.map((f) => f.name), rows: res.rows as Row[] };
    } catch (err) {
      if (signal?.aborted && (err as { code?: string }).code === '57014') throw new CancelledError();
      throw err;
    } finally {
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    }
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }
}

/** The server or the network went away: SQLSTATE class 08 or 57P01–57P03, a socket error, or pg's own "terminated". */
export function isConnectionLoss(err: unknown): boolean {
  const { code, message } = (err ?? {}) as { code?: string; message?: string };
  if (code && (code.startsWith('08') || /^57P0[123]$/.test(code) || /^E[A-Z]+$/.test(code))) return true;
  return /Connection terminated|Client has encountered a connection error|connection timeout/i.test(message ?? '');
}

export class CancelledError extends Error {
  constructor() {
    super('cancelled');
  }
}

/** Real server-side cancel (a CancelRequest on a new connection), as psql's ctrl-c does. */
function cancelBackend(config: pg.ClientConfig, client: pg.PoolClient): void {
  const active = (client as unknown as { activeQuery?: unknown }).activeQuery;
  if (!active) return;
  const canceller = new pg.Client(config) as unknown as { cancel(c: unknown, q: unknown): void };
  canceller.cancel(client, active);
}

interface TransactionContext {
  appRoles: string[];
  schemas: string[];
}

/**
 * BEGIN and the transaction-local settings, sent ahead of every statement. The timeouts are set by one SELECT
 * rather than three SET LOCAL statements: a query of this shape is ours alone in pg_stat_statements, where from
 * PostgreSQL 16 on a SET is counted together with the same SET sent by the application under the same role.
 */
function beginStatements(options: ReadOnlyDbOptions, { appRoles, schemas }: TransactionContext): string {
  const lit = (v: string) => pg.escapeLiteral(v);
  const settings = [
    ['statement_timeout', lit(String(Math.trunc(options.statementTimeoutMs)))],
    ['lock_timeout', lit(String(Math.trunc(options.lockTimeoutMs)))],
    // catalog queries on a large schema cross jit_above_cost and would spend far longer compiling than running
    ['jit', lit('off')],
    // a custom setting the cells read with current_setting('pgadvisor.app_roles', true) (absent when pasted into psql)
    ...(appRoles.length ? [['pgadvisor.app_roles', lit(JSON.stringify(appRoles))]] : []),
    // the session's search_path, then each extension schema not already on it (computed by the server, which alone
    // knows the path this role and database were given)
    ...(schemas.length ? [['search_path', searchPathWith(schemas)]] : []),
  ];
  return (
    `${markOwn('BEGIN TRANSACTION READ ONLY')}; ` +
    markOwn(
      `SELECT count(set_config(s.name, s.value, true)) AS pgadvisor_settings FROM (VALUES ${settings.map(([n, v]) => `(${lit(n)}, ${v})`).join(', ')}) AS s(name, value)`,
    )
  );
}

/** An SQL expression: the current search_path with `schemas` (quoted by the server) appended unless already on it. */
function searchPathWith(schemas: string[]): string {
  const added = schemas.map((s) => `CASE WHEN ${pg.escapeLiteral(s)} = ANY (current_schemas(false)) THEN NULL ELSE quote_ident(${pg.escapeLiteral(s)}) END`);
  return `concat_ws(', ', nullif(current_setting('search_path'), ''), ${added.join(', ')})`;
}
