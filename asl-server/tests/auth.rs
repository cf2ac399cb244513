//! SigV4 verification end to end: a server configured with a credential answers the AWS SDK
//! for Rust signing with that credential, and refuses a wrong secret
//! (`InvalidSignatureException`), an unknown access key (`UnrecognizedClientException`) and an
//! unsigned request (`MissingAuthenticationTokenException`) with AWS's messages.

use std::time::Duration;

use asl_runtime::Engine;
use asl_runtime::store::SqliteStore;
use aws_sdk_sfn::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_sfn::error::ProvideErrorMetadata;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

asl_runtime::asl!(mod hello {
    "StartAt": "Hi",
    "States": { "Hi": { "Type": "Pass", "Result": "hello", "End": true } }
});

struct NoTasks;
impl hello::Tasks for NoTasks {}

const KEY: &str = "AKIDAUTHTEST";
const SECRET: &str = "auth-test-secret";

async fn server() -> std::net::SocketAddr {
    let engine = Engine::builder()
        .store(SqliteStore::memory().await.expect("store"))
        .workflow("hello", hello::Workflow::new(NoTasks))
        .build()
        .await
        .expect("engine");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    let config = asl_server::Config::new().credential(KEY, SECRET);
    tokio::spawn(asl_server::serve_with(engine, config, listener));
    addr
}

fn client(addr: std::net::SocketAddr, key: &str, secret: &str) -> aws_sdk_sfn::Client {
    let config = aws_sdk_sfn::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("eu-west-1"))
        .endpoint_url(format!("http://{addr}"))
        .credentials_provider(Credentials::new(key, secret, None, None, "test"))
        .retry_config(aws_sdk_sfn::config::retry::RetryConfig::disabled())
        .timeout_config(
            aws_sdk_sfn::config::timeout::TimeoutConfig::builder()
                .operation_timeout(Duration::from_secs(30))
                .build(),
        )
        .build();
    aws_sdk_sfn::Client::from_conf(config)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sdk_signing_with_the_configured_secret_is_answered() {
    let addr = server().await;
    let sfn = client(addr, KEY, SECRET);
    let machines = sfn
        .list_state_machines()
        .send()
        .await
        .expect("signed request");
    assert_eq!(machines.state_machines()[0].name(), "hello");
    // A request with a body: its hash is part of the signature.
    let started = sfn
        .start_execution()
        .state_machine_arn("arn:aws:states:us-east-1:123456789012:stateMachine:hello")
        .name("signed-1")
        .input(r#"{"a": [1, 2, 3], "text": "é ü"}"#)
        .send()
        .await
        .expect("signed start");
    assert!(
        started
            .execution_arn()
            .ends_with(":execution:hello:signed-1")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_secret_or_an_unknown_key_is_refused_as_aws_refuses_it() {
    let addr = server().await;
    let err = client(addr, KEY, "not-the-secret")
        .list_state_machines()
        .send()
        .await
        .expect_err("wrong secret");
    assert_eq!(err.code(), Some("InvalidSignatureException"), "{err:?}");
    assert_eq!(
        err.message(),
        Some(
            "The request signature we calculated does not match the signature you provided. \
             Check your AWS Secret Access Key and signing method. Consult the service \
             documentation for details."
        )
    );
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(400));

    let err = client(addr, "AKIDUNKNOWN", SECRET)
        .start_execution()
        .state_machine_arn("arn:aws:states:us-east-1:123456789012:stateMachine:hello")
        .send()
        .await
        .expect_err("unknown key");
    assert_eq!(err.code(), Some("UnrecognizedClientException"), "{err:?}");
    assert_eq!(
        err.message(),
        Some("The security token included in the request is invalid.")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unsigned_request_is_missing_its_token() {
    let addr = server().await;
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let body = "{}";
    let request = format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-amz-json-1.0\r\n\
         X-Amz-Target: AWSStepFunctions.ListStateMachines\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("read");
    assert!(response.starts_with("HTTP/1.1 400"), "{response}");
    let json = response.split("\r\n\r\n").nth(1).expect("body");
    let json: serde_json::Value = serde_json::from_str(json).expect("json body");
    assert_eq!(
        json["__type"],
        "com.amazon.coral.service#MissingAuthenticationTokenException"
    );
    assert_eq!(json["message"], "Missing Authentication Token");
}
