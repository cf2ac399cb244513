//! The HTTP Task (`arn:aws:states:::http:invoke`, TASK-2, TASK-13) against a local HTTP
//! server the test runs: what reaches the server (method, URL-encoded query and body, JSON
//! body, headers, the defaults Step Functions adds), the result as Step Functions shapes it,
//! non-2xx statuses as `States.Http.StatusCode.<code>` for Catch and Retry, parameters
//! refused before anything is sent, and EventBridge connections (API_KEY, BASIC) resolved
//! through moto's EventBridge and Secrets Manager. Only the connection tests need moto.

mod server;

use asl_runtime::Value;
use aws_sdk_eventbridge::types::{
    ConnectionAuthorizationType, ConnectionBodyParameter, ConnectionHeaderParameter,
    ConnectionHttpParameters, ConnectionOAuthHttpMethod, ConnectionQueryStringParameter,
    CreateConnectionApiKeyAuthRequestParameters, CreateConnectionAuthRequestParameters,
    CreateConnectionBasicAuthRequestParameters, CreateConnectionOAuthClientRequestParameters,
    CreateConnectionOAuthRequestParameters,
};
use serde_json::json;

use self::server::{Reply, Server, closed_port_url, pairs};
use crate::common;

/// Integrations for tests that call no AWS service (the endpoint is never used).
async fn offline() -> asl_aws::Aws {
    asl_aws::Aws::from_conf(common::sdk_config(&closed_port_url(), "us-east-1").await)
}

fn owned(list: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = list
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    v.sort();
    v
}

asl_runtime::asl!(mod get {
    "StartAt": "Get",
    "States": {
        "Get": {
            "Type": "Task",
            "Resource": "arn:aws:states:::http:invoke",
            "Parameters": {
                "ApiEndpoint.$": "States.Format('{}/items', $.url)",
                "Method": "GET",
                "Headers": {"X-Custom": "yes", "Accept": "application/json"},
                "QueryParameters": {"q.$": "$.q", "n": 3, "tags": ["x", "y z"], "f": {"a": true}}
            },
            "End": true
        }
    }
});

#[tokio::test]
async fn get_sends_query_and_headers_and_shapes_a_json_answer() {
    // TASK-2: query parameters URL-encoded (arrays as INDICES, objects as name[member]), the
    // definition's headers plus User-Agent and Range as Step Functions sends them; the answer
    // is {Headers: {name: [values]}, ResponseBody (parsed JSON), StatusCode, StatusText}.
    let server =
        Server::always(Reply::json(200, "OK", &json!({"items": [1, 2]})).header("X-Trace", "t-1"))
            .await;
    let out = get::Workflow::from_services(offline().await)
        .run(json!({"url": server.url, "q": "a&b c"}))
        .await
        .unwrap();
    assert_eq!(out["StatusCode"], json!(200));
    assert_eq!(out["StatusText"], json!("OK"));
    assert_eq!(out["ResponseBody"], json!({"items": [1, 2]}));
    assert_eq!(out["Headers"]["content-type"], json!(["application/json"]));
    assert_eq!(out["Headers"]["x-trace"], json!(["t-1"]));

    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    let req = &seen[0];
    assert_eq!(req.method, "GET");
    assert!(req.target.starts_with("/items?"), "{}", req.target);
    // The brackets stay as written; names and values are percent-encoded.
    assert!(req.target.contains("tags[1]=y%20z"), "{}", req.target);
    assert!(req.target.contains("q=a%26b%20c"), "{}", req.target);
    assert_eq!(
        req.query(),
        owned(&[
            ("f[a]", "true"),
            ("n", "3"),
            ("q", "a&b c"),
            ("tags[0]", "x"),
            ("tags[1]", "y z")
        ])
    );
    assert_eq!(req.header("x-custom"), Some("yes"));
    assert_eq!(req.header("accept"), Some("application/json"));
    assert_eq!(
        req.header("user-agent"),
        Some("Amazon|StepFunctions|HttpInvoke|us-east-1")
    );
    assert_eq!(req.header("range"), Some("bytes=0-262144"));
    assert!(req.body.is_empty());
}

