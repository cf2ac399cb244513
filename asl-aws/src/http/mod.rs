//! The HTTP Task (`arn:aws:states:::http:invoke`, TASK-2): calls an HTTPS API as Step
//! Functions does ("Call HTTPS APIs in Step Functions workflows").
//!
//! Parameters: `ApiEndpoint` (required, an `https://` URL; `http://` is accepted too, for
//! local servers — AWS only calls HTTPS), `Method` (required: `GET`, `POST`, `PUT`, `DELETE`,
//! `PATCH`, `OPTIONS`, `HEAD`), `Authentication: {ConnectionArn}` or the newer
//! `InvocationConfig: {ConnectionArn}` (an EventBridge connection, see [`connection`]; AWS
//! requires one, asl-aws also calls without), `Headers` (an object of text values),
//! `QueryParameters` (an object, URL-encoded onto the URL, nested values as [`encode`]
//! describes), `RequestBody` (JSON sent as its JSON text with `Content-Type:
//! application/json; charset=UTF-8`, a string sent as it is), `Transform: {RequestBodyEncoding:
//! NONE | URL_ENCODED, RequestEncodingOptions: {ArrayFormat: INDICES | REPEAT | COMMAS |
//! BRACKETS}}` (`URL_ENCODED` sends an object body as `application/x-www-form-urlencoded`).
//! Any other member, or a member of the wrong type, fails the state with `States.Runtime`.
//!
//! `Headers` may not name the headers AWS reserves (`Host`, `Connection`, `Content-Length`,
//! `Transfer-Encoding`, `x-amz-*`, `x-amzn-*`, `x-forwarded-*`, …; see [`RESERVED`]): such a
//! header fails the state with `States.Runtime` before anything is sent. Like AWS, the
//! request carries `User-Agent: Amazon|StepFunctions|HttpInvoke|<region>` and `Range:
//! bytes=0-262144` unless the definition sets them. A connection's header, query and body
//! parameters are merged in, the connection's winning over the definition's.
//!
//! The result is `{"Headers": {name: [values]}, "ResponseBody": …, "StatusCode": 200,
//! "StatusText": "OK"}`, `ResponseBody` parsed when the response's `Content-Type` is JSON
//! (`application/json`, `…+json`), else the text. A status outside 2xx fails the state with
//! `States.Http.StatusCode.<code>` (`States.Http.StatusCode.404`), the cause that same
//! object's JSON text. Reaching the endpoint and the 60-second limit: see [`client`].
//!
//! Tasks run at least once: a durable execution resumed after a crash may call the endpoint
//! again, as Step Functions may.

mod client;
mod connection;
mod encode;

use asl_runtime::{TaskError, Value};
use bytes::Bytes;
use http_body_util::Full;
use serde_json::Map;

use crate::call::Request;
use crate::error;
use crate::params::Params;
use encode::ArrayFormat;

const API: &str = "http:invoke";

/// Header names the definition may not set (AWS's list, plus `Content-Length`, which is
/// computed from the body).
const RESERVED: &[&str] = &[
    "a-im",
    "accept-charset",
    "accept-datetime",
    "accept-encoding",
    "cache-control",
    "connection",
    "content-encoding",
    "content-length",
    "content-md5",
    "date",
    "expect",
    "forwarded",
    "from",
    "host",
    "http2-settings",
    "if-match",
    "if-modified-since",
    "if-none-match",
    "if-range",
    "if-unmodified-since",
    "max-forwards",
    "origin",
    "pragma",
    "proxy-authorization",
    "referer",
    "server",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "via",
    "warning",
];

/// Reserved header name prefixes.
const RESERVED_PREFIXES: &[&str] = &["x-amz-", "x-amzn-", "x-forwarded-"];

const METHODS: &[&str] = &["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"];

/// The state's parameters, checked.
struct Invoke {
    endpoint: String,
    method: String,
    connection: Option<String>,
    headers: Vec<(String, String)>,
    query: Option<Map<String, Value>>,
    body: Option<Value>,
    url_encoded: bool,
    arrays: ArrayFormat,
}

