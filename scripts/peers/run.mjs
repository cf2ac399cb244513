// Runs the asl-rs benchmark scenarios (bench/workflows + bench/inputs) in aws-local-stepfunctions
// and prints {"scenarios":[{"scenario", "ns_per_execution", "ns_per_transition"}], ...} as JSON.
// Used by scripts/bench-peers.sh; Task states get a local handler that returns its input, as
// asl-rs's benchmark handlers do.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StateMachine } from 'aws-local-stepfunctions';

// aws-local-stepfunctions 3 uses Promise.withResolvers (Node >= 22); provide it on older Node.
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function () {
    let resolve, reject;
    const promise = new Promise((res, rej) => { resolve = res; reject = rej; });
    return { promise, resolve, reject };
  };
}

const benchDir = process.argv[2];
const scenarios = JSON.parse(process.argv[3]);

const echo = async (input) => input;

async function timeScenario(s) {
  const definition = JSON.parse(readFileSync(join(benchDir, 'workflows', `${s.workflow}.asl.json`), 'utf8'));
  const input = JSON.parse(readFileSync(join(benchDir, 'inputs', `${s.input}.json`), 'utf8'));
  const machine = new StateMachine(definition, { validationOptions: { checkPaths: false } });
  const handlers = {};
  for (const [name, state] of Object.entries(definition.States)) {
    if (state.Type === 'Task') handlers[name] = echo;
  }
  const run = () => machine.run(input, { overrides: { taskResourceLocalHandlers: handlers } }).result;
  // Warm up for about 300 ms, then time about a second's worth of executions.
  let n = 0;
  let start = performance.now();
  while (n < 3 || performance.now() - start < 300) {
    await run();
    n++;
  }
  const iters = Math.max(5, Math.round((n * 1000) / 300));
  start = performance.now();
  for (let i = 0; i < iters; i++) await run();
  const perExecNs = ((performance.now() - start) * 1e6) / iters;
  return { scenario: s.name, ns_per_execution: perExecNs, ns_per_transition: perExecNs / s.transitions };
}

const rows = [];
for (const s of scenarios) rows.push(await timeScenario(s));
const small = rows.find((r) => r.scenario === 'express_small');
console.log(JSON.stringify({ scenarios: rows, express_small_per_second_one_process: small ? 1e9 / small.ns_per_execution : null }));
