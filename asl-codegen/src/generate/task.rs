//! Task states: the `TaskSpec` static, the `Tasks` handler method (typed or not) with its
//! docs, its `Integrated` method (written when the resource has a service integration), and
//! the error enum of the names its Retry and Catch handle.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use super::{Gen, doc, ident, integration, lit_str, resource};
use crate::model::*;

impl Gen {
    pub(super) fn task(
        &mut self,
        s: &State,
        t: &Task,
        variant_of: &dyn Fn(&str) -> TokenStream,
    ) -> TokenStream {
        let rt = self.rt.clone();
        let public = self.public.clone();
        let name = lit_str(&s.name);
        let method = format_ident!("{}", self.method_names.unique(ident::fn_name(&s.name)));
        let io = self.io_value(&s.io, s.assign.as_ref());
        let seconds = |g: &mut Self, v: &Option<Seconds>| -> TokenStream {
            let rt = g.rt.clone();
            match v {
                Some(Seconds::Literal(n)) => {
                    let n = n.value;
                    quote!(#rt::Seconds::Literal(#n))
                }
                Some(Seconds::Path(p)) => {
                    let p = g.path_value(&p.value);
                    quote!(#rt::Seconds::Path(&#p))
                }
                Some(Seconds::Expr(e)) => {
                    let e = g.jexpr(e);
                    quote!(#rt::Seconds::Expr(&#e))
                }
                None => quote!(#rt::Seconds::Default),
            }
        };
        let timeout = seconds(self, &t.timeout);
        let heartbeat = seconds(self, &t.heartbeat);
        let retry = self.retriers(&t.retry);
        let catch = self.catchers(&t.catch);
        let resource = resource::tokens(&rt, &t.resource.value);
        let credentials = match &t.credentials {
            Some(Payload::Template(c)) => {
                let v = self.template_value(c, "Credentials");
                quote!(Some(#rt::Credentials::Template(&#v)))
            }
            Some(Payload::Jsonata(c)) => {
                let v = self.jtemplate(c);
                quote!(Some(#rt::Credentials::Jsonata(&#v)))
            }
            None => quote!(None),
        };
        let spec = self.add_static(
            "TASK",
            quote!(#rt::TaskSpec),
            quote!(#rt::TaskSpec {
                resource: #resource,
                io: #io,
                timeout: #timeout,
                heartbeat: #heartbeat,
                retry: #retry,
                catch: #catch,
                credentials: #credentials,
            }),
        );
        let mut handled: Vec<String> = Vec::new();
        for e in t
            .retry
            .iter()
            .flat_map(|r| &r.error_equals)
            .chain(t.catch.iter().flat_map(|c| &c.error_equals))
        {
            if !handled.contains(&e.value) {
                handled.push(e.value.clone());
            }
        }
        let handled = if handled.is_empty() {
            "none".to_string()
        } else {
            handled
                .iter()
                .map(|e| format!("`{e}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let doc = doc(&format!(
            "Task state `{}`.\n\nResource: `{}`. {}\n\nErrors its Retry/Catch handle: {handled}.",
            s.name,
            t.resource.value,
            resource_description(&t.resource.value)
        ));
        let typed = self
            .task_types
            .iter()
            .find(|(n, ..)| *n == s.name)
            .map(|(_, i, o)| (i.clone(), o.clone()));
        let (in_ty, out_ty) = match &typed {
            Some((i, o)) => (i.clone(), o.clone()),
            None => (quote!(#public::Value), quote!(#public::Value)),
        };
        self.methods.push(quote! {
            #doc
            fn #method(
                &self,
                input: #in_ty,
                ctx: #public::TaskContext,
            ) -> impl ::std::future::Future<Output = ::std::result::Result<#out_ty, #public::TaskError>> + Send;
        });
        self.integrated_method(s, t, &method, &spec, &in_ty, &out_ty, typed.is_some());
        self.error_enum(s, t);
        let call = match &typed {
            Some((i, o)) => {
                let in_name = lit_str(&i.to_string().replace(' ', ""));
                let out_name = lit_str(&o.to_string().replace(' ', ""));
                quote! {
                    |__input, __ctx| {
                        let __tasks = &tasks;
                        async move {
                            let __input: #i = #rt::typed::from_value(__input, #name, #in_name)?;
                            let __output: #o = <T as Tasks>::#method(&**__tasks, __input, __ctx).await?;
                            #rt::typed::to_value(&__output, #name, #out_name)
                        }
                    }
                }
            }
            // Fully qualified: a state named `Clone` must not resolve to `Arc::clone`.
            None => quote!(|__input, __ctx| <T as Tasks>::#method(&*tasks, __input, __ctx)),
        };
        let outcome = self.outcome(t.transition.as_ref(), &t.catch, variant_of);
        quote! {
            let mut __run = exec.enter(#rt::StateType::Task, #name, &vars, &input);
            let __result = #rt::task(&mut __run, input, &#spec, #call).await;
            #outcome
        }
    }

    /// The state's method of the `Integrated` trait: written (calling the services) when its
    /// resource has an integration and its input and output are untyped, else required.
    #[allow(clippy::too_many_arguments)]
    fn integrated_method(
        &mut self,
        s: &State,
        t: &Task,
        method: &proc_macro2::Ident,
        spec: &proc_macro2::Ident,
        in_ty: &TokenStream,
        out_ty: &TokenStream,
        typed: bool,
    ) {
        let rt = self.rt.clone();
        let public = self.public.clone();
        let signature = quote! {
            fn #method(
                &self,
                input: #in_ty,
                ctx: #public::TaskContext,
            ) -> impl ::std::future::Future<Output = ::std::result::Result<#out_ty, #public::TaskError>> + Send
        };
        self.delegates.push(quote! {
            #signature {
                <T as Integrated>::#method(self, input, ctx)
            }
        });
        let found = integration::of(&t.resource.value).filter(|_| !typed);
        let Some(found) = found else {
            let why = if typed {
                "its input and output are typed".to_string()
            } else {
                format!("resource `{}` has no service integration", t.resource.value)
            };
            self.integrated.push(doc_and(
                &format!("Task state `{}`: write it ({why}).", s.name),
                quote!(#signature;),
            ));
            self.handwritten.push((s.name.clone(), why));
            return;
        };
        if !self.services.contains(&found.service) {
            self.services.push(found.service);
        }
        let api = format_ident!("{}", found.api);
        let flavor = if found.sdk {
            quote!(#rt::Flavor::Sdk)
        } else {
            quote!(#rt::Flavor::Optimized)
        };
        self.integrated.push(doc_and(
            &format!(
                "Task state `{}`: calls `{}` through [`Integrated::services`] unless you \
                 write it.",
                s.name, t.resource.value
            ),
            quote! {
                #signature {
                    #rt::call_service(self.services(), &#spec, #rt::Api::#api, #flavor, input, ctx)
                }
            },
        ));
    }

    /// `<Task>Error`: the error names the Task's Retry and Catch handle (other than
    /// `States.*`), so a handler can return them by name.
    fn error_enum(&mut self, s: &State, t: &Task) {
        let public = self.public.clone();
        let mut names: Vec<&str> = Vec::new();
        for e in t
            .retry
            .iter()
            .flat_map(|r| &r.error_equals)
            .chain(t.catch.iter().flat_map(|c| &c.error_equals))
        {
            if !e.value.starts_with("States.") && !names.contains(&e.value.as_str()) {
                names.push(&e.value);
            }
        }
        if names.is_empty() {
            return;
        }
        let ty = format_ident!(
            "{}",
            self.type_names
                .unique(format!("{}Error", ident::type_name(&s.name)))
        );
        let mut variant_names = ident::Names::default();
        let variants: Vec<proc_macro2::Ident> = names
            .iter()
            .map(|n| format_ident!("{}", variant_names.unique(ident::type_name(n))))
            .collect();
        let docs: Vec<TokenStream> = names
            .iter()
            .map(|n| doc(&format!("`{n}`, with its cause.")))
            .collect();
        let lits: Vec<Literal> = names.iter().map(|n| lit_str(n)).collect();
        let doc = doc(&format!(
            "Errors the Retry and Catch of Task state `{}` handle; converts into `TaskError`.",
            s.name
        ));
        self.errors.push(quote! {
            #doc
            #[derive(Debug, Clone, PartialEq, Eq)]
            #[allow(dead_code)]
            pub enum #ty {
                #(#docs #variants(::std::string::String),)*
            }

            #[allow(dead_code)]
            impl #ty {
                /// The error name, as `ErrorEquals` spells it.
                pub fn name(&self) -> &'static str {
                    match self {
                        #(#ty::#variants(_) => #lits,)*
                    }
                }
            }

            impl ::std::convert::From<#ty> for #public::TaskError {
                fn from(e: #ty) -> Self {
                    let name = e.name();
                    match e {
                        #(#ty::#variants(cause))|* => #public::TaskError::new(name, cause),
                    }
                }
            }
        });
    }
}

/// What AWS would do for a Task `Resource`, for the handler method's doc (TASK-1, TASK-4,
/// TASK-5).
pub fn resource_description(resource: &str) -> String {
    use crate::validate::resource::{self, Pattern, ResourceKind, Verdict};
    // The name at the end of a function or activity ARN (a Lambda qualifier dropped).
    let name = |kind: &str| {
        let rest = resource
            .split_once(&format!(":{kind}:"))
            .map_or("", |(_, r)| r);
        rest.split(':').next().unwrap_or(rest).to_string()
    };
    let kind = match resource::check(resource) {
        Verdict::Ok(kind) | Verdict::Warn(kind, _) => kind,
        Verdict::Error(_) => ResourceKind::Other,
    };
    match kind {
        ResourceKind::LambdaFunction => format!(
            "On AWS this invokes the Lambda function `{}` with the effective input; \
             return what the function returns.",
            name("function")
        ),
        ResourceKind::Activity => activity_description(&name("activity")),
        ResourceKind::Integration { service, .. } if service == "activity" => {
            activity_description(&name("activity"))
        }
        ResourceKind::Integration {
            service,
            api,
            pattern,
        } => {
            let invoke = service == "lambda" && api == "invoke";
            let call = if service == "aws-sdk" {
                let (svc, act) = api.split_once(':').unwrap_or(("", &api));
                format!("calls the `{svc}` API action `{act}` through the AWS SDK integration")
            } else if invoke {
                "calls Lambda `Invoke` with the effective input as its parameters \
                 (`FunctionName`, `Payload`, …)"
                    .to_string()
            } else {
                format!("calls `{service}:{api}` (an optimized integration)")
            };
            match pattern {
                Pattern::WaitForTaskToken => format!(
                    "On AWS this {call}, then waits for `SendTaskSuccess`/`SendTaskFailure` with \
                     the task token (`TaskContext::task_token`); return the success output, or \
                     fail with the error that would be sent."
                ),
                Pattern::Sync | Pattern::Sync2 => format!(
                    "On AWS this {call} and waits for the job to finish; return the job's \
                     result, or fail with its error."
                ),
                Pattern::RequestResponse if invoke => format!(
                    "On AWS this {call}; return the response envelope (`Payload`, \
                     `StatusCode`, …), e.g. `asl_runtime::lambda::invoke_response(payload)`."
                ),
                Pattern::RequestResponse => format!("On AWS this {call}; return the API response."),
            }
        }
        ResourceKind::Other => "A resource of its own: return the task's result.".to_string(),
    }
}

/// `text` as doc comments on `item`.
fn doc_and(text: &str, item: TokenStream) -> TokenStream {
    let doc = doc(text);
    quote!(#doc #item)
}

fn activity_description(name: &str) -> String {
    format!(
        "On AWS an activity worker polls activity `{name}` (`GetActivityTask`) and answers \
         with `SendTaskSuccess`/`SendTaskFailure`; return the worker's output, call \
         `TaskContext::heartbeat` for its `SendTaskHeartbeat`s."
    )
}

#[cfg(test)]
mod resource_tests {
    use super::resource_description as d;

    #[test]
    fn says_what_aws_would_call() {
        assert!(
            d("arn:aws:lambda:us-east-1:1:function:charge").contains("Lambda function `charge`")
        );
        assert!(d("arn:aws:lambda:us-east-1:1:function:charge:live").contains("`charge`"));
        assert!(d("arn:aws:states:::lambda:invoke").contains("invoke_response"));
        assert!(d("arn:aws:states:::sqs:sendMessage.waitForTaskToken").contains("SendTaskSuccess"));
        assert!(d("arn:aws:states:::states:startExecution.sync:2").contains("waits for the job"));
        assert!(d("arn:aws:states:::aws-sdk:s3:getObject").contains("`s3` API action `getObject`"));
        assert!(d("arn:aws:states:us-east-1:1:activity:review").contains("activity `review`"));
        assert!(d("arn:aws:states:::dynamodb:putItem").contains("`dynamodb:putItem`"));
        assert!(d("my:custom").contains("of its own"));
        // One reading of a Resource for the docs and the runtime: the regional SDK form too.
        let regional = d("arn:aws:states:us-east-1:123456789012:aws-sdk:s3:getObject");
        assert!(
            regional.contains("`s3` API action `getObject`"),
            "{regional}"
        );
        assert!(d("arn:aws:states:::activity:review").contains("activity `review`"));
    }
}
