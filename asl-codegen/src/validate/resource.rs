//! Task `Resource` strings (TASK-1, TASK-2, TASK-3, VAL-18, VAL-34).
//!
//! AWS matches a Resource against its catalog of integrations. We reject what AWS certainly
//! rejects (not a URI, a malformed ARN, an unknown API of a known optimized service, `.sync` on
//! an `aws-sdk` integration, a PascalCase SDK action, an empty Lambda qualifier) and *warn* about
//! shapes that are fine for running locally but that AWS would not deploy (`foo:bar`, deploy-time
//! `${placeholders}`, unknown services). Sources: the AWS Step Functions developer guide's
//! optimized-integration pages and the recorded rejections in `shared/conformance/invalid`.

/// What a Resource invokes, as far as the validator needs to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResourceKind {
    /// `arn:…:lambda:…:function:name[:qualifier]`.
    LambdaFunction,
    /// `arn:…:states:…:activity:name`.
    Activity,
    /// `arn:…:states:::<service>:<api>[.pattern]` (optimized, `aws-sdk:*`, `http:invoke`), also
    /// with a region and account between `states:` and the service.
    Integration {
        /// Service (`lambda`, `aws-sdk`, …).
        service: String,
        /// API (`invoke`, `s3:getObject`, …).
        api: String,
        /// Integration pattern suffix.
        pattern: Pattern,
    },
    /// Any other URI (the spec leaves the scheme open).
    Other,
}

/// The integration pattern of a Resource (TASK-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pattern {
    /// Request Response (no suffix).
    RequestResponse,
    /// `.sync`.
    Sync,
    /// `.sync:2`.
    Sync2,
    /// `.waitForTaskToken`.
    WaitForTaskToken,
}

/// A verdict on a Resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Fine.
    Ok(ResourceKind),
    /// Valid URI, but AWS would not accept it (message).
    Warn(ResourceKind, String),
    /// Invalid (message).
    Error(String),
}

/// Optimized integrations: `service:api` and the suffixes each allows (from the AWS developer
/// guide's per-service pages). `S` = `.sync`, `W` = `.waitForTaskToken`, `2` = `.sync:2`.
const OPTIMIZED: &[(&str, &[&str], &str)] = &[
    ("apigateway", &["invoke"], "W"),
    ("athena", &["startQueryExecution"], "S"),
    (
        "athena",
        &["stopQueryExecution", "getQueryExecution", "getQueryResults"],
        "",
    ),
    ("batch", &["submitJob"], "S"),
    ("bedrock", &["invokeModel"], ""),
    ("bedrock", &["createModelCustomizationJob"], "S"),
    ("bedrockagentcore", &["invokeHarness"], ""),
    (
        "codebuild",
        &["startBuild", "startBuildBatch", "retryBuildBatch"],
        "S",
    ),
    (
        "codebuild",
        &[
            "stopBuild",
            "batchDeleteBuilds",
            "batchGetReports",
            "stopBuildBatch",
            "deleteBuildBatch",
        ],
        "",
    ),
    ("databrew", &["startJobRun"], "S"),
    (
        "dynamodb",
        &["getItem", "putItem", "updateItem", "deleteItem"],
        "",
    ),
    ("ecs", &["runTask"], "SW"),
    (
        "eks",
        &[
            "runJob",
            "createCluster",
            "deleteCluster",
            "createFargateProfile",
            "deleteFargateProfile",
            "createNodegroup",
            "deleteNodegroup",
        ],
        "S",
    ),
    ("eks", &["call"], ""),
    (
        "elasticmapreduce",
        &["createCluster", "terminateCluster", "addStep"],
        "S",
    ),
    (
        "elasticmapreduce",
        &[
            "setClusterTerminationProtection",
            "cancelStep",
            "modifyInstanceFleetByName",
            "modifyInstanceGroupByName",
        ],
        "",
    ),
    ("emr-containers", &["createVirtualCluster"], ""),
    (
        "emr-containers",
        &["deleteVirtualCluster", "startJobRun"],
        "S",
    ),
    (
        "emr-serverless",
        &[
            "createApplication",
            "startApplication",
            "stopApplication",
            "deleteApplication",
            "startJobRun",
            "cancelJobRun",
        ],
        "S",
    ),
    ("events", &["putEvents"], "W"),
    ("glue", &["startJobRun"], "S"),
    ("http", &["invoke"], ""),
    ("lambda", &["invoke"], "W"),
    ("mediaconvert", &["createJob"], "S"),
    (
        "sagemaker",
        &[
            "createTrainingJob",
            "createTransformJob",
            "createHyperParameterTuningJob",
            "createLabelingJob",
            "createProcessingJob",
        ],
        "S",
    ),
    (
        "sagemaker",
        &[
            "createEndpoint",
            "createEndpointConfig",
            "createModel",
            "updateEndpoint",
        ],
        "",
    ),
    ("sns", &["publish"], "W"),
    ("sqs", &["sendMessage"], "W"),
    ("states", &["startExecution"], "SW2"),
];

