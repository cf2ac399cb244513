//! Reaching moto: its URL, SDK configurations pointed at it, fresh resource names.

#![allow(dead_code)]

use aws_config::BehaviorVersion;
use aws_credential_types::Credentials;
use aws_types::SdkConfig;
use aws_types::region::Region;

/// moto's URL, or `None` (with a message) when the test should skip.
pub fn moto_url(test: &str) -> Option<String> {
    match std::env::var("ASL_TEST_MOTO_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            if std::env::var("ASL_REQUIRE_SERVICES").as_deref() == Ok("1") {
                panic!(
                    "{test}: ASL_TEST_MOTO_URL is not set, and ASL_REQUIRE_SERVICES=1 requires moto"
                );
            }
            eprintln!(
                "{test}: skipped: set ASL_TEST_MOTO_URL to a moto server (moto_server -p 5000)"
            );
            None
        }
    }
}

/// An SDK configuration for moto in `region`, with moto's dummy credentials.
pub async fn sdk_config(url: &str, region: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(region.to_owned()))
        .endpoint_url(url)
        .credentials_provider(Credentials::new("testing", "testing", None, None, "moto"))
        .load()
        .await
}

/// moto's setup for one test: the SDK configuration and the integrations on it.
pub struct Moto {
    pub url: String,
    pub config: SdkConfig,
    pub aws: asl_aws::Aws,
}

/// moto in `region`, or `None` when the test skips.
pub async fn moto(test: &str, region: &str) -> Option<Moto> {
    let url = moto_url(test)?;
    let config = sdk_config(&url, region).await;
    let aws = asl_aws::Aws::from_conf(config.clone());
    Some(Moto { url, config, aws })
}

/// A name no other test uses (tests share one moto server and run in parallel).
pub fn unique(prefix: &str) -> String {
    format!(
        "{prefix}-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    )
}

/// GETs a JSON document of moto's own API (`/moto-api/data.json`): HTTP/1.0, so the answer
/// is not chunked. moto builds that document from live state, and answers 500 when another
/// test changes it meanwhile: asked again then.
pub async fn moto_get_json(base: &str, path: &str) -> serde_json::Value {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = base
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let mut last = String::new();
    for _ in 0..20 {
        let mut stream = tokio::net::TcpStream::connect(&host).await.unwrap();
        let request = format!("GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await.unwrap();
        let text = String::from_utf8_lossy(&response);
        let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
        match serde_json::from_str(body) {
            Ok(v) => return v,
            Err(e) => last = format!("{e}: {}", text.chars().take(300).collect::<String>()),
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("moto {path}: no JSON after 20 tries: {last}")
}
