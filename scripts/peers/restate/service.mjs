// Restate service for scripts/bench-restate.sh: `Chain/run` runs 10 sequential `ctx.run` steps,
// each a trivial side-effect-free closure returning a small value. Restate journals every step's
// result, and the SDK does not start the next step until the previous result is durable.
// Listens (HTTP/2 cleartext, as restate-server calls deployments) on 127.0.0.1:$PORT.
import * as http2 from 'node:http2';
import * as restate from '@restatedev/restate-sdk';

// restate-sdk 1.16 uses Promise.withResolvers (Node >= 22); provide it on older Node. The SDK only
// calls it while handling requests, after this module has run.
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function () {
    let resolve, reject;
    const promise = new Promise((res, rej) => { resolve = res; reject = rej; });
    return { promise, resolve, reject };
  };
}

const STEPS = 10;

const chain = restate.service({
  name: 'Chain',
  handlers: {
    run: async (ctx) => {
      let n = 0;
      for (let i = 0; i < STEPS; i++) {
        const prev = n;
        n = await ctx.run(`step${i}`, () => prev + 1);
      }
      return { steps: n };
    },
  },
});

const port = Number(process.env.PORT);
if (!Number.isInteger(port) || port <= 0) {
  console.error('service.mjs: set PORT to the port to listen on');
  process.exit(2);
}
const server = http2.createServer(restate.createEndpointHandler({ services: [chain] }));
server.on('error', (e) => {
  console.error(`service.mjs: ${e.message}`);
  process.exit(1);
});
server.listen(port, '127.0.0.1', () => console.error(`restate bench service listening on 127.0.0.1:${port}`));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));
