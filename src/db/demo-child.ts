// Child-process entry for the embedded demo: starts it, prints one JSON line, stops when stdin closes
// (which also happens when the parent dies, so no demo outlives its session).
import { startDemo } from './demo.ts';

try {
  const demo = await startDemo();
  process.stdout.write(JSON.stringify({ target: demo.target, cached: demo.cached, timings: demo.timings }) + '\n');
  process.stdin.resume();
  process.stdin.on('end', () => void demo.stop().finally(() => process.exit(0)));
} catch (err) {
  process.stderr.write(`${(err as Error).message.split('\n')[0]}\n`);
  process.exit(1);
}
