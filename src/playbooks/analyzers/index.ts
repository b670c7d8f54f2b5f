import type { Analyzer } from '../analyzer.ts';
import { workloadIndexes } from './workload-indexes.ts';

/** Analyzers by the name notebook cells give in `-- analyzer: NAME`. */
export const ANALYZERS: Record<string, Analyzer> = {
  'workload-indexes': workloadIndexes,
  'drop-validation': (await import('./drop-validation.ts')).dropValidation,
  'n-plus-one': (await import('./n-plus-one.ts')).nPlusOne,
  'workload-design': (await import('./workload-design.ts')).workloadDesign,
  'rls-initplan': (await import('./rls-initplan.ts')).rlsInitplan,
  'rls-policy-index': (await import('./rls-policy-index.ts')).rlsPolicyIndex,
  'rls-context': (await import('./rls-context.ts')).rlsContext,
  'workload-sources': (await import('./workload-sources.ts')).workloadSources,
};
