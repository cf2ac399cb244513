//! Requests signed by `aws-sigv4` as the AWS SDK for Rust signs them, checked by `verify`.

use super::*;
use http::{HeaderValue, Request};

const KEY: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const BODY: &[u8] =
    br#"{"stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:Hello"}"#;

fn creds() -> Vec<(String, String)> {
    vec![
        ("AKIDOTHER".to_owned(), "other-secret".to_owned()),
        (KEY.to_owned(), SECRET.to_owned()),
    ]
}

/// 2026-12-03T10:00:00Z.
fn signing_time() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_292_000)
}

fn now() -> SystemTime {
    signing_time() + Duration::from_secs(30)
}

/// A StartExecution request as the SDK builds it, unsigned.
fn unsigned(body: &[u8]) -> Request<Vec<u8>> {
    Request::builder()
        .method("POST")
        .uri("/")
        .header("host", "127.0.0.1:8083")
        .header("content-type", "application/x-amz-json-1.0")
        .header("x-amz-target", "AWSStepFunctions.StartExecution")
        .header("content-length", body.len().to_string())
        .header("user-agent", "aws-sdk-rust/1.3.9 os/linux lang/rust/1.95.0")
        .header("x-amz-user-agent", "aws-sdk-rust/1.3.9 api/sfn/1.125.0")
        .header(
            "amz-sdk-invocation-id",
            "0b7c5a7e-5f0e-4e7e-9a37-9a6f3d0e2b11",
        )
        .header("amz-sdk-request", "attempt=1; max=3")
        .body(body.to_vec())
        .expect("request")
}

/// Signs with the SDK's signer and default settings, as aws-sdk-sfn does.
fn sign_with(
    mut request: Request<Vec<u8>>,
    key: &str,
    secret: &str,
    region: &str,
    service: &str,
    time: SystemTime,
) -> Request<Vec<u8>> {
    let identity = Credentials::new(key, secret, None, None, "test").into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(service)
        .time(time)
        .settings(SigningSettings::default())
        .build()
        .expect("params")
        .into();
    let uri = request.uri().to_string();
    let signable = SignableRequest::new(
        request.method().as_str(),
        uri,
        request
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str(), v.to_str().expect("ascii"))),
        SignableBody::Bytes(request.body()),
    )
    .expect("signable");
    let (instructions, _) = sign(signable, &params).expect("sign").into_parts();
    instructions.apply_to_request_http1x(&mut request);
    request
}

fn signed(body: &[u8]) -> Request<Vec<u8>> {
    sign_with(
        unsigned(body),
        KEY,
        SECRET,
        "us-east-1",
        "states",
        signing_time(),
    )
}

fn check(request: &Request<Vec<u8>>) -> Result<(), AuthError> {
    check_at(request, now())
}

fn check_at(request: &Request<Vec<u8>>, now: SystemTime) -> Result<(), AuthError> {
    verify(
        &creds(),
        &SigningKeys::default(),
        request.method(),
        request.uri(),
        request.headers(),
        request.body(),
        now,
    )
}

fn authorization(request: &Request<Vec<u8>>) -> String {
    request.headers()["authorization"]
        .to_str()
        .expect("ascii")
        .to_owned()
}

fn with_authorization(mut request: Request<Vec<u8>>, value: &str) -> Request<Vec<u8>> {
    request.headers_mut().insert(
        "authorization",
        HeaderValue::from_str(value).expect("header"),
    );
    request
}

fn mismatch() -> Result<(), AuthError> {
    Err(AuthError::InvalidSignature(SIGNATURE_MISMATCH.to_owned()))
}

#[test]
fn a_request_signed_by_the_sdk_signer_passes() {
    assert_eq!(check(&signed(BODY)), Ok(()));
    // The second configured pair as well as the first; any region; an empty body.
    let other = sign_with(
        unsigned(b""),
        "AKIDOTHER",
        "other-secret",
        "eu-west-3",
        "states",
        signing_time(),
    );
    assert_eq!(check(&other), Ok(()));
}

#[test]
fn unsigned_headers_may_change_and_a_query_string_is_signed() {
    // Proxies rewrite User-Agent; the SDK does not sign it.
    let mut request = signed(BODY);
    request
        .headers_mut()
        .insert("user-agent", HeaderValue::from_static("curl/8"));
    request
        .headers_mut()
        .insert("x-forwarded-for", HeaderValue::from_static("10.0.0.1"));
    assert_eq!(check(&request), Ok(()));

    let mut with_query = unsigned(BODY);
    *with_query.uri_mut() = "/?b=2&a=1".parse().expect("uri");
    let with_query = sign_with(
        with_query,
        KEY,
        SECRET,
        "us-east-1",
        "states",
        signing_time(),
    );
    assert_eq!(check(&with_query), Ok(()));
    let mut altered = with_query;
    *altered.uri_mut() = "/?b=2&a=3".parse().expect("uri");
    assert_eq!(check(&altered), mismatch());
}

