#!/usr/bin/env bash
# Side-by-side benchmark: the asl-rs scenarios of `bench/` against aws-local-stepfunctions,
# the fastest local ASL engine we know of, in one run on this machine.
#
# Needs: Rust (cargo), Node.js >= 18 and npm with access to the npm registry. The peer is
# installed at a pinned version into target/peers (git-ignored). Prints a table: scenario,
# peer time per transition, asl-rs time per transition, ratio. Exits non-zero when the peer
# cannot be installed or run.
set -euo pipefail

PEER_VERSION="3.0.0"
root="$(cd "$(dirname "$0")/.." && pwd)"
peers="$root/target/peers"

command -v node >/dev/null || { echo "bench-peers: Node.js is required (node not found)" >&2; exit 2; }
command -v npm >/dev/null || { echo "bench-peers: npm is required (npm not found)" >&2; exit 2; }

mkdir -p "$peers"
if [ ! -f "$peers/node_modules/aws-local-stepfunctions/package.json" ] ||
   ! grep -q "\"version\": \"$PEER_VERSION\"" "$peers/node_modules/aws-local-stepfunctions/package.json"; then
  echo "installing aws-local-stepfunctions@$PEER_VERSION into target/peers ..." >&2
  [ -f "$peers/package.json" ] || echo '{"private":true,"type":"module"}' > "$peers/package.json"
  if ! (cd "$peers" && npm install --silent --no-audit --no-fund "aws-local-stepfunctions@$PEER_VERSION" >&2); then
    echo "bench-peers: could not install aws-local-stepfunctions@$PEER_VERSION with npm" >&2
    exit 3
  fi
fi
cp "$root/scripts/peers/run.mjs" "$peers/run.mjs"

echo "building and running asl-rs scenarios (release) ..." >&2
ours="$(cd "$root" && cargo run -q --release -p asl-bench --bin scenarios -- --json)"
scenarios="$(cd "$root" && cargo run -q --release -p asl-bench --bin scenarios -- --list)"
echo "running the same scenarios in aws-local-stepfunctions ..." >&2
if ! theirs="$(node "$peers/run.mjs" "$root/bench" "$scenarios")"; then
  echo "bench-peers: the peer failed to run the scenarios" >&2
  exit 4
fi

OURS="$ours" THEIRS="$theirs" node -e '
const ours = JSON.parse(process.env.OURS), theirs = JSON.parse(process.env.THEIRS);
const fmt = (ns) => ns >= 1e6 ? (ns / 1e6).toFixed(2) + " ms" : ns >= 1e3 ? (ns / 1e3).toFixed(2) + " µs" : ns.toFixed(1) + " ns";
console.log(["scenario", "peer / transition", "asl-rs / transition", "ratio"].map((h, i) => i ? h.padStart(20) : h.padEnd(16)).join(""));
for (const o of ours.scenarios) {
  const t = theirs.scenarios.find((x) => x.scenario === o.scenario);
  if (!t) continue;
  console.log(o.scenario.padEnd(16) + fmt(t.ns_per_transition).padStart(20) + fmt(o.ns_per_transition).padStart(20) + (t.ns_per_transition / o.ns_per_transition).toFixed(1).padStart(19) + "x");
}
console.log(`express_small: asl-rs ${Math.round(ours.express_small_per_second_all_cores)} executions/s on all cores; peer ${Math.round(theirs.express_small_per_second_one_process)} executions/s in one Node process`);
'
