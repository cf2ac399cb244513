//! Mock test cases (`MockConfigFile.json`, as Step Functions Local and LocalStack read it)
//! driving whole executions of compiled workflows: AWS's documentation example
//! (`LambdaSQSIntegration` with `HappyPath`, `RetryPath`, `HybridPath`) as documented,
//! numbered responses advancing per call, inclusive ranges, a JSONata Task, a Map's Task per
//! iteration, typed states, and the errors of calls no response covers (TASK-*, RETRY-*,
//! CATCH-*, MAP-*).

use std::sync::{Arc, Mutex};

use asl_runtime::testing::{MockCase, MockFile, Mocked};
use asl_runtime::{Event, RunOptions, Status, TaskContext, TaskError, Value};
use serde_json::json;

asl_runtime::asl!(mod lambda_sqs from "tests/mock_files/LambdaSQSIntegration.asl.json");

const FILE: &str = "tests/mock_files/MockConfigFile.json";

fn case(name: &str) -> MockCase {
    MockFile::load(FILE)
        .expect("AWS's example file loads")
        .test_case("LambdaSQSIntegration", name)
        .expect("the test case exists")
}

/// The documented `Return` of `MockedLambdaSuccess` and of `MockedSQSSuccess`.
fn lambda_success() -> Value {
    json!({"StatusCode": 200, "Payload": {"StatusCode": 200, "body": "Hello from Lambda!"}})
}

fn sqs_success() -> Value {
    json!({
        "MD5OfMessageBody": "3bcb6e8e-7h85-4375-b0bc-1a59812c6e51",
        "MessageId": "3bcb6e8e-8b51-4375-b0bc-1a59812c6e51"
    })
}

/// Handlers standing for the real services: the SQS state records what it was sent; the
/// Lambda state must never run in these tests (its test cases all mock it).
#[derive(Default, Clone)]
struct Services {
    sent: Arc<Mutex<Vec<Value>>>,
}

impl lambda_sqs::Tasks for Services {
    async fn lambda_state(&self, _input: Value, _ctx: TaskContext) -> Result<Value, TaskError> {
        Err(TaskError::new(
            "Test.Unexpected",
            "LambdaState is mocked: its handler must not run",
        ))
    }

    async fn sqs_state(&self, input: Value, _ctx: TaskContext) -> Result<Value, TaskError> {
        self.sent.lock().expect("lock").push(input);
        Ok(json!({"MessageId": "real-message"}))
    }
}

/// The `error` of every event of type `kind`, in order.
fn errors(history: &[Event], kind: &str) -> Vec<String> {
    history
        .iter()
        .filter(|e| e.kind == kind)
        .filter_map(|e| e.details.as_ref()?.get("error")?.as_str().map(String::from))
        .collect()
}

/// The JSON output of the events of type `kind`.
fn outputs(history: &[Event], kind: &str) -> Vec<Value> {
    history
        .iter()
        .filter(|e| e.kind == kind)
        .filter_map(|e| {
            let text = e.details.as_ref()?.get("output")?.as_str()?;
            serde_json::from_str(text).ok()
        })
        .collect()
}

/// `HappyPath`: both states answer from the file; the Lambda state's mocked response is its
/// result, which the SQS state receives as input, as AWS's documentation shows.
#[tokio::test]
async fn happy_path_runs_as_documented() {
    let case = case("HappyPath");
    let recorded = lambda_sqs::Workflow::new(Mocked::only(case.clone()))
        .run_recorded(json!({}), RunOptions::default())
        .await;
    assert_eq!(recorded.result.expect("succeeds"), sqs_success());
    assert_eq!(
        outputs(&recorded.history, "TaskSucceeded"),
        vec![lambda_success(), sqs_success()]
    );
    let sqs_input = recorded
        .history
        .iter()
        .find(|e| e.kind == "TaskStateEntered" && e.state == Some("SQSState"))
        .and_then(|e| e.details.as_ref()?.get("input")?.as_str())
        .expect("SQSState entered");
    assert_eq!(
        serde_json::from_str::<Value>(sqs_input).expect("json"),
        lambda_success()
    );
    assert_eq!((case.calls("LambdaState"), case.calls("SQSState")), (1, 1));
}

