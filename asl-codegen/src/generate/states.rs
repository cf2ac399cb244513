//! The states that hold no other: Pass, Succeed, Fail and Wait.

use proc_macro2::TokenStream;
use quote::quote;

use super::{Gen, lit_str};
use crate::model::*;

impl Gen {
    /// A Pass state that changes nothing ([`trivial_pass`]).
    pub(super) fn pass_through(
        &mut self,
        s: &State,
        p: &Pass,
        variant_of: &dyn Fn(&str) -> TokenStream,
    ) -> TokenStream {
        let name = lit_str(&s.name);
        // A Pass that changes nothing: its input is its output, it cannot fail, so it
        // only records its events and moves on.
        let goto = self.goto(p.transition.as_ref(), variant_of);
        let jsonata = self.jsonata;
        quote! {
            exec.pass_through(#name, &input, #jsonata);
            let __out = input;
            #goto
        }
    }

    /// A Pass state: its Result and I/O, then its transition.
    pub(super) fn pass(
        &mut self,
        s: &State,
        p: &Pass,
        variant_of: &dyn Fn(&str) -> TokenStream,
    ) -> TokenStream {
        let rt = self.rt.clone();
        let name = lit_str(&s.name);
        let io = self.io(&s.io, s.assign.as_ref());
        let result = match &p.result {
            Some(j) => {
                let l = self.lit(j);
                let r = self.add_static(
                    "RESULT",
                    quote!(::std::sync::LazyLock<#rt::Value>),
                    quote!(::std::sync::LazyLock::new(|| #l.to_value())),
                );
                quote!(Some(&*#r))
            }
            None => quote!(None),
        };
        let goto = self.goto(p.transition.as_ref(), variant_of);
        quote! {
            let __run = exec.enter(#rt::StateType::Pass, #name, &vars, &input);
            let __out = #rt::pass(&__run, input, #io, #result).map_err(|f| __run.locate(f))?;
            __run.commit(&mut vars);
        __run.exit(&__out);
            #goto
        }
    }

    /// A Succeed state: ends its scope with its (filtered) input.
    pub(super) fn succeed(&mut self, s: &State) -> TokenStream {
        let rt = self.rt.clone();
        let name = lit_str(&s.name);
        let io = self.io_static(&s.io, s.assign.as_ref());
        let finish = self.finish(quote!(Ok(__out)));
        if self.jsonata {
            return quote! {
                let __run = exec.enter(#rt::StateType::Succeed, #name, &vars, &input);
                let __out = #rt::pass_through(&__run, &input, #io.assign_jsonata, #io.output).map_err(|f| __run.locate(f))?;
                __run.commit(&mut vars);
                __run.exit(&__out);
                #finish
            };
        }
        quote! {
            let __run = exec.enter(#rt::StateType::Succeed, #name, &vars, &input);
            let __in = #rt::input_path(&__run, input, &#io.input_path).map_err(|f| __run.locate(f))?;
            let __out = #rt::select_owned(&__run, __in, &#io.output_path).map_err(|f| __run.locate(f))?;
            __run.commit(&mut vars);
        __run.exit(&__out);
            #finish
        }
    }

    /// A Fail state: ends its scope with its Error and Cause.
    pub(super) fn fail(&mut self, s: &State, f: &Fail) -> TokenStream {
        let rt = self.rt.clone();
        let name = lit_str(&s.name);
        let text = |g: &mut Self, t: &Option<FailText>, field: &str| -> TokenStream {
            let rt = g.rt.clone();
            match t {
                None => quote!(None),
                Some(FailText::Literal(l)) => {
                    let l = lit_str(&l.value);
                    quote!(Some(#rt::FailText::Literal(#l)))
                }
                Some(FailText::Path(p)) => {
                    let p = g.path_value(&p.value);
                    let field = lit_str(field);
                    quote!(Some(#rt::FailText::Path(&#p, #field)))
                }
                Some(FailText::Intrinsic(c)) => {
                    let c = g.call_value(&c.value);
                    let field = lit_str(field);
                    quote!(Some(#rt::FailText::Call(&#c, #field)))
                }
                Some(FailText::Expr(e)) => {
                    let e = g.jexpr(e);
                    let field = lit_str(field.trim_end_matches("Path"));
                    quote!(Some(#rt::FailText::Expr(&#e, #field)))
                }
            }
        };
        let error = text(self, &f.error, "ErrorPath");
        let cause = text(self, &f.cause, "CausePath");
        let jsonata = self.jsonata;
        let finish = self.finish(quote!(Err(#rt::fail(&__run, &input, #jsonata, #error, #cause))));
        quote! {
            let __run = exec.enter(#rt::StateType::Fail, #name, &vars, &input);
            #finish
        }
    }

    /// A Wait state: waits for its seconds or timestamp, then its transition.
    pub(super) fn wait(
        &mut self,
        s: &State,
        w: &Wait,
        variant_of: &dyn Fn(&str) -> TokenStream,
    ) -> TokenStream {
        let rt = self.rt.clone();
        let name = lit_str(&s.name);
        let io = self.io(&s.io, s.assign.as_ref());
        let until = match &w.until {
            Some(WaitFor::Seconds(n)) => {
                let n = n.value;
                quote!(#rt::WaitFor::Seconds(#n))
            }
            Some(WaitFor::SecondsPath(p)) => {
                let p = self.path(&p.value);
                quote!(#rt::WaitFor::SecondsPath(#p))
            }
            Some(WaitFor::Timestamp(t)) => {
                let t = lit_str(&t.value);
                quote!(#rt::WaitFor::Timestamp(#t))
            }
            Some(WaitFor::TimestampPath(p)) => {
                let p = self.path(&p.value);
                quote!(#rt::WaitFor::TimestampPath(#p))
            }
            Some(WaitFor::SecondsExpr(e)) => {
                let e = self.jexpr(e);
                quote!(#rt::WaitFor::SecondsExpr(&#e))
            }
            Some(WaitFor::TimestampExpr(e)) => {
                let e = self.jexpr(e);
                quote!(#rt::WaitFor::TimestampExpr(&#e))
            }
            None => quote!(#rt::WaitFor::Seconds(0)),
        };
        let goto = self.goto(w.transition.as_ref(), variant_of);
        quote! {
            let __run = exec.enter(#rt::StateType::Wait, #name, &vars, &input);
            let __out = #rt::wait(&__run, input, #io, #until).await.map_err(|f| __run.locate(f))?;
            __run.commit(&mut vars);
        __run.exit(&__out);
            #goto
        }
    }
}

/// A Pass state that changes nothing (no Result, paths, templates or Assign): generated as
/// its events and a transition.
pub(super) fn trivial_pass(s: &State) -> bool {
    matches!(&s.kind, StateKind::Pass(p) if p.result.is_none())
        && s.assign.is_none()
        && s.io == Io::default()
}
