import pg from 'pg';
import type { Row } from '../playbooks/types.ts';
import { describeConnectError } from './errors.ts';
import type { Target } from './target.ts';

export interface SessionOptions {
  /** per statement, ms */
  statementTimeoutMs: number;
  /** per lock wait, ms */
  lockTimeoutMs: number;
  /** parallel connections for probes */
  connections: number;
}

export const DEFAULT_SESSION_OPTIONS: SessionOptions = {
  statementTimeoutMs: 30_000,
  lockTimeoutMs: 2_000,
  connections: 2,
};

export class ConnectError extends Error {}

export interface QueryResult {
  columns: string[];
  rows: Row[];
}

/**
 * A read-only session on the inspected database: every connection is set to
 * default_transaction_read_only, with statement and lock timeouts and application_name=pgadvisor.
 */
export class DbSession {
  private constructor(
    private readonly pool: pg.Pool,
    readonly target: Target,
    readonly options: SessionOptions,
    private statements = 0,
  ) {}

  static async open(target: Target, options: Partial<SessionOptions> = {}): Promise<DbSession> {
    const opts = { ...DEFAULT_SESSION_OPTIONS, ...options };
    const pool = new pg.Pool({
      ...target.config,
      max: opts.connections,
      application_name: 'pgadvisor',
      connectionTimeoutMillis: 10_000,
      idleTimeoutMillis: 0,
    });
    const setup =
      `SET default_transaction_read_only = on; ` +
      `SET statement_timeout = ${Math.trunc(opts.statementTimeoutMs)}; ` +
      `SET lock_timeout = ${Math.trunc(opts.lockTimeoutMs)}; ` +
      `SET idle_in_transaction_session_timeout = 60000; ` +
      `SET application_name = 'pgadvisor'`;
    // pg queues a client's queries in order, so this runs before anything the pool hands out.
    pool.on('connect', (client) => {
      client.query(setup).catch(() => undefined);
    });
    // An idle client that loses its server must not crash the process; the next query reports it.
    pool.on('error', () => undefined);
    const session = new DbSession(pool, target, opts);
    try {
      const ro = await session.query(`SELECT current_setting('transaction_read_only') AS ro`);
      if (ro.rows[0]?.ro !== 'on') {
        throw new ConnectError(
          `refusing to run: the session to ${target.display} is not read-only (a pooler in transaction mode drops session settings; connect directly or in session mode)`,
        );
      }
    } catch (err) {
      await pool.end().catch(() => undefined);
      if (err instanceof ConnectError) throw err;
      throw new ConnectError(describeConnectError(err, target.display));
    }
    return session;
  }

  /** Number of statements sent since open (including the read-only check). */
  get statementCount(): number {
    return this.statements;
  }

  /** One statement, extended protocol (a multi-statement string is refused by the server). */
  async query(sql: string, params: unknown[] = [], signal?: AbortSignal): Promise<QueryResult> {
    const client = await this.pool.connect();
    try {
      return await this.run(client, sql, params, signal);
    } finally {
      client.release();
    }
  }

  /**
   * Runs fn with every statement on one connection: backend-local state (hypopg's hypothetical indexes,
   * prepared statements) lives exactly as long as fn.
   */
  async pinned<T>(fn: (query: (sql: string, params?: unknown[]) => Promise<Row[]>) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      return await fn(async (sql, params = []) => {
        try {
          return (await this.run(client, sql, params, signal)).rows;
        } catch (err) {
          if (!(err as { code?: string }).code) broken = true;
          throw err;
        }
      });
    } finally {
      client.release(broken);
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
      const res = await client.query({ text: sql, values: params, queryMode: 'extended' } as pg.QueryConfig);
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
