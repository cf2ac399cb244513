//! Who may use the console, and proof that a form came from it.
//!
//! With credentials configured ([`crate::Config::credential`]), a visitor signs in with an
//! access key id and its secret (compared in constant time with every configured pair, so
//! the answer's timing does not say which part was wrong); success creates a session: a
//! random 256-bit id in an `HttpOnly`, `SameSite=Strict` cookie scoped to the console's
//! path, mapped server-side to its expiry and its CSRF token. Execution inputs may hold
//! secrets, so without a session no page shows data.
//!
//! Every state-changing form carries a CSRF token (the session's, or with no credentials a
//! token made when the process started), checked in constant time on POST, besides the
//! browser's own `Origin` and `Sec-Fetch-Site` headers when it sends them.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use http::HeaderMap;
use rand::RngCore;
use subtle::ConstantTimeEq;

/// How long a session lasts after sign-in.
pub(crate) const SESSION_LIFETIME: Duration = Duration::from_secs(12 * 3600);

/// The session cookie's name.
pub(crate) const COOKIE: &str = "asl_console_session";

/// How many sessions are kept at most: the oldest go first (sign-ins cannot fill memory).
const MAX_SESSIONS: usize = 10_000;

/// A signed-in browser.
#[derive(Clone)]
struct Session {
    expires: Instant,
    csrf: String,
}

/// A message shown once on the page an action redirects to.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Flash {
    /// Whether it reports a failure.
    pub(crate) error: bool,
    /// The message.
    pub(crate) text: String,
}

/// The console's sessions, flash messages and open-mode CSRF token.
pub(crate) struct Sessions {
    sessions: Mutex<HashMap<String, Session>>,
    flashes: Mutex<HashMap<String, (Instant, Flash)>>,
    /// The CSRF token of forms when no credentials are configured (and of the sign-in form).
    process_csrf: String,
}

/// Who is asking.
#[derive(Clone, Debug)]
pub(crate) enum Visitor {
    /// No credentials configured: anyone (like the API).
    Open,
    /// Signed in, with the session's id.
    Session(String),
    /// Credentials are configured and the request has no valid session.
    Anonymous,
}

