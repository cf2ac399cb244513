//! A Task's `Resource` as the runtime receives it: the ARN and its kind, decided here from
//! the validator's classification, so nothing parses the ARN again at run time. The names of
//! `Task…` events follow AWS's recordings: `resourceType` is the service (`aws-sdk:s3` for an
//! SDK integration), `resource` the API with its pattern (`startExecution.sync:2`).

use proc_macro2::TokenStream;
use quote::quote;

use crate::validate::resource::{self, Pattern, ResourceKind, Verdict};

/// `__rt::Resource { arn, kind }` for `arn`.
pub(crate) fn tokens(rt: &TokenStream, arn: &str) -> TokenStream {
    let kind = match resource::check(arn) {
        Verdict::Ok(kind) | Verdict::Warn(kind, _) => kind,
        // Validation rejects these before generation; a generic task is the safe reading.
        Verdict::Error(_) => ResourceKind::Other,
    };
    let kind = match kind {
        ResourceKind::LambdaFunction => quote!(#rt::ResourceKind::LambdaFunction),
        ResourceKind::Activity => quote!(#rt::ResourceKind::Activity),
        // `arn:aws:states:::activity:name` (no region or account) still names an activity.
        ResourceKind::Integration { service, .. } if service == "activity" => {
            quote!(#rt::ResourceKind::Activity)
        }
        ResourceKind::Integration {
            service,
            api,
            pattern,
        } => {
            // The API's last segment is the resource, the rest joins the type:
            // `aws-sdk` + `s3:getObject` → (`aws-sdk:s3`, `getObject`).
            let (resource_type, api) = match api.rsplit_once(':') {
                Some((group, action)) => (format!("{service}:{group}"), action.to_string()),
                None => (service, api),
            };
            let resource = format!("{api}{}", suffix(pattern));
            service_tokens(rt, &resource_type, &resource, pattern)
        }
        ResourceKind::Other => {
            let (resource_type, resource) = split_other(arn);
            service_tokens(rt, resource_type, resource, pattern_of(arn))
        }
    };
    quote!(#rt::Resource { arn: #arn, kind: #kind })
}

fn service_tokens(
    rt: &TokenStream,
    resource_type: &str,
    resource: &str,
    pattern: Pattern,
) -> TokenStream {
    let pattern = match pattern {
        Pattern::RequestResponse => quote!(#rt::Pattern::RequestResponse),
        Pattern::Sync => quote!(#rt::Pattern::Sync),
        Pattern::Sync2 => quote!(#rt::Pattern::Sync2),
        Pattern::WaitForTaskToken => quote!(#rt::Pattern::WaitForTaskToken),
    };
    quote!(#rt::ResourceKind::Service {
        resource_type: #resource_type,
        resource: #resource,
        pattern: #pattern,
    })
}

fn suffix(pattern: Pattern) -> &'static str {
    match pattern {
        Pattern::RequestResponse => "",
        Pattern::Sync => ".sync",
        Pattern::Sync2 => ".sync:2",
        Pattern::WaitForTaskToken => ".waitForTaskToken",
    }
}

fn pattern_of(resource: &str) -> Pattern {
    if resource.ends_with(".waitForTaskToken") {
        Pattern::WaitForTaskToken
    } else if resource.ends_with(".sync:2") {
        Pattern::Sync2
    } else if resource.ends_with(".sync") {
        Pattern::Sync
    } else {
        Pattern::RequestResponse
    }
}

/// A resource no integration names (`arn:aws:foo:::bar:baz`, a placeholder): the part after
/// the ARN's account, split at its last `:` (not the one of a `.sync:2` suffix), as the runtime
/// always named such tasks.
fn split_other(arn: &str) -> (&str, &str) {
    let rest = arn.splitn(6, ':').nth(5).unwrap_or(arn);
    let body = rest.strip_suffix(".sync:2").unwrap_or(rest);
    match body.rfind(':') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => ("", rest),
    }
}

#[cfg(test)]
mod tests {
    use super::tokens;
    use quote::quote;

    fn kind(arn: &str) -> String {
        tokens(&quote!(__rt), arn).to_string().replace(' ', "")
    }

    // As AWS records `resourceType`/`resource` in TaskScheduled (EXEC-7; the corpus's
    // histories): the pattern stays on the resource, the service is the type.
    #[test]
    fn splits_as_aws_records() {
        let k = kind("arn:aws:states:::states:startExecution.sync:2");
        assert!(
            k.contains(r#"resource_type:"states",resource:"startExecution.sync:2""#),
            "{k}"
        );
        assert!(k.contains("Pattern::Sync2"), "{k}");
        let k = kind("arn:aws:states:::aws-sdk:s3:getObject");
        assert!(
            k.contains(r#"resource_type:"aws-sdk:s3",resource:"getObject""#),
            "{k}"
        );
        let k = kind("arn:aws:states:us-east-1:123456789012:aws-sdk:s3:listObjectsV2");
        assert!(
            k.contains(r#"resource_type:"aws-sdk:s3",resource:"listObjectsV2""#),
            "{k}"
        );
        let k = kind("arn:aws:states:::sqs:sendMessage.waitForTaskToken");
        assert!(k.contains(r#"resource_type:"sqs",resource:"sendMessage.waitForTaskToken""#));
        assert!(k.contains("Pattern::WaitForTaskToken"), "{k}");
        let k = kind("arn:aws:states:::lambda:invoke");
        assert!(
            k.contains(r#"resource_type:"lambda",resource:"invoke""#),
            "{k}"
        );
        assert!(k.contains("Pattern::RequestResponse"), "{k}");
        assert!(
            kind("arn:aws:lambda:us-east-1:123456789012:function:f").contains("LambdaFunction")
        );
        assert!(kind("arn:aws:states:us-east-1:123456789012:activity:a").contains("Activity"));
    }

    // Forms whose reading is easy to get wrong.
    #[test]
    fn other_forms() {
        let lambda = |arn: &str| kind(arn).contains("LambdaFunction");
        assert!(lambda(
            "arn:aws:lambda:us-east-1:123456789012:function:f:live"
        ));
        assert!(lambda(
            "arn:aws-cn:lambda:cn-north-1:123456789012:function:f"
        ));
        assert!(kind("arn:aws:states:::activity:a").contains("Activity"));
        let k = kind("arn:aws:states:::states:startExecution.sync");
        assert!(k.contains(r#"resource:"startExecution.sync""#), "{k}");
        assert!(k.contains("Pattern::Sync,"), "{k}");
        // No integration names these: the split and pattern the runtime always gave them.
        let k = kind("arn:aws:states:::foo:bar:baz");
        assert!(
            k.contains(r#"resource_type:"foo:bar",resource:"baz""#),
            "{k}"
        );
        assert!(kind("foo:bar.sync:2").contains("Pattern::Sync2"));
        let k = kind("arn:aws:batch:us-east-1:123456789012:job:x.sync:2");
        assert!(k.contains(r#"resource:"x.sync:2""#), "{k}");
        assert!(k.contains("Pattern::Sync2"), "{k}");
        assert!(kind("${TaskArn}").contains("Pattern::RequestResponse"));
    }
}
