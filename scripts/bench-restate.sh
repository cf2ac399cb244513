#!/usr/bin/env bash
# Side-by-side durable benchmark: asl-rs durable executions (`asl-bench --bin durable`) against
# the Restate durable-execution engine, in one run on this machine.
#
#   scripts/bench-restate.sh [--postgres URL]
#
# asl-rs: pass_chain_100 as durable executions on SQLite (WAL, synchronous=FULL) and, with
# --postgres, on that database; every transition is committed before the next state runs.
# Restate: restate-server with its default durability (the Bifrost log is written to a local
# log-server whose RocksDB WAL is fsynced; the generated config states it and the script checks
# it) and a Node service (scripts/peers/restate/service.mjs) whose handler runs 10 sequential
# `ctx.run` steps, each journaled, the next one starting only once the previous result is
# durable. scripts/peers/restate/drive.mjs keeps 1, 10 and 100 invocations in flight over the
# ingress HTTP API for ~3 s each: steps/s = completed invocations × 10 / seconds. (`durable`
# starts waves of N executions and waits for the whole wave; the driver starts a new invocation
# as soon as one returns, which if anything favours Restate.)
#
# Needs: Rust (cargo), Node.js >= 18 and npm with access to the npm registry. restate-server
# (a prebuilt binary shipped in the npm package) and the TypeScript SDK are installed at pinned
# versions into target/peers/restate (git-ignored). Both run on free loopback ports with a
# throwaway data directory under target/peers/restate, removed on exit, as are both processes.
#
# ASL_BENCH_OURS_JSON=FILE reads the asl-rs SQLite figures (the JSON printed by
# `cargo run --release -p asl-bench --bin durable -- --json`) from FILE instead of building and
# running the benchmark, e.g. to test this script without a build.
#
# Exit codes: 1 usage, 2 Node.js or npm missing, 3 npm install failed, 4 Restate failed (server,
# service, registration or an invocation; its logs are printed), 5 the asl-rs benchmark failed.
set -euo pipefail

# restate-server 1.7.12 is the version the project measured before. The SDK's compatibility
# table lists server 1.7 with sdk-typescript 1.15 - 1.16, hence 1.16.9, not the newest 1.17.x.
RESTATE_SERVER_VERSION="1.7.12"
RESTATE_SDK_VERSION="1.16.9"
SECONDS_PER_LEVEL=3

root="$(cd "$(dirname "$0")/.." && pwd)"
peer="$root/target/peers/restate"

postgres=""
while [ $# -gt 0 ]; do
  case "$1" in
    --postgres)
      [ $# -ge 2 ] || { echo "bench-restate: --postgres needs a URL" >&2; exit 1; }
      postgres="$2"; shift 2 ;;
    -h|--help)
      sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench-restate: unknown argument '$1' (usage: scripts/bench-restate.sh [--postgres URL])" >&2; exit 1 ;;
  esac
done

command -v node >/dev/null || { echo "bench-restate: Node.js is required (node not found)" >&2; exit 2; }
command -v npm >/dev/null || { echo "bench-restate: npm is required (npm not found)" >&2; exit 2; }
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 18 ? 0 : 1)' ||
  { echo "bench-restate: Node.js >= 18 is required (found $(node --version))" >&2; exit 2; }

installed() { # package version
  [ -f "$peer/node_modules/$1/package.json" ] &&
    grep -q "\"version\": \"$2\"" "$peer/node_modules/$1/package.json"
}
mkdir -p "$peer"
if ! installed @restatedev/restate-server "$RESTATE_SERVER_VERSION" ||
   ! installed @restatedev/restate-sdk "$RESTATE_SDK_VERSION"; then
  echo "installing @restatedev/restate-server@$RESTATE_SERVER_VERSION and @restatedev/restate-sdk@$RESTATE_SDK_VERSION into target/peers/restate ..." >&2
  [ -f "$peer/package.json" ] || echo '{"private":true,"type":"module"}' > "$peer/package.json"
  if ! (cd "$peer" && npm install --silent --no-audit --no-fund --ignore-scripts \
        "@restatedev/restate-server@$RESTATE_SERVER_VERSION" "@restatedev/restate-sdk@$RESTATE_SDK_VERSION" >&2); then
    echo "bench-restate: could not install restate-server $RESTATE_SERVER_VERSION / restate-sdk $RESTATE_SDK_VERSION with npm" >&2
    exit 3
  fi
fi
# The npm package's launcher only execs this per-platform binary; run it directly so that the
# server is the process we stop.
server_bin="$(cd "$peer" && node -p 'require.resolve(`@restatedev/restate-server-${process.platform}-${process.arch}/bin/restate-server`)' 2>/dev/null)" ||
  { echo "bench-restate: no restate-server binary for $(node -p 'process.platform + "-" + process.arch') in the npm package" >&2; exit 3; }