/// Calls the endpoint the state's parameters describe.
pub(crate) async fn call(mut request: Request) -> Result<Value, TaskError> {
    let invoke = parse(std::mem::take(&mut request.parameters))?;
    let auth = match &invoke.connection {
        Some(arn) => connection::resolve(&request, arn).await?,
        None => connection::Auth::default(),
    };
    let region = request
        .clients
        .config
        .region()
        .map(|r| r.as_ref().to_owned())
        .unwrap_or_default();
    client::send(build(invoke, auth, &region)?).await
}

fn parse(parameters: Value) -> Result<Invoke, TaskError> {
    let mut p = Params::new(parameters, API)?;
    let endpoint = p
        .string("ApiEndpoint")?
        .ok_or_else(|| error::parameters("The field 'ApiEndpoint' is required by http:invoke"))?;
    let method = p
        .string("Method")?
        .ok_or_else(|| error::parameters("The field 'Method' is required by http:invoke"))?;
    if !METHODS.contains(&method.as_str()) {
        return Err(error::parameters(format!(
            "The Method '{method}' of http:invoke must be one of {}",
            METHODS.join(", ")
        )));
    }
    let authentication = connection_arn(p.object("Authentication")?, "Authentication")?;
    let invocation = connection_arn(p.object("InvocationConfig")?, "InvocationConfig")?;
    if authentication.is_some() && invocation.is_some() {
        return Err(error::parameters(
            "http:invoke takes the connection in 'Authentication' or in 'InvocationConfig', \
             not both",
        ));
    }
    let headers = headers(p.object("Headers")?)?;
    let query = p.object("QueryParameters")?;
    let body = p.take("RequestBody");
    let (url_encoded, arrays) = transform(p.object("Transform")?)?;
    p.finish()?;
    Ok(Invoke {
        endpoint,
        method,
        connection: authentication.or(invocation),
        headers,
        query,
        body,
        url_encoded,
        arrays,
    })
}

/// `{"ConnectionArn": …}` of `Authentication` or `InvocationConfig`.
fn connection_arn(
    member: Option<Map<String, Value>>,
    field: &'static str,
) -> Result<Option<String>, TaskError> {
    let Some(member) = member else {
        return Ok(None);
    };
    let api = match field {
        "Authentication" => "http:invoke Authentication",
        _ => "http:invoke InvocationConfig",
    };
    let mut p = Params::new(Value::Object(member), api)?;
    let arn = p.string("ConnectionArn")?;
    p.finish()?;
    arn.map(Some).ok_or_else(|| {
        error::parameters(format!(
            "The field 'ConnectionArn' is required in '{field}'"
        ))
    })
}

/// The definition's headers, with reserved ones refused.
fn headers(member: Option<Map<String, Value>>) -> Result<Vec<(String, String)>, TaskError> {
    let mut out = Vec::new();
    for (name, value) in member.unwrap_or_default() {
        let lower = name.to_ascii_lowercase();
        if RESERVED.contains(&lower.as_str())
            || RESERVED_PREFIXES.iter().any(|p| lower.starts_with(p))
        {
            return Err(error::parameters(format!(
                "The header '{name}' cannot be set in the Headers of http:invoke: Step \
                 Functions reserves it"
            )));
        }
        let value = match value {
            Value::String(s) => s,
            v @ (Value::Number(_) | Value::Bool(_)) => v.to_string(),
            other => {
                return Err(error::parameters(format!(
                    "The header '{name}' of http:invoke must be text, not {}",
                    crate::params::kind(&other)
                )));
            }
        };
        out.push((name, value));
    }
    Ok(out)
}

/// `Transform`: (URL-encode the body, array format).
fn transform(member: Option<Map<String, Value>>) -> Result<(bool, ArrayFormat), TaskError> {
    let Some(member) = member else {
        return Ok((false, ArrayFormat::default()));
    };
    let mut p = Params::new(Value::Object(member), "http:invoke Transform")?;
    let url_encoded = match p.string("RequestBodyEncoding")?.as_deref() {
        None | Some("NONE") => false,
        Some("URL_ENCODED") => true,
        Some(other) => {
            return Err(error::parameters(format!(
                "The RequestBodyEncoding '{other}' of http:invoke must be NONE or URL_ENCODED"
            )));
        }
    };
    let arrays = match p.object("RequestEncodingOptions")? {
        None => ArrayFormat::default(),
        Some(options) => {
            let mut o = Params::new(
                Value::Object(options),
                "http:invoke Transform.RequestEncodingOptions",
            )?;
            let format = o.string("ArrayFormat")?;
            o.finish()?;
            match format {
                None => ArrayFormat::default(),
                Some(name) => ArrayFormat::parse(&name).ok_or_else(|| {
                    error::parameters(format!(
                        "The ArrayFormat '{name}' of http:invoke must be INDICES, REPEAT, \
                         COMMAS or BRACKETS"
                    ))
                })?,
            }
        }
    };
    p.finish()?;
    Ok((url_encoded, arrays))
}

