//! [`Aws`]: the SDK configuration, and clients per region and assumed role.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use aws_config::BehaviorVersion;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_types::SdkConfig;
use aws_types::region::Region;

/// Calls AWS services for Task states, as AWS Step Functions does (see the crate docs).
///
/// Cheap to clone: clones share their clients, connection pools and cached credentials.
#[derive(Clone)]
pub struct Aws {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for Aws {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Aws")
            .field("region", &self.inner.base.region())
            .field("endpoint_url", &self.inner.base.endpoint_url())
            .finish_non_exhaustive()
    }
}

/// Clients per (region, role to assume).
type ClientMap = HashMap<(Option<String>, Option<String>), Arc<Clients>>;

pub(crate) struct Inner {
    base: SdkConfig,
    s3_path_style: bool,
    /// Clients per (region, role to assume).
    clients: Mutex<ClientMap>,
}

/// What [`Aws::builder`] configures.
#[derive(Debug)]
pub struct AwsBuilder {
    config: SdkConfig,
    s3_path_style: Option<bool>,
}

impl AwsBuilder {
    /// Addresses S3 buckets in the path (`http://host/bucket/key`) rather than the host name.
    /// Default: on when an endpoint URL is configured for S3 (`AWS_ENDPOINT_URL`,
    /// `AWS_ENDPOINT_URL_S3`), as emulators such as moto and LocalStack need; else off.
    pub fn s3_force_path_style(mut self, on: bool) -> Self {
        self.s3_path_style = Some(on);
        self
    }

    /// The integrations.
    pub fn build(self) -> Aws {
        let endpoint_set = self.config.endpoint_url().is_some()
            || std::env::var_os("AWS_ENDPOINT_URL_S3").is_some();
        Aws {
            inner: Arc::new(Inner {
                base: self.config,
                s3_path_style: self.s3_path_style.unwrap_or(endpoint_set),
                clients: Mutex::default(),
            }),
        }
    }
}

impl Aws {
    /// Integrations configured as the AWS SDK configures itself: environment variables,
    /// shared config and credentials files, the default credentials chain.
    pub async fn from_env() -> Aws {
        Aws::builder(aws_config::load_defaults(BehaviorVersion::latest()).await).build()
    }

    /// Integrations on a given SDK configuration (`aws_config::defaults(…).load().await`).
    pub fn from_conf(config: SdkConfig) -> Aws {
        Aws::builder(config).build()
    }

    /// A builder on a given SDK configuration, for the options beyond it.
    pub fn builder(config: SdkConfig) -> AwsBuilder {
        AwsBuilder {
            config,
            s3_path_style: None,
        }
    }

