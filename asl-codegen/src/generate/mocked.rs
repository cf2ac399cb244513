//! `Tasks` for mock test cases: `impl<T: Tasks> Tasks for Mocked<T>` (a test case answers the
//! states it mocks, `T` the others) and `impl Tasks for Unmocked` (what `Mocked::only` calls
//! for states the case does not mock: an error naming them). The runtime does the work
//! (`asl_runtime::testing`); each method here only names its state and types.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use super::{GenOptions, Handler, handler_methods};
use crate::model::StateMachine;

/// The two `impl Tasks` blocks for `machine`'s module.
pub(super) fn mocked_impls(machine: &StateMachine, options: &GenOptions) -> TokenStream {
    let public = &options.runtime;
    let mut mocked = Vec::new();
    let mut unmocked = Vec::new();
    // Typed outputs deserialize mocked values: bounds through `T`, checked only where
    // `Mocked` is used.
    let mut bounds = Vec::new();
    for h in handler_methods(machine) {
        match h {
            Handler::Task { state, method } => {
                let method = format_ident!("{}", method);
                let name = Literal::string(&state);
                let typed = options.task_types.iter().find(|(n, ..)| *n == state);
                let (in_ty, out_ty, decode, ty_name) = match typed {
                    Some((_, i, o)) => {
                        let ty_name = Literal::string(&o.to_string().replace(' ', ""));
                        bounds.push(quote!(__rt::MockWitness<T>: __rt::MockOutput<#o>));
                        (
                            i.clone(),
                            o.clone(),
                            quote!(<__rt::MockWitness<T> as __rt::MockOutput<#o>>::decode),
                            ty_name,
                        )
                    }
                    None => (
                        quote!(#public::Value),
                        quote!(#public::Value),
                        quote!(__rt::mock_value),
                        Literal::string("Value"),
                    ),
                };
                let signature = |input: TokenStream, ctx: TokenStream| {
                    quote! {
                        fn #method(
                            &self,
                            #input: #in_ty,
                            #ctx: #public::TaskContext,
                        ) -> impl ::std::future::Future<Output = ::std::result::Result<#out_ty, #public::TaskError>> + Send
                    }
                };
                let used = signature(quote!(input), quote!(ctx));
                let unused = signature(quote!(_input), quote!(_ctx));
                mocked.push(quote! {
                    #used {
                        __rt::mocked_task(self, #name, #ty_name, #decode, move |handlers| <T as Tasks>::#method(handlers, input, ctx))
                    }
                });
                unmocked.push(quote! {
                    #unused {
                        __rt::unmocked_task(self, #name)
                    }
                });
            }
            Handler::Read { state, method } => {
                let method = format_ident!("{}", method);
                let name = Literal::string(&state);
                let signature = |request: TokenStream| {
                    quote! {
                        fn #method(&self, #request: #public::items::ReadRequest) -> #public::items::ItemStream<'_>
                    }
                };
                let (used, unused) = (signature(quote!(request)), signature(quote!(_request)));
                mocked.push(quote! {
                    #used {
                        <T as Tasks>::#method(__rt::Mocked::handlers(self), request)
                    }
                });
                unmocked.push(quote! {
                    #unused {
                        __rt::unmocked_read(self, #name)
                    }
                });
            }
            Handler::Write { state, method } => {
                let method = format_ident!("{}", method);
                let name = Literal::string(&state);
                let signature = |object: TokenStream| {
                    quote! {
                        fn #method(&self, #object: #public::items::PutObject) -> #public::items::ObjectFuture<'_, ()>
                    }
                };
                let (used, unused) = (signature(quote!(object)), signature(quote!(_object)));
                mocked.push(quote! {
                    #used {
                        <T as Tasks>::#method(__rt::Mocked::handlers(self), object)
                    }
                });
                unmocked.push(quote! {
                    #unused {
                        __rt::unmocked_write(self, #name)
                    }
                });
            }
        }
    }
    let bounds = if bounds.is_empty() {
        TokenStream::new()
    } else {
        quote!(where #(#bounds),*)
    };
    quote! {
        /// Handlers behind a mock test case (`asl_runtime::testing::MockFile`): the Task
        /// states the case mocks answer from its mocked responses, the others call `T`.
        #[allow(clippy::wrong_self_convention)]
        impl<T: Tasks> Tasks for __rt::Mocked<T> #bounds {
            #(#mocked)*
        }

        /// `Mocked::only`'s handlers: a Task state the test case does not mock fails with
        /// `States.Runtime` naming it.
        #[allow(clippy::wrong_self_convention)]
        impl Tasks for __rt::Unmocked {
            #(#unmocked)*
        }
    }
}