asl_runtime::asl!(mod post_json {
    "StartAt": "Post",
    "States": {
        "Post": {
            "Type": "Task",
            "Resource": "arn:aws:states:::http:invoke",
            "Parameters": {
                "ApiEndpoint.$": "$.url",
                "Method": "POST",
                "RequestBody": {"name.$": "$.name", "count": 2, "tags": ["a"]}
            },
            "ResultSelector": {"code.$": "$.StatusCode", "text.$": "$.StatusText", "body.$": "$.ResponseBody"},
            "End": true
        }
    }
});

#[tokio::test]
async fn post_sends_a_json_body_and_keeps_a_text_answer() {
    // TASK-2: a JSON RequestBody is sent as its JSON text with Content-Type application/json;
    // a text answer stays text in ResponseBody.
    let server = Server::always(Reply::text(201, "Created", "made it")).await;
    let out = post_json::Workflow::from_services(offline().await)
        .run(json!({"url": format!("{}/orders", server.url), "name": "n-1"}))
        .await
        .unwrap();
    assert_eq!(
        out,
        json!({"code": 201, "text": "Created", "body": "made it"})
    );
    let req = &server.seen()[0];
    assert_eq!(req.method, "POST");
    assert_eq!(req.target, "/orders");
    assert_eq!(
        req.header("content-type"),
        Some("application/json; charset=UTF-8")
    );
    let body: Value = serde_json::from_slice(&req.body).unwrap();
    assert_eq!(body, json!({"name": "n-1", "count": 2, "tags": ["a"]}));
}

asl_runtime::asl!(mod form {
    "StartAt": "Post",
    "States": {
        "Post": {
            "Type": "Task",
            "Resource": "arn:aws:states:::http:invoke",
            "Parameters": {
                "ApiEndpoint.$": "$.url",
                "Method": "PUT",
                "RequestBody": {"array": ["a", "b", "c"], "name": "x y"},
                "Transform": {
                    "RequestBodyEncoding": "URL_ENCODED",
                    "RequestEncodingOptions": {"ArrayFormat.$": "$.format"}
                }
            },
            "ResultPath": null,
            "End": true
        }
    }
});

#[tokio::test]
async fn url_encoded_bodies_follow_the_array_format() {
    // TASK-2: Transform URL_ENCODED sends the body as application/x-www-form-urlencoded, the
    // arrays as each ArrayFormat says (AWS's examples).
    let cases = [
        ("INDICES", "array[0]=a&array[1]=b&array[2]=c&name=x%20y"),
        ("REPEAT", "array=a&array=b&array=c&name=x%20y"),
        ("COMMAS", "array=a,b,c&name=x%20y"),
        ("BRACKETS", "array[]=a&array[]=b&array[]=c&name=x%20y"),
    ];
    let server = Server::always(Reply::json(200, "OK", &json!({}))).await;
    let wf = form::Workflow::from_services(offline().await);
    for (format, _) in cases {
        wf.run(json!({"url": server.url, "format": format}))
            .await
            .unwrap();
    }
    let seen = server.seen();
    assert_eq!(seen.len(), cases.len());
    for (req, (format, expected)) in seen.iter().zip(cases) {
        assert_eq!(req.method, "PUT");
        assert_eq!(
            req.header("content-type"),
            Some("application/x-www-form-urlencoded"),
            "{format}"
        );
        assert_eq!(pairs(&req.body_text()), pairs(expected), "{format}");
        assert_eq!(req.body_text().len(), expected.len(), "{format}");
    }
}

asl_runtime::asl!(mod caught {
    "StartAt": "Get",
    "States": {
        "Get": {
            "Type": "Task",
            "Resource": "arn:aws:states:::http:invoke",
            "Parameters": {"ApiEndpoint.$": "$.url", "Method": "GET"},
            "Catch": [{"ErrorEquals": ["States.Http.StatusCode.404"], "ResultPath": "$.failed", "Next": "Missing"}],
            "End": true
        },
        "Missing": {"Type": "Pass", "End": true}
    }
});

