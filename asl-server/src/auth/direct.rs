//! The signature of a request as the SDKs send it to this API, computed directly.
//!
//! Every request of the JSON protocol is `POST /` without a query string, with a handful of
//! signed headers whose values are plain ASCII. For those, the canonical request is a few
//! lines joined together; building it here costs a fraction of what the general signer
//! spends on normalising paths, query strings and header maps (it was a fifth of the server's
//! time per `DescribeExecution`). The derived signing key depends only on the secret, the
//! date and the region, so it is kept ([`SigningKeys`]) rather than made anew per request
//! (four HMACs).
//!
//! Anything outside that case (another path, a query string, header names that are not
//! lowercase and sorted, values with other characters, no `Host` header) returns `None`, and
//! the caller falls back on the `aws-sigv4` signer; tests compare both on the same requests.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::SystemTime;

use aws_sigv4::sign::v4::{calculate_signature, generate_signing_key};
use http::{HeaderMap, Method, Uri};
use sha2::{Digest, Sha256};

use super::{ALGORITHM, SERVICE};

/// Signing keys derived so far, by credential (`key/date/region/service/terminator`): the
/// secret of an access key is fixed for a server, so the credential names one key.
#[derive(Default)]
pub(crate) struct SigningKeys {
    keys: Mutex<HashMap<String, [u8; 32]>>,
}

/// Keys kept at most (a day's keys for many regions); the map is emptied when full.
const MAX_KEYS: usize = 256;

impl SigningKeys {
    /// The signing key for `credential`, derived from `secret` when not kept yet.
    fn get(
        &self,
        credential: &str,
        secret: &str,
        time: SystemTime,
        region: &str,
    ) -> Option<[u8; 32]> {
        if let Some(k) = self
            .keys
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(credential)
        {
            return Some(*k);
        }
        let key = generate_signing_key(secret, time, region, SERVICE);
        let key: [u8; 32] = key.as_ref().try_into().ok()?;
        let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        if keys.len() >= MAX_KEYS {
            keys.clear();
        }
        keys.insert(credential.to_owned(), key);
        Some(key)
    }
}

/// What [`signature`] needs of a request whose `Authorization` header was checked.
pub(super) struct Signed<'a> {
    /// The `Credential` part, as sent.
    pub(super) credential: &'a str,
    pub(super) secret: &'a str,
    pub(super) region: &'a str,
    /// The `SignedHeaders` part, split.
    pub(super) signed: &'a [&'a str],
    /// `X-Amz-Date`, as sent.
    pub(super) amz_date: &'a str,
    pub(super) request_time: SystemTime,
}

/// The signature the client should have sent, or `None` when the request is not one of the
/// plain cases this handles (the caller then asks the general signer).
pub(super) fn signature(
    keys: &SigningKeys,
    s: &Signed<'_>,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Option<String> {
    if uri.path() != "/" || uri.query().is_some() || !headers.contains_key(http::header::HOST) {
        return None;
    }
    // The signer writes the date from the parsed time: the same text, unless the header was
    // an odd one (a leap second), which the signer then handles.
    if super::format_amz_date(s.request_time) != s.amz_date {
        return None;
    }
    // The signer signs `x-amz-date` whether listed or not, and leaves out listed headers the
    // request lacks; names are sorted byte-wise.
    let mut names: Vec<&str> = Vec::with_capacity(s.signed.len() + 1);
    let mut previous = "";
    for &name in s.signed {
        let plain = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !plain || name <= previous {
            return None;
        }
        previous = name;
        if name != "x-amz-date" && headers.contains_key(name) {
            names.push(name);
        }
    }
    names.push("x-amz-date");
    names.sort_unstable();

    let mut creq = String::with_capacity(256);
    creq.push_str(method.as_str());
    creq.push_str("\n/\n\n");
    for &name in &names {
        creq.push_str(name);
        creq.push(':');
        if name == "x-amz-date" {
            creq.push_str(s.amz_date);
        } else {
            for (i, value) in headers.get_all(name).iter().enumerate() {
                if i > 0 {
                    creq.push(',');
                }
                push_trimmed(&mut creq, value.as_bytes())?;
            }
        }
        creq.push('\n');
    }
    creq.push('\n');
    for (i, name) in names.iter().enumerate() {
        if i > 0 {
            creq.push(';');
        }
        creq.push_str(name);
    }
    creq.push('\n');
    push_hex(&mut creq, &Sha256::digest(body));

    let scope = s.credential.split_once('/')?.1;
    let mut string_to_sign = String::with_capacity(160);
    string_to_sign.push_str(ALGORITHM);
    string_to_sign.push('\n');
    string_to_sign.push_str(s.amz_date);
    string_to_sign.push('\n');
    string_to_sign.push_str(scope);
    string_to_sign.push('\n');
    push_hex(&mut string_to_sign, &Sha256::digest(creq.as_bytes()));

    let key = keys.get(s.credential, s.secret, s.request_time, s.region)?;
    Some(calculate_signature(key, string_to_sign.as_bytes()))
}

/// Appends a header value as the signer canonicalises it: spaces at either end dropped and
/// runs of spaces made one. `None` for a byte outside printable ASCII (the signer's rules for
/// those are left to it).
fn push_trimmed(out: &mut String, value: &[u8]) -> Option<()> {
    let start = value.iter().position(|&b| b != b' ').unwrap_or(value.len());
    let end = value
        .iter()
        .rposition(|&b| b != b' ')
        .map_or(start, |i| i + 1);
    let mut last_space = false;
    for &b in &value[start..end] {
        if !(0x20..0x7f).contains(&b) {
            return None;
        }
        let space = b == b' ';
        if !(space && last_space) {
            out.push(b as char);
        }
        last_space = space;
    }
    Some(())
}

/// Appends lowercase hex.
fn push_hex(out: &mut String, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for &b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0xf)] as char);
    }
}

#[cfg(test)]
mod tests;
