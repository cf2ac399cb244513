//! The `asl!` procedural macro of asl-rs. Use it through `asl-runtime`, which re-exports it as
//! `asl_runtime::asl!` and tells it where the runtime lives.
//!
//! ```text
//! asl_runtime::asl!(pub mod order from "workflows/order.asl.json");
//! asl_runtime::asl!(pub mod hello { "StartAt": "Hi", "States": { "Hi": { "Type": "Pass", "End": true } } });
//! ```
//!
//! The definition is parsed and validated at compile time with `asl-codegen`; every problem
//! becomes a compile error. For a file, the error sits on the path literal and its text starts
//! with `file:line:column` (a span cannot point into another file); for inline JSON, each error
//! sits on the token it is about. The macro re-runs when the file changes (it emits an
//! `include_str!` of it).
//!
//! Typed handlers bind a Task's input and output to serde types; the trait method then takes
//! and returns them (types resolve inside the generated module: use `super::` or `crate::`):
//!
//! ```text
//! asl_runtime::asl!(pub mod order from "workflows/order.asl.json" where {
//!     "Charge card": super::ChargeRequest -> super::Receipt,
//! });
//! ```
//!
//! Inline JSON is written as Rust tokens, so Rust's lexer applies: string escapes JSON allows
//! but Rust does not (`\/`, `\u00e9`) cannot be written inline; use the file form for those.
//!
//! A valid definition expands to the module `asl_codegen::compile` produces (the same as the
//! `build.rs` builder and `asl generate`): the `Tasks` trait, the `State` enums, the
//! `Workflow` (see the `asl-runtime` crate docs). What code generation does not support yet
//! (a Distributed Map's ItemReader or ResultWriter) is a compile error saying so.

#![warn(clippy::unwrap_used, clippy::expect_used)]

mod tokens;

use std::path::PathBuf;

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::quote;
use syn::parse::{Parse, ParseStream};
use syn::{Ident, LitStr, Token, Visibility};

use asl_codegen::{CompileError, CompileOptions, Source, TaskType};

/// The input: `[@runtime = <path>;] <attrs> <vis> mod <name> (from "<file>" | { <json> })`.
struct Input {
    runtime: TokenStream,
    /// Outer attributes of the module (`/// docs`, `#[allow(…)]`, `#[cfg(…)]`).
    attrs: Vec<syn::Attribute>,
    vis: Visibility,
    name: Ident,
    body: Body,
    typed: Vec<(LitStr, syn::Type, syn::Type)>,
}

enum Body {
    File(LitStr),
    Inline(TokenStream, Span),
}

impl Parse for Input {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut runtime = quote!(::asl_runtime);
        if input.peek(Token![@]) {
            // `@runtime = $crate;` from asl-runtime's shim: the runtime path, taken as a token
            // tree so a renamed dependency still works.
            input.parse::<Token![@]>()?;
            let kw: Ident = input.parse()?;
            if kw != "runtime" {
                return Err(syn::Error::new(kw.span(), "expected `@runtime = <path>;`"));
            }
            input.parse::<Token![=]>()?;
            let rt: TokenTree = input.parse()?;
            runtime = rt.into();
            input.parse::<Token![;]>()?;
        }
        let attrs = input.call(syn::Attribute::parse_outer)?;
        let vis: Visibility = input.parse()?;
        input.parse::<Token![mod]>()?;
        let name: Ident = input.parse()?;
        let body = if input.peek(syn::token::Brace) {
            // The macro's braces are the JSON object's braces: keep the group whole so its
            // opening and closing spans stay exact.
            let group: TokenTree = input.parse()?;
            let span = group.span();
            Body::Inline(group.into(), span)
        } else {
            let from: Ident = input.parse()?;
            if from != "from" {
                return Err(syn::Error::new(
                    from.span(),
                    "expected `from \"path/to/definition.asl.json\"` or an inline `{ … }` definition",
                ));
            }
            Body::File(input.parse()?)
        };
        let mut typed = Vec::new();
        if input.peek(Token![where]) {
            input.parse::<Token![where]>()?;
            let content;
            syn::braced!(content in input);
            while !content.is_empty() {
                let state: LitStr = content.parse()?;
                content.parse::<Token![:]>()?;
                let in_ty: syn::Type = content.parse()?;
                content.parse::<Token![->]>()?;
                let out_ty: syn::Type = content.parse()?;
                typed.push((state, in_ty, out_ty));
                if content.is_empty() {
                    break;
                }
                content.parse::<Token![,]>()?;
            }
        }
        Ok(Input {
            runtime,
            attrs,
            vis,
            name,
            body,
            typed,
        })
    }
}