#[tokio::test]
async fn a_404_fails_with_its_status_code_for_catch() {
    // ERR: a status outside 2xx is States.Http.StatusCode.<code>; the cause is the response's
    // shape as JSON text.
    let server = Server::always(Reply::json(404, "Not Found", &json!({"message": "no"}))).await;
    let out = caught::Workflow::from_services(offline().await)
        .run(json!({"url": server.url}))
        .await
        .unwrap();
    assert_eq!(out["failed"]["Error"], json!("States.Http.StatusCode.404"));
    let cause: Value = serde_json::from_str(out["failed"]["Cause"].as_str().unwrap()).unwrap();
    assert_eq!(cause["StatusCode"], json!(404));
    assert_eq!(cause["StatusText"], json!("Not Found"));
    assert_eq!(cause["ResponseBody"], json!({"message": "no"}));
}

asl_runtime::asl!(mod retried {
    "StartAt": "Get",
    "States": {
        "Get": {
            "Type": "Task",
            "Resource": "arn:aws:states:::http:invoke",
            "Parameters": {"ApiEndpoint.$": "$.url", "Method": "DELETE"},
            "Retry": [{"ErrorEquals": ["States.Http.StatusCode.500"], "IntervalSeconds": 1, "MaxAttempts": 2}],
            "OutputPath": "$.ResponseBody",
            "End": true
        }
    }
});

#[tokio::test]
async fn a_500_is_retried_by_name() {
    // RETRY: States.Http.StatusCode.500 is retried; the second answer succeeds.
    let server = Server::start(|_, n| {
        if n == 0 {
            Reply::text(500, "Internal Server Error", "boom")
        } else {
            Reply::json(200, "OK", &json!({"deleted": true}))
        }
    })
    .await;
    let out = retried::Workflow::from_services(offline().await)
        .run(json!({"url": server.url}))
        .await
        .unwrap();
    assert_eq!(out, json!({"deleted": true}));
    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    assert!(seen.iter().all(|r| r.method == "DELETE"));
}

asl_runtime::asl!(mod loose {
    "StartAt": "Call",
    "States": {
        "Call": {
            "Type": "Task",
            "Resource": "arn:aws:states:::http:invoke",
            "Parameters": {"ApiEndpoint.$": "$.url", "Method": "GET", "Extra.$": "$.extra", "Headers.$": "$.headers"},
            "End": true
        }
    }
});

#[tokio::test]
async fn unknown_members_and_reserved_headers_are_refused() {
    // TASK-2: a member http:invoke does not have, or a header Step Functions reserves, fails
    // the state with States.Runtime before anything is sent.
    let server = Server::always(Reply::json(200, "OK", &json!({}))).await;
    let wf = loose::Workflow::from_services(offline().await);
    let err = wf
        .run(json!({"url": server.url, "extra": 1, "headers": {}}))
        .await
        .unwrap_err();
    assert_eq!(err.error(), Some("States.Runtime"));
    assert!(err.cause().unwrap().contains("'Extra'"), "{err}");
    for header in ["Host", "x-amz-date", "Content-Length", "X-Forwarded-For"] {
        let err = wf
            .run(json!({"url": server.url, "extra": null, "headers": {header: "v"}}))
            .await
            .unwrap_err();
        assert_eq!(err.error(), Some("States.Runtime"), "{header}");
        assert!(err.cause().unwrap().contains(header), "{err}");
    }
    assert!(server.seen().is_empty());
}

#[tokio::test]
async fn an_unreachable_endpoint_is_a_socket_error() {
    // TASK-13/ERR-19: no answer is States.Http.Socket.
    let wf = get::Workflow::from_services(offline().await);
    let http = closed_port_url();
    let https = http.replace("http://", "https://");
    for url in [http, https] {
        let err = wf
            .run(json!({"url": url, "q": "secret-value"}))
            .await
            .unwrap_err();
        assert_eq!(err.error(), Some("States.Http.Socket"), "{err}");
        // The cause names the endpoint, never its query (a connection may put secrets there).
        let cause = err.cause().unwrap_or_default();
        assert!(cause.contains("127.0.0.1"), "{cause}");
        assert!(!cause.contains("secret-value"), "{cause}");
    }
    // A fragment would swallow the query: refused.
    let err = wf
        .run(json!({"url": "http://127.0.0.1/p#frag", "q": "x"}))
        .await
        .unwrap_err();
    assert_eq!(err.error(), Some("States.Runtime"), "{err}");
    // Only http(s) URLs are endpoints.
    let err = wf
        .run(json!({"url": "ftp://127.0.0.1", "q": "x"}))
        .await
        .unwrap_err();
    assert_eq!(err.error(), Some("States.Runtime"), "{err}");
}

