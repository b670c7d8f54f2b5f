import type { Analyzer } from '../analyzer.ts';

/** Analyzers by the name notebook cells give in `-- analyzer: NAME`. */
export const ANALYZERS: Record<string, Analyzer> = {};
