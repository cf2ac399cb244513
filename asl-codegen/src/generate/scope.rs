//! One scope (the top level, a Parallel branch, a Map processor): its `State` enum, its
//! runner's loop and `match`, and the transitions between its states.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use super::states::trivial_pass;
use super::{Gen, doc, ident, lit_str};
use crate::model::*;

impl Gen {
    /// Generates the enum and runner of one scope; returns the runner's name.
    pub(super) fn scope(
        &mut self,
        scope: &Scope,
        enum_name: &str,
        enum_doc: &str,
    ) -> proc_macro2::Ident {
        self.depth += 1;
        let enum_ident = format_ident!("{}", enum_name);
        let mut variant_names = ident::Names::default();
        let variants: Vec<(proc_macro2::Ident, &State)> = scope
            .states
            .iter()
            .map(|s| {
                (
                    format_ident!("{}", variant_names.unique(ident::type_name(&s.name))),
                    s,
                )
            })
            .collect();
        let variant_of = |name: &str| -> TokenStream {
            match variants.iter().find(|(_, s)| s.name == name) {
                Some((v, _)) => quote!(#enum_ident::#v),
                // Validation guarantees every target exists.
                None => quote!(compile_error!("unknown state")),
            }
        };
        let runner = format_ident!(
            "{}",
            self.runner_names
                .unique(format!("run_{}", ident::fn_name(enum_name)))
        );
        // Outer scopes first: `AnyState::named` finds a name where the definition has it.
        self.scopes.push((enum_ident.clone(), runner.clone()));
        let transitions = scope.states.iter().any(|s| {
            matches!(s.kind.transition(), Some(Transition::Next(_)))
                || matches!(s.kind, StateKind::Choice(_))
                || !s.kind.targets().is_empty()
        });
        let outer_tail = std::mem::replace(&mut self.tail, !transitions);
        let mut arms = Vec::new();
        let mut bodies = Vec::new();
        for (v, state) in &variants {
            let body = self.state(state, &variant_of);
            arms.push(quote! { #enum_ident::#v => { #body } });
            bodies.push(body);
        }
        self.tail = outer_tail;
        let docs: Vec<TokenStream> = variants
            .iter()
            .map(|(_, s)| doc(&format!("`{}`", s.name)))
            .collect();
        let names: Vec<Literal> = variants.iter().map(|(_, s)| lit_str(&s.name)).collect();
        let idents: Vec<&proc_macro2::Ident> = variants.iter().map(|(v, _)| v).collect();
        let start = variant_of(&scope.start_at.value);
        let uses_tasks = scope.states.iter().any(|s| {
            matches!(
                s.kind,
                StateKind::Task(_) | StateKind::Parallel(_) | StateKind::Map(_)
            )
        });
        // Every state but Fail commits its assignments (if any) to the scope's variables.
        let vars_name = if scope
            .states
            .iter()
            .any(|s| !matches!(s.kind, StateKind::Fail(_)) && !trivial_pass(s))
        {
            quote!(vars)
        } else if scope.states.iter().all(trivial_pass) {
            quote!(_vars)
        } else {
            quote!(vars)
        };
        let body = if transitions {
            // A scope starts where it is told (a durable execution resumes mid-way, a test
            // starts at the state it tests) and reports each transition before the state
            // runs when watched (a durable execution's top level commits it; a TestState
            // execution stops at it).
            quote! {
                let mut state = start;
                let mut input = input;
                loop {
                    if exec.watched() {
                        exec.checkpoint(state.name(), &input, &#vars_name).await?;
                    }
                    match state {
                        #(#arms)*
                    }
                }
            }
        } else {
            // No transitions: validation leaves a single state, whose body is the scope's.
            quote! { #(#bodies)* }
        };
        // Every state but Fail commits its assignments (if any) to the scope's variables.
        let vars_param = if scope
            .states
            .iter()
            .any(|s| !matches!(s.kind, StateKind::Fail(_)) && !trivial_pass(s))
        {
            quote!(mut vars)
        } else if scope.states.iter().all(trivial_pass) {
            quote!(_vars)
        } else {
            quote!(vars)
        };
        let tasks_param = if uses_tasks {
            quote!(tasks)
        } else {
            quote!(_tasks)
        };
        let start_param = if transitions {
            quote!(start: #enum_ident,)
        } else {
            quote!(_start: #enum_ident,)
        };
        let enum_doc = doc(enum_doc);
        let all_doc = doc("Every state, in definition order.");
        // Choice conditions keep the shape of the definition's rules, which need not be
        // minimal boolean expressions.
        let bool_allow = if scope
            .states
            .iter()
            .any(|s| matches!(s.kind, StateKind::Choice(_)))
        {
            quote!(#[allow(clippy::nonminimal_bool)])
        } else {
            quote!()
        };
        let rt = self.rt.clone();
        self.runners.push(quote! {
            #enum_doc
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
            // Variant names come from state names, which may well end in "State"; a program
            // need not use every state.
            #[allow(clippy::enum_variant_names, dead_code)]
            pub enum #enum_ident {
                #(#docs #idents,)*
            }

            #[allow(dead_code)]
            impl #enum_ident {
                #all_doc
                pub const ALL: &'static [#enum_ident] = &[#(#enum_ident::#idents),*];

                /// The state named by `StartAt`.
                pub const START: #enum_ident = #start;

                /// The state's name in the definition.
                pub const fn name(self) -> &'static str {
                    match self {
                        #(#enum_ident::#idents => #names,)*
                    }
                }
            }

            #bool_allow
            async fn #runner<T: Tasks>(
                #tasks_param: ::std::sync::Arc<T>,
                exec: ::std::sync::Arc<#rt::Exec>,
                #start_param
                input: #rt::Value,
                #vars_param: #rt::Vars,
            ) -> ::std::result::Result<#rt::Value, #rt::Failure> {
                                #body
            }
        });
        self.depth -= 1;
        runner
    }

    /// `state = X; input = out;` or `return Ok(out)`.
    pub(super) fn goto(
        &self,
        transition: Option<&Transition>,
        variant_of: &dyn Fn(&str) -> TokenStream,
    ) -> TokenStream {
        match transition {
            Some(Transition::Next(n)) => {
                let v = variant_of(&n.value);
                quote! { state = #v; input = __out; }
            }
            _ => self.finish(quote!(Ok(__out))),
        }
    }

    /// Ends the scope with `value`: `return value;` inside the loop, the tail expression of a
    /// one-state scope.
    pub(super) fn finish(&self, value: TokenStream) -> TokenStream {
        if self.tail {
            value
        } else {
            quote! { return #value; }
        }
    }

    pub(super) fn outcome(
        &self,
        transition: Option<&Transition>,
        catch: &[Catcher],
        variant_of: &dyn Fn(&str) -> TokenStream,
    ) -> TokenStream {
        let done = self.goto(transition, variant_of);
        if catch.is_empty() {
            return quote! {
                let __out = __result?.into_value();
                __run.commit(&mut vars);
                __run.exit(&__out);
                #done
            };
        }
        let n = catch.len();
        let targets: Vec<TokenStream> = catch
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let v = variant_of(&c.next.value);
                if i + 1 == n {
                    quote!(_ => #v,)
                } else {
                    quote!(#i => #v,)
                }
            })
            .collect();
        let caught = if n == 1 {
            let v = variant_of(&catch[0].next.value);
            quote! {
                __rt::Outcome::Caught(_, __out) => {
                    __run.commit(&mut vars);
                __run.exit(&__out);
                    state = #v;
                    input = __out;
                }
            }
        } else {
            quote! {
                __rt::Outcome::Caught(__i, __out) => {
                    __run.commit(&mut vars);
                __run.exit(&__out);
                    state = match __i { #(#targets)* };
                    input = __out;
                }
            }
        };
        quote! {
            match __result? {
                __rt::Outcome::Done(__out) => { __run.commit(&mut vars);
                __run.exit(&__out); #done }
                #caught
            }
        }
    }

    /// One state's arm of its scope's `match`: its events, its work, its transition.
    fn state(&mut self, s: &State, variant_of: &dyn Fn(&str) -> TokenStream) -> TokenStream {
        self.jsonata = s.query_language == QueryLanguage::Jsonata;
        match &s.kind {
            StateKind::Pass(p) if trivial_pass(s) => self.pass_through(s, p, variant_of),
            StateKind::Pass(p) => self.pass(s, p, variant_of),
            StateKind::Succeed => self.succeed(s),
            StateKind::Fail(f) => self.fail(s, f),
            StateKind::Wait(w) => self.wait(s, w, variant_of),
            StateKind::Choice(c) if self.jsonata => self.choice_jsonata(s, c, variant_of),
            StateKind::Choice(c) => self.choice(s, c, variant_of),
            StateKind::Task(t) => self.task(s, t, variant_of),
            StateKind::Parallel(p) => self.parallel(s, p, variant_of),
            StateKind::Map(m) => self.map(s, m, variant_of),
        }
    }
}
