//! Task states: `Resource` (and what Express machines may not call), timeouts and
//! heartbeats, `Credentials` (TASK-*, VAL-18, VAL-34).

use super::{ExprCtx, MAX_SECONDS, MachineType, Validator, jsonata, resource};
use crate::diagnostic::{Code, Pointer};
use crate::model::*;
use crate::parse::Json;

impl Validator<'_> {
    fn seconds(
        &mut self,
        j: &Json,
        ptr: &Pointer,
        ql: QueryLanguage,
        field: &str,
    ) -> Option<Seconds> {
        let obj = j.as_object().unwrap_or_default();
        let path_field = format!("{field}Path");
        self.exclusive(obj, field, &path_field, ptr);
        if let Some(v) = j.get(field) {
            let p = ptr.key(field);
            let r = self.jsonata_or(ql, v, &p, ExprCtx::default(), |s| {
                s.int(v, &p, field, 1, MAX_SECONDS as i64)
            })?;
            return Some(match r {
                Ok(n) => Seconds::Literal(Spanned::new(n, v.span)),
                Err(e) => Seconds::Expr(e),
            });
        }
        if ql == QueryLanguage::JsonPath
            && let Some(v) = j.get(&path_field)
        {
            return self
                .reference_path(v, &ptr.key(&path_field), &path_field)
                .map(Seconds::Path);
        }
        None
    }

    pub(super) fn task(
        &mut self,
        j: &Json,
        ptr: &Pointer,
        ql: QueryLanguage,
        name: &str,
    ) -> Option<Task> {
        let resource = match j.get("Resource") {
            None => {
                self.report(
                    Code::MissingField,
                    j.span,
                    ptr,
                    "a Task state needs `Resource`",
                );
                None
            }
            Some(r) => {
                let p = ptr.key("Resource");
                let s = self.spanned_string(r, &p, "Resource");
                if let Some(s) = &s {
                    self.resource(s, &p);
                }
                s
            }
        };
        let timeout = self.seconds(j, ptr, ql, "TimeoutSeconds");
        let heartbeat = self.seconds(j, ptr, ql, "HeartbeatSeconds");
        if let (Some(Seconds::Literal(t)), Some(Seconds::Literal(h))) = (&timeout, &heartbeat)
            && h.value >= t.value
        {
            let msg = format!(
                "`HeartbeatSeconds` ({}) must be smaller than `TimeoutSeconds` ({})",
                h.value, t.value
            );
            self.report(
                Code::HeartbeatNotBelowTimeout,
                h.span,
                &ptr.key("HeartbeatSeconds"),
                msg,
            );
        }
        let credentials = j.get("Credentials").and_then(|c| {
            let p = ptr.key("Credentials");
            if ql == QueryLanguage::Jsonata
                && let Some(s) = c.as_str()
                && jsonata::expression(s).is_some()
            {
                return Some(Payload::Jsonata(self.jsonata_value(
                    c,
                    &p,
                    ExprCtx::default(),
                )));
            }
            let obj = self.object(c, &p, "`Credentials`")?;
            if !obj
                .iter()
                .any(|m| m.key == "RoleArn" || m.key == "RoleArn.$")
            {
                self.help(
                    Code::MissingField,
                    c.span,
                    &p,
                    "`Credentials` needs `RoleArn`".to_string(),
                    "add `\"RoleArn\": \"arn:aws:iam::<account>:role/<name>\"`",
                );
            }
            Some(match ql {
                QueryLanguage::JsonPath => Payload::Template(self.template(c, &p)),
                QueryLanguage::Jsonata => {
                    Payload::Jsonata(self.jsonata_value(c, &p, ExprCtx::default()))
                }
            })
        });
        let retry = self.retry(j, ptr);
        let catch = self.catch(j, ptr, ql);
        let transition = self.transition(j, ptr, name);
        Some(Task {
            resource: resource?,
            timeout,
            heartbeat,
            credentials,
            retry,
            catch,
            transition,
        })
    }

    fn resource(&mut self, r: &Spanned<String>, ptr: &Pointer) {
        use resource::{Pattern, ResourceKind, Verdict};
        let kind = match resource::check(&r.value) {
            Verdict::Ok(k) => k,
            Verdict::Warn(k, msg) => {
                self.report(Code::ResourceNotAnArn, r.span, ptr, msg);
                k
            }
            Verdict::Error(msg) => {
                self.report(Code::InvalidResource, r.span, ptr, msg);
                return;
            }
        };
        if self.options.machine_type == MachineType::Express {
            let problem = match &kind {
                ResourceKind::Activity => {
                    Some("Express state machine does not support Activity ARN")
                }
                ResourceKind::Integration {
                    pattern: Pattern::Sync | Pattern::Sync2,
                    ..
                } => Some("Express state machine does not support '.sync' service integration"),
                ResourceKind::Integration {
                    pattern: Pattern::WaitForTaskToken,
                    ..
                } => Some(
                    "Express state machine does not support '.waitForTaskToken' service integration",
                ),
                _ => None,
            };
            if let Some(msg) = problem {
                self.help(
                    Code::NotSupportedInExpress,
                    r.span,
                    ptr,
                    msg.to_string(),
                    "use a Standard state machine, or the Request Response form of the integration",
                );
            }
        }
    }
}
