// Load driver for scripts/bench-restate.sh. Waits for restate-server's admin API, registers the
// deployment of service.mjs, then calls `Chain/run` over the ingress HTTP API with 1, 10 and 100
// invocations in flight (each of N workers starts its next invocation as soon as the previous
// one returns) for ~3 s per level, and prints
// [{"concurrent", "invocations", "seconds", "steps_per_s"}] as JSON on stdout.
// steps/s = completed invocations × 10 (ctx.run steps each) / seconds. Every invocation's
// result is checked. Uses Node's built-in fetch (undici), which keeps connections alive.
//
// usage: node drive.mjs ADMIN_URL INGRESS_URL SERVICE_URL [SECONDS] [LEVELS]
const [admin, ingress, service, secondsArg = '3', levelsArg = '1,10,100'] = process.argv.slice(2);
if (!admin || !ingress || !service) {
  console.error('usage: node drive.mjs ADMIN_URL INGRESS_URL SERVICE_URL [SECONDS] [LEVELS]');
  process.exit(2);
}
const SECONDS = Number(secondsArg);
const LEVELS = levelsArg.split(',').map(Number);
const STEPS = 10; // ctx.run steps per invocation in service.mjs

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const fail = (msg) => {
  console.error(`drive.mjs: ${msg}`);
  process.exit(1);
};

// Retries `attempt` (which returns a truthy value on success or throws) until it succeeds or
// `timeoutMs` has passed; then fails with the last error.
async function retry(what, timeoutMs, attempt) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no attempt';
  for (;;) {
    try {
      const r = await attempt();
      if (r) return r;
    } catch (e) {
      last = e.message;
    }
    if (Date.now() > deadline) fail(`${what}: gave up after ${timeoutMs / 1000} s (last: ${last})`);
    await sleep(200);
  }
}

async function invoke() {
  const res = await fetch(`${ingress}/Chain/run`, { method: 'POST', signal: AbortSignal.timeout(60_000) });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`ingress answered ${res.status}: ${text.slice(0, 300)}`);
  const out = JSON.parse(text);
  if (out.steps !== STEPS) throw new Error(`unexpected result ${text.slice(0, 300)}`);
}

async function load(concurrent, seconds) {
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let done = 0;
  const worker = async () => {
    while (performance.now() < deadline) {
      await invoke();
      done++;
    }
  };
  await Promise.all(Array.from({ length: concurrent }, worker));
  return { invocations: done, seconds: (performance.now() - started) / 1000 };
}

await retry('waiting for the admin API', 90_000, async () => (await fetch(`${admin}/health`)).ok);
await retry('registering the deployment', 30_000, async () => {
  const res = await fetch(`${admin}/deployments`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ uri: service }),
  });
  if (!res.ok) throw new Error(`admin answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
  return true;
});
// The first invocation can wait for partition leaders and the new deployment to be known.
await retry('the first invocation', 60_000, async () => (await invoke(), true));
await load(10, 1); // warm-up

const rows = [];
for (const concurrent of LEVELS) {
  let r;
  try {
    r = await load(concurrent, SECONDS);
  } catch (e) {
    fail(`${concurrent} concurrent invocations: ${e.message}`);
  }
  rows.push({ concurrent, ...r, steps_per_s: (r.invocations * STEPS) / r.seconds });
  console.error(`restate: ${concurrent} concurrent: ${r.invocations} invocations in ${r.seconds.toFixed(2)} s`);
}
console.log(JSON.stringify(rows));
