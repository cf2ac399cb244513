//! The conformance corpus's recorded request-response Task cases whose services moto has
//! (`tests/conformance/corpus/tasks/`: DynamoDB, SNS, SQS, EventBridge, S3), run with the real
//! integrations against moto instead of replayed handlers (TASK-2, TASK-3, TASK-12). Each
//! case's definition is compiled from its file; its masked resource names become fresh moto
//! resources; then (1) what each Task sent must equal the recorded `tasks.json` input, and
//! (2) the execution's outcome must equal `expected.json` (status, output or error and cause),
//! both read with the fresh names masked back and masked tokens as wildcards
//! (`corpus/compare.rs`). The callback and `.sync` cases are covered by the services' own tests.
//!
//! Tolerances, each explained where it is defined: masked tokens (`<request_id>`, `<uuid:1>`,
//! MD5s, `date`) match any text; `SdkHttpMetadata`/`SdkResponseMetadata` need only be present
//! (AWS's HTTP envelope); S3 answers without `ServerSideEncryption`/`ChecksumType` and causes
//! without the extended request id (moto sends neither); UpdateItem's unasked
//! `ConsumedCapacity`; moto's "Endpoint does not exist" for AWS's "Topic does not exist". Cases
//! moto answers differently from AWS are in [`EXCLUDED`], which checks that the difference is
//! still that one and that what we sent matched.

mod compare;

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use asl_runtime::integration::{Provides, ServiceCall, ServiceFuture, Services, service};
use asl_runtime::{ExecutionError, Status};
use aws_sdk_s3::primitives::ByteStream;
use serde_json::{Value, json};

use crate::common::{self, Moto};

asl_runtime::asl!(mod err_dynamodb_put_item_no_such_table from "../tests/conformance/corpus/tasks/error_handling/dynamodb_put_item_no_such_table/definition.asl.json");
asl_runtime::asl!(mod err_no_such_bucket from "../tests/conformance/corpus/tasks/error_handling/no_such_bucket/definition.asl.json");
asl_runtime::asl!(mod err_put_item_invalid_table_name from "../tests/conformance/corpus/tasks/error_handling/put_item_invalid_table_name/definition.asl.json");
asl_runtime::asl!(mod mock_dynamodb_put_get_item from "../tests/conformance/corpus/tasks/local_mocking/dynamodb_put_get_item/definition.asl.json");
asl_runtime::asl!(mod mock_sns_publish_base from "../tests/conformance/corpus/tasks/local_mocking/sns_publish_base/definition.asl.json");
asl_runtime::asl!(mod base_integrations_dynamodb_put_delete_item from "../tests/conformance/corpus/tasks/services/base_integrations_DYNAMODB_PUT_DELETE_ITEM/definition.asl.json");
asl_runtime::asl!(mod base_integrations_dynamodb_put_get_item from "../tests/conformance/corpus/tasks/services/base_integrations_DYNAMODB_PUT_GET_ITEM/definition.asl.json");
asl_runtime::asl!(mod base_integrations_dynamodb_put_update_get_item from "../tests/conformance/corpus/tasks/services/base_integrations_DYNAMODB_PUT_UPDATE_GET_ITEM/definition.asl.json");
asl_runtime::asl!(mod dynamodb_put_delete_item from "../tests/conformance/corpus/tasks/services/dynamodb_put_delete_item/definition.asl.json");
asl_runtime::asl!(mod dynamodb_put_update_get_item from "../tests/conformance/corpus/tasks/services/dynamodb_put_update_get_item/definition.asl.json");
asl_runtime::asl!(mod fifo_message_attribute_input_params0_true from "../tests/conformance/corpus/tasks/services/fifo_message_attribute_input_params0-True/definition.asl.json");
asl_runtime::asl!(mod publish_base_helloworld from "../tests/conformance/corpus/tasks/services/publish_base_HelloWorld/definition.asl.json");
asl_runtime::asl!(mod publish_base_error_topic_arn from "../tests/conformance/corpus/tasks/services/publish_base_error_topic_arn/definition.asl.json");
asl_runtime::asl!(mod publish_message_attributes from "../tests/conformance/corpus/tasks/services/publish_message_attributes/definition.asl.json");
asl_runtime::asl!(mod put_events_malformed_detail from "../tests/conformance/corpus/tasks/services/put_events_malformed_detail/definition.asl.json");
asl_runtime::asl!(mod put_events_mixed_malformed_detail from "../tests/conformance/corpus/tasks/services/put_events_mixed_malformed_detail/definition.asl.json");
asl_runtime::asl!(mod put_events_no_source from "../tests/conformance/corpus/tasks/services/put_events_no_source/definition.asl.json");
asl_runtime::asl!(mod s3_get_object_binary from "../tests/conformance/corpus/tasks/services/s3_get_object_binary/definition.asl.json");
asl_runtime::asl!(mod s3_get_object_bytearray from "../tests/conformance/corpus/tasks/services/s3_get_object_bytearray/definition.asl.json");
asl_runtime::asl!(mod s3_get_object_empty_str from "../tests/conformance/corpus/tasks/services/s3_get_object_empty_str/definition.asl.json");
asl_runtime::asl!(mod s3_get_object_str from "../tests/conformance/corpus/tasks/services/s3_get_object_str/definition.asl.json");
asl_runtime::asl!(mod s3_put_object_dict from "../tests/conformance/corpus/tasks/services/s3_put_object_dict/definition.asl.json");
asl_runtime::asl!(mod s3_put_object_list from "../tests/conformance/corpus/tasks/services/s3_put_object_list/definition.asl.json");
asl_runtime::asl!(mod s3_put_object_str from "../tests/conformance/corpus/tasks/services/s3_put_object_str/definition.asl.json");
asl_runtime::asl!(mod send_message_attributes from "../tests/conformance/corpus/tasks/services/send_message_attributes/definition.asl.json");

