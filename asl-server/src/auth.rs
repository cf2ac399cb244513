//! SigV4 verification of incoming requests, for a server that others can reach.
//!
//! When the [`Config`](crate::Config) names access key / secret pairs, every request must carry
//! an `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…` header made
//! with one of them, as the AWS CLI, boto3 and every AWS SDK send it. The server rebuilds the
//! canonical request from the headers the client says it signed and recomputes the signature
//! with the `aws-sigv4` crate (the AWS SDK for Rust's own signer), so a signature the SDKs make
//! verifies by construction; the two signatures are compared in constant time. The requests
//! the SDKs send to this API (`POST /`, plain headers) take a shorter road to the same
//! signature, with the signing key kept per credential scope (`direct`).
//!
//! Failures answer as Step Functions does, with its error names and messages:
//! `MissingAuthenticationTokenException` (no `Authorization` header),
//! `IncompleteSignatureException` (a header that cannot be parsed or lacks a part),
//! `UnrecognizedClientException` (an access key that is not configured, or a session token,
//! which this server never issues), and `InvalidSignatureException` (a wrong scope, a request
//! time more than five minutes away from the server's clock, or a signature that does not match).
//!
//! Deliberate differences from AWS: any non-empty region in the credential scope is accepted
//! (local clients are configured with all sorts of regions, and the region is signed anyway);
//! the request time is read from `X-Amz-Date` only (the SDKs always send it; a request dated by
//! `Date` alone is refused as lacking a date); presigned URLs (signature in the query string) are
//! not accepted.

use std::fmt;
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use chrono::{DateTime, NaiveDateTime, Utc};
use http::{HeaderMap, Method, Uri};
use subtle::ConstantTimeEq;

mod direct;

pub(crate) use direct::SigningKeys;

/// The only algorithm SigV4 with an access key uses.
const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// The signing name of Step Functions (the service part of the credential scope).
const SERVICE: &str = "states";
/// The last part of every SigV4 credential scope.
const TERMINATOR: &str = "aws4_request";
/// How far a request's time may be from the server's, either way, as on AWS.
const MAX_SKEW: Duration = Duration::from_secs(5 * 60);
/// The format of `X-Amz-Date` and of the times in the skew messages.
const AMZ_DATE_FORMAT: &str = "%Y%m%dT%H%M%SZ";

/// AWS's message for a signature that does not match.
pub(crate) const SIGNATURE_MISMATCH: &str = "The request signature we calculated does not match \
the signature you provided. Check your AWS Secret Access Key and signing method. Consult the \
service documentation for details.";
/// AWS's message for an unknown access key (or a session token).
pub(crate) const UNRECOGNIZED_CLIENT: &str =
    "The security token included in the request is invalid.";
/// AWS's message for a request without an `Authorization` header.
pub(crate) const MISSING_TOKEN: &str = "Missing Authentication Token";

/// Why a request was refused, as AWS names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AuthError {
    /// No `Authorization` header at all.
    MissingAuthenticationToken,
    /// The `Authorization` header cannot be parsed or lacks a part; the message says which.
    IncompleteSignature(String),
    /// The access key is not one of the configured ones (or a session token was sent).
    UnrecognizedClient,
    /// Wrong credential scope, request time out of range, or a signature that does not match.
    InvalidSignature(String),
}

impl AuthError {
    /// The error name clients read from `__type`.
    pub(crate) fn error_type(&self) -> &'static str {
        match self {
            AuthError::MissingAuthenticationToken => "MissingAuthenticationTokenException",
            AuthError::IncompleteSignature(_) => "IncompleteSignatureException",
            AuthError::UnrecognizedClient => "UnrecognizedClientException",
            AuthError::InvalidSignature(_) => "InvalidSignatureException",
        }
    }

    /// The message, as AWS words it.
    pub(crate) fn message(&self) -> &str {
        match self {
            AuthError::MissingAuthenticationToken => MISSING_TOKEN,
            AuthError::IncompleteSignature(m) | AuthError::InvalidSignature(m) => m,
            AuthError::UnrecognizedClient => UNRECOGNIZED_CLIENT,
        }
    }

    fn mismatch() -> Self {
        AuthError::InvalidSignature(SIGNATURE_MISMATCH.to_owned())
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.error_type(), self.message())
    }
}

impl std::error::Error for AuthError {}

/// The parts of an `Authorization: AWS4-HMAC-SHA256 …` header.
struct Authorization<'a> {
    credential: &'a str,
    signed_headers: &'a str,
    signature: &'a str,
}