/// `RetryPath`: call 0 throws `Lambda.ResourceNotReadyException`, calls 1-2 (an inclusive
/// range) `Lambda.TimeoutException`, call 3 returns; the Retry (`States.ALL`, 3 attempts)
/// retries through them on a paused clock (2 s, 4 s, 8 s) and the execution succeeds.
#[tokio::test(start_paused = true)]
async fn retry_path_retries_through_the_numbered_responses() {
    let case = case("RetryPath");
    let started = tokio::time::Instant::now();
    let recorded = lambda_sqs::Workflow::new(Mocked::new(case.clone(), Services::default()))
        .run_recorded(json!({"order": 1}), RunOptions::default())
        .await;
    assert_eq!(recorded.result.expect("succeeds"), sqs_success());
    assert_eq!(
        errors(&recorded.history, "TaskFailed"),
        [
            "Lambda.ResourceNotReadyException",
            "Lambda.TimeoutException",
            "Lambda.TimeoutException"
        ]
    );
    assert_eq!(case.calls("LambdaState"), 4);
    assert_eq!(started.elapsed().as_secs(), 2 + 4 + 8);
}

/// `HybridPath`: the Lambda state is mocked, the SQS state (not in the test case) calls its
/// real handler with the mocked Lambda result.
#[tokio::test]
async fn hybrid_path_calls_the_real_handler_of_the_unmocked_state() {
    let services = Services::default();
    let out = lambda_sqs::Workflow::new(Mocked::new(case("HybridPath"), services.clone()))
        .run(json!({}))
        .await
        .expect("succeeds");
    assert_eq!(out, json!({"MessageId": "real-message"}));
    let sent = services.sent.lock().expect("lock").clone();
    assert_eq!(
        sent,
        vec![json!({
            "QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/myQueue",
            "MessageBody": lambda_success()
        })]
    );
}

/// The same three cases through `RunOptions::mock` (the engine asks the case before any
/// handler): the handlers given are the real ones.
#[tokio::test(start_paused = true)]
async fn run_options_mock_runs_the_test_cases() {
    let services = Services::default();
    let workflow = lambda_sqs::Workflow::new(services.clone());
    for name in ["HappyPath", "RetryPath"] {
        let out = workflow
            .run_with(json!({}), RunOptions::default().mock(case(name)))
            .await
            .expect(name);
        assert_eq!(out, sqs_success(), "{name}");
    }
    assert!(services.sent.lock().expect("lock").is_empty());
    let out = workflow
        .run_with(json!({}), RunOptions::default().mock(case("HybridPath")))
        .await
        .expect("hybrid");
    assert_eq!(out, json!({"MessageId": "real-message"}));
    assert_eq!(services.sent.lock().expect("lock").len(), 1);
}

/// A call past the last mocked response fails the execution with `States.Runtime` naming
/// the state and the call — never a repeat of the last response — and the state's
/// `States.ALL` Retry does not retry it (ERR-17).
#[tokio::test(start_paused = true)]
async fn a_call_past_the_last_response_fails_naming_the_state_and_the_call() {
    let file = MockFile::parse(
        r#"{
          "StateMachines": { "LambdaSQSIntegration": { "TestCases": {
            "TooShort": { "LambdaState": "OneFailure", "SQSState": "Sent" } } } },
          "MockedResponses": {
            "OneFailure": { "0": { "Throw": { "Error": "Lambda.TimeoutException", "Cause": "t" } } },
            "Sent": { "0": { "Return": {} } }
          }
        }"#,
        "short.json",
    )
    .expect("valid");
    let case = file
        .test_case("LambdaSQSIntegration", "TooShort")
        .expect("case");
    let recorded = lambda_sqs::Workflow::new(Mocked::only(case.clone()))
        .run_recorded(json!({}), RunOptions::default())
        .await;
    let e = recorded.result.expect_err("fails");
    assert_eq!(e.status(), Status::Failed);
    assert_eq!(e.error(), Some("States.Runtime"));
    let cause = e.cause().expect("cause");
    assert!(
        cause.contains("call 1 of Task state LambdaState")
            && cause.contains("OneFailure")
            && cause.contains("TooShort")
            && cause.contains("short.json")
            && cause.contains("answers call 0 only"),
        "{cause}"
    );
    // One retry (call 1), which failed for want of a response: no third call.
    assert_eq!(case.calls("LambdaState"), 2);
    assert_eq!(case.calls("SQSState"), 0);
}

