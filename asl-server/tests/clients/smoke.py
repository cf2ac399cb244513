"""boto3 against asl-server: start -> describe -> history paging -> callback -> stop -> redrive ->
list with filters, plus StartSyncExecution and the errors clients see.

Run by asl-server/tests/clients.rs, which serves the workflows `chain`, `callback`, `sleepy`,
`broken` (STANDARD) and `echo` (EXPRESS) and sets:
  ASL_SMOKE_ENDPOINT   http://127.0.0.1:PORT
  AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_DEFAULT_REGION   a credential the server knows
Exits non-zero (an AssertionError or a botocore error with its traceback) on the first failure.
"""

import json
import os
import sys
import time

import boto3
import botocore.config
from botocore.exceptions import ClientError

ENDPOINT = os.environ["ASL_SMOKE_ENDPOINT"]
REGION = os.environ.get("AWS_DEFAULT_REGION", "us-east-1")
ACCOUNT = "123456789012"
# No retries: a refused request must show at once, not after backoff.
NO_RETRY = {"max_attempts": 1, "mode": "standard"}


def client(**overrides):
    config = botocore.config.Config(retries=NO_RETRY, **overrides.pop("config", {}))
    return boto3.client(
        "stepfunctions", endpoint_url=ENDPOINT, region_name=REGION, config=config, **overrides
    )


sfn = client()


def machine_arn(name):
    return f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{name}"


def error_code(call, *args, **kwargs):
    """The error name of a call that must fail."""
    try:
        call(*args, **kwargs)
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["Error"]["Message"]
    raise AssertionError(f"{call.__name__} succeeded but should have failed")


def wait_status(arn, wanted, timeout=20.0):
    deadline = time.monotonic() + timeout
    while True:
        d = sfn.describe_execution(executionArn=arn)
        if d["status"] in wanted:
            return d
        assert time.monotonic() < deadline, f"{arn} still {d['status']}, wanted {wanted}"
        time.sleep(0.05)


def all_events(arn, **kwargs):
    return sfn.get_execution_history(executionArn=arn, maxResults=1000, **kwargs)["events"]


def step(name):
    print(f"smoke.py: {name}", flush=True)


# --- state machines --------------------------------------------------------------------------
step("list and describe state machines")
machines = {m["name"]: m for m in sfn.list_state_machines()["stateMachines"]}
for name in ["broken", "callback", "chain", "echo", "sleepy"]:
    assert name in machines, machines
    assert machines[name]["stateMachineArn"] == machine_arn(name), machines[name]
assert machines["echo"]["type"] == "EXPRESS" and machines["chain"]["type"] == "STANDARD"
described = sfn.describe_state_machine(stateMachineArn=machine_arn("chain"))
assert described["type"] == "STANDARD" and described["status"] == "ACTIVE", described
assert json.loads(described["definition"])["StartAt"] == "P1", described["definition"]

# --- start, idempotency, describe ------------------------------------------------------------
step("start and describe")
started = sfn.start_execution(
    stateMachineArn=machine_arn("chain"), name="chain-1", input='{"n": 1}'
)
arn = started["executionArn"]
assert arn == f"arn:aws:states:{REGION}:{ACCOUNT}:execution:chain:chain-1", arn
done = wait_status(arn, {"SUCCEEDED"})
# A closed execution's name cannot be started again, even with the same input (EXEC-3).
code, _ = error_code(
    sfn.start_execution, stateMachineArn=machine_arn("chain"), name="chain-1", input='{"n": 1}'
)
assert code == "ExecutionAlreadyExists", code
assert json.loads(done["output"]) == {"n": 1, "steps": 6}, done["output"]
assert json.loads(done["input"]) == {"n": 1}
assert done["stateMachineArn"] == machine_arn("chain") and done["name"] == "chain-1"
assert done["stopDate"] >= done["startDate"], done
sfn.start_execution(stateMachineArn=machine_arn("chain"), name="chain-2", input='{"n": 2}')

