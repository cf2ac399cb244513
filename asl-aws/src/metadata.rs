//! `SdkHttpMetadata` and `SdkResponseMetadata`: what Step Functions adds to the response of an
//! optimized integration (the AWS SDK for Java v1's response metadata), from the HTTP response
//! the SDK received.

use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeDeserializationInterceptorContextRef;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use serde_json::{Map, Value, json};

/// Keeps the status and headers of the response an operation received.
#[derive(Debug, Clone, Default)]
pub(crate) struct Capture(Arc<Mutex<Option<Received>>>);

/// A response's status and headers.
type Received = (u16, Vec<(String, String)>);

impl Intercept for Capture {
    fn name(&self) -> &'static str {
        "asl-aws response metadata"
    }

    fn read_before_deserialization(
        &self,
        context: &BeforeDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let response = context.response();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let mut slot = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *slot = Some((response.status().as_u16(), headers));
        Ok(())
    }
}

impl Capture {
    /// Adds `SdkHttpMetadata` and `SdkResponseMetadata` to `response`, as Step Functions does.
    pub(crate) fn add_to(&self, response: &mut Map<String, Value>) {
        let slot = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (status, headers) = slot.clone().unwrap_or((200, Vec::new()));
        let mut all = Map::new();
        let mut single = Map::new();
        let mut request_id = String::new();
        for (k, v) in headers {
            let k = canonical(&k);
            if k.eq_ignore_ascii_case("x-amzn-requestid")
                || k.eq_ignore_ascii_case("x-amz-request-id")
            {
                request_id.clone_from(&v);
            }
            match all.get_mut(&k) {
                Some(Value::Array(values)) => values.push(Value::String(v.clone())),
                _ => {
                    all.insert(k.clone(), json!([v.clone()]));
                }
            }
            single.insert(k, Value::String(v));
        }
        response.insert(
            "SdkHttpMetadata".into(),
            json!({"AllHttpHeaders": all, "HttpHeaders": single, "HttpStatusCode": status}),
        );
        response.insert(
            "SdkResponseMetadata".into(),
            json!({ "RequestId": request_id }),
        );
    }
}

/// A header name as AWS's recordings spell it: the SDK's HTTP stack lower-cases names, the
/// Java SDK Step Functions uses keeps the service's spelling. (`connection` stays lower-case:
/// SQS and SNS send it so, DynamoDB and Lambda as `Connection`.)
fn canonical(name: &str) -> String {
    const KNOWN: &[&str] = &[
        "Content-Length",
        "Content-Type",
        "Date",
        "Server",
        "X-Amz-Executed-Version",
        "X-Amz-Function-Error",
        "X-Amz-Log-Result",
        "X-Amzn-Trace-Id",
        "x-amz-crc32",
        "x-amz-id-2",
        "x-amz-request-id",
        "x-amzn-Remapped-Content-Length",
        "x-amzn-RequestId",
    ];
    KNOWN
        .iter()
        .find(|k| k.eq_ignore_ascii_case(name))
        .map_or_else(|| name.to_owned(), |k| (*k).to_owned())
}
