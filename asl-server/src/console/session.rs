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
    /// Failed sign-ins.
    throttle: Mutex<Throttle>,
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
            throttle: Mutex::new(Throttle::default()),
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

    /// The failed sign-ins' counter.
    pub(crate) fn throttle(&self) -> std::sync::MutexGuard<'_, Throttle> {
        self.throttle.lock().unwrap_or_else(|e| e.into_inner())
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
/// (when sent) must name the host asked (the `Host` header, or the request URI's authority
/// when there is none, as HTTP/2 sends it), both normalized as the server's host check does
/// (case, trailing dot) and with the scheme's default port made explicit; `Sec-Fetch-Site`
/// (when sent) must be `same-origin` or `none` (typed or bookmarked).
pub(crate) fn same_origin(headers: &HeaderMap, uri: &http::Uri) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        let site = site.to_str().unwrap_or_default();
        if site != "same-origin" && site != "none" {
            return false;
        }
    }
    let Some(origin) = headers.get(http::header::ORIGIN) else {
        return true;
    };
    let origin = origin.to_str().unwrap_or_default();
    let (scheme_port, authority) = if let Some(a) = origin.strip_prefix("http://") {
        ("80", a)
    } else if let Some(a) = origin.strip_prefix("https://") {
        ("443", a)
    } else {
        return false;
    };
    let host = match headers.get(http::header::HOST) {
        Some(h) => h.to_str().unwrap_or_default().to_string(),
        None => uri
            .authority()
            .map(|a| a.as_str().to_string())
            .unwrap_or_default(),
    };
    if host.is_empty() {
        return false;
    }
    host_port(authority, scheme_port) == host_port(&host, scheme_port)
}

/// A host as compared: the name normalized as the host check does it, and the port (the
/// scheme's default when absent).
fn host_port(authority: &str, default_port: &str) -> (String, String) {
    let lower = authority.trim().to_ascii_lowercase();
    let after_name = match lower.find(']') {
        Some(end) if lower.starts_with('[') => &lower[end + 1..],
        _ => lower.rsplit_once(':').map(|(_, p)| p).unwrap_or_default(),
    };
    let digits = after_name.strip_prefix(':').unwrap_or(after_name);
    let port = if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        digits.to_string()
    } else {
        default_port.to_string()
    };
    (crate::normalize_host(authority), port)
}

/// Failed sign-ins allowed per access key id in a window.
const FAILURES_PER_KEY: u32 = 10;
/// Failed sign-ins allowed in all in a window (key ids can be made up).
const FAILURES_IN_ALL: u32 = 100;
/// The window: after too many failures, sign-ins wait until it ends.
pub(crate) const THROTTLE_WINDOW: Duration = Duration::from_secs(60);

/// Counts failed sign-ins, so guessing secrets is slow: at most [`FAILURES_PER_KEY`] per
/// access key id and [`FAILURES_IN_ALL`] in all per [`THROTTLE_WINDOW`]; past that every
/// sign-in (right or wrong) is refused until the window ends, so a guess cannot be told right.
#[derive(Default)]
pub(crate) struct Throttle {
    /// Per key id: when its window began and its failures since.
    keys: HashMap<String, (Instant, u32)>,
    /// All keys together.
    all: Option<(Instant, u32)>,
}

impl Throttle {
    /// The key as counted (bounded, so made-up long ids cannot grow memory).
    fn key(key: &str) -> String {
        key.chars().take(128).collect()
    }

    /// Whether a sign-in with `key` may be tried at `now`.
    pub(crate) fn allows(&mut self, key: &str, now: Instant) -> bool {
        let live = |w: &(Instant, u32)| now.duration_since(w.0) < THROTTLE_WINDOW;
        self.keys.retain(|_, w| live(w));
        if self.all.is_some_and(|w| !live(&w)) {
            self.all = None;
        }
        let key_ok = self
            .keys
            .get(&Self::key(key))
            .is_none_or(|w| w.1 < FAILURES_PER_KEY);
        let all_ok = self.all.is_none_or(|w| w.1 < FAILURES_IN_ALL);
        key_ok && all_ok
    }