/// `Mocked::only` with a test case that leaves a state unmocked: that state fails the
/// execution with `States.Runtime` naming it and the test case.
#[tokio::test]
async fn mocked_only_fails_an_unmocked_state_by_name() {
    let e = lambda_sqs::Workflow::new(Mocked::only(case("HybridPath")))
        .run(json!({}))
        .await
        .expect_err("fails");
    assert_eq!(e.error(), Some("States.Runtime"));
    let cause = e.cause().expect("cause");
    assert!(
        cause.contains("Task state 'SQSState' was called") && cause.contains("HybridPath"),
        "{cause}"
    );
}

/// The file's test cases check against the workflow's graph; a test case naming a state the
/// workflow lacks, or one that is not a Task, is an error naming it.
#[test]
fn test_cases_check_against_the_workflow_graph() {
    let file = MockFile::load(FILE).expect("loads");
    file.check_graph("LambdaSQSIntegration", &lambda_sqs::GRAPH)
        .expect("AWS's example matches its machine");
    let typo = MockFile::parse(
        r#"{"StateMachines": {"M": {"TestCases": {"T": {"LambdaStat": "R"}}}},
            "MockedResponses": {"R": {"0": {"Return": 1}}}}"#,
        "typo.json",
    )
    .expect("valid as a file");
    let e = typo
        .check_graph("M", &lambda_sqs::GRAPH)
        .expect_err("no such state");
    assert_eq!(e.file(), "typo.json");
    assert_eq!(e.path(), "StateMachines.M.TestCases.T.LambdaStat");
    assert!(
        e.problem()
            .contains("has no state LambdaStat (its Task states: LambdaState, SQSState)"),
        "{e}"
    );
    assert!(
        MockFile::parse(
            r#"{"StateMachines": {"M": {"TestCases": {"T": {"Wait a bit": "R"}}}},
                "MockedResponses": {"R": {"0": {"Return": 1}}}}"#,
            "pass.json",
        )
        .expect("valid")
        .check_graph("M", &mapped::GRAPH)
        .expect_err("not a Task")
        .to_string()
        .contains("is a Wait state")
    );
}

asl_runtime::asl!(mod greeting {
    "QueryLanguage": "JSONata",
    "StartAt": "Greet",
    "States": {
        "Greet": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Arguments": { "FunctionName": "greet", "Payload": { "name": "{% $states.input.name %}" } },
            "Output": "{% $states.result.Payload.greeting & ', ' & $states.input.name %}",
            "Catch": [ {
                "ErrorEquals": ["Greeting.Refused"],
                "Output": "{% 'refused: ' & $states.errorOutput.Cause %}",
                "Next": "Refused"
            } ],
            "End": true
        },
        "Refused": { "Type": "Pass", "End": true }
    }
});

const GREETINGS: &str = r#"{
  "StateMachines": { "greeting": { "TestCases": {
    "Hello": { "Greet": "Hello" },
    "Refused": { "Greet": "Refusal" }
  } } },
  "MockedResponses": {
    "Hello": { "0": { "Return": { "StatusCode": 200, "Payload": { "greeting": "Hello" } } } },
    "Refusal": { "0": { "Throw": { "Error": "Greeting.Refused", "Cause": "not today" } } }
  }
}"#;

/// A JSONata Task answers from the file as a JSONPath one does: `$states.result` is the
/// mocked `Return`; a mocked `Throw` reaches the Catch as `$states.errorOutput`.
#[tokio::test]
async fn a_jsonata_task_is_mocked() {
    let file = MockFile::parse(GREETINGS, "greetings.json").expect("valid");
    file.check_graph("greeting", &greeting::GRAPH)
        .expect("matches");
    let hello = greeting::Workflow::new(Mocked::only(
        file.test_case("greeting", "Hello").expect("case"),
    ))
    .run(json!({"name": "Ada"}))
    .await
    .expect("succeeds");
    assert_eq!(hello, json!("Hello, Ada"));
    let refused = greeting::Workflow::new(Mocked::only(
        file.test_case("greeting", "Refused").expect("case"),
    ))
    .run(json!({"name": "Ada"}))
    .await
    .expect("caught");
    assert_eq!(refused, json!("refused: not today"));
}