cp "$root/scripts/peers/restate/service.mjs" "$root/scripts/peers/restate/drive.mjs" "$peer/"

# --- asl-rs, first, so that it does not share the CPU with Restate ---------------------------
if [ -n "${ASL_BENCH_OURS_JSON:-}" ]; then
  echo "reading asl-rs SQLite figures from $ASL_BENCH_OURS_JSON (ASL_BENCH_OURS_JSON) ..." >&2
  ours="$(cat "$ASL_BENCH_OURS_JSON")" || { echo "bench-restate: cannot read $ASL_BENCH_OURS_JSON" >&2; exit 5; }
else
  echo "building and running asl-rs durable executions on SQLite (release) ..." >&2
  ours="$(cd "$root" && cargo run -q --release -p asl-bench --bin durable -- --json)" ||
    { echo "bench-restate: the asl-rs durable benchmark (SQLite) failed" >&2; exit 5; }
fi
valid_ours() { # json: an array of {"concurrent", "transitions_per_s"} (and, on SQLite, one
  # {"raw_commits_per_s"}: the store's raw one-row commit rate), as `durable --json` prints
  OURS="$1" node -e 'const o = JSON.parse(process.env.OURS);
    const level = (r) => Number.isInteger(r.concurrent) && typeof r.transitions_per_s === "number";
    const raw = (r) => typeof r.raw_commits_per_s === "number";
    if (!Array.isArray(o) || !o.some(level) || !o.every((r) => level(r) || raw(r))) process.exit(1);' 2>/dev/null
}
valid_ours "$ours" ||
  { echo "bench-restate: expected [{\"concurrent\":1,\"transitions_per_s\":...},...] from the asl-rs benchmark, got: $ours" >&2; exit 5; }
ours_pg="null"
if [ -n "$postgres" ]; then
  echo "running asl-rs durable executions on Postgres ..." >&2
  ours_pg="$(cd "$root" && cargo run -q --release -p asl-bench --bin durable -- --json --postgres "$postgres")" ||
    { echo "bench-restate: the asl-rs durable benchmark (Postgres) failed" >&2; exit 5; }
  valid_ours "$ours_pg" ||
    { echo "bench-restate: unexpected output from the asl-rs benchmark on Postgres: $ours_pg" >&2; exit 5; }
fi

# --- Restate -------------------------------------------------------------------------------
data="$peer/run.$$"
server_pid=""
service_pid=""
driver_pid=""
status=0
stop() { # pid: TERM, up to 10 s, then KILL
  [ -n "$1" ] && kill -0 "$1" 2>/dev/null || return 0
  kill -TERM "$1" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}