    /// The clients for a call in `region` (else the configuration's), with the credentials of
    /// `role` assumed through STS (else the configuration's).
    pub(crate) async fn clients(&self, region: Option<&str>, role: Option<&str>) -> Arc<Clients> {
        let key = (region.map(str::to_owned), role.map(str::to_owned));
        if let Some(c) = self.lock().get(&key) {
            return Arc::clone(c);
        }
        let mut config = self.inner.base.to_builder();
        if let Some(region) = region {
            config.set_region(Some(Region::new(region.to_owned())));
        }
        if let Some(role) = role {
            // The provider refreshes its credentials before they expire; kept with the
            // clients, so each role is assumed once per expiry, not once per call.
            let provider = aws_config::sts::AssumeRoleProvider::builder(role)
                .session_name("asl-rs")
                .configure(&self.inner.base)
                .build()
                .await;
            config.set_credentials_provider(Some(SharedCredentialsProvider::new(provider)));
        }
        let clients = Arc::new(Clients::new(config.build(), self.inner.s3_path_style));
        Arc::clone(self.lock().entry(key).or_insert(clients))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ClientMap> {
        // A panic elsewhere cannot leave the map half-written: recover it.
        self.inner
            .clients
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// One service client each, made on first use.
pub(crate) struct Clients {
    pub(crate) config: SdkConfig,
    s3_path_style: bool,
    #[cfg(feature = "lambda")]
    lambda: std::sync::OnceLock<aws_sdk_lambda::Client>,
    #[cfg(feature = "dynamodb")]
    dynamodb: std::sync::OnceLock<aws_sdk_dynamodb::Client>,
    #[cfg(feature = "sqs")]
    sqs: std::sync::OnceLock<aws_sdk_sqs::Client>,
    #[cfg(feature = "sns")]
    sns: std::sync::OnceLock<aws_sdk_sns::Client>,
    #[cfg(feature = "eventbridge")]
    eventbridge: std::sync::OnceLock<aws_sdk_eventbridge::Client>,
    #[cfg(feature = "s3")]
    s3: std::sync::OnceLock<aws_sdk_s3::Client>,
    #[cfg(feature = "sfn")]
    sfn: std::sync::OnceLock<aws_sdk_sfn::Client>,
    #[cfg(feature = "http")]
    secretsmanager: std::sync::OnceLock<aws_sdk_secretsmanager::Client>,
}

impl Clients {
    fn new(config: SdkConfig, s3_path_style: bool) -> Clients {
        Clients {
            config,
            s3_path_style,
            #[cfg(feature = "lambda")]
            lambda: std::sync::OnceLock::new(),
            #[cfg(feature = "dynamodb")]
            dynamodb: std::sync::OnceLock::new(),
            #[cfg(feature = "sqs")]
            sqs: std::sync::OnceLock::new(),
            #[cfg(feature = "sns")]
            sns: std::sync::OnceLock::new(),
            #[cfg(feature = "eventbridge")]
            eventbridge: std::sync::OnceLock::new(),
            #[cfg(feature = "s3")]
            s3: std::sync::OnceLock::new(),
            #[cfg(feature = "sfn")]
            sfn: std::sync::OnceLock::new(),
            #[cfg(feature = "http")]
            secretsmanager: std::sync::OnceLock::new(),
        }
    }

    #[cfg(feature = "lambda")]
    pub(crate) fn lambda(&self) -> &aws_sdk_lambda::Client {
        self.lambda
            .get_or_init(|| aws_sdk_lambda::Client::new(&self.config))
    }

    #[cfg(feature = "dynamodb")]
    pub(crate) fn dynamodb(&self) -> &aws_sdk_dynamodb::Client {
        self.dynamodb
            .get_or_init(|| aws_sdk_dynamodb::Client::new(&self.config))
    }

    #[cfg(feature = "sqs")]
    pub(crate) fn sqs(&self) -> &aws_sdk_sqs::Client {
        self.sqs
            .get_or_init(|| aws_sdk_sqs::Client::new(&self.config))
    }

    #[cfg(feature = "sns")]
    pub(crate) fn sns(&self) -> &aws_sdk_sns::Client {
        self.sns
            .get_or_init(|| aws_sdk_sns::Client::new(&self.config))
    }

    #[cfg(feature = "eventbridge")]
    pub(crate) fn eventbridge(&self) -> &aws_sdk_eventbridge::Client {
        self.eventbridge
            .get_or_init(|| aws_sdk_eventbridge::Client::new(&self.config))
    }

    #[cfg(feature = "s3")]
    pub(crate) fn s3(&self) -> &aws_sdk_s3::Client {
        self.s3.get_or_init(|| {
            let config = aws_sdk_s3::config::Builder::from(&self.config)
                .force_path_style(self.s3_path_style)
                .build();
            aws_sdk_s3::Client::from_conf(config)
        })
    }

    #[cfg(feature = "sfn")]
    pub(crate) fn sfn(&self) -> &aws_sdk_sfn::Client {
        self.sfn
            .get_or_init(|| aws_sdk_sfn::Client::new(&self.config))
    }

    /// Secrets Manager, for the secrets of the EventBridge connections HTTP Tasks use.
    #[cfg(feature = "http")]
    pub(crate) fn secretsmanager(&self) -> &aws_sdk_secretsmanager::Client {
        self.secretsmanager
            .get_or_init(|| aws_sdk_secretsmanager::Client::new(&self.config))
    }
}
