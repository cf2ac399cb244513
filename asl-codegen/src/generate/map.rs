//! Map states: the `MapSpec` static (items, selector, batcher, concurrency, tolerance) and
//! the item processor's runner.

use proc_macro2::TokenStream;
use quote::quote;

use super::{Gen, ident, lit_str};
use crate::model::*;

impl Gen {
    /// A Map state: its items, each through the processor's scope.
    pub(super) fn map(
        &mut self,
        s: &State,
        m: &Map,
        variant_of: &dyn Fn(&str) -> TokenStream,
    ) -> TokenStream {
        let rt = self.rt.clone();
        let name = lit_str(&s.name);
        let io = self.io_value(&s.io, s.assign.as_ref());
        let retry = self.retriers(&m.retry);
        let catch = self.catchers(&m.catch);
        let items_path = match &m.items_path {
            Some(p) => {
                let p = self.path_value(&p.value);
                quote!(Some(&#p))
            }
            None => quote!(None),
        };
        let selector = match &m.item_selector {
            Some(Payload::Template(t)) => {
                let v = self.template_value(t, "ItemSelector");
                quote!(Some(&#v))
            }
            _ => quote!(None),
        };
        let selector_jsonata = match &m.item_selector {
            Some(Payload::Jsonata(v)) => self.jtemplate_opt(Some(v)),
            _ => quote!(None),
        };
        let items = self.jtemplate_opt(m.items.as_ref());
        let distributed = m.mode == MapMode::Distributed;
        let child_express = distributed && m.execution_type == Some(ExecutionType::Express);
        let batcher = match &m.item_batcher {
            Some(b) => {
                let max_items = self.count_tokens(&b.max_items_per_batch);
                let max_bytes = self.count_tokens(&b.max_input_bytes_per_batch);
                let batch_input = match &b.batch_input {
                    Some(Payload::Template(t)) => {
                        let v = self.template_value(t, "BatchInput");
                        quote!(Some(#rt::BatchInput::Template(&#v)))
                    }
                    Some(Payload::Jsonata(v)) => {
                        let v = self.jtemplate(v);
                        quote!(Some(#rt::BatchInput::Jsonata(&#v)))
                    }
                    None => quote!(None),
                };
                quote!(Some(&#rt::Batcher {
                    max_items: #max_items,
                    max_bytes: #max_bytes,
                    batch_input: #batch_input,
                }))
            }
            None => quote!(None),
        };
        let label = match &m.label {
            Some(l) => {
                let l = l.value.as_str();
                quote!(Some(#l))
            }
            None => quote!(None),
        };
        let max = self.count_tokens(&m.max_concurrency);
        let tfc = self.count_tokens(&m.tolerated_failure_count);
        let tfp = self.count_tokens(&m.tolerated_failure_percentage);
        let (reader, writer, item_io) = self.item_io(s, m);
        let spec = self.add_static(
            "MAP",
            quote!(#rt::MapSpec),
            quote!(#rt::MapSpec {
                io: #io,
                items_path: #items_path,
                item_selector: #selector,
                items: #items,
                item_selector_jsonata: #selector_jsonata,
                batcher: #batcher,
                max_concurrency: #max,
                tolerated_failure_count: #tfc,
                tolerated_failure_percentage: #tfp,
                retry: #retry,
                catch: #catch,
                distributed: #distributed,
                child_express: #child_express,
                label: #label,
                reader: #reader,
                writer: #writer,
            }),
        );
        let owner = ident::type_name(&s.name);
        let enum_name = self.type_names.unique(format!("{owner}ItemState"));
        // A top-level Distributed Map's processor with STANDARD children runs them as stored
        // child executions on a durable engine: resumable from any state, each transition
        // committed (MAP-17).
        let resumable =
            distributed && self.depth == 1 && m.execution_type != Some(ExecutionType::Express);
        let runner = self.scope(
            &m.processor,
            &enum_name,
            &format!(
                "The states of the item processor of Map state `{}`.",
                s.name
            ),
        );
        let enum_ident = quote::format_ident!("{}", enum_name);
        let start = quote!(#enum_ident::START,);
        if resumable {
            self.child_scopes
                .push((s.name.clone(), enum_ident.clone(), runner.clone()));
        }
        let outcome = self.outcome(m.transition.as_ref(), &m.catch, variant_of);
        // A Distributed Map's iterations cannot read outer variables (VAR-9).
        let vars = if distributed {
            quote!(#rt::Vars::default())
        } else {
            quote!(::std::sync::Arc::clone(&vars))
        };
        quote! {
            let mut __run = exec.enter(#rt::StateType::Map, #name, &vars, &input);
            let __tasks = ::std::sync::Arc::clone(&tasks);
            let __vars = #vars;
            let __result = #rt::map(&mut __run, input, &#spec, #item_io, move |_, __input, __exec| -> #rt::BoxFuture<'static, ::std::result::Result<#rt::Value, #rt::Failure>> {
                Box::pin(#runner(::std::sync::Arc::clone(&__tasks), __exec, #start __input, ::std::sync::Arc::clone(&__vars)))
            }).await;
            #outcome
        }
    }
}

impl Gen {
    /// A number given literally, by a path or by a JSONata expression (`MaxConcurrency`,
    /// tolerances, batch and reader limits).
    pub(super) fn count_tokens(&mut self, c: &Option<Count>) -> TokenStream {
        let rt = self.rt.clone();
        match c {
            Some(Count::Literal(n)) => {
                let n = Self::f64_tokens(n.value);
                quote!(#rt::Count::Literal(#n))
            }
            Some(Count::Path(p)) => {
                let p = self.path_value(&p.value);
                quote!(#rt::Count::Path(&#p))
            }
            Some(Count::Expr(e)) => {
                let e = self.jexpr(e);
                quote!(#rt::Count::Expr(&#e))
            }
            None => quote!(#rt::Count::Default),
        }
    }
}
