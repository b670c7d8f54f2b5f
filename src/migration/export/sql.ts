// `sql`: NAME.up.sql and NAME.down.sql, each applied with `psql -X -v ON_ERROR_STOP=1 -f FILE`.
import type { Exporter } from './common.ts';

export const exportSql: Exporter = async (m, ctx) => [
  { path: `${ctx.slug}.up.sql`, content: m.up },
  { path: `${ctx.slug}.down.sql`, content: m.down },
];