/// Verifies the SigV4 signature of a request against the configured `(access key, secret)`
/// pairs, at the server's time `now`; `keys` keeps the signing keys derived from them.
///
/// `uri` is the request target as received (origin form `/path?query`, or absolute form);
/// `body` the whole request body (the JSON protocol signs its hash).
#[allow(clippy::too_many_arguments)]
pub(crate) fn verify(
    credentials: &[(String, String)],
    keys: &SigningKeys,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
    now: SystemTime,
) -> Result<(), AuthError> {
    let Some(header) = headers.get(http::header::AUTHORIZATION) else {
        return Err(AuthError::MissingAuthenticationToken);
    };
    let header = String::from_utf8_lossy(header.as_bytes());
    let header = header.trim();
    let amz_date = headers
        .get("x-amz-date")
        .map(|v| String::from_utf8_lossy(v.as_bytes()).trim().to_owned());
    let auth = parse_authorization(header, amz_date.is_some())?;
    // Checked above: present when parsing succeeded.
    let amz_date = amz_date.unwrap_or_default();

    let scope: Vec<&str> = auth.credential.split('/').collect();
    let [access_key, scope_date, region, service, terminator] = scope[..] else {
        return Err(AuthError::IncompleteSignature(format!(
            "Credential must have exactly 5 slash-delimited elements, e.g. \
             keyid/date/region/service/term, got '{}'",
            auth.credential
        )));
    };
    if terminator != TERMINATOR {
        return Err(AuthError::InvalidSignature(format!(
            "Credential should be scoped with a valid terminator: '{TERMINATOR}', not \
             '{terminator}'. "
        )));
    }
    if service != SERVICE {
        return Err(AuthError::InvalidSignature(format!(
            "Credential should be scoped to correct service: '{SERVICE}'. "
        )));
    }
    if region.is_empty() {
        return Err(AuthError::InvalidSignature(
            "Credential should be scoped to a valid region. ".to_owned(),
        ));
    }
    let request_time = parse_amz_date(&amz_date).ok_or_else(|| {
        AuthError::IncompleteSignature(format!(
            "Date must be in ISO-8601 'basic format'. Got '{amz_date}'. See \
             http://en.wikipedia.org/wiki/ISO_8601"
        ))
    })?;
    if amz_date.get(..8) != Some(scope_date) {
        return Err(AuthError::InvalidSignature(format!(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from \
             HTTP: '{scope_date}' != '{}', from 'X-Amz-Date'.",
            amz_date.get(..8).unwrap_or_default()
        )));
    }
    check_skew(request_time, now)?;

    let signed: Vec<&str> = auth.signed_headers.split(';').collect();
    if !signed.contains(&"host") {
        return Err(AuthError::IncompleteSignature(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.".to_owned(),
        ));
    }
    let Some((_, secret)) = credentials.iter().find(|(key, _)| key == access_key) else {
        return Err(AuthError::UnrecognizedClient);
    };
    // Temporary credentials come with a session token that only AWS STS issues: no
    // configured pair has one.
    if headers.contains_key("x-amz-security-token") {
        return Err(AuthError::UnrecognizedClient);
    }

    let direct = direct::Signed {
        credential: auth.credential,
        secret,
        region,
        signed: &signed,
        amz_date: &amz_date,
        request_time,
    };
    let expected = direct::signature(keys, &direct, method, uri, headers, body)
        .or_else(|| {
            compute_signature(
                access_key,
                secret,
                region,
                &signed,
                method,
                uri,
                headers,
                body,
                request_time,
            )
        })
        .ok_or_else(AuthError::mismatch)?;
    if bool::from(expected.as_bytes().ct_eq(auth.signature.as_bytes())) {
        Ok(())
    } else {
        Err(AuthError::mismatch())
    }
}