# --- history paging --------------------------------------------------------------------------
step("history paging")
everything = all_events(arn)
assert everything[0]["type"] == "ExecutionStarted", everything[0]
assert everything[-1]["type"] == "ExecutionSucceeded", everything[-1]
assert len(everything) >= 12, len(everything)
assert [e["id"] for e in everything] == list(range(1, len(everything) + 1))
paged, token, pages = [], None, 0
while True:
    kwargs = {"nextToken": token} if token else {}
    page = sfn.get_execution_history(executionArn=arn, maxResults=5, **kwargs)
    assert len(page["events"]) <= 5
    paged += page["events"]
    pages += 1
    token = page.get("nextToken")
    if not token:
        break
assert paged == everything, "paged history differs from the whole history"
assert pages == (len(everything) + 4) // 5, pages
reverse = all_events(arn, reverseOrder=True)
assert reverse == list(reversed(everything))
# boto3's own paginator follows nextToken the same way.
via_paginator = [
    e
    for p in sfn.get_paginator("get_execution_history").paginate(
        executionArn=arn, PaginationConfig={"PageSize": 4}
    )
    for e in p["events"]
]
assert via_paginator == everything
lean = all_events(arn, includeExecutionData=False)
started_details = lean[0]["executionStartedEventDetails"]
assert "input" not in started_details, started_details
assert "input" in everything[0]["executionStartedEventDetails"]

# --- callback: the task token is in the TaskScheduled parameters -----------------------------
step("callback")
cb = sfn.start_execution(stateMachineArn=machine_arn("callback"), input='{"order": 7}')["executionArn"]
deadline = time.monotonic() + 20
token = None
while token is None:
    for e in all_events(cb):
        if e["type"] == "TaskScheduled":
            params = json.loads(e["taskScheduledEventDetails"]["parameters"])
            token = params["MessageBody"]["token"]
            assert params["MessageBody"]["order"] == 7, params
    if token is None:
        assert time.monotonic() < deadline, (
            "the history of an execution waiting for its task token has no TaskScheduled event "
            f"(AWS records it when the task is scheduled): {[e['type'] for e in all_events(cb)]}"
        )
        time.sleep(0.05)
assert wait_status(cb, {"RUNNING"})["status"] == "RUNNING"
sfn.send_task_heartbeat(taskToken=token)
sfn.send_task_success(taskToken=token, output='{"approved": true}')
done = wait_status(cb, {"SUCCEEDED"})
assert json.loads(done["output"]) == {"approved": True}, done["output"]
code, _ = error_code(sfn.send_task_success, taskToken=token, output="{}")
assert code == "TaskTimedOut", code
code, _ = error_code(sfn.send_task_failure, taskToken="NoSuchTaskToken", error="E")
assert code == "InvalidToken", code

# --- stop and redrive ------------------------------------------------------------------------
step("stop and redrive")
sleepy = sfn.start_execution(stateMachineArn=machine_arn("sleepy"), name="sleepy-1")["executionArn"]
sfn.start_execution(stateMachineArn=machine_arn("sleepy"), name="sleepy-2")
wait_status(sleepy, {"RUNNING"})
# While it runs, the same name and input is the same execution (EXEC-3) ...
again = sfn.start_execution(stateMachineArn=machine_arn("sleepy"), name="sleepy-1")
assert again["executionArn"] == sleepy, again
# ... and another input is an error.
code, _ = error_code(
    sfn.start_execution, stateMachineArn=machine_arn("sleepy"), name="sleepy-1", input='{"x": 1}'
)
assert code == "ExecutionAlreadyExists", code
stopped = sfn.stop_execution(executionArn=sleepy, error="Cancelled", cause="by the smoke test")
assert "stopDate" in stopped, stopped
d = wait_status(sleepy, {"ABORTED"})
assert d["error"] == "Cancelled" and d["cause"] == "by the smoke test", d
assert d["redriveStatus"] == "REDRIVABLE", d
redriven = sfn.redrive_execution(executionArn=sleepy)
assert "redriveDate" in redriven, redriven
d = wait_status(sleepy, {"RUNNING"})
assert d["redriveCount"] == 1, d
kinds = [e["type"] for e in all_events(sleepy)]
assert "ExecutionAborted" in kinds and "ExecutionRedriven" in kinds, kinds
code, _ = error_code(sfn.redrive_execution, executionArn=arn)
assert code == "ExecutionNotRedrivable", code