fn not_recognized(resource: &str) -> String {
    format!(
        "the resource `{resource}` is not recognized: it is not a valid resource ARN, or not an \
         integration Step Functions offers"
    )
}

fn split_pattern(api: &str) -> (&str, Pattern) {
    if let Some(a) = api.strip_suffix(".sync:2") {
        (a, Pattern::Sync2)
    } else if let Some(a) = api.strip_suffix(".sync") {
        (a, Pattern::Sync)
    } else if let Some(a) = api.strip_suffix(".waitForTaskToken") {
        (a, Pattern::WaitForTaskToken)
    } else {
        (api, Pattern::RequestResponse)
    }
}

fn is_uri(s: &str) -> bool {
    // RFC 3986: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":" …
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !rest.is_empty()
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Checks a Task `Resource`.
pub fn check(resource: &str) -> Verdict {
    if resource.starts_with("${") {
        return if resource.ends_with('}') && resource.len() > 3 {
            Verdict::Warn(
                ResourceKind::Other,
                format!(
                    "`{resource}` is a deploy-time placeholder, not a resource: substitute it \
                     before deploying to AWS"
                ),
            )
        } else {
            Verdict::Error(format!(
                "`{resource}` is not a valid resource URI (an unclosed `${{…}}` placeholder?)"
            ))
        };
    }
    if !is_uri(resource) {
        return Verdict::Error(format!(
            "`{resource}` is not a valid resource URI: expected an ARN such as \
             `arn:aws:states:::lambda:invoke`"
        ));
    }
    let Some(rest) = resource.strip_prefix("arn:") else {
        return Verdict::Warn(
            ResourceKind::Other,
            format!("`{resource}` is a URI but not an AWS ARN: AWS would not deploy it"),
        );
    };
    let parts: Vec<&str> = rest.splitn(5, ':').collect();
    if parts.len() < 5 || parts[0].is_empty() || parts[1].is_empty() || parts[4].is_empty() {
        return Verdict::Error(format!(
            "`{resource}` is not a valid ARN: expected \
             `arn:<partition>:<service>:<region>:<account>:<resource>`"
        ));
    }
    let (service, region, account, tail) = (parts[1], parts[2], parts[3], parts[4]);
    match service {
        "states" if region.is_empty() && account.is_empty() => integration(resource, tail),
        "states" => match tail.split_once(':') {
            Some(("activity", name)) if !name.is_empty() => {
                if name.contains('.') && split_pattern(name).1 != Pattern::RequestResponse {
                    return Verdict::Error(format!(
                        "activity `{resource}` cannot take an integration pattern suffix"
                    ));
                }
                Verdict::Ok(ResourceKind::Activity)
            }
            Some((integration_service, _))
                if integration_service == "aws-sdk"
                    || OPTIMIZED.iter().any(|(s, ..)| *s == integration_service) =>
            {
                regional(resource, parts[0], tail)
            }
            _ => Verdict::Error(not_recognized(resource)),
        },
        "lambda" => lambda(resource, region, account, tail),
        _ => Verdict::Warn(
            ResourceKind::Other,
            format!("`{resource}` names no service Step Functions can call from a Task"),
        ),
    }
}

/// An integration with its region and account filled in
/// (`arn:aws:states:us-east-1:123456789012:aws-sdk:s3:getObject`): the same integration as
/// `arn:aws:states:::aws-sdk:s3:getObject`. AWS runs the SDK form so (public sample workflows
/// deployed to AWS use it); for optimized integrations its guide shows only the form without
/// region and account, so those are accepted with a warning rather than refused.
fn regional(resource: &str, partition: &str, tail: &str) -> Verdict {
    match integration(resource, tail) {
        Verdict::Ok(kind) => match &kind {
            ResourceKind::Integration { service, .. } if service != "aws-sdk" => Verdict::Warn(
                kind,
                format!(
                    "AWS documents this integration without a region and account: \
                     `arn:{partition}:states:::{tail}` (asl-rs runs both the same)"
                ),
            ),
            _ => Verdict::Ok(kind),
        },
        other => other,
    }
}

fn integration(resource: &str, tail: &str) -> Verdict {
    let Some((service, api)) = tail.split_once(':') else {
        return Verdict::Error(not_recognized(resource));
    };
    if service == "aws-sdk" {
        let Some((sdk_service, action)) = api.split_once(':') else {
            return Verdict::Error(format!(
                "{}: expected `aws-sdk:<service>:<action>`",
                not_recognized(resource)
            ));
        };
        let (action, pattern) = split_pattern(action);
        let shape_ok = !sdk_service.is_empty()
            && sdk_service
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '.'))
            && action.starts_with(|c: char| c.is_ascii_lowercase())
            && action.chars().all(|c| c.is_ascii_alphanumeric());
        if !shape_ok {
            return Verdict::Error(format!(
                "{}: an SDK integration is `aws-sdk:<lower-case service>:<camelCase action>`",
                not_recognized(resource)
            ));
        }
        if matches!(pattern, Pattern::Sync | Pattern::Sync2) {
            return Verdict::Error(format!(
                "{}: AWS SDK integrations do not support `.sync`",
                not_recognized(resource)
            ));
        }
        return Verdict::Ok(ResourceKind::Integration {
            service: "aws-sdk".into(),
            api: format!("{sdk_service}:{action}"),
            pattern,
        });
    }
    let (api_name, pattern) = split_pattern(api);
    let kind = ResourceKind::Integration {
        service: service.to_string(),
        api: api_name.to_string(),
        pattern,
    };
    let known_service = OPTIMIZED.iter().any(|(s, _, _)| *s == service);
    let Some((_, _, suffixes)) = OPTIMIZED
        .iter()
        .find(|(s, apis, _)| *s == service && apis.contains(&api_name))
    else {
        return if known_service {
            Verdict::Error(not_recognized(resource))
        } else {
            Verdict::Warn(
                kind,
                format!("`{service}:{api_name}` is not an optimized integration asl-rs knows"),
            )
        };
    };
    let allowed = match pattern {
        Pattern::RequestResponse => true,
        Pattern::Sync => suffixes.contains('S'),
        Pattern::Sync2 => suffixes.contains('2'),
        Pattern::WaitForTaskToken => suffixes.contains('W'),
    };
    if allowed {
        Verdict::Ok(kind)
    } else {
        Verdict::Error(format!(
            "{}: `{service}:{api_name}` does not support this integration pattern",
            not_recognized(resource)
        ))
    }
}

