// Node 21 and later define `navigator` (userAgent "Node.js/<major>", platform, hardwareConcurrency,
// language). On Node 20, pg rules out Cloudflare Workers by constructing a `Response` instead, and that first
// touch loads Node's whole fetch implementation (undici): tens of milliseconds of every connecting run. The
// same global later Nodes have, defined on Node 20 before pg loads, answers pg's question from the user agent.
import { availableParallelism } from 'node:os';

if (!('navigator' in globalThis)) {
  const userAgent = `Node.js/${process.versions.node.split('.')[0]}`;
  Object.defineProperty(globalThis, 'navigator', {
    configurable: true,
    enumerable: false,
    writable: true,
    value: {
      userAgent,
      platform: process.platform,
      hardwareConcurrency: availableParallelism(),
      get language() {
        return Intl.DateTimeFormat().resolvedOptions().locale;
      },
    },
  });
}