broken = sfn.start_execution(stateMachineArn=machine_arn("broken"))["executionArn"]
d = wait_status(broken, {"FAILED"})
assert d["error"] == "Oops" and d["cause"] == "on purpose", d

# --- list with filters -----------------------------------------------------------------------
step("list with filters")


def listed(machine, **kwargs):
    pages = sfn.get_paginator("list_executions").paginate(
        stateMachineArn=machine_arn(machine), PaginationConfig={"PageSize": 1}, **kwargs
    )
    return sorted(e["name"] for p in pages for e in p["executions"])


assert listed("chain") == ["chain-1", "chain-2"], listed("chain")
wait_status(f"arn:aws:states:{REGION}:{ACCOUNT}:execution:chain:chain-2", {"SUCCEEDED"})
assert listed("chain", statusFilter="SUCCEEDED") == ["chain-1", "chain-2"]
assert listed("chain", statusFilter="RUNNING") == []
assert listed("sleepy", statusFilter="RUNNING") == ["sleepy-1", "sleepy-2"]
assert listed("sleepy", redriveFilter="REDRIVEN") == ["sleepy-1"]
assert listed("sleepy", redriveFilter="NOT_REDRIVEN") == ["sleepy-2"]
page = sfn.list_executions(stateMachineArn=machine_arn("chain"), maxResults=1)
assert len(page["executions"]) == 1 and "nextToken" in page, page
assert page["executions"][0]["status"] == "SUCCEEDED"
sfn.stop_execution(executionArn=sleepy)

# --- StartSyncExecution (Express only), on the plain endpoint --------------------------------
step("start sync execution")
sync_client = client(config={"inject_host_prefix": False})
out = sync_client.start_sync_execution(stateMachineArn=machine_arn("echo"), input='{"hello": "sync"}')
assert out["status"] == "SUCCEEDED", out
assert json.loads(out["output"]) == {"hello": "sync", "echoed": True}, out["output"]
code, _ = error_code(sync_client.start_sync_execution, stateMachineArn=machine_arn("chain"))
assert code == "StateMachineTypeNotSupported", code

# --- errors ----------------------------------------------------------------------------------
step("errors")
code, _ = error_code(sfn.describe_execution, executionArn="not-an-arn")
assert code == "InvalidArn", code
code, _ = error_code(sfn.start_execution, stateMachineArn=machine_arn("nope"))
assert code == "StateMachineDoesNotExist", code
code, _ = error_code(
    sfn.describe_execution,
    executionArn=f"arn:aws:states:{REGION}:{ACCOUNT}:execution:chain:no-such-execution",
)
assert code == "ExecutionDoesNotExist", code

# --- SigV4: the server verifies signatures ---------------------------------------------------
step("signatures")
wrong_secret = client(
    aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"], aws_secret_access_key="not-the-secret"
)
code, msg = error_code(wrong_secret.list_state_machines)
assert code == "InvalidSignatureException", (code, msg)
assert msg.startswith("The request signature we calculated does not match"), msg
unknown_key = client(aws_access_key_id="AKIDUNKNOWN", aws_secret_access_key="whatever")
code, msg = error_code(unknown_key.list_state_machines)
assert code == "UnrecognizedClientException", (code, msg)
assert msg == "The security token included in the request is invalid.", msg

print("smoke.py: ok", flush=True)
sys.exit(0)
