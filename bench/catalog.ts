// Synthetic catalog for the scale benchmark: N tables, 5 indexes each (one redundant, one FK-less FK every
// third table), RLS with a policy on every other table. Plain SQL, loaded with psql in autocommit batches
// (one transaction for 10,000 tables would exhaust the lock table).
export function syntheticCatalogSql(tables: number): string {
  const out: string[] = ['CREATE SCHEMA IF NOT EXISTS synth;', 'SET client_min_messages = warning;'];
  for (let i = 0; i < tables; i++) {
    const t = `synth.t${i}`;
    const parent = i > 0 ? `, parent_id bigint REFERENCES synth.t${i - 1} (id)` : ', parent_id bigint';
    out.push(
      `CREATE TABLE ${t} (id bigint PRIMARY KEY, tenant_id int NOT NULL, a int, b text, created_at timestamptz${parent});`,
      `CREATE INDEX t${i}_tenant ON ${t} (tenant_id);`,
      `CREATE INDEX t${i}_tenant_a ON ${t} (tenant_id, a);`,
      `CREATE INDEX t${i}_created ON ${t} (created_at);`,
    );
    if (i % 3 !== 0) out.push(`CREATE INDEX t${i}_parent ON ${t} (parent_id);`);
    else out.push(`CREATE INDEX t${i}_b ON ${t} (b);`);
    if (i % 2 === 0) {
      out.push(
        `ALTER TABLE ${t} ENABLE ROW LEVEL SECURITY;`,
        `CREATE POLICY t${i}_tenant ON ${t} USING (tenant_id = current_setting('app.tenant_id')::int);`,
      );
    }
  }
  out.push('ANALYZE;');
  return out.join('\n') + '\n';
}
