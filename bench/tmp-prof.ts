import { Normalizer } from '../src/workload/normalize.ts';
import { readWorkloadFile } from '../src/workload/files/read.ts';
const n = await Normalizer.create();
const t = performance.now();
const s = await readWorkloadFile('/tmp/i12a/4mb.log', 'stderr', { normalizer: n, database: 'pgadv_bench_workload' });
console.log(performance.now() - t, s.entries, s.collected().length);
