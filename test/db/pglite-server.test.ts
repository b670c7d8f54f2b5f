import net from 'node:net';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheDir, readCachedTarball, startPgliteServer, writeCachedTarball, type PgliteServer } from '../../src/db/pglite-server.ts';

describe('PGlite socket server', () => {
  let server: PgliteServer;
  beforeAll(async () => {
    server = await startPgliteServer({ extensions: ['pg_stat_statements'] });
  });
  afterAll(() => server?.stop());

  it('serves a postgres:// URL on 127.0.0.1 with an OS-chosen port', () => {
    expect(server.url).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres\?sslmode=disable$/);
    expect(server.url).not.toContain(':0/');
  });

  it('answers extended-protocol queries with parameters', async () => {
    const c = new pg.Client({ connectionString: server.url });
    await c.connect();
    try {
      const r = await c.query({ text: 'SELECT $1::int + 1 AS x, $2::text AS t', values: [41, 'ünï "q"'], queryMode: 'extended' } as pg.QueryConfig);
      expect(r.rows).toEqual([{ x: 42, t: 'ünï "q"' }]);
      const none = await c.query({ text: 'SELECT count(*)::int AS n FROM pg_class WHERE relname = $1', values: ['no such'], queryMode: 'extended' } as pg.QueryConfig);
      expect(none.rows).toEqual([{ n: 0 }]);
      await expect(c.query({ text: 'SELECT * FROM no_such_table', values: [], queryMode: 'extended' } as pg.QueryConfig)).rejects.toMatchObject({ code: '42P01' });
      // the connection is usable after an error
      expect((await c.query('SELECT 7 AS n')).rows).toEqual([{ n: 7 }]);
    } finally {
      await c.end();
    }
  });

  it('runs a multi-statement simple query of session settings (as ReadOnlyDb does)', async () => {
    const c = new pg.Client({ connectionString: server.url });
    await c.connect();
    try {
      const res = (await c.query(
        `SET default_transaction_read_only = on; SET statement_timeout = 1000; SET lock_timeout = 500; SET application_name = 'pgadvisor'`,
      )) as unknown as pg.QueryResult[];
      expect(res).toHaveLength(4);
      const r = await c.query({
        text: `SELECT current_setting('transaction_read_only') AS ro, current_setting('statement_timeout') AS st, current_setting('application_name') AS app`,
        values: [],
        queryMode: 'extended',
      } as pg.QueryConfig);
      expect(r.rows).toEqual([{ ro: 'on', st: '1s', app: 'pgadvisor' }]);
      await expect(c.query('CREATE TABLE must_fail (id int)')).rejects.toMatchObject({ code: '25006' });
      // PGlite has one backend for all connections: undo so other tests are not read-only.
      await c.query('RESET default_transaction_read_only; RESET statement_timeout; RESET lock_timeout; RESET application_name');
    } finally {
      await c.end();
    }
  });

  it('serves several pooled connections in parallel, each getting its own results', async () => {
    const pool = new pg.Pool({ connectionString: server.url, max: 4 });
    try {
      const shapes = [
        (i: number) => ({ text: 'SELECT $1::int AS a', values: [i], check: (r: any) => r.a === i }),
        (i: number) => ({ text: 'SELECT $1::text AS b, 2 AS c', values: [String(i)], check: (r: any) => r.b === String(i) && r.c === 2 }),
        (_i: number) => ({ text: 'SELECT relname FROM pg_class WHERE oid = $1::oid', values: [1259], check: (r: any) => r.relname === 'pg_class' }),
        (i: number) => ({ text: `SELECT $1::int * 2 AS d /*${'x'.repeat(70_000 + i)}*/`, values: [i], check: (r: any) => r.d === i * 2 }),
      ];
      const results = await Promise.all(
        Array.from({ length: 120 }, async (_, i) => {
          const q = shapes[i % shapes.length](i);
          const r = await pool.query({ text: q.text, values: q.values, queryMode: 'extended' } as pg.QueryConfig);
          return q.check(r.rows[0]);
        }),
      );
      expect(results.filter((ok) => !ok)).toEqual([]);
      expect(results).toHaveLength(120);
    } finally {
      await pool.end();
    }
  });

  it('keeps one connection’s extended-protocol sequence together when it arrives in pieces', async () => {
    const [host, port] = new URL(server.url).host.split(':');
    const open = async () => {
      const s = net.connect(Number(port), host);
      const got: Buffer[] = [];
      s.on('data', (d) => got.push(d));
      s.write(proto.startup());
      await waitFor(() => Buffer.concat(got).includes(Buffer.from('Z\0\0\0\x05I', 'latin1')));
      got.length = 0;
      return { s, text: () => Buffer.concat(got).toString('latin1') };
    };
    const a = await open();
    const b = await open();
    try {
      a.s.write(proto.parse(`SELECT 'from_A' AS a`));
      await sleep(100);
      b.s.write(
        Buffer.concat([proto.parse(`SELECT 'from_B' AS b`), proto.bind(), proto.describePortal(), proto.execute(), proto.sync()]),
      );
      await sleep(150);
      expect(b.text()).not.toContain('from_'); // B waits: A holds the backend mid-sequence
      a.s.write(Buffer.concat([proto.bind(), proto.describePortal(), proto.execute(), proto.sync()]));
      await waitFor(() => a.text().includes('Z\0\0\0\x05I') && b.text().includes('Z\0\0\0\x05I'));
      expect(a.text()).toContain('from_A');
      expect(a.text()).not.toContain('from_B');
      expect(b.text()).toContain('from_B');
      expect(b.text()).not.toContain('from_A');
    } finally {
      a.s.destroy();
      b.s.destroy();
    }
  });

  it('frees the backend when a connection drops in the middle of a sequence', async () => {
    const [host, port] = new URL(server.url).host.split(':');
    const s = net.connect(Number(port), host);
    s.write(proto.startup());
    await sleep(100);
    s.write(proto.parse('SELECT 1'));
    await sleep(100);
    s.destroy();
    const c = new pg.Client({ connectionString: server.url });
    await c.connect();
    try {
      const r = await c.query({ text: 'SELECT $1::int AS n', values: [5], queryMode: 'extended' } as pg.QueryConfig);
      expect(r.rows).toEqual([{ n: 5 }]);
    } finally {
      await c.end();
    }
  });

  it('has pg_stat_statements created and recording', async () => {
    const c = new pg.Client({ connectionString: server.url });
    await c.connect();
    try {
      // (pg_stat_statements merges statements differing only in constants or column aliases: use a table of our own)
      await c.query('CREATE TABLE pgss_probe (id int)');
      for (const v of [1, 2, 3]) await c.query({ text: 'SELECT id FROM pgss_probe WHERE id = $1', values: [v], queryMode: 'extended' } as pg.QueryConfig);
      const r = await c.query(`SELECT query, calls::int FROM pg_stat_statements WHERE query LIKE '%FROM pgss_probe%'`);
      expect(r.rows).toEqual([{ query: 'SELECT id FROM pgss_probe WHERE id = $1', calls: 3 }]);
    } finally {
      await c.end();
    }
  });

  it('gives each server its own database', async () => {
    const other = await startPgliteServer();
    try {
      await execOn(other.url, 'CREATE TABLE only_here (id int)');
      const mine = await execOn(server.url, `SELECT count(*)::int AS n FROM pg_class WHERE relname = 'only_here'`);
      expect(mine.rows).toEqual([{ n: 0 }]);
      const ext = await execOn(other.url, `SELECT count(*)::int AS n FROM pg_extension WHERE extname = 'pg_stat_statements'`);
      expect(ext.rows).toEqual([{ n: 0 }]);
    } finally {
      await other.stop();
    }
  });

  it('refuses an unknown extension with one clear line', async () => {
    await expect(startPgliteServer({ extensions: ['hypopg'] })).rejects.toThrow(/^PGlite has no extension "hypopg" \(available: .*pg_stat_statements/);
  });
});

