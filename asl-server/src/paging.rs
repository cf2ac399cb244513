//! Opaque `nextToken`s: a position and the request it belongs to (the action and the
//! members that select what is paged), base64url-encoded. A token given to another request,
//! or one this server did not make, is `InvalidToken`, as AWS answers a foreign token.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use crate::error::ApiError;

/// Makes a token for `position` in the listing selected by `scope`.
pub(crate) fn token(scope: &str, position: &str) -> String {
    let text = json!({ "s": scope, "p": position }).to_string();
    URL_SAFE_NO_PAD.encode(text)
}

/// The position a token holds, if it was made for `scope`.
pub(crate) fn position(scope: &str, token: &str) -> Result<String, ApiError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(token)
        .map_err(|_| ApiError::invalid_page_token())?;
    let value: Value =
        serde_json::from_slice(&bytes).map_err(|_| ApiError::invalid_page_token())?;
    match (value["s"].as_str(), value["p"].as_str()) {
        (Some(s), Some(p)) if s == scope => Ok(p.to_string()),
        _ => Err(ApiError::invalid_page_token()),
    }
}

/// The page size: `0` or absent means 100, as AWS.
pub(crate) fn page_size(max_results: Option<i64>) -> usize {
    match max_results {
        None | Some(0) => 100,
        Some(n) => usize::try_from(n).unwrap_or(100).clamp(1, 1000),
    }
}

/// One page of `items` from the offset in `token` (made for `scope`), with the token of
/// the next page.
pub(crate) fn slice<T>(
    items: Vec<T>,
    scope: &str,
    token: Option<&str>,
    size: usize,
) -> Result<(Vec<T>, Option<String>), ApiError> {
    let start = match token {
        None => 0,
        Some(t) => position(scope, t)?
            .parse::<usize>()
            .map_err(|_| ApiError::invalid_page_token())?,
    };
    let total = items.len();
    let end = start.saturating_add(size).min(total);
    let page: Vec<T> = items
        .into_iter()
        .skip(start)
        .take(end.saturating_sub(start))
        .collect();
    let next = (end < total).then(|| token_for(scope, end));
    Ok((page, next))
}

fn token_for(scope: &str, offset: usize) -> String {
    token(scope, &offset.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_page_and_belong_to_their_request() {
        let items: Vec<u32> = (0..5).collect();
        let (page, next) = slice(items.clone(), "a", None, 2).unwrap();
        assert_eq!(page, vec![0, 1]);
        let next = next.unwrap();
        let (page, last) = slice(items.clone(), "a", Some(&next), 2).unwrap();
        assert_eq!(page, vec![2, 3]);
        let (page, none) = slice(items.clone(), "a", last.as_deref(), 2).unwrap();
        assert_eq!((page, none), (vec![4], None));
        assert!(slice(items.clone(), "b", Some(&next), 2).is_err());
        assert!(slice(items, "a", Some("garbage!"), 2).is_err());
        assert_eq!(page_size(Some(0)), 100);
        assert_eq!(page_size(Some(7)), 7);
    }
}
