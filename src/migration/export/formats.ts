// The export formats by name, apart from the exporters (which load the SQL parser) so a picker can list them.
export const EXPORT_FORMATS = ['sql', 'node-pg-migrate', 'prisma', 'flyway', 'golang-migrate', 'sqitch'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
