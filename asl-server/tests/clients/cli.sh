#!/usr/bin/env bash
# The AWS CLI against asl-server: start -> describe -> history paging -> callback -> stop ->
# redrive -> list with filters -> start-sync-execution, as the README shows them.
#
# Run by asl-server/tests/clients.rs with ASL_SMOKE_ENDPOINT (http://127.0.0.1:PORT), AWS_CLI
# (the venv's `aws`), PYTHON (the venv's python, to read JSON) and AWS credentials the server
# knows. Exits non-zero at the first difference.
set -euo pipefail
: "${ASL_SMOKE_ENDPOINT:?}" "${AWS_CLI:?}" "${PYTHON:?}" "${AWS_DEFAULT_REGION:?}"

SM="arn:aws:states:${AWS_DEFAULT_REGION}:123456789012:stateMachine"
sfn() { "$AWS_CLI" stepfunctions --endpoint-url "$ASL_SMOKE_ENDPOINT" "$@"; }
fail() { echo "cli.sh: $*" >&2; exit 1; }
expect() { [ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"; }
step() { echo "cli.sh: $*"; }
# json EXPR: evaluates a Python expression over the JSON document on stdin (bound to `d`).
json() { "$PYTHON" -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
wait_status() { # ARN STATUS
  for _ in $(seq 1 200); do
    if [ "$(sfn describe-execution --execution-arn "$1" --query status --output text)" = "$2" ]; then
      return 0
    fi
    sleep 0.1
  done
  fail "$1 never reached $2"
}

step "list-state-machines"
names="$(sfn list-state-machines --query 'stateMachines[].name' --output text)"
for n in broken callback chain echo sleepy; do
  [[ " $(echo $names) " == *" $n "* ]] || fail "state machine $n missing from: $names"
done
expect "$(sfn describe-state-machine --state-machine-arn "$SM:echo" --query type --output text)" \
  EXPRESS "describe-state-machine type"

step "start-execution, describe-execution"
exec="$(sfn start-execution --state-machine-arn "$SM:chain" --name cli-chain --input '{"n": 3}' \
  --query executionArn --output text)"
expect "$exec" "arn:aws:states:${AWS_DEFAULT_REGION}:123456789012:execution:chain:cli-chain" "executionArn"
wait_status "$exec" SUCCEEDED
expect "$(sfn describe-execution --execution-arn "$exec" --output json | json 'json.loads(d["output"])')" \
  "{'n': 3, 'steps': 6}" "output"

step "get-execution-history paging"
total="$(sfn get-execution-history --execution-arn "$exec" --output json | json 'len(d["events"])')"
page1="$(sfn get-execution-history --execution-arn "$exec" --max-items 4 --output json)"
expect "$(echo "$page1" | json 'len(d["events"])')" 4 "first page"
next="$(echo "$page1" | json 'd["NextToken"]')"
rest="$(sfn get-execution-history --execution-arn "$exec" --starting-token "$next" --output json \
  | json 'len(d["events"])')"
expect "$((4 + rest))" "$total" "events over two CLI pages"
# One service page of two, without the CLI's own paging: the service's nextToken shows.
expect "$(sfn get-execution-history --execution-arn "$exec" --no-paginate --max-results 2 \
  --reverse-order --output json | json 'd["events"][0]["type"], "nextToken" in d')" \
  "ExecutionSucceeded True" "reverse-order page"

step "callback: send-task-success with the token from the history"
cb="$(sfn start-execution --state-machine-arn "$SM:callback" --input '{"order": 8}' \
  --query executionArn --output text)"
token=""
for _ in $(seq 1 200); do
  params="$(sfn get-execution-history --execution-arn "$cb" --output json \
    --query "events[?type=='TaskScheduled'].taskScheduledEventDetails.parameters | [0]")"
  if [ "$params" != "null" ]; then
    token="$(echo "$params" | json 'json.loads(d)["MessageBody"]["token"]')"
    break
  fi
  sleep 0.1
done
[ -n "$token" ] || fail "no TaskScheduled event (with the token) in the history of a waiting callback"
sfn send-task-heartbeat --task-token "$token"
sfn send-task-success --task-token "$token" --task-output '{"via": "cli"}'
wait_status "$cb" SUCCEEDED
expect "$(sfn describe-execution --execution-arn "$cb" --query output --output text)" '{"via":"cli"}' \
  "callback output"

step "stop-execution, redrive-execution"
sl="$(sfn start-execution --state-machine-arn "$SM:sleepy" --name cli-sleepy --query executionArn \
  --output text)"
wait_status "$sl" RUNNING
sfn stop-execution --execution-arn "$sl" --error Cancelled --cause "from the CLI" >/dev/null
wait_status "$sl" ABORTED
expect "$(sfn describe-execution --execution-arn "$sl" --query '[error, cause]' --output text)" \
  "Cancelled	from the CLI" "stop error and cause"
sfn redrive-execution --execution-arn "$sl" >/dev/null
wait_status "$sl" RUNNING
expect "$(sfn describe-execution --execution-arn "$sl" --query redriveCount --output text)" 1 \
  "redriveCount"

step "list-executions with filters"
running="$(sfn list-executions --state-machine-arn "$SM:sleepy" --status-filter RUNNING \
  --query 'executions[].name' --output text)"
[[ " $(echo $running) " == *" cli-sleepy "* ]] || fail "cli-sleepy not RUNNING in: $running"
redriven="$(sfn list-executions --state-machine-arn "$SM:sleepy" --redrive-filter REDRIVEN \
  --query 'executions[].name' --output text)"
[[ " $(echo $redriven) " == *" cli-sleepy "* ]] || fail "cli-sleepy not REDRIVEN in: $redriven"
succeeded="$(sfn list-executions --state-machine-arn "$SM:chain" --status-filter SUCCEEDED \
  --page-size 1 --query 'executions[].name' --output text)"
[[ " $(echo $succeeded) " == *" cli-chain "* ]] || fail "cli-chain not SUCCEEDED in: $succeeded"
sfn stop-execution --execution-arn "$sl" >/dev/null

step "start-sync-execution (host prefix injection off)"
expect "$(AWS_DISABLE_HOST_PREFIX_INJECTION=true sfn start-sync-execution \
  --state-machine-arn "$SM:echo" --input '{"hello": "cli"}' --query '[status, output]' --output text)" \
  'SUCCEEDED	{"hello":"cli","echoed":true}' "start-sync-execution"

echo "cli.sh: ok"