#[test]
fn a_wrong_secret_is_an_invalid_signature() {
    let request = sign_with(
        unsigned(BODY),
        KEY,
        "not-the-secret",
        "us-east-1",
        "states",
        signing_time(),
    );
    let err = check(&request).unwrap_err();
    assert_eq!(err.error_type(), "InvalidSignatureException");
    assert_eq!(
        err.message(),
        "The request signature we calculated does not match the signature you provided. Check \
         your AWS Secret Access Key and signing method. Consult the service documentation for \
         details."
    );
}

#[test]
fn an_unknown_access_key_is_an_unrecognized_client() {
    let request = sign_with(
        unsigned(BODY),
        "AKIDUNKNOWN",
        SECRET,
        "us-east-1",
        "states",
        signing_time(),
    );
    let err = check(&request).unwrap_err();
    assert_eq!(err, AuthError::UnrecognizedClient);
    assert_eq!(err.error_type(), "UnrecognizedClientException");
    assert_eq!(
        err.message(),
        "The security token included in the request is invalid."
    );
}

#[test]
fn a_session_token_is_never_recognized() {
    let mut request = unsigned(BODY);
    request.headers_mut().insert(
        "x-amz-security-token",
        HeaderValue::from_static("FQoGZXIvYXdzEXAMPLE"),
    );
    let request = sign_with(request, KEY, SECRET, "us-east-1", "states", signing_time());
    assert_eq!(check(&request), Err(AuthError::UnrecognizedClient));
}

#[test]
fn an_altered_body_or_signed_header_is_an_invalid_signature() {
    let mut request = signed(BODY);
    request.body_mut().push(b' ');
    assert_eq!(check(&request), mismatch());

    let mut request = signed(BODY);
    request.headers_mut().insert(
        "x-amz-target",
        HeaderValue::from_static("AWSStepFunctions.StopExecution"),
    );
    assert_eq!(check(&request), mismatch());

    // The method is part of the canonical request too.
    let mut request = signed(BODY);
    *request.method_mut() = Method::PUT;
    assert_eq!(check(&request), mismatch());

    // A signed header that was removed.
    let mut request = signed(BODY);
    request.headers_mut().remove("amz-sdk-request");
    assert_eq!(check(&request), mismatch());

    // The signature itself, one character off (same length: the comparison is of equal lengths).
    let auth = authorization(&signed(BODY));
    let last = auth.chars().last().expect("non-empty");
    let flipped = if last == '0' { '1' } else { '0' };
    let tampered = format!("{}{flipped}", &auth[..auth.len() - 1]);
    assert_eq!(
        check(&with_authorization(signed(BODY), &tampered)),
        mismatch()
    );
}

#[test]
fn a_missing_authorization_header_is_a_missing_token() {
    let mut request = signed(BODY);
    request.headers_mut().remove("authorization");
    let err = check(&request).unwrap_err();
    assert_eq!(err.error_type(), "MissingAuthenticationTokenException");
    assert_eq!(err.message(), "Missing Authentication Token");
}

#[test]
fn an_expired_or_future_date_is_refused_with_aws_message() {
    let request = signed(BODY);
    // Exactly five minutes late is still accepted; one second more is not.
    assert_eq!(check_at(&request, signing_time() + MAX_SKEW), Ok(()));
    let err = check_at(&request, signing_time() + MAX_SKEW + Duration::from_secs(1)).unwrap_err();
    assert_eq!(err.error_type(), "InvalidSignatureException");
    assert_eq!(
        err.message(),
        "Signature expired: 20261203T100000Z is now earlier than 20261203T100001Z \
         (20261203T100501Z - 5 min.)"
    );
    let err = check_at(&request, signing_time() - Duration::from_secs(3600)).unwrap_err();
    assert_eq!(
        err.message(),
        "Signature not yet current: 20261203T100000Z is still later than 20261203T090500Z \
         (20261203T090000Z + 5 min.)"
    );
}