asl_runtime::asl!(mod mapped {
    "StartAt": "Each",
    "States": {
        "Each": {
            "Type": "Map",
            "MaxConcurrency": 1,
            "ItemsPath": "$.items",
            "ResultPath": "$.prices",
            "ItemProcessor": {
                "StartAt": "Price",
                "States": {
                    "Price": { "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true }
                }
            },
            "Next": "Wait a bit"
        },
        "Wait a bit": { "Type": "Wait", "Seconds": 1, "Next": "Fan out" },
        "Fan out": {
            "Type": "Map",
            "ItemsPath": "$.items",
            "ItemProcessor": {
                "StartAt": "Count",
                "States": {
                    "Count": { "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true }
                }
            },
            "ResultPath": "$.counted",
            "End": true
        }
    }
});

struct NoHandlers;
impl mapped::Tasks for NoHandlers {
    async fn price(&self, _: Value, _: TaskContext) -> Result<Value, TaskError> {
        Err(TaskError::named("Test.Unexpected"))
    }
    async fn count(&self, input: Value, _: TaskContext) -> Result<Value, TaskError> {
        Ok(input)
    }
}

/// A Map's Task answers each iteration's call in turn: with `MaxConcurrency: 1` the
/// iterations get calls 0, 1, 2, 3 in item order ("0", then the inclusive range "1-2",
/// then "3"); with concurrent iterations every one gets one call.
#[tokio::test(start_paused = true)]
async fn a_map_task_is_mocked_per_iteration() {
    let file = MockFile::parse(
        r#"{
          "StateMachines": { "mapped": { "TestCases": { "Prices": { "Price": "Prices", "Count": "Counts" } } } },
          "MockedResponses": {
            "Prices": {
              "0": { "Return": "first" },
              "1-2": { "Return": "middle" },
              "3": { "Return": "last" }
            },
            "Counts": { "0-99": { "Return": 1 } }
          }
        }"#,
        "map.json",
    )
    .expect("valid");
    file.check_graph("mapped", &mapped::GRAPH).expect("matches");
    let case = file.test_case("mapped", "Prices").expect("case");
    let out = mapped::Workflow::new(Mocked::new(case.clone(), NoHandlers))
        .run(json!({"items": [10, 20, 30, 40]}))
        .await
        .expect("succeeds");
    assert_eq!(
        out,
        json!({
            "items": [10, 20, 30, 40],
            "prices": ["first", "middle", "middle", "last"],
            "counted": [1, 1, 1, 1]
        })
    );
    assert_eq!((case.calls("Price"), case.calls("Count")), (4, 4));
}

/// The typed input of `Quote`.
#[derive(Debug, serde::Deserialize)]
pub struct QuoteRequest {
    /// The item.
    pub sku: String,
}

/// The typed output of `Quote`.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct Quote {
    /// Its price.
    pub price: u32,
}

asl_runtime::asl!(mod quoting {
    "StartAt": "Quote",
    "States": {
        "Quote": { "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:quote", "End": true }
    }
} where {
    "Quote": super::QuoteRequest -> super::Quote,
});

/// An output type without `Deserialize`: its workflow still compiles (the bound that
/// `Mocked` needs is checked only where `Mocked` is used).
#[derive(Debug, serde::Serialize)]
pub struct Receipt {
    /// Its number.
    pub id: u32,
}

asl_runtime::asl!(mod receipts {
    "StartAt": "Issue",
    "States": {
        "Issue": { "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:issue", "End": true }
    }
} where {
    "Issue": super::Value -> super::Receipt,
});

struct Issuer;
impl receipts::Tasks for Issuer {
    async fn issue(&self, _: Value, _: TaskContext) -> Result<Receipt, TaskError> {
        Ok(Receipt { id: 7 })
    }
}

