// Waiting in tests for what a controller does asynchronously.
export const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** f's first truthy value, polled every 10 ms; throws after ms. */
export async function until<T>(f: () => T | null | undefined | false, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out');
    await wait(10);
  }
}
