import type { AnalyzerRegistry } from '../analyzer.ts';

/**
 * Analyzers by the name notebook cells give in `-- analyzer: NAME`, each loaded when a cell first runs it:
 * most of them load libpg-query's WebAssembly, which a run with nothing to analyze never needs. What each
 * one reads and needs is declared apart (../inputs.ts), so a run decides without loading any of them.
 */
export const ANALYZERS: AnalyzerRegistry = {
  'workload-indexes': async () => (await import('./workload-indexes.ts')).workloadIndexes,
  'drop-validation': async () => (await import('./drop-validation.ts')).dropValidation,
  'n-plus-one': async () => (await import('./n-plus-one.ts')).nPlusOne,
  'workload-design': async () => (await import('./workload-design.ts')).workloadDesign,
  'rls-initplan': async () => (await import('./rls-initplan.ts')).rlsInitplan,
  'rls-policy-index': async () => (await import('./rls-policy-index.ts')).rlsPolicyIndex,
  'rls-context': async () => (await import('./rls-context.ts')).rlsContext,
  'workload-sources': async () => (await import('./workload-sources.ts')).workloadSources,
};