/// A typed state's mocked `Return` becomes its output type; one that does not fit fails the
/// execution with `States.Runtime` naming the state and the type.
#[tokio::test]
async fn a_typed_state_decodes_its_mocked_response() {
    let file = MockFile::parse(
        r#"{
          "StateMachines": { "quoting": { "TestCases": {
            "Fits": { "Quote": "Five" }, "DoesNotFit": { "Quote": "Words" } } } },
          "MockedResponses": {
            "Five": { "0": { "Return": { "price": 5 } } },
            "Words": { "0": { "Return": { "price": "five" } } }
          }
        }"#,
        "typed.json",
    )
    .expect("valid");
    let run = |name: &str| {
        let case = file.test_case("quoting", name).expect("case");
        async move {
            quoting::Workflow::new(Mocked::only(case))
                .run(json!({"sku": "a-1"}))
                .await
        }
    };
    assert_eq!(run("Fits").await.expect("fits"), json!({"price": 5}));
    let e = run("DoesNotFit").await.expect_err("does not fit");
    assert_eq!(e.error(), Some("States.Runtime"));
    let cause = e.cause().unwrap_or_default();
    assert!(
        cause.contains("Task state 'Quote'") && cause.contains("`super::Quote`"),
        "{cause}"
    );
    // A workflow whose output type has no `Deserialize` runs as before.
    let out = receipts::Workflow::new(Issuer)
        .run(json!({}))
        .await
        .expect("issued");
    assert_eq!(out, json!({"id": 7}));
}

/// A durable execution (an `Engine`'s, on SQLite) runs a test case given with
/// `StartOptions::mock`: standard executions through the engine's worker, Express ones in
/// memory and through `start_sync`; states the case does not mock call the handlers.
#[cfg(feature = "sqlite")]
#[tokio::test]
async fn engine_executions_run_test_cases() -> Result<(), Box<dyn std::error::Error>> {
    use asl_runtime::{Engine, StartOptions, store::SqliteStore};
    let services = Services::default();
    let engine = Engine::builder()
        .store(SqliteStore::memory().await?)
        .workflow(
            "LambdaSQSIntegration",
            lambda_sqs::Workflow::new(services.clone()),
        )
        .express_workflow(
            "LambdaSQSExpress",
            lambda_sqs::Workflow::new(services.clone()),
        )
        .build()
        .await?;
    let happy = case("HappyPath");
    let id = engine
        .start(
            "LambdaSQSIntegration",
            json!({}),
            StartOptions::default().name("happy").mock(happy.clone()),
        )
        .await?;
    assert_eq!(engine.wait(&id).await?, sqs_success());
    assert_eq!(
        (happy.calls("LambdaState"), happy.calls("SQSState")),
        (1, 1)
    );
    let history = engine.history(&id).await?;
    let succeeded: Vec<Value> = history
        .iter()
        .filter(|e| e.kind == "TaskSucceeded")
        .filter_map(|e| serde_json::from_str(e.details.as_ref()?.get("output")?.as_str()?).ok())
        .collect();
    assert_eq!(succeeded, vec![lambda_success(), sqs_success()]);

    let hybrid = engine
        .start(
            "LambdaSQSIntegration",
            json!({}),
            StartOptions::default().mock(case("HybridPath")),
        )
        .await?;
    assert_eq!(
        engine.wait(&hybrid).await?,
        json!({"MessageId": "real-message"})
    );
    assert_eq!(services.sent.lock().expect("lock").len(), 1);

    let express = engine
        .start(
            "LambdaSQSExpress",
            json!({}),
            StartOptions::default().mock(case("HappyPath")),
        )
        .await?;
    assert_eq!(engine.wait(&express).await?, sqs_success());
    let sync = engine
        .start_sync(
            "LambdaSQSExpress",
            json!({}),
            StartOptions::default().mock(case("HappyPath")),
        )
        .await?;
    assert_eq!(sync.output, Some(sqs_success()));

    Ok(())
}