/// Implementation of `asl_runtime::asl!`; not meant to be called directly.
#[proc_macro]
pub fn asl_impl(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    let input = syn::parse_macro_input!(input as Input);
    match expand(input) {
        Ok(ts) => ts.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

fn expand(input: Input) -> syn::Result<TokenStream> {
    let Input {
        runtime,
        attrs,
        vis,
        name,
        body,
        typed,
    } = input;
    let options = CompileOptions {
        runtime,
        task_types: typed
            .iter()
            .map(|(s, i, o)| TaskType {
                state: s.value(),
                input: quote!(#i),
                output: quote!(#o),
            })
            .collect(),
        ..CompileOptions::new(name.to_string())
    };
    // Where errors go: for a file, on the path literal with `file:line:col` in the text (a
    // span cannot point into another file); inline, on the token each error is about.
    let (source, tracking, span, map) = match &body {
        Body::File(lit) => {
            let path = resolve(&lit.value());
            let text = std::fs::read_to_string(&path).map_err(|e| {
                syn::Error::new(
                    lit.span(),
                    format!("cannot read the ASL definition `{}`: {e}", path.display()),
                )
            })?;
            let abs = path.to_string_lossy().into_owned();
            (
                Source::new(lit.value(), text),
                quote! { const _: &str = include_str!(#abs); },
                lit.span(),
                None,
            )
        }
        Body::Inline(tokens, whole) => {
            let (text, map) = tokens::to_json(tokens.clone())?;
            (
                Source::new("inline definition", text),
                quote! {},
                *whole,
                Some(map),
            )
        }
    };
    let items = match asl_codegen::compile(source, &options) {
        Ok(compiled) => compiled.items,
        Err(CompileError::Invalid(report)) => {
            let located = match &map {
                None => errors_at(&report, true, |_| span),
                Some(map) => errors_at(&report, false, |offset| map.span_at(offset, span)),
            };
            return Err(located
                .unwrap_or_else(|| syn::Error::new(span, "the definition could not be read")));
        }
        Err(CompileError::NotATask(state)) => {
            let at = typed
                .iter()
                .find(|(s, ..)| s.value() == state)
                .map_or(span, |(lit, ..)| lit.span());
            return Err(syn::Error::new(
                at,
                format!("`{state}` is not a Task state of this definition"),
            ));
        }
        Err(e @ CompileError::Unsupported(_)) => return Err(syn::Error::new(span, e.to_string())),
    };
    Ok(quote! {
        #(#attrs)*
        #vis mod #name {
            #tracking
            #items
        }
    })
}

/// Paths are relative to the crate being compiled.
fn resolve(path: &str) -> PathBuf {
    let p = PathBuf::from(path);
    if p.is_absolute() {
        return p;
    }
    match std::env::var_os("CARGO_MANIFEST_DIR") {
        Some(dir) => PathBuf::from(dir).join(p),
        None => p,
    }
}

/// One combined error with every problem of the report, each at the span `locate` gives.
fn errors_at(
    report: &asl_codegen::Report,
    with_position: bool,
    locate: impl Fn(usize) -> Span,
) -> Option<syn::Error> {
    let mut combined: Option<syn::Error> = None;
    for d in report.errors() {
        // A file: `file:line:col: CODE: message (at pointer)`. Inline, the span already
        // points at the token, so a position in the rendered text would be noise.
        let mut msg = format!("{}: {} (at {})", d.code.id(), d.message, d.pointer);
        if with_position {
            let (line, col) = report.source.line_col(d.span.start);
            msg = format!("{}:{line}:{col}: {msg}", report.source.name());
        }
        if let Some(help) = &d.help {
            msg.push_str("\n  help: ");
            msg.push_str(help);
        }
        let err = syn::Error::new(locate(d.span.start), msg);
        match &mut combined {
            Some(c) => c.combine(err),
            None => combined = Some(err),
        }
    }
    combined
}