/// The integrations on moto, writing down what each Task state sent before sending it.
struct Recorded {
    aws: asl_aws::Aws,
    /// (state name, parameters), in call order.
    sent: Arc<Mutex<Vec<(String, Value)>>>,
}

impl Services for Recorded {
    fn call(&self, call: ServiceCall) -> ServiceFuture {
        self.sent
            .lock()
            .unwrap()
            .push((call.context.state_name.to_owned(), call.parameters.clone()));
        self.aws.call(call)
    }
}

impl Provides<service::DynamoDb> for Recorded {}
impl Provides<service::Sqs> for Recorded {}
impl Provides<service::Sns> for Recorded {}
impl Provides<service::EventBridge> for Recorded {}
impl Provides<service::S3> for Recorded {}

type Run = Pin<Box<dyn Future<Output = Result<Value, ExecutionError>> + Send>>;

/// Runs a case's compiled workflow on `Recorded`.
macro_rules! runner {
    ($m:ident) => {
        |services: Recorded, input: Value| -> Run {
            Box::pin(async move { $m::Workflow::from_services(services).run(input).await })
        }
    };
}

/// A resource a case's input names by a masked token, made fresh in moto.
enum Fixture {
    /// A table with the key `id` (string).
    Table(&'static str),
    /// A table name nobody created.
    MissingTable(&'static str),
    /// A bucket, with an object (key, body) put as the corpus's boto3 tests did.
    Bucket(&'static str, Option<(&'static str, &'static str)>),
    /// A standard queue's URL.
    Queue(&'static str),
    /// A topic's ARN (`true`: a FIFO topic).
    Topic(&'static str, bool),
    /// The ARN of a topic nobody created.
    MissingTopic(&'static str),
    /// Just a fresh name (e.g. an event's DetailType).
    Name(&'static str),
}

/// A corpus case.
struct Case {
    /// Under `tests/conformance/corpus/tasks/`.
    path: &'static str,
    run: fn(Recorded, Value) -> Run,
    fixtures: &'static [Fixture],
    /// Response members moto leaves out or adds (the reasons are at the constants).
    tolerated: compare::Tolerated,
    /// Where moto's error message differs from AWS's: (AWS's text, moto's text); the rest of the
    /// cause (service, status, error code) and the error name must still match.
    cause_differs: Option<(&'static str, &'static str)>,
}

/// S3 members of AWS's answers moto leaves out: `ServerSideEncryption` (AWS encrypts every
/// object with SSE-S3 by default since 2023; moto applies no default encryption) and
/// `ChecksumType` (moto does not send it).
const S3_OMITS: compare::Tolerated = compare::Tolerated {
    omits: &["ServerSideEncryption", "ChecksumType"],
    adds: &[],
};

/// moto answers UpdateItem with `ConsumedCapacity` even when the request does not ask for it
/// (`ReturnConsumedCapacity`, which neither the recording nor we send); AWS does not.
const UPDATE_ITEM_ADDS: compare::Tolerated = compare::Tolerated {
    omits: &[],
    adds: &["ConsumedCapacity"],
};

fn cases() -> Vec<Case> {
    use Fixture::*;
    let case = |path, run, fixtures| Case {
        path,
        run,
        fixtures,
        tolerated: compare::Tolerated::default(),
        cause_differs: None,
    };
    vec![
        case(
            "error_handling/dynamodb_put_item_no_such_table",
            runner!(err_dynamodb_put_item_no_such_table),
            &[MissingTable("<test-table>")],
        ),
        case(
            "error_handling/no_such_bucket",
            runner!(err_no_such_bucket),
            // The recorded name, which nobody creates in moto.
            &[],
        ),
        case(
            "error_handling/put_item_invalid_table_name",
            runner!(err_put_item_invalid_table_name),
            &[MissingTable("<test-table>")],
        ),
        case(
            "local_mocking/dynamodb_put_get_item",
            runner!(mock_dynamodb_put_get_item),
            &[Table("table-name")],
        ),
        case(
            "local_mocking/sns_publish_base",
            runner!(mock_sns_publish_base),
            &[Topic("topic-arn", false)],
        ),
        case(
            "services/base_integrations_DYNAMODB_PUT_DELETE_ITEM",
            runner!(base_integrations_dynamodb_put_delete_item),
            &[Table("table-name")],
        ),
        case(
            "services/base_integrations_DYNAMODB_PUT_GET_ITEM",
            runner!(base_integrations_dynamodb_put_get_item),
            &[Table("table-name")],
        ),
        Case {
            tolerated: UPDATE_ITEM_ADDS,
            ..case(
                "services/base_integrations_DYNAMODB_PUT_UPDATE_GET_ITEM",
                runner!(base_integrations_dynamodb_put_update_get_item),
                &[Table("table-name")],
            )
        },
        case(
            "services/dynamodb_put_delete_item",
            runner!(dynamodb_put_delete_item),
            &[Table("<test-table>")],
        ),
        Case {
            tolerated: UPDATE_ITEM_ADDS,
            ..case(
                "services/dynamodb_put_update_get_item",
                runner!(dynamodb_put_update_get_item),
                &[Table("<test-table>")],
            )
        },
        case(
            "services/fifo_message_attribute_input_params0-True",
            runner!(fifo_message_attribute_input_params0_true),
            &[Topic(TOPIC, true)],
        ),
        case(
            "services/publish_base_HelloWorld",
            runner!(publish_base_helloworld),
            &[Topic(TOPIC, false)],
        ),
        Case {
            // moto says "Endpoint does not exist" for a Publish to an unknown topic.
            cause_differs: Some(("Topic does not exist", "Endpoint does not exist")),
            ..case(
                "services/publish_base_error_topic_arn",
                runner!(publish_base_error_topic_arn),
                &[MissingTopic(TOPIC)],
            )
        },
        case(
            "services/publish_message_attributes",
            runner!(publish_message_attributes),
            &[Topic(TOPIC, false)],
        ),
        case(
            "services/put_events_malformed_detail",
            runner!(put_events_malformed_detail),
            &[Name("<detail-type>")],
        ),
        case(
            "services/put_events_mixed_malformed_detail",
            runner!(put_events_mixed_malformed_detail),
            &[Name("<detail-type>")],
        ),
        case(
            "services/put_events_no_source",
            runner!(put_events_no_source),
            &[Name("<detail-type>")],
        ),
        Case {
            tolerated: S3_OMITS,
            ..case(
                "services/s3_get_object_binary",
                runner!(s3_get_object_binary),
                &[Bucket("bucket-name", Some(("file_key", "binary data")))],
            )
        },
        Case {
            tolerated: S3_OMITS,
            ..case(
                "services/s3_get_object_bytearray",
                runner!(s3_get_object_bytearray),
                &[Bucket("bucket-name", Some(("file_key", "byte array data")))],
            )
        },
        Case {
            tolerated: S3_OMITS,
            ..case(
                "services/s3_get_object_empty_str",
                runner!(s3_get_object_empty_str),
                &[Bucket("bucket-name", Some(("file_key", "")))],
            )
        },
        Case {
            tolerated: S3_OMITS,
            ..case(
                "services/s3_get_object_str",
                runner!(s3_get_object_str),
                &[Bucket("bucket-name", Some(("file_key", "text data")))],
            )
        },
        Case {
            tolerated: S3_OMITS,
            ..case(
                "services/s3_put_object_dict",
                runner!(s3_put_object_dict),
                &[Bucket("bucket-name", None)],
            )
        },
        Case {
            tolerated: S3_OMITS,
            ..case(
                "services/s3_put_object_list",
                runner!(s3_put_object_list),
                &[Bucket("bucket-name", None)],
            )
        },
        Case {
            tolerated: S3_OMITS,
            ..case(
                "services/s3_put_object_str",
                runner!(s3_put_object_str),
                &[Bucket("bucket-name", None)],
            )
        },
        case(
            "services/send_message_attributes",
            runner!(send_message_attributes),
            &[Queue("<sqs_queue_url>")],
        ),
    ]
}

/// The masked topic ARN of the `services/` SNS cases.
const TOPIC: &str = "arn:<partition>:sns:<region>:111111111111:<resource:1>";

/// Cases known not to match because moto answers differently from AWS (not because of our
/// code): (path, the difference, a text one of the reported differences must contain, so the
/// test notices when moto changes).
const EXCLUDED: &[(&str, &str, &str)] = &[
    (
        "error_handling/put_item_invalid_table_name",
        "moto does not check TableName against [a-zA-Z0-9_.-]+ and answers \
         ResourceNotFoundException where AWS answers ValidationException",
        "got \"DynamoDB.ResourceNotFoundException\"",
    ),
    (
        "services/fifo_message_attribute_input_params0-True",
        "moto answers a FIFO topic's Publish without MessageGroupId with error code \
         MissingParameter (which the SNS API does not model: SNS.AmazonSNSException) where AWS \
         answers InvalidParameter (SNS.InvalidParameterException)",
        "Error Code: MissingParameter",
    ),
    (
        "services/put_events_malformed_detail",
        "moto accepts a Detail that is JSON but not an object (\"\\\"jsonstring\\\"\"); AWS \
         fails the entry with MalformedDetail",
        "\"FailedEntryCount\":0",
    ),
    (
        "services/put_events_mixed_malformed_detail",
        "moto accepts a Detail that is JSON but not an object; AWS fails that entry with \
         MalformedDetail",
        "\"FailedEntryCount\":0",
    ),
];

/// Creates the case's resources; returns (masked token, fresh name) pairs.
async fn setup(m: &Moto, fixtures: &[Fixture]) -> Vec<(String, String)> {
    let mut subs = Vec::new();
    for f in fixtures {
        let (token, fresh) = match f {
            Fixture::Table(token) => (token, table(m).await),
            Fixture::MissingTable(token) => (token, common::unique("asl-missing")),
            Fixture::Bucket(token, object) => (token, bucket(m, *object).await),
            Fixture::Queue(token) => {
                let sqs = aws_sdk_sqs::Client::new(&m.config);
                let out = sqs
                    .create_queue()
                    .queue_name(common::unique("asl-corpus"))
                    .send()
                    .await
                    .unwrap();
                (token, out.queue_url().unwrap().to_owned())
            }
            Fixture::Topic(token, fifo) => {
                let sns = aws_sdk_sns::Client::new(&m.config);
                let mut create = sns.create_topic();
                create = if *fifo {
                    create
                        .name(format!("{}.fifo", common::unique("asl-corpus")))
                        .attributes("FifoTopic", "true")
                } else {
                    create.name(common::unique("asl-corpus"))
                };
                let out = create.send().await.unwrap();
                (token, out.topic_arn().unwrap().to_owned())
            }
            Fixture::MissingTopic(token) => (
                token,
                format!(
                    "arn:aws:sns:us-east-1:123456789012:{}",
                    common::unique("asl-missing")
                ),
            ),
            Fixture::Name(token) => (token, common::unique("asl-corpus")),
        };
        subs.push(((*token).to_owned(), fresh));
    }
    subs
}

async fn table(m: &Moto) -> String {
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    };
    let name = common::unique("asl-corpus");
    aws_sdk_dynamodb::Client::new(&m.config)
        .create_table()
        .table_name(&name)
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("id")
                .key_type(KeyType::Hash)
                .build()
                .unwrap(),
        )
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("id")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    name
}

/// A fresh bucket, with the object the case reads put as boto3 put it (no Content-Type given:
/// S3 stores `binary/octet-stream`, which the Rust SDK would replace by its own default).
async fn bucket(m: &Moto, object: Option<(&str, &str)>) -> String {
    let conf = aws_sdk_s3::config::Builder::from(&m.config)
        .force_path_style(true)
        .build();
    let s3 = aws_sdk_s3::Client::from_conf(conf);
    let name = common::unique("asl-corpus");
    s3.create_bucket().bucket(&name).send().await.unwrap();
    if let Some((key, body)) = object {
        s3.put_object()
            .bucket(&name)
            .key(key)
            .content_type("binary/octet-stream")
            .body(ByteStream::from(body.as_bytes().to_vec()))
            .send()
            .await
            .unwrap();
    }
    name
}

fn read(dir: &Path, file: &str) -> Value {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Runs one case; returns its differences from the recording (empty: it matched).
async fn check(m: &Moto, case: &Case) -> Vec<String> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/conformance/corpus/tasks")
        .join(case.path);
    let (input, tasks, expected) = (
        read(&dir, "input.json"),
        read(&dir, "tasks.json"),
        read(&dir, "expected.json"),
    );
    let subs = setup(m, case.fixtures).await;
    let sent = Arc::new(Mutex::new(Vec::new()));
    let services = Recorded {
        aws: m.aws.clone(),
        sent: sent.clone(),
    };
    let result = (case.run)(services, compare::unmask(&input, &subs)).await;
    let mut diffs = Vec::new();

    // (1) What we sent: per state, the recorded inputs in order.
    let sent = sent.lock().unwrap().clone();
    let states = tasks.as_object().cloned().unwrap_or_default();
    for (state, recorded) in &states {
        let want: Vec<Value> = recorded["calls"]
            .as_array()
            .map(|calls| calls.iter().map(|c| c["input"].clone()).collect())
            .unwrap_or_default();
        let got: Vec<Value> = sent
            .iter()
            .filter(|(s, _)| s == state)
            .map(|(_, p)| compare::mask(p, &subs))
            .collect();
        compare::diff(
            &Value::Array(want),
            &Value::Array(got),
            &format!("sent[{state}]"),
            &compare::Tolerated::default(),
            &mut diffs,
        );
    }
    for (state, _) in &sent {
        if !states.contains_key(state) {
            diffs.push(format!("sent[{state}]: a call AWS did not record"));
        }
    }

    // (2) The outcome.
    match (expected["status"].as_str(), result) {
        (Some("SUCCEEDED"), Ok(output)) => compare::diff(
            &expected["output"],
            &compare::mask(&output, &subs),
            "output",
            &case.tolerated,
            &mut diffs,
        ),
        (Some("FAILED"), Err(e)) if e.status() == Status::Failed => {
            let error = json!(e.error());
            compare::diff(
                &expected["error"],
                &error,
                "error",
                &compare::Tolerated::default(),
                &mut diffs,
            );
            let cause = compare::mask(&json!(e.cause()), &subs);
            // A cause recorded as JSON (EventBridge.FailedEntry) is compared as JSON.
            let cause = match (&expected["cause"], &cause) {
                (Value::Object(_), Value::String(text)) => {
                    serde_json::from_str(text).unwrap_or(cause.clone())
                }
                _ => cause,
            };
            let mut want = expected["cause"].clone();
            if let (Some((aws, moto)), Value::String(text)) = (case.cause_differs, &want) {
                want = Value::String(text.replace(aws, moto));
            }
            compare::diff(
                &want,
                &cause,
                "cause",
                &compare::Tolerated::default(),
                &mut diffs,
            );
        }
        (status, Ok(output)) => diffs.push(format!(
            "status: expected {status:?}, succeeded with {output}"
        )),
        (status, Err(e)) => diffs.push(format!(
            "status: expected {status:?}, got {:?} {:?}: {:?}",
            e.status(),
            e.error(),
            e.cause()
        )),
    }
    diffs
}

/// Every case above against moto; the excluded ones must still differ as documented.
#[tokio::test]
async fn corpus_cases_against_moto() {
    let Some(m) = common::moto("corpus_cases_against_moto", "us-east-1").await else {
        return;
    };
    let cases = cases();
    let mut matched = 0;
    let mut failures = Vec::new();
    for case in &cases {
        let diffs = check(&m, case).await;
        let excluded = EXCLUDED.iter().find(|(path, _, _)| *path == case.path);
        match excluded {
            Some((_, why, mark)) => {
                eprintln!("{}: excluded ({why}): {diffs:?}", case.path);
                // What we sent must still match: only moto's answer differs.
                if !diffs.iter().any(|d| d.contains(mark))
                    || diffs.iter().any(|d| d.starts_with("sent["))
                {
                    failures.push(format!(
                        "{}: excluded for {why:?}, but the differences are not that one ({mark:?}): {diffs:?}",
                        case.path
                    ));
                }
            }
            None if diffs.is_empty() => matched += 1,
            None => failures.push(format!("{}:\n  {}", case.path, diffs.join("\n  "))),
        }
    }
    eprintln!(
        "corpus against moto: {} cases, {matched} matched",
        cases.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(matched + EXCLUDED.len(), cases.len());
}