/// The request: the definition's parts merged with the connection's.
fn build(
    invoke: Invoke,
    auth: connection::Auth,
    region: &str,
) -> Result<http::Request<Full<Bytes>>, TaskError> {
    // Query: the definition's, then the connection's (a connection's name replaces it).
    let mut query = invoke.query.unwrap_or_default();
    for (k, v) in auth.query {
        query.insert(k, Value::String(v));
    }
    let mut url = invoke.endpoint.clone();
    if url.contains('#') {
        // A query appended after a fragment would never be sent (with it, the connection's
        // query authorization).
        return Err(error::parameters(format!(
            "The ApiEndpoint '{}' of http:invoke must not have a fragment ('#')",
            invoke.endpoint
        )));
    }
    if !query.is_empty() {
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str(&encode::encode(&query, invoke.arrays));
    }
    let uri: http::Uri = url.parse().map_err(|e| {
        error::parameters(format!(
            "The ApiEndpoint '{}' of http:invoke is not a URL: {e}",
            invoke.endpoint
        ))
    })?;
    if !matches!(uri.scheme_str(), Some("https" | "http")) || uri.host().is_none() {
        return Err(error::parameters(format!(
            "The ApiEndpoint '{}' of http:invoke must be an https:// URL",
            invoke.endpoint
        )));
    }

    let mut body = invoke.body;
    if !auth.body.is_empty() {
        let mut merged = match body {
            None => Map::new(),
            Some(Value::Object(m)) => m,
            Some(_) => {
                return Err(error::parameters(
                    "The RequestBody of http:invoke must be a JSON object to merge the \
                     connection's body parameters into",
                ));
            }
        };
        for (k, v) in auth.body {
            merged.insert(k, Value::String(v));
        }
        body = Some(Value::Object(merged));
    }
    let (bytes, content_type) = match body {
        None => (Vec::new(), None),
        Some(Value::String(s)) => (s.into_bytes(), None),
        Some(Value::Object(m)) if invoke.url_encoded => (
            encode::encode(&m, invoke.arrays).into_bytes(),
            Some("application/x-www-form-urlencoded"),
        ),
        Some(other) => (
            other.to_string().into_bytes(),
            Some("application/json; charset=UTF-8"),
        ),
    };

    // Headers: the definition's, the connection's replacing those of the same name, then
    // the defaults Step Functions adds where none is set.
    let mut headers = invoke.headers;
    for (k, v) in auth.headers {
        headers.retain(|(name, _)| !name.eq_ignore_ascii_case(&k));
        headers.push((k, v));
    }
    let has = |headers: &[(String, String)], name: &str| {
        headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(name))
    };
    if let Some(ct) = content_type
        && !has(&headers, "content-type")
    {
        headers.push(("Content-Type".to_owned(), ct.to_owned()));
    }
    if !has(&headers, "user-agent") {
        headers.push((
            "User-Agent".to_owned(),
            format!("Amazon|StepFunctions|HttpInvoke|{region}"),
        ));
    }
    if !has(&headers, "range") {
        headers.push(("Range".to_owned(), format!("bytes=0-{}", client::MAX_BODY)));
    }

    let mut request = http::Request::builder()
        .method(invoke.method.as_str())
        .uri(uri);
    for (k, v) in &headers {
        request = request.header(k.as_str(), v.as_str());
    }
    request
        .body(Full::new(Bytes::from(bytes)))
        .map_err(|e| error::parameters(format!("http:invoke cannot send this request: {e}")))
}