fn lambda(resource: &str, region: &str, account: &str, tail: &str) -> Verdict {
    let Some(rest) = tail.strip_prefix("function:") else {
        return Verdict::Error(not_recognized(resource));
    };
    let (name, qualifier) = match rest.split_once(':') {
        Some((n, q)) => (n, Some(q)),
        None => (rest, None),
    };
    if name.is_empty() || qualifier == Some("") {
        return Verdict::Error(format!(
            "`{resource}` is not a valid Lambda function ARN: the function name and the version \
             or alias after `:` must not be empty"
        ));
    }
    let word = |s: &str| {
        s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    let mut problems = Vec::new();
    if !(word(name) && name.len() <= 64) {
        problems.push("the function name allows only letters, digits, `-` and `_` (64 at most)");
    }
    if let Some(q) = qualifier
        && !(q == "$LATEST" || (word(q) && q.len() <= 128))
    {
        problems.push("a qualifier is `$LATEST`, a version number or an alias of letters, digits, `-` and `_`");
    }
    if region.is_empty() || !(account.len() == 12 && account.chars().all(|c| c.is_ascii_digit())) {
        problems.push("a function ARN needs a region and a 12-digit account id");
    }
    if problems.is_empty() {
        Verdict::Ok(ResourceKind::LambdaFunction)
    } else {
        Verdict::Warn(
            ResourceKind::LambdaFunction,
            format!(
                "`{resource}` would not be accepted by AWS: {}",
                problems.join("; ")
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(r: &str) {
        assert!(matches!(check(r), Verdict::Ok(_)), "{r}: {:?}", check(r));
    }
    fn warn(r: &str) {
        assert!(matches!(check(r), Verdict::Warn(..)), "{r}: {:?}", check(r));
    }
    fn err(r: &str) {
        assert!(matches!(check(r), Verdict::Error(_)), "{r}: {:?}", check(r));
    }

    #[test]
    fn verdicts() {
        ok("arn:aws:states:::lambda:invoke");
        ok("arn:aws:states:::lambda:invoke.waitForTaskToken");
        ok("arn:aws:states:::states:startExecution.sync:2");
        ok("arn:aws-cn:states:::sqs:sendMessage");
        ok("arn:aws:states:::aws-sdk:s3:listObjectsV2");
        ok("arn:aws:states:::aws-sdk:sfn:sendTaskFailure.waitForTaskToken");
        ok("arn:aws:lambda:us-east-1:123456789012:function:HelloWorld");
        ok("arn:aws:lambda:us-east-1:123456789012:function:HelloWorld:$LATEST");
        ok("arn:aws:states:us-east-1:111111111111:activity:activity_arn");
        // Region and account filled in: the same integration.
        ok("arn:aws:states:us-east-1:123456789012:aws-sdk:s3:listObjectsV2");
        ok("arn:aws:states:eu-west-1:123456789012:aws-sdk:sfn:sendTaskSuccess.waitForTaskToken");
        warn("arn:aws:states:us-east-1:123456789012:lambda:invoke");
        warn("arn:aws:states:us-east-1:123456789012:states:startExecution.sync:2");
        err("arn:aws:states:us-east-1:123456789012:aws-sdk:s3:GetObject");
        err("arn:aws:states:us-east-1:123456789012:aws-sdk:s3:getObject.sync");
        err("arn:aws:states:us-east-1:123456789012:dynamodb:query");
        err("arn:aws:states:us-east-1:123456789012:stateMachine:Orders");
        err("arn:aws:states:::dynamodb:query");
        err("arn:aws:states:::dynamodb:getItem.sync");
        err("arn:aws:states:::aws-sdk:cloudwatchlogs:CreateLogStream");
        err("arn:aws:states:::aws-sdk:codebuild:startBuild.sync");
        err("arn:aws:lambda:region-1:1234567890:function:FUNCTION_NAME:");
        err("${lambdaArn");
        err("not a uri");
        err("arn:aws:lambda");
        warn("foo:bar");
        warn("${lambdaArn}");
        warn("arn:aws:swf:us-east-1:123456789012:task:X");
        warn("arn:aws:lambda:region-1:1234567890:function:FUNCTION_NAME:$*#$7485");
        warn("arn:aws:lambda:::function:publish-to-slack-lambda");
        warn("arn:aws:lambda:us-east-1:111111111111:function:<lambda_function_name>");
    }
}
