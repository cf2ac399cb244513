//! The direct computation agrees with the `aws-sigv4` signer wherever it answers, answers for
//! the requests the SDKs send, and keeps signing keys apart by credential scope.

use std::time::{Duration, SystemTime};

use http::{HeaderMap, HeaderName, HeaderValue, Method, Uri};
use proptest::prelude::*;

use super::{Signed, SigningKeys, signature};
use crate::auth::compute_signature;

const KEY: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const AMZ_DATE: &str = "20261203T100000Z";

/// 2026-12-03T10:00:00Z, the time of [`AMZ_DATE`].
fn time() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_292_000)
}

fn credential(key: &str, date: &str, region: &str) -> String {
    format!("{key}/{date}/{region}/states/aws4_request")
}

/// Both computations of one request's signature: (direct, signer).
fn both(
    keys: &SigningKeys,
    signed: &[&str],
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> (Option<String>, Option<String>) {
    let credential = credential(KEY, &AMZ_DATE[..8], "us-east-1");
    let s = Signed {
        credential: &credential,
        secret: SECRET,
        region: "us-east-1",
        signed,
        amz_date: AMZ_DATE,
        request_time: time(),
    };
    let direct = signature(keys, &s, method, uri, headers, body);
    let signer = compute_signature(
        KEY,
        SECRET,
        "us-east-1",
        signed,
        method,
        uri,
        headers,
        body,
        time(),
    );
    (direct, signer)
}

/// The headers aws-sdk-sfn sends with a StartExecution.
fn sdk_headers(body: &[u8]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in [
        ("host", "127.0.0.1:8083".to_owned()),
        ("content-type", "application/x-amz-json-1.0".to_owned()),
        ("x-amz-target", "AWSStepFunctions.StartExecution".to_owned()),
        ("content-length", body.len().to_string()),
        ("x-amz-date", AMZ_DATE.to_owned()),
        (
            "x-amz-user-agent",
            "aws-sdk-rust/1.3.9  api/sfn/1.125.0".to_owned(),
        ),
    ] {
        h.insert(k, HeaderValue::from_str(&v).unwrap());
    }
    h
}

#[test]
fn sdk_requests_are_computed_directly_as_the_signer_computes_them() {
    let body = br#"{"stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:a"}"#;
    let headers = sdk_headers(body);
    let signed = [
        "content-length",
        "content-type",
        "host",
        "x-amz-date",
        "x-amz-target",
        "x-amz-user-agent",
    ];
    let keys = SigningKeys::default();
    let (direct, signer) = both(
        &keys,
        &signed,
        &Method::POST,
        &"/".parse().unwrap(),
        &headers,
        body,
    );
    assert!(direct.is_some(), "an SDK request takes the direct path");
    assert_eq!(direct, signer);
    // Again, with the signing key kept from the first request.
    let (again, _) = both(
        &keys,
        &signed,
        &Method::POST,
        &"/".parse().unwrap(),
        &headers,
        body,
    );
    assert_eq!(again, signer);
    // An empty body and a request that did not sign x-amz-date (the signer signs it anyway).
    let (direct, signer) = both(
        &keys,
        &["host"],
        &Method::POST,
        &"/".parse().unwrap(),
        &headers,
        b"",
    );
    assert!(direct.is_some());
    assert_eq!(direct, signer);
}

#[test]
fn requests_outside_the_plain_case_are_left_to_the_signer() {
    let headers = sdk_headers(b"{}");
    let keys = SigningKeys::default();
    for (signed, uri) in [
        (vec!["host"], "/?a=1"),
        (vec!["host"], "/other"),
        (vec!["Host"], "/"),
        (vec!["x-amz-target", "host"], "/"),
        (vec!["host", "host"], "/"),
    ] {
        let (direct, _) = both(
            &keys,
            &signed,
            &Method::POST,
            &uri.parse().unwrap(),
            &headers,
            b"{}",
        );
        assert_eq!(direct, None, "{signed:?} {uri}");
    }
    let mut tabbed = headers.clone();
    tabbed.insert("x-amz-target", HeaderValue::from_static("a\tb"));
    let (direct, _) = both(
        &keys,
        &["host", "x-amz-target"],
        &Method::POST,
        &"/".parse().unwrap(),
        &tabbed,
        b"{}",
    );
    assert_eq!(direct, None);
}

#[test]
fn kept_keys_belong_to_their_credential_scope() {
    let keys = SigningKeys::default();
    let headers = sdk_headers(b"{}");
    let uri: Uri = "/".parse().unwrap();
    let next_day = time() + Duration::from_secs(86_400);
    let next_date = crate::auth::format_amz_date(next_day);
    for (key, secret, region, amz_date, at) in [
        (KEY, SECRET, "us-east-1", AMZ_DATE.to_owned(), time()),
        (KEY, SECRET, "eu-west-1", AMZ_DATE.to_owned(), time()),
        (
            "AKIDOTHER",
            "other-secret",
            "us-east-1",
            AMZ_DATE.to_owned(),
            time(),
        ),
        (KEY, SECRET, "us-east-1", next_date.clone(), next_day),
        (KEY, SECRET, "us-east-1", AMZ_DATE.to_owned(), time()),
    ] {
        let credential = credential(key, &amz_date[..8], region);
        let s = Signed {
            credential: &credential,
            secret,
            region,
            signed: &["host"],
            amz_date: &amz_date,
            request_time: at,
        };
        let direct = signature(&keys, &s, &Method::POST, &uri, &headers, b"{}");
        let signer = compute_signature(
            key,
            secret,
            region,
            &["host"],
            &Method::POST,
            &uri,
            &headers,
            b"{}",
            at,
        );
        assert!(direct.is_some());
        assert_eq!(direct, signer, "{credential}");
    }
}

/// Header names a request may carry and sign (`X-Mixed` is listed as sent, not lowercased).
const NAMES: &[&str] = &[
    "content-type",
    "content-length",
    "x-amz-date",
    "x-amz-target",
    "x-amz-user-agent",
    "x-extra",
    "X-Mixed",
];

proptest! {
    /// Wherever the direct computation answers, it answers what the signer computes: any
    /// header values (runs of spaces, tabs, non-ASCII), repeated headers, any subset of names
    /// signed in any order, any path, query, method and body.
    #[test]
    fn the_direct_signature_is_the_signers(
        values in proptest::collection::vec(
            (0..NAMES.len(), "[ a-zA-Z0-9;=/.\t\u{e9}-]{0,12}"), 0..10),
        signed in proptest::sample::subsequence(NAMES.to_vec(), 0..=NAMES.len())
            .prop_shuffle(),
        shuffle in any::<bool>(),
        uri in prop_oneof![Just("/"), Just("/?b=2&a=1"), Just("/a/../"), Just("http://h:1/")],
        method in prop_oneof![Just(Method::POST), Just(Method::GET)],
        body in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let mut headers = HeaderMap::new();
        headers.insert("host", HeaderValue::from_static("127.0.0.1:8083"));
        for (i, value) in values {
            let name = HeaderName::from_bytes(NAMES[i].as_bytes()).unwrap();
            headers.append(name, HeaderValue::from_str(&value).unwrap());
        }
        // `verify` refuses a request that did not sign `host` before any signature is made.
        let mut signed: Vec<&str> = signed;
        if !signed.contains(&"host") {
            signed.push("host");
        }
        if !shuffle {
            signed.sort_unstable();
        }
        let keys = SigningKeys::default();
        let uri: Uri = uri.parse().unwrap();
        let (direct, signer) = both(&keys, &signed, &method, &uri, &headers, &body);
        let plain = uri == "/"
            && signed.windows(2).all(|w| w[0] < w[1])
            && signed.iter().all(|n| !n.bytes().any(|b| b.is_ascii_uppercase()))
            && signed.iter().flat_map(|n| headers.get_all(*n)).all(|v| {
                v.as_bytes().iter().all(|b| (0x20..0x7f).contains(b))
            });
        if plain {
            prop_assert!(direct.is_some(), "the plain case is computed directly");
        }
        if direct.is_some() {
            prop_assert_eq!(direct, signer);
        }
    }
}