/// 32 random bytes as hex (the thread RNG is a CSPRNG seeded from the OS).
pub(crate) fn random_hex() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn equal(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

impl Sessions {
    pub(crate) fn new() -> Self {
        Sessions {
            sessions: Mutex::new(HashMap::new()),
            flashes: Mutex::new(HashMap::new()),
            process_csrf: random_hex(),
        }
    }

    fn sessions(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        self.sessions.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn flashes(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Instant, Flash)>> {
        self.flashes.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Who sent a request with these headers.
    pub(crate) fn visitor(&self, open: bool, headers: &HeaderMap) -> Visitor {
        if open {
            return Visitor::Open;
        }
        let Some(id) = cookie(headers, COOKIE) else {
            return Visitor::Anonymous;
        };
        let mut sessions = self.sessions();
        match sessions.get(&id) {
            Some(s) if s.expires > Instant::now() => Visitor::Session(id),
            Some(_) => {
                sessions.remove(&id);
                Visitor::Anonymous
            }
            None => Visitor::Anonymous,
        }
    }

    /// The CSRF token of the forms shown to `visitor`.
    pub(crate) fn csrf(&self, visitor: &Visitor) -> String {
        match visitor {
            Visitor::Session(id) => self
                .sessions()
                .get(id)
                .map(|s| s.csrf.clone())
                .unwrap_or_default(),
            Visitor::Open | Visitor::Anonymous => self.process_csrf.clone(),
        }
    }

    /// Whether `token` is the CSRF token of `visitor`'s forms (an anonymous visitor's only
    /// form is the sign-in).
    pub(crate) fn check_csrf(&self, visitor: &Visitor, token: &str) -> bool {
        let expected = self.csrf(visitor);
        !expected.is_empty() && equal(&expected, token)
    }

    /// Checks an access key id and secret against every configured pair (each compared in
    /// constant time, all pairs compared); a new session's id when they match one.
    pub(crate) fn sign_in(
        &self,
        credentials: &[(String, String)],
        key: &str,
        secret: &str,
    ) -> Option<String> {
        let mut ok = subtle::Choice::from(0u8);
        for (k, s) in credentials {
            ok |= k.as_bytes().ct_eq(key.as_bytes()) & s.as_bytes().ct_eq(secret.as_bytes());
        }
        if !bool::from(ok) {
            return None;
        }
        let id = random_hex();
        let now = Instant::now();
        let mut sessions = self.sessions();
        sessions.retain(|_, s| s.expires > now);
        if sessions.len() >= MAX_SESSIONS
            && let Some(oldest) = sessions
                .iter()
                .min_by_key(|(_, s)| s.expires)
                .map(|(k, _)| k.clone())
        {
            sessions.remove(&oldest);
        }
        sessions.insert(
            id.clone(),
            Session {
                expires: now + SESSION_LIFETIME,
                csrf: random_hex(),
            },
        );
        Some(id)
    }

    /// Ends a session.
    pub(crate) fn sign_out(&self, visitor: &Visitor) {
        if let Visitor::Session(id) = visitor {
            self.sessions().remove(id);
        }
    }

    /// Keeps a message for the next page; its id goes in the redirect's query.
    pub(crate) fn put_flash(&self, flash: Flash) -> String {
        let id = random_hex();
        let now = Instant::now();
        let mut flashes = self.flashes();
        // Unread messages go after a minute.
        flashes.retain(|_, (at, _)| now.duration_since(*at) < Duration::from_secs(60));
        flashes.insert(id.clone(), (now, flash));
        id
    }

    /// The message of that id, once.
    pub(crate) fn take_flash(&self, id: &str) -> Option<Flash> {
        self.flashes().remove(id).map(|(_, f)| f)
    }
}

/// A cookie's value.
pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// Whether a POST came from a page of this server, by the headers browsers add: `Origin`
/// (when sent) must name the `Host` asked; `Sec-Fetch-Site` (when sent) must be
/// `same-origin` or `none` (typed or bookmarked).
pub(crate) fn same_origin(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        let site = site.to_str().unwrap_or_default();
        if site != "same-origin" && site != "none" {
            return false;
        }
    }
    if let Some(origin) = headers.get(http::header::ORIGIN) {
        let origin = origin.to_str().unwrap_or_default();
        let host = headers
            .get(http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or_default();
        let authority = origin
            .strip_prefix("http://")
            .or_else(|| origin.strip_prefix("https://"));
        return match authority {
            Some(a) => a.eq_ignore_ascii_case(host),
            None => false,
        };
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_in_checks_both_parts_of_some_pair() {
        let s = Sessions::new();
        let creds = vec![
            ("AKID1".to_string(), "secret-1".to_string()),
            ("AKID2".to_string(), "secret-2".to_string()),
        ];
        assert!(s.sign_in(&creds, "AKID1", "secret-2").is_none());
        assert!(s.sign_in(&creds, "AKID3", "secret-1").is_none());
        assert!(s.sign_in(&creds, "AKID1", "").is_none());
        let id = s.sign_in(&creds, "AKID2", "secret-2").unwrap();
        assert_eq!(id.len(), 64);
        let mut headers = HeaderMap::new();
        headers.insert(
            http::header::COOKIE,
            format!("a=b; {COOKIE}={id}").parse().unwrap(),
        );
        let visitor = s.visitor(false, &headers);
        assert!(matches!(&visitor, Visitor::Session(v) if *v == id));
        let token = s.csrf(&visitor);
        assert!(s.check_csrf(&visitor, &token));
        assert!(!s.check_csrf(&visitor, &s.process_csrf));
        assert!(!s.check_csrf(&visitor, ""));
        s.sign_out(&visitor);
        assert!(matches!(s.visitor(false, &headers), Visitor::Anonymous));
    }

    #[test]
    fn cross_site_posts_are_refused() {
        let mut h = HeaderMap::new();
        h.insert(http::header::HOST, "127.0.0.1:8083".parse().unwrap());
        assert!(same_origin(&h));
        h.insert(
            http::header::ORIGIN,
            "http://127.0.0.1:8083".parse().unwrap(),
        );
        assert!(same_origin(&h));
        h.insert("sec-fetch-site", "cross-site".parse().unwrap());
        assert!(!same_origin(&h));
        h.insert("sec-fetch-site", "same-origin".parse().unwrap());
        h.insert(http::header::ORIGIN, "http://evil.example".parse().unwrap());
        assert!(!same_origin(&h));
        h.insert(http::header::ORIGIN, "null".parse().unwrap());
        assert!(!same_origin(&h));
    }

    #[test]
    fn a_flash_is_read_once() {
        let s = Sessions::new();
        let id = s.put_flash(Flash {
            error: true,
            text: "no".into(),
        });
        assert_eq!(s.take_flash(&id).map(|f| f.text), Some("no".into()));
        assert_eq!(s.take_flash(&id), None);
    }
}