describe('data-directory cache', () => {
  it('lives under XDG_CACHE_HOME when it is absolute, else ~/.cache', () => {
    expect(cacheDir({ XDG_CACHE_HOME: '/x/cache' })).toBe('/x/cache/pgadvisor');
    expect(cacheDir({ XDG_CACHE_HOME: 'relative' })).toMatch(/\/\.cache\/pgadvisor$/);
    expect(cacheDir({})).toMatch(/\/\.cache\/pgadvisor$/);
  });

  it('round-trips a tarball, writes atomically, and drops a corrupt file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgadv-cache-'));
    try {
      const file = join(dir, 'sub', 'x.tar.gz');
      expect(await readCachedTarball(file)).toBeNull();
      await writeCachedTarball(file, new Blob([new Uint8Array([1, 2, 3, 4])]));
      expect(await readdir(join(dir, 'sub'))).toEqual(['x.tar.gz']); // no temp file left behind
      const back = await readCachedTarball(file);
      expect(new Uint8Array(await back!.arrayBuffer())).toEqual(new Uint8Array([1, 2, 3, 4]));
      await writeFile(file, Buffer.from([0x1f, 0x8b, 8, 0, 0, 0])); // truncated gzip
      expect(await readCachedTarball(file)).toBeNull();
      expect(await readdir(join(dir, 'sub'))).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

async function execOn(url: string, sql: string): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await c.query(sql);
  } finally {
    await c.end();
  }
}

// Just the frontend messages these tests send, written by hand (protocol v3).
function msg(type: string, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const len = Buffer.alloc(4);
  len.writeInt32BE(body.length + 4);
  return Buffer.concat([Buffer.from(type, 'latin1'), len, body]);
}
const cstr = (s: string) => Buffer.from(s + '\0', 'utf8');
const int16 = (n: number) => Buffer.from([n >> 8, n & 0xff]);
const proto = {
  startup(): Buffer {
    const body = Buffer.concat([Buffer.from([0, 3, 0, 0]), cstr('user'), cstr('postgres'), cstr('database'), cstr('postgres'), Buffer.from([0])]);
    const len = Buffer.alloc(4);
    len.writeInt32BE(body.length + 4);
    return Buffer.concat([len, body]);
  },
  parse: (text: string) => msg('P', cstr(''), cstr(text), int16(0)),
  bind: () => msg('B', cstr(''), cstr(''), int16(0), int16(0), int16(0)),
  describePortal: () => msg('D', Buffer.from('P', 'latin1'), cstr('')),
  execute: () => msg('E', cstr(''), Buffer.alloc(4)),
  sync: () => msg('S'),
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(10);
  }
}