asl_runtime::asl!(mod branches {
    "StartAt": "Both",
    "States": {
        "Both": {
            "Type": "Parallel",
            "Branches": [
                { "StartAt": "Left", "States": { "Left": { "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true } } },
                { "StartAt": "Right", "States": { "Right": { "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true } } }
            ],
            "End": true
        }
    }
});

struct RightHand;
impl branches::Tasks for RightHand {
    async fn left(&self, _: Value, _: TaskContext) -> Result<Value, TaskError> {
        Err(TaskError::named("Test.Unexpected"))
    }
    async fn right(&self, input: Value, _: TaskContext) -> Result<Value, TaskError> {
        Ok(json!({"right": input}))
    }
}

/// A Parallel branch's Task answers from the test case (through `RunOptions::mock`, which
/// the branches share); the other branch's state, not in the case, runs its handler.
#[tokio::test]
async fn a_parallel_branch_task_is_mocked() {
    let file = MockFile::parse(
        r#"{"StateMachines": {"branches": {"TestCases": {"LeftOnly": {"Left": "L"}}}},
            "MockedResponses": {"L": {"0": {"Return": "mocked left"}}}}"#,
        "branches.json",
    )
    .expect("valid");
    file.check_graph("branches", &branches::GRAPH)
        .expect("Left is a Task in a branch");
    let case = file.test_case("branches", "LeftOnly").expect("case");
    let out = branches::Workflow::new(RightHand)
        .run_with(json!({"n": 1}), RunOptions::default().mock(case.clone()))
        .await
        .expect("succeeds");
    assert_eq!(out, json!(["mocked left", {"right": {"n": 1}}]));
    assert_eq!(case.calls("Left"), 1);
}

/// The README's example ("Testing workflows"), as written there: `RetryPath` on a paused clock,
/// read back with `Trace`.
#[tokio::test(start_paused = true)]
async fn readme_retry_path() -> Result<(), Box<dyn std::error::Error>> {
    use asl_runtime::testing::Trace;
    let file = MockFile::load(FILE)?;
    file.check_graph("LambdaSQSIntegration", &lambda_sqs::GRAPH)?;
    let case = file.test_case("LambdaSQSIntegration", "RetryPath")?;
    let run = lambda_sqs::Workflow::new(Mocked::new(case.clone(), Services::default()))
        .run_recorded(json!({}), RunOptions::default())
        .await;
    let trace = Trace::of(&run.history);
    assert_eq!(trace.states_entered(), ["LambdaState", "SQSState"]);
    assert_eq!(trace.retries("LambdaState").len(), 3);
    assert_eq!(case.calls("LambdaState"), 4);
    asl_runtime::assert_json_eq!(
        run.result?["MessageId"],
        "3bcb6e8e-8b51-4375-b0bc-1a59812c6e51"
    );
    Ok(())
}

/// A mocked callback (`.waitForTaskToken`) Task on the durable engine.
#[cfg(feature = "sqlite")]
mod callback {
    use super::*;

    asl_runtime::asl!(mod approval {
        "StartAt": "Ask",
        "States": {
            "Ask": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": { "QueueUrl": "q", "MessageBody": { "token.$": "$$.Task.Token" } },
                "TimeoutSeconds": 60,
                "End": true
            }
        }
    });

    struct NoApprover;

    impl approval::Tasks for NoApprover {
        async fn ask(&self, _input: Value, _ctx: TaskContext) -> Result<Value, TaskError> {
            Err(TaskError::new("Test.Unexpected", "Ask is mocked"))
        }
    }

    /// A mocked callback (`.waitForTaskToken`) Task in a durable execution: the mocked response is
    /// the token's answer, as in memory; nothing waits for a token no one was given (TASK-4).
    #[tokio::test]
    async fn a_mocked_callback_task_answers_without_a_token()
    -> Result<(), Box<dyn std::error::Error>> {
        use asl_runtime::{Engine, StartOptions, store::SqliteStore};
        let file = MockFile::parse(
            r#"{"StateMachines": {"approval": {"TestCases": {"Approved": {"Ask": "Yes"}}}},
                "MockedResponses": {"Yes": {"0": {"Return": {"approved": true}}}}}"#,
            "approval.json",
        )?;
        let engine = Engine::builder()
            .store(SqliteStore::memory().await?)
            .workflow("approval", approval::Workflow::new(NoApprover))
            .build()
            .await?;
        let id = engine
            .start(
                "approval",
                json!({}),
                StartOptions::default().mock(file.test_case("approval", "Approved")?),
            )
            .await?;
        let out =
            tokio::time::timeout(std::time::Duration::from_secs(20), engine.wait(&id)).await??;
        assert_eq!(out, json!({"approved": true}));
        Ok(())
    }
}
