//! A state's `Io` (paths, templates, Assign, JSONata fields), `Retry` and `Catch` as
//! `asl-runtime` constants.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{Gen, lit_str};
use crate::model::*;

impl Gen {
    pub(super) fn io_value(&mut self, io: &Io, assign: Option<&Assign>) -> TokenStream {
        let rt = self.rt.clone();
        let jsonata = self.jsonata;
        let arguments = self.jtemplate_opt(io.arguments.as_ref());
        let output = self.jtemplate_opt(io.output.as_ref());
        let (assign, assign_jsonata) = if jsonata {
            (quote!(None), self.jassign(assign))
        } else {
            (self.assign_template(assign), quote!(None))
        };
        let input_path = self.path_field(&io.input_path);
        let output_path = self.path_field(&io.output_path);
        let result_path = self.path_field(&io.result_path);
        let parameters = match &io.parameters {
            Some(t) => {
                let v = self.template_value(t, "Parameters");
                quote!(Some(&#v))
            }
            None => quote!(None),
        };
        let result_selector = match &io.result_selector {
            Some(t) => {
                let v = self.template_value(t, "ResultSelector");
                quote!(Some(&#v))
            }
            None => quote!(None),
        };
        // Only fields that differ from `Io::DEFAULT` are written, to keep the code readable.
        let none = quote!(None).to_string();
        let default_path = quote!(#rt::PathField::Default).to_string();
        let mut fields = Vec::new();
        for (name, value, default) in [
            ("input_path", input_path, &default_path),
            ("parameters", parameters, &none),
            ("result_selector", result_selector, &none),
            ("result_path", result_path, &default_path),
            ("output_path", output_path, &default_path),
            ("assign", assign, &none),
            ("arguments", arguments, &none),
            ("output", output, &none),
            ("assign_jsonata", assign_jsonata, &none),
        ] {
            if value.to_string() != *default {
                let name = format_ident!("{}", name);
                fields.push(quote!(#name: #value,));
            }
        }
        if jsonata {
            fields.push(quote!(jsonata: true,));
        }
        quote!(#rt::Io {
            #(#fields)*
            ..#rt::Io::DEFAULT
        })
    }

    pub(super) fn io(&mut self, io: &Io, assign: Option<&Assign>) -> TokenStream {
        let name = self.io_static(io, assign);
        quote!(&#name)
    }

    pub(super) fn io_static(&mut self, io: &Io, assign: Option<&Assign>) -> proc_macro2::Ident {
        let rt = self.rt.clone();
        let v = self.io_value(io, assign);
        self.add_static("IO", quote!(#rt::Io), v)
    }

    pub(super) fn retriers(&self, retry: &[Retrier]) -> TokenStream {
        let rt = &self.rt;
        let items = retry.iter().map(|r| {
            let errors = r.error_equals.iter().map(|e| lit_str(&e.value));
            let (i, m) = (r.interval_seconds, r.max_attempts);
            let b = Self::f64_tokens(r.backoff_rate);
            let d = match r.max_delay_seconds {
                Some(d) => quote!(Some(#d)),
                None => quote!(None),
            };
            let j = r.jitter == Jitter::Full;
            quote!(#rt::Retrier {
                error_equals: &[#(#errors),*],
                interval_seconds: #i,
                max_attempts: #m,
                backoff_rate: #b,
                max_delay_seconds: #d,
                full_jitter: #j,
            })
        });
        quote!(&[#(#items),*])
    }

    pub(super) fn catchers(&mut self, catch: &[Catcher]) -> TokenStream {
        let rt = self.rt.clone();
        let items: Vec<TokenStream> = catch
            .iter()
            .map(|c| {
                let errors = c.error_equals.iter().map(|e| lit_str(&e.value));
                let rp = self.path_field(&c.result_path);
                let jsonata = self.jsonata;
                let (assign, assign_jsonata) = if jsonata {
                    (quote!(None), self.jassign(c.assign.as_ref()))
                } else {
                    (self.assign_template(c.assign.as_ref()), quote!(None))
                };
                let output = self.jtemplate_opt(c.output.as_ref());
                quote!(#rt::Catcher {
                    error_equals: &[#(#errors),*],
                    result_path: #rp,
                    assign: #assign,
                    jsonata: #jsonata,
                    output: #output,
                    assign_jsonata: #assign_jsonata,
                })
            })
            .collect();
        quote!(&[#(#items),*])
    }
}
