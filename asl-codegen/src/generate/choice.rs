//! Choice states: rules as Rust boolean expressions in an `if … else if … else` chain.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{Gen, lit_str};
use crate::model::*;
use crate::parse::Value as JValue;

impl Gen {
    /// A JSONPath Choice state: its rules, then the chosen transition.
    pub(super) fn choice(
        &mut self,
        s: &State,
        c: &Choice,
        variant_of: &dyn Fn(&str) -> TokenStream,
    ) -> TokenStream {
        let rt = self.rt.clone();
        let name = lit_str(&s.name);
        let io = self.io_static(&s.io, s.assign.as_ref());
        // A rule's Assign applies when it is chosen; the state's only on the Default
        // path (CHOICE-4).
        let chain = self.choice_chain(
            &s.name,
            c,
            variant_of,
            &|g, rule| rule.assign.as_ref().map(|a| g.assign_template(Some(a))),
            quote!(None),
            (quote!(#io.assign), s.assign.is_none()),
        );
        quote! {
            let __run = exec.enter(#rt::StateType::Choice, #name, &vars, &input);
            let __in = #rt::input_path(&__run, input, &#io.input_path).map_err(|f| __run.locate(f))?;
            let __roots = __run.roots(&__in);
            let (__next, __assign) = #chain;
            __run.assign(__assign, &__in).map_err(|f| __run.locate(f))?;
            let __out = #rt::select_owned(&__run, __in, &#io.output_path).map_err(|f| __run.locate(f))?;
            __run.commit(&mut vars);
        __run.exit(&__out);
            state = __next;
            input = __out;
        }
    }

    /// A Choice state's rules as an `if … else if … else` expression yielding
    /// `(next state, extra)`: `extra` is a rule's own fields (`rule_extra`, `no_extra` for a rule
    /// without any), or `default_extra` on the Default path (`default_is_plain`: the state adds
    /// no fields of its own there). Consecutive rules with the same
    /// `Next` and no fields of their own become one `||` (same order, same short-circuit), so
    /// no two branches are identical; rules that go where `Default` goes are still evaluated
    /// (a missing variable is an error) without a branch of their own.
    fn choice_chain(
        &mut self,
        name: &str,
        c: &Choice,
        variant_of: &dyn Fn(&str) -> TokenStream,
        rule_extra: &dyn Fn(&mut Self, &ChoiceRule) -> Option<TokenStream>,
        no_extra: TokenStream,
        (default_extra, default_is_plain): (TokenStream, bool),
    ) -> TokenStream {
        let rt = self.rt.clone();
        let name = lit_str(name);
        // A group: target state, the rule's own fields (rules with some are not merged),
        // conditions.
        type Group = (String, Option<TokenStream>, Vec<(TokenStream, bool)>);
        let mut groups: Vec<Group> = Vec::new();
        for rule in &c.choices {
            let target = rule
                .next
                .as_ref()
                .map(|n| n.value.clone())
                .unwrap_or_default();
            let cond = self.condition_parts(&rule.condition);
            let extra = rule_extra(self, rule);
            match groups.last_mut() {
                Some((t, None, conds)) if *t == target && extra.is_none() => conds.push(cond),
                _ => groups.push((target, extra, vec![cond])),
            }
        }
        let join = |conds: &[(TokenStream, bool)]| -> TokenStream {
            if conds.len() == 1 {
                conds[0].0.clone()
            } else {
                let parts = conds
                    .iter()
                    .map(|(c, compound)| if *compound { quote!((#c)) } else { c.clone() });
                quote!(#(#parts)||*)
            }
        };
        // Only when the Default path adds no fields of the state's own is a rule to the same
        // target the same as the Default path.
        let mut evaluate_only = None;
        if let (Some(d), Some((t, None, _))) = (&c.default, groups.last())
            && default_is_plain
            && *t == d.value
            && let Some((_, _, conds)) = groups.pop()
        {
            evaluate_only = Some(join(&conds));
        }
        let mut chain = TokenStream::new();
        for (i, (target, extra, conds)) in groups.iter().enumerate() {
            let next = variant_of(target);
            let extra = extra.clone().unwrap_or_else(|| no_extra.clone());
            let cond = join(conds);
            chain = if i == 0 {
                quote! { if #cond { (#next, #extra) } }
            } else {
                quote! { #chain else if #cond { (#next, #extra) } }
            };
        }
        let default = match &c.default {
            Some(d) => {
                let v = variant_of(&d.value);
                quote!((#v, #default_extra))
            }
            None => quote! {
                return Err(__run.locate(#rt::Failure::new(
                    #rt::names::NO_CHOICE_MATCHED,
                    format!("No Choice Rules matched, and no Default state was specified for state '{}'", #name),
                )))
            },
        };
        let default = match evaluate_only {
            Some(cond) => quote! {{
                let _: bool = #cond;
                #default
            }},
            None => default,
        };
        if groups.is_empty() {
            quote! { #default }
        } else {
            quote! { #chain else { #default } }
        }
    }

    /// A JSONata Choice state (CHOICE-35): rules are `Condition` expressions; the matching
    /// rule's (or the state's) `Assign` and `Output` apply.
    pub(super) fn choice_jsonata(
        &mut self,
        s: &State,
        c: &Choice,
        variant_of: &dyn Fn(&str) -> TokenStream,
    ) -> TokenStream {
        let rt = self.rt.clone();
        let name = lit_str(&s.name);
        let io = self.io_static(&s.io, s.assign.as_ref());
        // The chosen rule's Assign and Output apply; the state's only on the Default path
        // (CHOICE-35, CHOICE-36).
        let chain = self.choice_chain(
            &s.name,
            c,
            variant_of,
            &|g, rule| {
                (rule.assign.is_some() || rule.output.is_some()).then(|| {
                    let a = g.jassign(rule.assign.as_ref());
                    let o = g.jtemplate_opt(rule.output.as_ref());
                    quote!((#a, #o))
                })
            },
            quote!((None, None)),
            (
                quote!((#io.assign_jsonata, #io.output)),
                s.assign.is_none() && s.io.output.is_none(),
            ),
        );
        quote! {
            let __run = exec.enter(#rt::StateType::Choice, #name, &vars, &input);
            let __in = input;
            let (__next, (__assign, __output)) = #chain;
            let __out = #rt::pass_through(&__run, &__in, __assign, __output).map_err(|f| __run.locate(f))?;
            __run.commit(&mut vars);
            __run.exit(&__out);
            state = __next;
            input = __out;
        }
    }

    /// A Choice condition as a Rust boolean expression, without redundant parentheses:
    /// the expression, and whether it is a `&&`/`||` chain (needs parentheses to nest).
    fn condition_parts(&mut self, c: &Condition) -> (TokenStream, bool) {
        let rt = self.rt.clone();
        match c {
            Condition::And(cs) | Condition::Or(cs) => {
                let mut parts: Vec<(TokenStream, bool)> =
                    cs.iter().map(|c| self.condition_parts(c)).collect();
                // A lone operand stands as it is (generated once: each path it reads becomes
                // a static, and one generated twice would leave a copy unused).
                if parts.len() == 1
                    && let Some(only) = parts.pop()
                {
                    return only;
                }
                let parts: Vec<TokenStream> = parts
                    .into_iter()
                    .map(|(t, compound)| if compound { quote!((#t)) } else { t })
                    .collect();
                let t = if matches!(c, Condition::And(_)) {
                    quote!(#(#parts)&&*)
                } else {
                    quote!(#(#parts)||*)
                };
                (t, true)
            }
            Condition::Not(c) => {
                let (t, compound) = self.condition_parts(c);
                (if compound { quote!(!(#t)) } else { quote!(!#t) }, false)
            }
            // JSONata conditions (issue 5) are rejected before generation.
            Condition::Jsonata(JsonataValue::Expr(e)) => {
                let e = self.jexpr(e);
                (
                    quote!(#rt::condition(&__run, &__in, &#e).map_err(|f| __run.locate(f))?),
                    false,
                )
            }
            Condition::Jsonata(JsonataValue::Literal(j)) => {
                let b = matches!(j.value, JValue::Bool(true));
                (quote!(#b), false)
            }
            Condition::Jsonata(_) => (quote!(false), false),
            Condition::Compare(cmp) => {
                let var = self.path(&cmp.variable.value);
                let value =
                    quote!(&*#rt::choice::value(#var, &__roots).map_err(|f| __run.locate(f))?);
                let (kind, rel) = comparator_parts(cmp.op);
                let t = match (&cmp.operand, cmp.op) {
                    (Operand::Bool(b), Comparator::IsPresent) => {
                        if b.value {
                            quote!(#rt::choice::is_present(#var, &__roots))
                        } else {
                            quote!(!#rt::choice::is_present(#var, &__roots))
                        }
                    }
                    (Operand::Bool(b), op) if op.name().starts_with("Is") => {
                        let ty = lit_str(op.name());
                        if b.value {
                            quote!(#rt::choice::is_type(#value, #ty))
                        } else {
                            quote!(!#rt::choice::is_type(#value, #ty))
                        }
                    }
                    (Operand::Bool(b), _) => {
                        let b = b.value;
                        quote!(#rt::choice::boolean(#value, #b))
                    }
                    (Operand::String(s), Comparator::StringMatches) => {
                        let s = lit_str(&s.value);
                        quote!(#rt::choice::string_matches(#value, #s))
                    }
                    (Operand::String(s), op) if op.operand_kind() == OperandKind::Timestamp => {
                        let s = lit_str(&s.value);
                        quote!(#rt::choice::timestamp(#rt::choice::Relation::#rel, #value, #s))
                    }
                    (Operand::String(s), _) => {
                        let s = lit_str(&s.value);
                        quote!(#rt::choice::string(#rt::choice::Relation::#rel, #value, #s))
                    }
                    (Operand::Number(n), _) => {
                        let n = Self::f64_tokens(n.value);
                        quote!(#rt::choice::numeric(#rt::choice::Relation::#rel, #value, #n))
                    }
                    (Operand::Path(p), _) => {
                        let p = self.path(&p.value);
                        let operand = quote!(&*#rt::choice::value(#p, &__roots).map_err(|f| __run.locate(f))?);
                        quote!(#rt::choice::compare(#rt::choice::Kind::#kind, #rt::choice::Relation::#rel, #value, #operand))
                    }
                };
                (t, false)
            }
        }
    }
}

fn comparator_parts(op: Comparator) -> (proc_macro2::Ident, proc_macro2::Ident) {
    let name = op.name();
    let kind = match op.operand_kind() {
        OperandKind::String => "String",
        OperandKind::Number => "Numeric",
        OperandKind::Timestamp => "Timestamp",
        OperandKind::Boolean => "Boolean",
    };
    let rel = if name.ends_with("LessThanEquals") {
        "Le"
    } else if name.ends_with("GreaterThanEquals") {
        "Ge"
    } else if name.ends_with("LessThan") {
        "Lt"
    } else if name.ends_with("GreaterThan") {
        "Gt"
    } else {
        "Eq"
    };
    (format_ident!("{}", kind), format_ident!("{}", rel))
}