cleanup() {
  status=$?
  trap - EXIT INT TERM
  stop "$driver_pid"
  stop "$service_pid"
  stop "$server_pid"
  if [ "$status" -eq 4 ] && [ -d "$data" ]; then
    for log in server service; do
      [ -s "$data/$log.log" ] && { echo "--- last lines of the Restate $log log:" >&2; tail -n 30 "$data/$log.log" >&2; }
    done
  fi
  rm -rf "$data"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
restate_fail() { echo "bench-restate: $1" >&2; exit 4; }

rm -rf "$data"
mkdir -p "$data"
# Four free loopback ports: ingress, admin, node-to-node, the service.
read -r ingress_port admin_port node_port service_port < <(node -e '
const net = require("node:net");
Promise.all([0, 1, 2, 3].map(() => new Promise((res, rej) => {
  const s = net.createServer().listen(0, "127.0.0.1", () => res(s)).on("error", rej);
}))).then((ss) => { console.log(ss.map((s) => s.address().port).join(" ")); ss.forEach((s) => s.close()); });
') || restate_fail "could not find free loopback ports"

cat > "$data/restate.toml" <<EOF
cluster-name = "asl-bench"
node-name = "bench"
disable-telemetry = true
log-disable-ansi-codes = true
bind-address = "127.0.0.1:$node_port"
advertised-address = "http://127.0.0.1:$node_port/"

[admin]
bind-address = "127.0.0.1:$admin_port"

[ingress]
bind-address = "127.0.0.1:$ingress_port"

# Durability: Restate's defaults, written out. Invocations and journal entries are appended to
# the Bifrost log, stored by this node's log-server in RocksDB with the WAL on and fsynced.
[bifrost]
default-provider = "replicated"

[log-server]
rocksdb-disable-wal-fsync = false

[bifrost.local]
rocksdb-disable-wal = false
rocksdb-disable-wal-fsync = false
EOF
config="$("$server_bin" --config-file "$data/restate.toml" --dump-config 2>&1)" ||
  restate_fail "restate-server rejected the generated config: $config"
if grep -Eq '^rocksdb-disable-wal(-fsync)? = true' <<<"$config" ||
   ! grep -q '^default-provider = "replicated"' <<<"$config" ||
   ! grep -q '"log-server"' <<<"$config"; then
  restate_fail "the effective config does not fsync the Bifrost log (see restate-server --dump-config)"
fi

echo "starting restate-server $RESTATE_SERVER_VERSION (ingress 127.0.0.1:$ingress_port, admin 127.0.0.1:$admin_port, data in ${data#"$root/"}) ..." >&2
"$server_bin" --config-file "$data/restate.toml" --base-dir "$data/restate-data" \
  --listen-mode tcp --no-logo >"$data/server.log" 2>&1 &
server_pid=$!
echo "starting the Node service (restate-sdk $RESTATE_SDK_VERSION, 127.0.0.1:$service_port) ..." >&2
(cd "$peer" && PORT="$service_port" RESTATE_LOGGING=WARN exec node service.mjs) >"$data/service.log" 2>&1 &
service_pid=$!

echo "registering the deployment and running 1, 10, 100 concurrent invocations (~${SECONDS_PER_LEVEL} s each) ..." >&2
# In the background and waited for, so that a TERM stops everything at once.
node "$peer/drive.mjs" "http://127.0.0.1:$admin_port" "http://127.0.0.1:$ingress_port" \
  "http://127.0.0.1:$service_port" "$SECONDS_PER_LEVEL" 1,10,100 >"$data/restate.json" &
driver_pid=$!
while kill -0 "$driver_pid" 2>/dev/null; do
  kill -0 "$server_pid" 2>/dev/null || restate_fail "restate-server exited"
  kill -0 "$service_pid" 2>/dev/null || restate_fail "the Node service exited"
  sleep 0.2
done
wait "$driver_pid" || { driver_pid=""; restate_fail "the Restate load run failed"; }
driver_pid=""
theirs="$(cat "$data/restate.json")"
kill -0 "$server_pid" 2>/dev/null || restate_fail "restate-server exited during the run"
stop "$service_pid"; service_pid=""
stop "$server_pid"; server_pid=""

# --- table ---------------------------------------------------------------------------------
OURS="$ours" OURS_PG="$ours_pg" THEIRS="$theirs" \
VERSIONS="restate-server $RESTATE_SERVER_VERSION, restate-sdk $RESTATE_SDK_VERSION, Node $(node --version)" node -e '
const ours = JSON.parse(process.env.OURS), pg = JSON.parse(process.env.OURS_PG), theirs = JSON.parse(process.env.THEIRS);
const at = (rows, c, k) => { const r = rows && rows.find((x) => x.concurrent === c); return r ? r[k] : undefined; };
const num = (x) => x === undefined ? "-" : Math.round(x).toLocaleString("en-US");
const ratio = (a, b) => a === undefined || b === undefined ? "-" : (a / b).toFixed(1) + "x";
console.log("asl-rs: transitions/s of pass_chain_100 (100 Pass states), every transition committed before the next state runs.");
console.log(`Restate: steps/s = invocations × 10 ctx.run steps, each journaled durably before the next runs (${process.env.VERSIONS}).`);
console.log("ratio: asl-rs transitions/s ÷ Restate steps/s.");
const head = ["concurrent", "asl-rs SQLite transitions/s"];
if (pg) head.push("asl-rs Postgres transitions/s");
head.push("Restate steps/s", "ratio (SQLite)");
if (pg) head.push("ratio (Postgres)");
const rows = theirs.map((t) => {
  const s = at(ours, t.concurrent, "transitions_per_s"), p = at(pg, t.concurrent, "transitions_per_s");
  const row = [String(t.concurrent), num(s)];
  if (pg) row.push(num(p));
  row.push(num(t.steps_per_s), ratio(s, t.steps_per_s));
  if (pg) row.push(ratio(p, t.steps_per_s));
  return row;
});
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (r) => "| " + r.map((c, i) => i ? c.padStart(widths[i]) : c.padEnd(widths[i])).join(" | ") + " |";
console.log(line(head));
console.log("|" + widths.map((w, i) => i ? "-".repeat(w + 1) + ":" : "-".repeat(w + 2)).join("|") + "|");
for (const r of rows) console.log(line(r));
const raw = ours.find((r) => typeof r.raw_commits_per_s === "number");
if (raw) console.log(`raw SQLite one-row commits on this disk in the same run: ${num(raw.raw_commits_per_s)}/s`);
'