/// Splits the header into its named parts, with AWS's messages for what is malformed or
/// missing. `has_date` tells whether the request carries `X-Amz-Date`.
fn parse_authorization(header: &str, has_date: bool) -> Result<Authorization<'_>, AuthError> {
    let (algorithm, rest) = header
        .split_once(|c: char| c.is_ascii_whitespace())
        .unwrap_or((header, ""));
    let (mut credential, mut signed_headers, mut signature) = (None, None, None);
    if algorithm == ALGORITHM {
        // AWS splits on commas and white space alike: a stray space inside a value shows up
        // as a part without `=`.
        for part in rest
            .split(|c: char| c == ',' || c.is_ascii_whitespace())
            .filter(|p| !p.is_empty())
        {
            let Some((key, value)) = part.split_once('=') else {
                return Err(AuthError::IncompleteSignature(format!(
                    "'{part}' not a valid key=value pair (missing equal-sign) in Authorization \
                     header: '{header}'."
                )));
            };
            match key {
                "Credential" => credential = Some(value),
                "SignedHeaders" => signed_headers = Some(value),
                "Signature" => signature = Some(value),
                _ => {}
            }
        }
    }
    let mut missing = String::new();
    for (present, name) in [
        (credential.is_some(), "Credential"),
        (signature.is_some(), "Signature"),
        (signed_headers.is_some(), "SignedHeaders"),
    ] {
        if !present {
            missing.push_str(&format!(
                "Authorization header requires '{name}' parameter. "
            ));
        }
    }
    if !has_date {
        missing.push_str(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' \
             header. ",
        );
    }
    match (credential, signed_headers, signature) {
        (Some(credential), Some(signed_headers), Some(signature)) if missing.is_empty() => {
            Ok(Authorization {
                credential,
                signed_headers,
                signature,
            })
        }
        _ => Err(AuthError::IncompleteSignature(format!(
            "{missing}Authorization={header}"
        ))),
    }
}

/// Parses `YYYYMMDD'T'HHMMSS'Z'`.
fn parse_amz_date(value: &str) -> Option<SystemTime> {
    if value.len() != 16 {
        return None;
    }
    let naive = NaiveDateTime::parse_from_str(value, AMZ_DATE_FORMAT).ok()?;
    Some(naive.and_utc().into())
}

fn format_amz_date(time: SystemTime) -> String {
    DateTime::<Utc>::from(time)
        .format(AMZ_DATE_FORMAT)
        .to_string()
}

/// Refuses a request dated more than [`MAX_SKEW`] before or after `now`, with AWS's messages.
fn check_skew(request_time: SystemTime, now: SystemTime) -> Result<(), AuthError> {
    let minutes = MAX_SKEW.as_secs() / 60;
    if let Some(earliest) = now.checked_sub(MAX_SKEW)
        && request_time < earliest
    {
        return Err(AuthError::InvalidSignature(format!(
            "Signature expired: {} is now earlier than {} ({} - {minutes} min.)",
            format_amz_date(request_time),
            format_amz_date(earliest),
            format_amz_date(now)
        )));
    }
    if let Some(latest) = now.checked_add(MAX_SKEW)
        && request_time > latest
    {
        return Err(AuthError::InvalidSignature(format!(
            "Signature not yet current: {} is still later than {} ({} + {minutes} min.)",
            format_amz_date(request_time),
            format_amz_date(latest),
            format_amz_date(now)
        )));
    }
    Ok(())
}

/// Recomputes the signature the client should have sent, with the SDK's signer; `None` when
/// the request cannot be signed at all (a signed header whose value is not text, no host).
#[allow(clippy::too_many_arguments)]
fn compute_signature(
    access_key: &str,
    secret: &str,
    region: &str,
    signed: &[&str],
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
    request_time: SystemTime,
) -> Option<String> {
    // Only the headers the client signed take part; the signer adds `x-amz-date` itself (from
    // `request_time`), so it is left out here.
    let mut signable_headers = Vec::new();
    for name in signed {
        if *name == "x-amz-date" {
            continue;
        }
        for value in headers.get_all(*name) {
            signable_headers.push((*name, std::str::from_utf8(value.as_bytes()).ok()?));
        }
    }
    // The signer falls back on the URI's authority for a missing Host header and cannot sign
    // without either.
    if !headers.contains_key(http::header::HOST) && uri.authority().is_none() {
        return None;
    }
    let identity = Credentials::new(access_key, secret, None, None, "asl-server").into();
    let mut settings = SigningSettings::default();
    // Every header passed in was signed by the client, whatever its name.
    settings.excluded_headers = None;
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(SERVICE)
        .time(request_time)
        .settings(settings)
        .build()
        .ok()?
        .into();
    let request = SignableRequest::new(
        method.as_str(),
        uri.to_string(),
        signable_headers.into_iter(),
        SignableBody::Bytes(body),
    )
    .ok()?;
    let output = sign(request, &params).ok()?;
    Some(output.signature().to_owned())
}

#[cfg(test)]
mod tests;
