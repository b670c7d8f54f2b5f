// Catalog queries that state the planted problems and near misses of demo/schema.sql, shared by the
// PGlite demo test and the real-server test of the same schema.
type Exec = (sql: string) => Promise<{ rows: Record<string, unknown>[] }>;

const col = async (exec: Exec, sql: string): Promise<unknown[]> => (await exec(sql)).rows.map((r) => Object.values(r)[0]);

export const DEMO_TABLES = [
  '_prisma_migrations', 'accounts', 'certificates', 'course_analytics', 'course_modules', 'course_progress',
  'courses', 'enrollments', 'lesson_progress', 'lessons', 'media', 'questions', 'quiz_attempts', 'quizzes',
  'sessions', 'transactions', 'users', 'verification_tokens',
];

export async function demoFacts(exec: Exec) {
  return {
    tables: await col(exec, `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 1`),
    withoutPrimaryKey: await col(exec, `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind = 'r'
        AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary) ORDER BY 1`),
    // every FK in the demo has one column: covered when some valid index leads with it
    unindexedForeignKeys: await col(exec, `SELECT con.conname FROM pg_constraint con JOIN pg_namespace n ON n.oid = con.connamespace
      WHERE con.contype = 'f' AND n.nspname = 'public'
        AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = con.conrelid AND i.indisvalid AND i.indkey[0] = con.conkey[1])
      ORDER BY 1`),
    multiColumnForeignKeys: await col(exec, `SELECT count(*)::int FROM pg_constraint WHERE contype = 'f' AND cardinality(conkey) > 1`),
    // same table, same columns, expressions and predicate
    sameDefinitionPairs: await col(exec, `SELECT least(a.relname, b.relname) || ' = ' || greatest(a.relname, b.relname)
      FROM pg_index i1 JOIN pg_index i2 ON i1.indrelid = i2.indrelid AND i1.indexrelid < i2.indexrelid
        AND i1.indkey::text = i2.indkey::text AND i1.indclass::text = i2.indclass::text
        AND coalesce(pg_get_expr(i1.indexprs, i1.indrelid), '') = coalesce(pg_get_expr(i2.indexprs, i2.indrelid), '')
        AND coalesce(pg_get_expr(i1.indpred, i1.indrelid), '') = coalesce(pg_get_expr(i2.indpred, i2.indrelid), '')
      JOIN pg_class a ON a.oid = i1.indexrelid JOIN pg_class b ON b.oid = i2.indexrelid
      JOIN pg_class t ON t.oid = i1.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = 'public' ORDER BY 1`),
    uniqueInSamePair: await col(exec, `SELECT string_agg(c.relname, ',' ORDER BY c.relname) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
      WHERE i.indisunique AND c.relname IN ('users_email_key', 'courses_slug_key', 'transactions_providerTxnId_key', 'certificates_certificateNo_key')`),
    // plain index whose columns are a strict leading prefix of another plain index's columns
    prefixRedundant: await col(exec, `SELECT a.relname || ' < ' || b.relname
      FROM pg_index i1 JOIN pg_index i2 ON i1.indrelid = i2.indrelid AND i1.indexrelid <> i2.indexrelid
        AND i1.indnkeyatts < i2.indnkeyatts AND (i2.indkey::text || ' ') LIKE (i1.indkey::text || ' %')
        AND i1.indexprs IS NULL AND i2.indexprs IS NULL AND i1.indpred IS NULL AND i2.indpred IS NULL
      JOIN pg_class a ON a.oid = i1.indexrelid JOIN pg_class b ON b.oid = i2.indexrelid
      JOIN pg_class t ON t.oid = i1.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = 'public' ORDER BY 1`),
    partialIndexes: await col(exec, `SELECT c.relname || ': ' || pg_get_expr(i.indpred, i.indrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
      WHERE i.indpred IS NOT NULL ORDER BY 1`),
    expressionIndexes: await col(exec, `SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
      WHERE i.indexprs IS NOT NULL AND t.relnamespace = 'public'::regnamespace ORDER BY 1`),
    distinctValues: Object.fromEntries(
      (await exec(`SELECT tablename || '.' || attname AS k, n_distinct::float8 AS v FROM pg_stats WHERE schemaname = 'public'
        AND (tablename, attname) IN (('lesson_progress', 'completed'), ('enrollments', 'status'), ('transactions', 'status'),
                                     ('courses', 'published'), ('courses', 'featured'), ('media', 'type'))`)).rows.map((r) => [r.k, r.v]),
    ),
    jsonColumns: await col(exec, `SELECT table_name || '.' || column_name FROM information_schema.columns
      WHERE table_schema = 'public' AND data_type = 'json' ORDER BY 1`),
    timestampWithoutTz: await col(exec, `SELECT count(*)::int FROM information_schema.columns
      WHERE table_schema = 'public' AND data_type = 'timestamp without time zone'`),
    timestampWithoutTzInPrismaMigrations: await col(exec, `SELECT count(*)::int FROM information_schema.columns
      WHERE table_schema = 'public' AND table_name = '_prisma_migrations' AND data_type = 'timestamp without time zone'`),
    rowCounts: Object.fromEntries(
      (await exec(`SELECT 'users' AS t, count(*)::int AS n FROM users UNION ALL SELECT 'enrollments', count(*)::int FROM enrollments
        UNION ALL SELECT 'lesson_progress', count(*)::int FROM lesson_progress UNION ALL SELECT 'transactions', count(*)::int FROM transactions`)).rows.map(
        (r) => [r.t, r.n],
      ),
    ),
  };
}

/** What demoFacts must say about demo/schema.sql (see its header). */
export const EXPECTED_FACTS = {
  tables: DEMO_TABLES,
  withoutPrimaryKey: ['verification_tokens'],
  unindexedForeignKeys: ['lessons_mediaId_fkey', 'media_uploaderId_fkey'],
  multiColumnForeignKeys: [0],
  sameDefinitionPairs: [
    'certificates_certificateNo_idx = certificates_certificateNo_key',
    'courses_slug_idx = courses_slug_key',
    'quizzes_lessonId_idx = quizzes_lesson_idx',
    'transactions_providerTxnId_idx = transactions_providerTxnId_key',
    'users_email_idx = users_email_key',
  ],
  uniqueInSamePair: ['certificates_certificateNo_key,courses_slug_key,transactions_providerTxnId_key,users_email_key'],
  prefixRedundant: [
    'course_progress_userId_idx < course_progress_userId_courseId_key',
    'enrollments_userId_idx < enrollments_userId_courseId_key',
    'lesson_progress_progressId_idx < lesson_progress_progressId_lessonId_key',
  ],
  partialIndexes: ['quiz_attempts_failed_idx: (passed = false)'],
  expressionIndexes: ['CREATE INDEX "certificates_upper_certificateNo_idx" ON public.certificates USING btree (upper("certificateNo"))'],
  distinctValues: {
    'lesson_progress.completed': 2,
    'enrollments.status': 4,
    'transactions.status': 4,
    'courses.published': 2,
    'courses.featured': 2,
    'media.type': 4,
  },
  jsonColumns: ['courses.metadata'],
  timestampWithoutTz: [28],
  timestampWithoutTzInPrismaMigrations: [0],
  rowCounts: { users: 2000, enrollments: 8000, lesson_progress: 12000, transactions: 5000 },
};
