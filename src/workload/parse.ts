// libpg-query (the PostgreSQL 18 parser compiled to WebAssembly) for the workload: fingerprints that
// group one statement however its constants and spacing vary.
import { fingerprintSync, loadModule } from 'libpg-query';

/** The statement's fingerprint, or null when the parser cannot read it. */
export type Fingerprinter = (sql: string) => string | null;

export async function fingerprinter(): Promise<Fingerprinter> {
  await loadModule();
  return (sql) => {
    try {
      return fingerprintSync(sql);
    } catch {
      return null;
    }
  };
}