    /// Counts a failed sign-in with `key` at `now`.
    pub(crate) fn failed(&mut self, key: &str, now: Instant) {
        let w = self.keys.entry(Self::key(key)).or_insert((now, 0));
        w.1 += 1;
        let all = self.all.get_or_insert((now, 0));
        all.1 += 1;
    }
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
        let uri = http::Uri::from_static("/console/login");
        let mut h = HeaderMap::new();
        h.insert(http::header::HOST, "127.0.0.1:8083".parse().unwrap());
        assert!(same_origin(&h, &uri));
        h.insert(
            http::header::ORIGIN,
            "http://127.0.0.1:8083".parse().unwrap(),
        );
        assert!(same_origin(&h, &uri));
        h.insert("sec-fetch-site", "cross-site".parse().unwrap());
        assert!(!same_origin(&h, &uri));
        h.insert("sec-fetch-site", "same-origin".parse().unwrap());
        h.insert(http::header::ORIGIN, "http://evil.example".parse().unwrap());
        assert!(!same_origin(&h, &uri));
        h.insert(http::header::ORIGIN, "null".parse().unwrap());
        assert!(!same_origin(&h, &uri));
        // Another port of the same host is another origin.
        h.insert(
            http::header::ORIGIN,
            "http://127.0.0.1:9999".parse().unwrap(),
        );
        assert!(!same_origin(&h, &uri));
    }

    /// The host is compared as the host check normalizes it: case, trailing dot, the
    /// scheme's default port; without `Host`, the URI's authority (HTTP/2) is the host.
    #[test]
    fn same_origin_normalizes_hosts() {
        let check = |origin: &str, host: Option<&str>, uri: &str| {
            let mut h = HeaderMap::new();
            h.insert(http::header::ORIGIN, origin.parse().unwrap());
            if let Some(host) = host {
                h.insert(http::header::HOST, host.parse().unwrap());
            }
            same_origin(&h, &uri.parse::<http::Uri>().unwrap())
        };
        assert!(check(
            "http://Console.Example",
            Some("console.example."),
            "/"
        ));
        assert!(check(
            "http://console.example",
            Some("console.example:80"),
            "/"
        ));
        assert!(check(
            "https://console.example",
            Some("CONSOLE.example:443"),
            "/"
        ));
        assert!(!check(
            "https://console.example",
            Some("console.example:80"),
            "/"
        ));
        assert!(check("http://[::1]:8083", Some("[::1]:8083"), "/"));
        assert!(!check("http://[::1]", Some("[::1]:8083"), "/"));
        assert!(check(
            "https://h2.example",
            None,
            "https://h2.example/console/login"
        ));
        assert!(!check(
            "https://evil.example",
            None,
            "https://h2.example/console/login"
        ));
        assert!(!check("http://localhost", None, "/console/login"));
    }

    /// Ten failures for a key id lock it (right secret or not) until the window ends; other
    /// keys go on until a hundred failures in all.
    #[test]
    fn failed_sign_ins_are_throttled() {
        let mut t = Throttle::default();
        let start = Instant::now();
        for _ in 0..FAILURES_PER_KEY {
            assert!(t.allows("AKID1", start));
            t.failed("AKID1", start);
        }
        assert!(!t.allows("AKID1", start + Duration::from_secs(30)));
        assert!(t.allows("AKID2", start));
        assert!(t.allows("AKID1", start + THROTTLE_WINDOW));
        let mut t = Throttle::default();
        for i in 0..FAILURES_IN_ALL {
            assert!(t.allows(&format!("made-up-{i}"), start));
            t.failed(&format!("made-up-{i}"), start);
        }
        assert!(!t.allows("AKID1", start));
        assert!(t.allows("AKID1", start + THROTTLE_WINDOW));
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
