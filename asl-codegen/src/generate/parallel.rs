//! Parallel states: the `ParallelSpec` static and a runner per branch.

use proc_macro2::TokenStream;
use quote::quote;

use super::{Gen, ident, lit_str};
use crate::model::*;

impl Gen {
    /// A Parallel state: its branches run concurrently, each through its own scope.
    pub(super) fn parallel(
        &mut self,
        s: &State,
        p: &Parallel,
        variant_of: &dyn Fn(&str) -> TokenStream,
    ) -> TokenStream {
        let rt = self.rt.clone();
        let name = lit_str(&s.name);
        let io = self.io_value(&s.io, s.assign.as_ref());
        let retry = self.retriers(&p.retry);
        let catch = self.catchers(&p.catch);
        let spec = self.add_static(
            "PARALLEL",
            quote!(#rt::ParallelSpec),
            quote!(#rt::ParallelSpec { io: #io, retry: #retry, catch: #catch }),
        );
        let owner = ident::type_name(&s.name);
        let mut arms = Vec::new();
        let mut runners = Vec::new();
        let mut starts = Vec::new();
        let n = p.branches.len();
        for (i, b) in p.branches.iter().enumerate() {
            let enum_name = self.type_names.unique(format!("{owner}Branch{i}State"));
            let runner = self.scope(
                b,
                &enum_name,
                &format!("The states of branch {i} of Parallel state `{}`.", s.name),
            );
            let enum_ident = quote::format_ident!("{}", enum_name);
            starts.push(quote!(#enum_ident::START));
            runners.push(runner.clone());
            let pat = if i + 1 == n { quote!(_) } else { quote!(#i) };
            let start = &starts[i];
            arms.push(quote! {
                #pat => Box::pin(#runner(::std::sync::Arc::clone(&__tasks), __exec, #start, __input, ::std::sync::Arc::clone(&__vars))),
            });
        }
        let outcome = self.outcome(p.transition.as_ref(), &p.catch, variant_of);
        let dispatch = if n == 1 {
            let runner = &runners[0];
            let start = &starts[0];
            quote!(Box::pin(#runner(::std::sync::Arc::clone(&__tasks), __exec, #start, __input, ::std::sync::Arc::clone(&__vars))))
        } else {
            quote!(match __i { #(#arms)* })
        };
        let index = if n == 1 { quote!(_) } else { quote!(__i) };
        quote! {
            let mut __run = exec.enter(#rt::StateType::Parallel, #name, &vars, &input);
            let __tasks = ::std::sync::Arc::clone(&tasks);
            let __vars = ::std::sync::Arc::clone(&vars);
            let __result = #rt::parallel(&mut __run, input, &#spec, #n, move |#index, __input, __exec| -> #rt::BoxFuture<'static, ::std::result::Result<#rt::Value, #rt::Failure>> {
                #dispatch
            }).await;
            #outcome
        }
    }
}
