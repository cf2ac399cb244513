//! Service integrations through generated code (TASK-2, TASK-3, TASK-10): a `Services` value
//! runs every Task state with an integration, `Integrated` lets a user write chosen states,
//! and what reaches the services is the state's effective input with its API, flavor,
//! pattern and resolved credentials.

use std::sync::{Arc, Mutex};

use asl_runtime::integration::{
    Api, Flavor, Pattern, Provides, ServiceCall, ServiceFuture, Services, service,
};
use asl_runtime::{TaskContext, TaskError, Value};
use serde_json::json;

asl_runtime::asl!(mod all_integrated {
    "StartAt": "Save",
    "States": {
        "Save": {
            "Type": "Task",
            "Resource": "arn:aws:states:::dynamodb:putItem",
            "Parameters": { "TableName": "orders", "Item": { "id": { "S.$": "$.id" } } },
            "ResultPath": "$.saved",
            "Next": "Notify"
        },
        "Notify": {
            "Type": "Task",
            "Resource": "arn:aws:states:us-west-2:123456789012:aws-sdk:s3:putObject",
            "Credentials": { "RoleArn.$": "$.role" },
            "Parameters": { "Bucket": "b", "Key.$": "$.id", "Body.$": "$" },
            "Catch": [ { "ErrorEquals": ["S3.NoSuchBucketException"], "ResultPath": "$.error", "Next": "Recovered" } ],
            "ResultPath": "$.written",
            "End": true
        },
        "Recovered": { "Type": "Pass", "End": true }
    }
});

asl_runtime::asl!(mod with_activity {
    "StartAt": "Approve",
    "States": {
        "Approve": {
            "Type": "Task",
            "Resource": "arn:aws:states:us-east-1:123456789012:activity:approve",
            "Next": "Invoke"
        },
        "Invoke": {
            "Type": "Task",
            "Resource": "arn:aws:lambda:eu-west-1:123456789012:function:charge:live",
            "End": true
        }
    }
});

/// What a call carried.
#[derive(Debug, Clone, PartialEq)]
struct Seen {
    api: Api,
    flavor: Flavor,
    pattern: Pattern,
    resource: &'static str,
    region: Option<&'static str>,
    parameters: Value,
    state: &'static str,
    role: Option<String>,
}

/// Records every call; answers with `{"api": …}`, or fails S3 calls when told to.
#[derive(Clone, Default)]
struct Recorder {
    seen: Arc<Mutex<Vec<Seen>>>,
    fail_s3: bool,
}

impl Services for Recorder {
    fn call(&self, call: ServiceCall) -> ServiceFuture {
        self.seen.lock().unwrap().push(Seen {
            api: call.api,
            flavor: call.flavor,
            pattern: call.pattern,
            resource: call.resource,
            region: call.resource_region(),
            parameters: call.parameters.clone(),
            state: call.context.state_name,
            role: call.context.role_arn().map(str::to_owned),
        });
        let fail = self.fail_s3 && call.api == Api::S3PutObject;
        let api = format!("{:?}", call.api);
        Box::pin(async move {
            if fail {
                return Err(TaskError::new(
                    "S3.NoSuchBucketException",
                    "The specified bucket does not exist",
                ));
            }
            Ok(json!({ "api": api }))
        })
    }
}

impl Provides<service::DynamoDb> for Recorder {}
impl Provides<service::S3> for Recorder {}
impl Provides<service::Lambda> for Recorder {}

#[tokio::test]
async fn a_services_value_runs_every_integrated_state() {
    let recorder = Recorder::default();
    let workflow = all_integrated::Workflow::from_services(recorder.clone());
    let out = workflow
        .run(json!({"id": "o-1", "role": "arn:aws:iam::123456789012:role/writer"}))
        .await
        .unwrap();
    assert_eq!(out["saved"], json!({"api": "DynamoDbPutItem"}));
    assert_eq!(out["written"], json!({"api": "S3PutObject"}));
    let seen = recorder.seen.lock().unwrap().clone();
    assert_eq!(
        seen[0],
        Seen {
            api: Api::DynamoDbPutItem,
            flavor: Flavor::Optimized,
            pattern: Pattern::RequestResponse,
            resource: "arn:aws:states:::dynamodb:putItem",
            region: None,
            parameters: json!({"TableName": "orders", "Item": {"id": {"S": "o-1"}}}),
            state: "Save",
            role: None,
        }
    );
    assert_eq!(seen[1].api, Api::S3PutObject);
    assert_eq!(seen[1].flavor, Flavor::Sdk);
    assert_eq!(seen[1].region, Some("us-west-2"));
    assert_eq!(
        seen[1].role.as_deref(),
        Some("arn:aws:iam::123456789012:role/writer")
    );
    assert_eq!(seen[1].parameters["Key"], "o-1");
}

#[tokio::test]
async fn service_errors_reach_catch_by_name() {
    let recorder = Recorder {
        fail_s3: true,
        ..Recorder::default()
    };
    let out = all_integrated::Workflow::from_services(recorder)
        .run(json!({"id": "o-2", "role": "arn:aws:iam::1:role/r"}))
        .await
        .unwrap();
    assert_eq!(out["error"]["Error"], "S3.NoSuchBucketException");
    assert_eq!(out["error"]["Cause"], "The specified bucket does not exist");
}

/// Writes `Save` itself; `Notify` keeps calling the services.
struct Override {
    services: Recorder,
}

impl all_integrated::Integrated for Override {
    type Services = Recorder;

    fn services(&self) -> &Recorder {
        &self.services
    }

    async fn save(&self, input: Value, _ctx: TaskContext) -> Result<Value, TaskError> {
        Ok(json!({"written by": "hand", "table": input["TableName"]}))
    }
}

#[tokio::test]
async fn an_override_replaces_one_state_and_the_rest_call_services() {
    let recorder = Recorder::default();
    let out = all_integrated::Workflow::new(Override {
        services: recorder.clone(),
    })
    .run(json!({"id": "o-3", "role": "arn:aws:iam::1:role/r"}))
    .await
    .unwrap();
    assert_eq!(
        out["saved"],
        json!({"written by": "hand", "table": "orders"})
    );
    assert_eq!(out["written"], json!({"api": "S3PutObject"}));
    let seen = recorder.seen.lock().unwrap();
    assert_eq!(seen.len(), 1, "only Notify called the services: {seen:?}");
    assert_eq!(seen[0].state, "Notify");
}

/// An activity has no integration: the user writes it, the Lambda state calls services.
struct Approver {
    services: Recorder,
}

impl with_activity::Integrated for Approver {
    type Services = Recorder;

    fn services(&self) -> &Recorder {
        &self.services
    }

    async fn approve(&self, input: Value, _ctx: TaskContext) -> Result<Value, TaskError> {
        Ok(json!({"approved": true, "input": input}))
    }
}

#[tokio::test]
async fn states_without_integration_are_written_by_the_user() {
    let recorder = Recorder::default();
    let out = with_activity::Workflow::new(Approver {
        services: recorder.clone(),
    })
    .run(json!({"n": 1}))
    .await
    .unwrap();
    assert_eq!(out, json!({"api": "LambdaFunction"}));
    let seen = recorder.seen.lock().unwrap();
    assert_eq!(seen[0].api, Api::LambdaFunction);
    assert_eq!(seen[0].region, Some("eu-west-1"));
    assert_eq!(
        seen[0].parameters,
        json!({"approved": true, "input": {"n": 1}})
    );
}