asl_runtime::asl!(mod connected {
    "StartAt": "Auth",
    "States": {
        "Auth": {
            "Type": "Task",
            "Resource": "arn:aws:states:::http:invoke",
            "Parameters": {
                "ApiEndpoint.$": "$.url",
                "Method": "POST",
                "Authentication": {"ConnectionArn.$": "$.connection"},
                "Headers": {"X-Mine": "1", "X-Tenant": "definition"},
                "RequestBody": {"a": 1}
            },
            "Next": "Config"
        },
        "Config": {
            "Type": "Task",
            "Resource": "arn:aws:states:::http:invoke",
            "Parameters": {
                "ApiEndpoint.$": "$$.Execution.Input.url",
                "Method": "GET",
                "InvocationConfig": {"ConnectionArn.$": "$$.Execution.Input.basic"}
            },
            "End": true
        }
    }
});

#[tokio::test]
async fn connections_authorize_through_eventbridge_and_secrets_manager() {
    // TASK-2: Authentication.ConnectionArn (API_KEY, with invocation header, query and body
    // parameters merged in, the connection's header winning over the definition's) and InvocationConfig.ConnectionArn (BASIC): the connection's
    // secret, read through EventBridge DescribeConnection and Secrets Manager, reaches the
    // server as headers.
    let Some(m) = common::moto(
        "connections_authorize_through_eventbridge_and_secrets_manager",
        "us-east-1",
    )
    .await
    else {
        return;
    };
    let events = aws_sdk_eventbridge::Client::new(&m.config);
    let api_key = events
        .create_connection()
        .name(common::unique("asl-conn-key"))
        .authorization_type(ConnectionAuthorizationType::ApiKey)
        .auth_parameters(
            CreateConnectionAuthRequestParameters::builder()
                .api_key_auth_parameters(
                    CreateConnectionApiKeyAuthRequestParameters::builder()
                        .api_key_name("x-api-key")
                        .api_key_value("k-123")
                        .build()
                        .unwrap(),
                )
                .invocation_http_parameters(
                    ConnectionHttpParameters::builder()
                        .header_parameters(
                            ConnectionHeaderParameter::builder()
                                .key("X-Tenant")
                                .value("connection")
                                .is_value_secret(false)
                                .build(),
                        )
                        .query_string_parameters(
                            ConnectionQueryStringParameter::builder()
                                .key("tenant")
                                .value("t 1")
                                .is_value_secret(false)
                                .build(),
                        )
                        .body_parameters(
                            ConnectionBodyParameter::builder()
                                .key("signed")
                                .value("yes")
                                .is_value_secret(true)
                                .build(),
                        )
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    let basic = events
        .create_connection()
        .name(common::unique("asl-conn-basic"))
        .authorization_type(ConnectionAuthorizationType::Basic)
        .auth_parameters(
            CreateConnectionAuthRequestParameters::builder()
                .basic_auth_parameters(
                    CreateConnectionBasicAuthRequestParameters::builder()
                        .username("user")
                        .password("pa:ss")
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();

    let server = Server::always(Reply::json(200, "OK", &json!({"ok": true}))).await;
    let out = connected::Workflow::from_services(m.aws.clone())
        .run(json!({
            "url": server.url,
            "connection": api_key.connection_arn().unwrap(),
            "basic": basic.connection_arn().unwrap(),
        }))
        .await
        .unwrap();
    assert_eq!(out["ResponseBody"], json!({"ok": true}));
    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].header("x-api-key"), Some("k-123"));
    assert_eq!(seen[0].header("x-mine"), Some("1"));
    assert_eq!(seen[0].header("x-tenant"), Some("connection"));
    assert_eq!(seen[0].query(), vec![("tenant".into(), "t 1".into())]);
    let body: Value = serde_json::from_slice(&seen[0].body).unwrap();
    assert_eq!(body, json!({"a": 1, "signed": "yes"}));
    // "user:pa:ss" in base64.
    assert_eq!(
        seen[1].header("authorization"),
        Some("Basic dXNlcjpwYTpzcw==")
    );
    assert_eq!(seen[1].header("x-api-key"), None);
}

#[tokio::test]
async fn a_connection_in_another_region_is_read_there() {
    // The connection's ARN names its region: EventBridge and Secrets Manager are asked there,
    // not in the configured region (where no such connection exists).
    let Some(m) = common::moto("a_connection_in_another_region_is_read_there", "us-east-1").await
    else {
        return;
    };
    let elsewhere = common::sdk_config(&m.url, "eu-west-3").await;
    let created = aws_sdk_eventbridge::Client::new(&elsewhere)
        .create_connection()
        .name(common::unique("asl-conn-far"))
        .authorization_type(ConnectionAuthorizationType::ApiKey)
        .auth_parameters(
            CreateConnectionAuthRequestParameters::builder()
                .api_key_auth_parameters(
                    CreateConnectionApiKeyAuthRequestParameters::builder()
                        .api_key_name("x-api-key")
                        .api_key_value("far-away")
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    let arn = created.connection_arn().unwrap();
    assert!(arn.contains(":eu-west-3:"), "{arn}");
    let server = Server::always(Reply::json(200, "OK", &json!({"ok": true}))).await;
    let wf = connected::Workflow::from_services(m.aws.clone());
    for _ in 0..2 {
        wf.run(json!({"url": server.url, "connection": arn, "basic": arn}))
            .await
            .unwrap();
    }
    let seen = server.seen();
    assert_eq!(seen.len(), 4);
    assert!(
        seen.iter()
            .all(|r| r.header("x-api-key") == Some("far-away"))
    );
}

#[tokio::test]
async fn a_missing_or_oauth_connection_fails_the_state() {
    // A ConnectionArn EventBridge does not know: Events.ConnectionResource.ResourceNotFound;
    // an OAuth connection, which asl-aws does not support: States.Runtime saying so. Nothing
    // is sent either way.
    let Some(m) = common::moto("a_missing_or_oauth_connection_fails_the_state", "us-east-1").await
    else {
        return;
    };
    let server = Server::always(Reply::json(200, "OK", &json!({}))).await;
    let arn = format!(
        "arn:aws:events:us-east-1:123456789012:connection/{}/0000",
        common::unique("asl-none")
    );
    let err = connected::Workflow::from_services(m.aws.clone())
        .run(json!({"url": server.url, "connection": arn, "basic": arn}))
        .await
        .unwrap_err();
    assert_eq!(
        err.error(),
        Some("Events.ConnectionResource.ResourceNotFound"),
        "{err}"
    );

    let oauth = aws_sdk_eventbridge::Client::new(&m.config)
        .create_connection()
        .name(common::unique("asl-conn-oauth"))
        .authorization_type(ConnectionAuthorizationType::OauthClientCredentials)
        .auth_parameters(
            CreateConnectionAuthRequestParameters::builder()
                .o_auth_parameters(
                    CreateConnectionOAuthRequestParameters::builder()
                        .client_parameters(
                            CreateConnectionOAuthClientRequestParameters::builder()
                                .client_id("id")
                                .client_secret("secret")
                                .build()
                                .unwrap(),
                        )
                        .authorization_endpoint(format!("{}/token", server.url))
                        .http_method(ConnectionOAuthHttpMethod::Post)
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    let arn = oauth.connection_arn().unwrap();
    let err = connected::Workflow::from_services(m.aws.clone())
        .run(json!({"url": server.url, "connection": arn, "basic": arn}))
        .await
        .unwrap_err();
    assert_eq!(err.error(), Some("States.Runtime"), "{err}");
    assert!(err.cause().unwrap().contains("OAuth"), "{err}");
    assert!(server.seen().is_empty());
}