#[test]
fn missing_parts_are_listed_as_aws_lists_them() {
    let request = with_authorization(signed(BODY), "AWS AKIDEXAMPLE:c2lnbmF0dXJl");
    let err = check(&request).unwrap_err();
    assert_eq!(err.error_type(), "IncompleteSignatureException");
    assert_eq!(
        err.message(),
        "Authorization header requires 'Credential' parameter. Authorization header requires \
         'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. \
         Authorization=AWS AKIDEXAMPLE:c2lnbmF0dXJl"
    );

    let auth = authorization(&signed(BODY));
    let without_signature = auth
        .split(", Signature=")
        .next()
        .expect("prefix")
        .to_owned();
    let err = check(&with_authorization(signed(BODY), &without_signature)).unwrap_err();
    assert_eq!(
        err,
        AuthError::IncompleteSignature(format!(
            "Authorization header requires 'Signature' parameter. Authorization={without_signature}"
        ))
    );

    let mut undated = signed(BODY);
    undated.headers_mut().remove("x-amz-date");
    let err = check(&undated).unwrap_err();
    assert_eq!(
        err,
        AuthError::IncompleteSignature(format!(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' \
             header. Authorization={auth}"
        ))
    );
}

#[test]
fn a_malformed_header_names_the_bad_part() {
    let auth = authorization(&signed(BODY)).replace("Credential=", "Credential= ");
    let err = check(&with_authorization(signed(BODY), &auth)).unwrap_err();
    assert_eq!(
        err,
        AuthError::IncompleteSignature(format!(
            "'AKIDEXAMPLE/20261203/us-east-1/states/aws4_request' not a valid key=value pair \
             (missing equal-sign) in Authorization header: '{auth}'."
        ))
    );

    let auth = authorization(&signed(BODY)).replace("AKIDEXAMPLE/20261203/", "AKIDEXAMPLE/");
    let err = check(&with_authorization(signed(BODY), &auth)).unwrap_err();
    assert_eq!(
        err,
        AuthError::IncompleteSignature(
            "Credential must have exactly 5 slash-delimited elements, e.g. \
             keyid/date/region/service/term, got 'AKIDEXAMPLE/us-east-1/states/aws4_request'"
                .to_owned()
        )
    );

    let mut bad_date = signed(BODY);
    bad_date.headers_mut().insert(
        "x-amz-date",
        HeaderValue::from_static("2026-12-03T10:00:00Z"),
    );
    let err = check(&bad_date).unwrap_err();
    assert_eq!(err.error_type(), "IncompleteSignatureException");
    assert!(
        err.message()
            .starts_with("Date must be in ISO-8601 'basic format'. Got '2026-12-03T10:00:00Z'.")
    );
}

#[test]
fn a_wrong_scope_is_an_invalid_signature() {
    let request = sign_with(
        unsigned(BODY),
        KEY,
        SECRET,
        "us-east-1",
        "lambda",
        signing_time(),
    );
    assert_eq!(
        check(&request),
        Err(AuthError::InvalidSignature(
            "Credential should be scoped to correct service: 'states'. ".to_owned()
        ))
    );

    let auth = authorization(&signed(BODY)).replace("/aws4_request", "/aws5_request");
    assert_eq!(
        check(&with_authorization(signed(BODY), &auth)),
        Err(AuthError::InvalidSignature(
            "Credential should be scoped with a valid terminator: 'aws4_request', not \
             'aws5_request'. "
                .to_owned()
        ))
    );

    let auth = authorization(&signed(BODY)).replace("/20261203/", "/20261202/");
    assert_eq!(
        check(&with_authorization(signed(BODY), &auth)),
        Err(AuthError::InvalidSignature(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from \
             HTTP: '20261202' != '20261203', from 'X-Amz-Date'."
                .to_owned()
        ))
    );
}

#[test]
fn host_must_be_signed() {
    let auth = authorization(&signed(BODY)).replace(";host;", ";");
    assert!(!auth.contains("host"), "{auth}");
    let err = check(&with_authorization(signed(BODY), &auth)).unwrap_err();
    assert_eq!(
        err,
        AuthError::IncompleteSignature(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.".to_owned()
        )
    );
    // A different Host than the one signed (another name for the same server) does not verify.
    let mut request = signed(BODY);
    request
        .headers_mut()
        .insert("host", HeaderValue::from_static("localhost:8083"));
    assert_eq!(check(&request), mismatch());
}

#[test]
fn no_configured_pair_verifies_nothing() {
    let request = signed(BODY);
    let err = verify(
        &[],
        &SigningKeys::default(),
        request.method(),
        request.uri(),
        request.headers(),
        request.body(),
        now(),
    )
    .unwrap_err();
    assert_eq!(err, AuthError::UnrecognizedClient);
}
