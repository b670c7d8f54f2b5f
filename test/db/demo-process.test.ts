// The embedded demo runs in a child process: started from the sources (the child through tsx) and from the
// build that bin/pgadvisor.js runs (the child as dist/db/demo-child.js).
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { startDemoProcess } from '../../src/db/demo-process.ts';
import { runCli } from '../cli/run-cli.ts';

const LONG = 600_000; // the first start on a machine builds the demo's cached data directory

describe('the demo child process', () => {
  it('starts from the sources, serves queries and stops when told', async () => {
    const demo = await startDemoProcess();
    try {
      expect(demo.target.source).toBe('demo');
      const c = new pg.Client(demo.target.config);
      await c.connect();
      try {
        const { rows } = await c.query(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'`);
        expect(rows[0].n).toBeGreaterThan(5);
      } finally {
        await c.end();
      }
    } finally {
      await demo.stop();
    }
  }, LONG);

  it('starts from the CLI with no connection given', async () => {
    const r = await runCli(['check', '--json', '--playbook', 'indexes']);
    expect(r.stderr).toBe('pgadvisor: no connection given; checking the embedded demo database\n');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).findings.length).toBeGreaterThan(0);
  }, LONG);
});
