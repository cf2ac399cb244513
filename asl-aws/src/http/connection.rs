//! An EventBridge connection's authorization, as the HTTP Task applies it: EventBridge
//! `DescribeConnection` gives the connection's `AuthorizationType`, state and `SecretArn`;
//! the secret (Secrets Manager `GetSecretValue`), which EventBridge keeps for the connection,
//! holds the credentials and the connection's invocation parameters.
//!
//! The secret is JSON with snake_case members, as EventBridge writes it (and moto mirrors):
//! `{"api_key_name", "api_key_value"}` for `API_KEY`, `{"username", "password"}` for `BASIC`,
//! plus `"invocation_http_parameters": {"header_parameters" | "query_string_parameters" |
//! "body_parameters": [{"key", "value", "is_value_secret"}]}`. `API_KEY` becomes the header
//! `<ApiKeyName>: <ApiKeyValue>`, `BASIC` the header `Authorization: Basic base64(user:pass)`.
//! `OAUTH_CLIENT_CREDENTIALS` is not supported: the state fails with `States.Runtime` saying
//! so rather than calling without the token.
//!
//! A connection that cannot be used fails the state with an `Events.ConnectionResource.*`
//! error: `ResourceNotFound` (no such connection), `InvalidConnectionState` (not
//! `AUTHORIZED`), `AccessDenied`, else `InternalError`, with EventBridge's or Secrets
//! Manager's message as the cause.

use asl_runtime::TaskError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use base64::Engine as _;
use serde_json::{Map, Value};

use crate::call::Request;
use crate::clients::Clients;

/// What a connection adds to a request (names and values as sent, not encoded).
#[derive(Debug, Default)]
pub(crate) struct Auth {
    pub headers: Vec<(String, String)>,
    pub query: Vec<(String, String)>,
    pub body: Vec<(String, String)>,
}

const PREFIX: &str = "Events.ConnectionResource";

/// The authorization of the connection `arn`
/// (`arn:aws:events:<region>:<account>:connection/<name>/<id>`).
pub(crate) async fn resolve(request: &Request, arn: &str) -> Result<Auth, TaskError> {
    let (region, name) = parse_arn(arn).ok_or_else(|| {
        crate::error::parameters(format!(
            "The ConnectionArn '{arn}' is not an EventBridge connection ARN \
             (arn:aws:events:<region>:<account>:connection/<name>/<id>)"
        ))
    })?;
    // The connection's region may differ from the configured one: the clients of that
    // region (and the state's role), cached like every other.
    let clients = if elsewhere(&request.clients, region) {
        request
            .aws
            .clients(Some(region), request.context.role_arn())
            .await
    } else {
        std::sync::Arc::clone(&request.clients)
    };
    let events = clients.eventbridge();
    let described = events
        .describe_connection()
        .name(name)
        .send()
        .await
        .map_err(|e| failure(e.code(), e.message(), &e.to_string()))?;
    let state = described.connection_state().map(|s| s.as_str().to_owned());
    if state.as_deref() != Some("AUTHORIZED") {
        return Err(TaskError::new(
            format!("{PREFIX}.InvalidConnectionState"),
            format!(
                "The connection '{arn}' is in state {}, not AUTHORIZED",
                state.as_deref().unwrap_or("unknown")
            ),
        ));
    }
    let kind = described
        .authorization_type()
        .map(|t| t.as_str().to_owned())
        .unwrap_or_default();
    let secret_arn = described.secret_arn().ok_or_else(|| {
        TaskError::new(
            format!("{PREFIX}.InternalError"),
            format!("The connection '{arn}' has no secret"),
        )
    })?;
    let secret = clients
        .secretsmanager()
        .get_secret_value()
        .secret_id(secret_arn)
        .send()
        .await
        .map_err(|e| failure(e.code(), e.message(), &e.to_string()))?;
    let secret: Map<String, Value> = secret
        .secret_string()
        .and_then(|s| serde_json::from_str(s).ok())
        .ok_or_else(|| {
            TaskError::new(
                format!("{PREFIX}.InternalError"),
                format!("The secret of the connection '{arn}' is not a JSON object"),
            )
        })?;
    authorization(&kind, &secret, arn)
}

/// The connection's region and name, from its ARN.
fn parse_arn(arn: &str) -> Option<(&str, &str)> {
    let mut parts = arn.splitn(6, ':');
    let (_, _, service, region, _, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    let name = resource.strip_prefix("connection/")?.split('/').next()?;
    (service == "events" && !name.is_empty()).then_some((region, name))
}

/// `region` differs from the configured one.
fn elsewhere(clients: &Clients, region: &str) -> bool {
    !region.is_empty() && clients.config.region().map(|r| r.as_ref()) != Some(region)
}

/// A failed EventBridge or Secrets Manager call as the state's error.
fn failure(code: Option<&str>, message: Option<&str>, display: &str) -> TaskError {
    let name = match code {
        Some("ResourceNotFoundException") => "ResourceNotFound",
        Some("AccessDeniedException") => "AccessDenied",
        _ => "InternalError",
    };
    TaskError::new(format!("{PREFIX}.{name}"), message.unwrap_or(display))
}

/// The headers, query and body parameters the secret of a connection of type `kind` adds.
fn authorization(kind: &str, secret: &Map<String, Value>, arn: &str) -> Result<Auth, TaskError> {
    let text = |key: &str| secret.get(key).and_then(Value::as_str).unwrap_or_default();
    let mut auth = Auth::default();
    match kind {
        "API_KEY" => {
            let name = text("api_key_name");
            if name.is_empty() {
                return Err(TaskError::new(
                    format!("{PREFIX}.InternalError"),
                    format!("The secret of the API_KEY connection '{arn}' has no api_key_name"),
                ));
            }
            auth.headers
                .push((name.to_owned(), text("api_key_value").to_owned()));
        }
        "BASIC" => {
            let token = base64::engine::general_purpose::STANDARD.encode(format!(
                "{}:{}",
                text("username"),
                text("password")
            ));
            auth.headers
                .push(("Authorization".to_owned(), format!("Basic {token}")));
        }
        other => {
            return Err(TaskError::new(
                "States.Runtime",
                format!(
                    "The connection '{arn}' uses authorization {other}: asl-aws supports \
                     API_KEY and BASIC connections for HTTP Tasks, not OAuth client credentials"
                ),
            ));
        }
    }
    if let Some(Value::Object(params)) = secret.get("invocation_http_parameters") {
        auth.headers.extend(pairs(params, "header_parameters"));
        auth.query.extend(pairs(params, "query_string_parameters"));
        auth.body.extend(pairs(params, "body_parameters"));
    }
    Ok(auth)
}

/// `[{"key", "value"}]` under `field`, as (key, value).
fn pairs(params: &Map<String, Value>, field: &str) -> Vec<(String, String)> {
    params
        .get(field)
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|p| {
                    let key = p.get("key")?.as_str()?;
                    let value = p.get("value").map(super::encode::scalar)?;
                    Some((key.to_owned(), value))
                })
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns() {
        assert_eq!(
            parse_arn("arn:aws:events:us-east-2:123456789012:connection/Stripe/81210c42"),
            Some(("us-east-2", "Stripe"))
        );
        assert_eq!(parse_arn("arn:aws:sqs:us-east-2:1:connection/x/y"), None);
        assert_eq!(parse_arn("nonsense"), None);
    }
}
