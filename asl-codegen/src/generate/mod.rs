//! Code generation: a validated [`StateMachine`] → a Rust module (as tokens).
//!
//! The module holds, for the top level and for every Parallel branch and Map processor, an
//! enum of its states and an `async fn` whose loop `match`es on it: one arm per state, Choice
//! rules as Rust boolean expressions, transitions as assignments to the next variant. Paths,
//! templates, intrinsic calls and literals become `static` data of `asl-runtime` types, so the
//! definition's JSON is never parsed at run time. Task states become methods of the `Tasks`
//! trait the user implements.
//!
//! Layout: this module holds the entry point and the module skeleton (`Tasks`, `Workflow`,
//! `Machine`); `scope` the per-scope enums and runners; one module per state family
//! (`states`, `choice`, `task`, `parallel`, `map`); `data` and `io` the `static` data those
//! states read.

mod choice;
mod data;
mod graph;
pub mod ident;
mod integration;
mod io;
mod items;
pub mod jsonata;
mod map;
mod mocked;
mod parallel;
mod resource;
mod scope;
mod states;
mod task;

pub use task::resource_description;

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use crate::model::*;

/// The version of `asl-runtime`'s `__codegen` ABI that generated code calls.
pub const ABI_VERSION: u32 = 9;

/// Options for one generated module.
#[derive(Debug, Clone)]
pub struct GenOptions {
    /// The path generated code uses for the runtime crate (`::asl_runtime`, or `$crate` from
    /// the macro).
    pub runtime: TokenStream,
    /// The module's name (the state machine's default name in the context object).
    pub name: String,
    /// Typed handlers: Task state name → (input type, output type). Types are resolved inside
    /// the generated module (write `super::T` or `crate::path::T`).
    pub task_types: Vec<(String, TokenStream, TokenStream)>,
    /// The definition's text, carried by the module as `DEFINITION` (what
    /// `DescribeStateMachine` reports).
    pub definition: String,
}

impl Default for GenOptions {
    fn default() -> Self {
        GenOptions {
            runtime: quote!(::asl_runtime),
            name: "workflow".into(),
            task_types: Vec::new(),
            definition: String::new(),
        }
    }
}

/// Generates the items of the module for `machine` (without the `mod` wrapper).
pub fn generate(machine: &StateMachine, options: &GenOptions) -> TokenStream {
    let mut g = Gen {
        rt: quote!(__rt),
        public: options.runtime.clone(),
        statics: Vec::new(),
        runners: Vec::new(),
        counter: 0,
        methods: Vec::new(),
        method_names: ident::Names::default(),
        type_names: ident::Names::default(),
        tail: false,
        task_types: options.task_types.clone(),
        errors: Vec::new(),
        runner_names: ident::Names::default(),
        jsonata: false,
        integrated: Vec::new(),
        delegates: Vec::new(),
        services: Vec::new(),
        handwritten: Vec::new(),
        objects: false,
        depth: 0,
        child_scopes: Vec::new(),
        scopes: Vec::new(),
    };
    g.type_names
        .reserve(&["State", "Tasks", "Workflow", "Integrated", "AnyState"]);
    g.method_names.reserve(RESERVED_METHODS);
    let top = g.scope(
        &machine.states,
        "State",
        "The states of this state machine's top level.",
    );
    let any_state = g.any_state();
    let methods = &g.methods;
    let statics = &g.statics;
    let runners = &g.runners;
    let errors = &g.errors;
    let name = Literal::string(&options.name);
    let run_top = top;
    let timeout = match machine.timeout_seconds {
        Some(s) => quote!(Some(#s)),
        None => quote!(None),
    };
    let runtime = &options.runtime;
    // `$$.Execution.Input` and `ExecutionStarted`: a copy of the input, when either is read.
    let kept = if reads_context(machine) {
        quote!(Some(::std::sync::Arc::new(input.clone())))
    } else {
        quote!(record.then(|| ::std::sync::Arc::new(input.clone())))
    };
    let generator = Literal::string(concat!("asl-codegen ", env!("CARGO_PKG_VERSION")));
    let abi = Literal::u32_suffixed(ABI_VERSION);
    let abi_module = format_ident!("v{}", ABI_VERSION);
    let integrated = g.integrated_trait();
    let mocked = mocked::mocked_impls(machine, options);
    let child_names: Vec<Literal> = g.child_scopes.iter().map(|(n, ..)| lit_str(n)).collect();
    let child_arms: Vec<TokenStream> = g
        .child_scopes
        .iter()
        .map(|(n, e, r)| {
            let n = lit_str(n);
            quote! {
                #n => {
                    let start = match state {
                        ::std::option::Option::None => #e::START,
                        ::std::option::Option::Some(name) => *#e::ALL.iter().find(|s| s.name() == name)?,
                    };
                    ::std::option::Option::Some(::std::boxed::Box::pin(#r(::std::sync::Arc::clone(&self.tasks), exec, start, input, vars)))
                }
            }
        })
        .collect();
    let children = if child_names.is_empty() {
        TokenStream::new()
    } else {
        quote! {
            fn child_scopes(&self) -> &'static [&'static str] {
                &[#(#child_names),*]
            }

            fn resume_child(
                &self,
                scope: &str,
                exec: ::std::sync::Arc<__rt::Exec>,
                state: ::std::option::Option<&str>,
                input: __rt::Value,
                vars: __rt::Vars,
            ) -> ::std::option::Option<__rt::BoxFuture<'static, ::std::result::Result<__rt::Value, __rt::Failure>>> {
                match scope {
                    #(#child_arms)*
                    _ => ::std::option::Option::None,
                }
            }
        }
    };
    let unimplemented = g.unimplemented_note();
    let definition = definition_literal(&options.definition);
    let graph = graph::graph_expr(&crate::graph::graph(machine), &quote!(__rt));
    quote! {
        // A runtime that speaks another ABI fails here, naming both versions.
        const _: () = #runtime::__codegen::check_abi(#abi, #generator);
                use #runtime::__codegen::#abi_module as __rt;

        /// The Amazon States Language definition this module was compiled from.
        pub const DEFINITION: &str = #definition;

        /// The state machine's graph: its states, transitions, and nested branches (draw it
        /// with `asl_runtime::graph::to_svg`).
        pub static GRAPH: __rt::Graph = #graph;


        /// The handlers of this state machine's Task states: one method per Task state.
        /// Implement it with `async fn`s, or implement [`Integrated`] to have the states with a
        /// service integration call their services.
        // Method names come from state names (`New`, `Into Queue` → `new`, `into_queue`).
        #[allow(clippy::wrong_self_convention)]
        #unimplemented
        pub trait Tasks: Send + Sync + 'static {
            #(#methods)*
        }

        #integrated

        #mocked

        /// The state machine: runs executions with the given [`Tasks`].
        // No bound here: `from_services` states its own, to report the states to write.
        pub struct Workflow<T> {
            tasks: ::std::sync::Arc<T>,
        }

        // A program need not call every entry point.
        #[allow(dead_code)]
        impl<T: Tasks> Workflow<T> {
            /// A workflow whose Task states call `tasks`.
            pub fn new(tasks: T) -> Self {
                Workflow { tasks: ::std::sync::Arc::new(tasks) }
            }

            /// Runs one execution to its end.
            pub async fn run(
                &self,
                input: __rt::Value,
            ) -> ::std::result::Result<__rt::Value, __rt::ExecutionError> {
                self.execute(input, __rt::default_options(), false).await.result
            }

            /// Runs one execution with explicit options (name, start time, …).
            pub async fn run_with(
                &self,
                input: __rt::Value,
                options: __rt::RunOptions,
            ) -> ::std::result::Result<__rt::Value, __rt::ExecutionError> {
                self.execute(input, &options, false).await.result
            }

            /// Runs one execution and also returns its history events.
            pub async fn run_recorded(
                &self,
                input: __rt::Value,
                options: __rt::RunOptions,
            ) -> __rt::Recorded {
                self.execute(input, &options, true).await
            }

            async fn execute(
                &self,
                input: __rt::Value,
                options: &__rt::RunOptions,
                record: bool,
            ) -> __rt::Recorded {
                let kept = #kept;
                let info = __rt::ExecutionInfo::new(options, #name, kept);
                let exec = __rt::Exec::start(info, record);
                let run = ::std::boxed::Box::pin(#run_top(::std::sync::Arc::clone(&self.tasks), ::std::sync::Arc::clone(&exec), State::START, input, __rt::no_vars()));
                let result = __rt::finish(&exec, #timeout, run).await;
                __rt::Recorded { result, history: exec.history(), map_runs: exec.map_runs() }
            }
        }

        #any_state

        // A program need not call every entry point.
        #[allow(dead_code)]
        impl<T: Tasks> Workflow<T> {
            /// Runs one state as the Step Functions `TestState` API does (see
            /// `asl_runtime::testing`): `state` is a variant of [`State`] or of a Parallel
            /// branch's or Map processor's enum; the run stops at the state's first
            /// transition. `Err` for a request TestState does not run (a mock for a state
            /// that takes none, a mocked result that does not fit its integration).
            pub async fn test_state(
                &self,
                state: impl ::std::convert::Into<AnyState>,
                request: __rt::TestState,
            ) -> ::std::result::Result<__rt::TestResult, __rt::TestStateError> {
                let tasks = ::std::sync::Arc::clone(&self.tasks);
                let state = state.into();
                __rt::test_state(request, #name, ::std::boxed::Box::new(move |exec, input, vars| state.run(tasks, exec, input, vars))).await
            }
        }

        // A program need not call every entry point.
        #[allow(dead_code)]
        impl<S> Workflow<__rt::ServiceTasks<S>> {
            /// A workflow whose Task states all call their services through `services`
            /// (`asl_aws::Aws`): compiles only when every Task state has an integration.
            // The bounds sit on the method, so a missing one is reported with the note
            // naming the states to write.
            pub fn from_services(services: S) -> Self
            where
                S: __rt::Services,
                __rt::ServiceTasks<S>: Integrated,
            {
                Workflow::new(__rt::ServiceTasks::new(services))
            }
        }

        /// Lets an `asl_runtime::Engine` run this workflow durably.
        impl<T: Tasks> __rt::Machine for Workflow<T> {
            fn default_name(&self) -> &'static str {
                #name
            }

                        fn timeout_seconds(&self) -> ::std::option::Option<u64> {
                #timeout
            }

            fn definition(&self) -> &'static str {
                DEFINITION
            }

            fn graph(&self) -> ::std::option::Option<&'static __rt::Graph> {
                ::std::option::Option::Some(&GRAPH)
            }


            fn resume(
                &self,
                exec: ::std::sync::Arc<__rt::Exec>,
                state: ::std::option::Option<&str>,
                input: __rt::Value,
                vars: __rt::Vars,
            ) -> ::std::option::Option<__rt::BoxFuture<'static, ::std::result::Result<__rt::Value, __rt::Failure>>> {
                let start = match state {
                    ::std::option::Option::None => State::START,
                    ::std::option::Option::Some(name) => *State::ALL.iter().find(|s| s.name() == name)?,
                };
                ::std::option::Option::Some(::std::boxed::Box::pin(#run_top(::std::sync::Arc::clone(&self.tasks), exec, start, input, vars)))
            }

            fn express(
                &self,
                input: __rt::Value,
                options: __rt::RunOptions,
            ) -> __rt::BoxFuture<'static, __rt::Recorded> {
                let workflow = Workflow { tasks: ::std::sync::Arc::clone(&self.tasks) };
                                ::std::boxed::Box::pin(async move { workflow.execute(input, &options, true).await })
            }

            #children
        }

        #(#errors)*

        #(#runners)*

        #(#statics)*
    }
}

/// Whether anything in the definition can read the context object (`$$` in a JSONPath path
/// or intrinsic, `$states` in JSONata): only then does an execution copy its input for
/// `$$.Execution.Input`. Read off every string the model holds (its `Debug` form: paths and
/// expressions keep their text), so no field can be missed; a false positive (a comment, a
/// literal) only costs the copy.
fn reads_context(machine: &StateMachine) -> bool {
    let text = format!("{machine:?}");
    text.contains("$$") || text.contains("$states") || text.contains("$eval")
}

/// The definition as a raw string literal (`r#"…"#` with as many `#` as it needs), so the
/// generated file shows it as written; an escaped literal when it holds a carriage return,
/// which a raw string cannot hold alone.
fn definition_literal(text: &str) -> Literal {
    if !text.contains('\r') {
        let mut hashes = 1;
        while text.contains(&format!("\"{}", "#".repeat(hashes))) {
            hashes += 1;
        }
        let h = "#".repeat(hashes);
        if let Ok(lit) = format!("r{h}\"{text}\"{h}").parse::<Literal>() {
            return lit;
        }
    }
    Literal::string(text)
}

/// Every Task state with the name of its `Tasks` method, as [`generate`] names them (same
/// order, same collision suffixes): for code that implements the trait generically.
pub fn task_methods(machine: &StateMachine) -> Vec<(String, String)> {
    handler_methods(machine)
        .into_iter()
        .filter_map(|h| match h {
            Handler::Task { state, method } => Some((state, method)),
            _ => None,
        })
        .collect()
}

/// A method of a generated `Tasks` trait.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handler {
    /// A Task state's handler: `fn <method>(&self, input, ctx)`.
    Task {
        /// The state's name.
        state: String,
        /// The method's name.
        method: String,
    },
    /// A Map state's `ItemReader`: `fn <method>(&self, ReadRequest) -> ItemStream<'_>`.
    Read {
        /// The Map state's name.
        state: String,
        /// The method's name.
        method: String,
    },
    /// A Map state's exporting `ResultWriter`: `fn <method>(&self, PutObject) -> ObjectFuture<'_, ()>`.
    Write {
        /// The Map state's name.
        state: String,
        /// The method's name.
        method: String,
    },
}

/// Every method of the generated `Tasks` trait, as [`generate`] names them (same order, same
/// collision suffixes): for code that implements the trait generically.
pub fn handler_methods(machine: &StateMachine) -> Vec<Handler> {
    fn walk(scope: &Scope, names: &mut ident::Names, out: &mut Vec<Handler>) {
        for s in &scope.states {
            match &s.kind {
                StateKind::Task(_) => out.push(Handler::Task {
                    state: s.name.clone(),
                    method: names.unique(ident::fn_name(&s.name)),
                }),
                StateKind::Parallel(p) => {
                    for b in &p.branches {
                        walk(b, names, out);
                    }
                }
                StateKind::Map(m) => {
                    let (read, write) = items::has_item_methods(m);
                    if read {
                        out.push(Handler::Read {
                            state: s.name.clone(),
                            method: names.unique(format!("read_{}", ident::fn_name(&s.name))),
                        });
                    }
                    if write {
                        out.push(Handler::Write {
                            state: s.name.clone(),
                            method: names.unique(format!("write_{}", ident::fn_name(&s.name))),
                        });
                    }
                    walk(&m.processor, names, out)
                }
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    let mut names = ident::Names::default();
    names.reserve(RESERVED_METHODS);
    walk(&machine.states, &mut names, &mut out);
    out
}

/// Task states named in `task_types` that are not Task states of the definition.
pub fn unknown_typed_tasks(machine: &StateMachine, options: &GenOptions) -> Vec<String> {
    let tasks: Vec<&str> = machine
        .states
        .all_states()
        .into_iter()
        .filter(|s| matches!(s.kind, StateKind::Task(_)))
        .map(|s| s.name.as_str())
        .collect();
    options
        .task_types
        .iter()
        .filter(|(n, ..)| !tasks.contains(&n.as_str()))
        .map(|(n, ..)| n.clone())
        .collect()
}

struct Gen {
    /// `__rt`: the ABI module generated code imports.
    rt: TokenStream,
    /// The runtime crate's public path, for what users see (the `Tasks` trait's types).
    public: TokenStream,
    statics: Vec<TokenStream>,
    runners: Vec<TokenStream>,
    counter: usize,
    methods: Vec<TokenStream>,
    method_names: ident::Names,
    type_names: ident::Names,
    /// Generating the only state of a scope: terminal actions are tail expressions.
    tail: bool,
    task_types: Vec<(String, TokenStream, TokenStream)>,
    errors: Vec<TokenStream>,
    runner_names: ident::Names,
    /// The state being generated uses JSONata.
    jsonata: bool,
    /// Methods of the `Integrated` trait.
    integrated: Vec<TokenStream>,
    /// Methods of `impl<T: Integrated> Tasks for T`.
    delegates: Vec<TokenStream>,
    /// `integration::service` types the Task states call, in first-use order.
    services: Vec<&'static str>,
    /// Task states `Integrated` leaves to the user: (state, why).
    handwritten: Vec<(String, String)>,
    /// A Map reads items or writes results: the services must be an object store.
    objects: bool,
    /// How deep the scope being generated is (1: the top level).
    depth: usize,
    /// Processors of top-level Distributed Maps run as stored child executions: (Map state,
    /// processor enum, runner).
    child_scopes: Vec<(String, proc_macro2::Ident, proc_macro2::Ident)>,
    /// Every scope's enum and runner, outer scopes first (for `AnyState`).
    scopes: Vec<(proc_macro2::Ident, proc_macro2::Ident)>,
}

impl Gen {
    /// `AnyState`: a state of any scope, what `Workflow::test_state` takes, and how to run
    /// its scope from it.
    fn any_state(&self) -> TokenStream {
        let rt = &self.rt;
        let enums: Vec<&proc_macro2::Ident> = self.scopes.iter().map(|(e, _)| e).collect();
        let runners: Vec<&proc_macro2::Ident> = self.scopes.iter().map(|(_, r)| r).collect();
        let docs: Vec<TokenStream> = enums
            .iter()
            .map(|e| doc(&format!("A state of [`{e}`].")))
            .collect();
        // The first scope holding the name: `State::ALL…` then `.or_else(|| …)` per scope.
        let mut named = TokenStream::new();
        for (i, e) in enums.iter().enumerate() {
            let find = quote!(#e::ALL.iter().find(|s| s.name() == name).map(|s| AnyState::#e(*s)));
            named = if i == 0 {
                find
            } else {
                quote!(#named.or_else(|| #find))
            };
        }
        quote! {
            /// Any state of this workflow, at any depth: what [`Workflow::test_state`] takes.
            /// Every scope's enum converts into it.
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
            #[allow(clippy::enum_variant_names)]
            pub enum AnyState {
                #(#docs #enums(#enums),)*
            }

            #(
                impl ::std::convert::From<#enums> for AnyState {
                    fn from(state: #enums) -> Self {
                        AnyState::#enums(state)
                    }
                }
            )*

            // A program need not look states up by name.
            #[allow(dead_code)]
            impl AnyState {
                /// The state's name in the definition.
                pub const fn name(self) -> &'static str {
                    match self {
                        #(AnyState::#enums(s) => s.name(),)*
                    }
                }

                /// The state named `name` (outer scopes first), if any: for requests that name
                /// states at run time (`stateName`).
                pub fn named(name: &str) -> ::std::option::Option<AnyState> {
                    #named
                }

                /// Runs this state's scope from this state.
                fn run<T: Tasks>(
                    self,
                    tasks: ::std::sync::Arc<T>,
                    exec: ::std::sync::Arc<#rt::Exec>,
                    input: #rt::Value,
                    vars: #rt::Vars,
                ) -> #rt::BoxFuture<'static, ::std::result::Result<#rt::Value, #rt::Failure>> {
                    match self {
                        #(AnyState::#enums(s) => ::std::boxed::Box::pin(#runners(tasks, exec, s, input, vars)),)*
                    }
                }
            }
        }
    }
}

/// Method names of `Integrated` that Task methods must not take.
const RESERVED_METHODS: &[&str] = &["services"];

impl Gen {
    /// The `Integrated` trait, `Tasks` for every implementation of it, and, when every Task
    /// state has an integration, `Integrated` for every `Services` value.
    fn integrated_trait(&self) -> TokenStream {
        let rt = &self.rt;
        let methods = &self.integrated;
        let delegates = &self.delegates;
        let services: Vec<TokenStream> = self
            .services
            .iter()
            .map(|s| {
                let s = format_ident!("{}", s);
                quote!(+ #rt::Provides<#rt::service::#s>)
            })
            .chain(self.objects.then(|| quote!(+ #rt::ObjectStore)))
            .collect();
        // For `ServiceTasks`, not for every `Services`: a blanket impl over a foreign trait
        // would clash with users' `impl Tasks for Arc<MyHandlers>`.
        let all = if self.handwritten.is_empty() {
            quote! {
                /// Every Task state of this workflow has a service integration: a `Services`
                /// value (`asl_aws::Aws`) runs them all.
                impl<S: #rt::Services #(#services)*> Integrated for #rt::ServiceTasks<S> {
                    type Services = S;

                    fn services(&self) -> &S {
                        #rt::ServiceTasks::services(self)
                    }
                }
            }
        } else {
            TokenStream::new()
        };
        let mut text = String::from(
            "The Task states of this workflow, where a state whose resource has a service \
             integration is already written: it calls its service through [`Integrated::services`] \
             (e.g. `asl_aws::Aws`). Define a state's method to write it yourself; the others \
             keep calling their services. Every `Integrated` is a [`Tasks`].",
        );
        if self.handwritten.is_empty() {
            text.push_str(
                "\n\nEvery Task state has an integration, so a `Services` value runs them \
                 all: `Workflow::from_services(asl_aws::Aws::from_env().await)`.",
            );
        } else {
            text.push_str("\n\nStates to write:");
            for (state, why) in &self.handwritten {
                text.push_str(&format!("\n- `{state}`: {why}."));
            }
        }
        let doc = doc(&text);
        let unimplemented = self.unimplemented_note();
        quote! {
            #doc
            #[allow(clippy::wrong_self_convention)]
            #unimplemented
            pub trait Integrated: Send + Sync + 'static {
                /// What calls the services (`asl_aws::Aws`, or your own).
                type Services: #rt::Services #(#services)*;

                /// The services the integrated states call.
                fn services(&self) -> &Self::Services;

                #(#methods)*
            }

            impl<T: Integrated> Tasks for T {
                #(#delegates)*
            }

            #all
        }
    }

    /// `#[diagnostic::on_unimplemented]` for `Tasks` and `Integrated`, naming the states no
    /// integration runs (rustc reports the innermost bound a `Services` value misses).
    fn unimplemented_note(&self) -> TokenStream {
        if self.handwritten.is_empty() {
            return TokenStream::new();
        }
        let states = self
            .handwritten
            .iter()
            .map(|(state, why)| format!("`{state}` ({why})"))
            .collect::<Vec<_>>()
            .join(", ");
        let note = format!(
            "Task states without a service integration need a handler: {states}; implement \
             `Tasks`, or `Integrated` with methods for these states"
        );
        // The note is a format string to rustc: braces from the definition (a state's name,
        // a resource such as `arn:${partition}:…`) are doubled to read as themselves.
        let note = Literal::string(&note.replace('{', "{{").replace('}', "}}"));
        quote!(#[diagnostic::on_unimplemented(note = #note)])
    }
}

/// `#[doc]` attributes, one per line, each starting with a space, so formatters print them as
/// `///` comments.
fn doc(text: &str) -> TokenStream {
    let lines = text.lines().map(|l| {
        if l.is_empty() {
            String::new()
        } else {
            format!(" {l}")
        }
    });
    quote!(#(#[doc = #lines])*)
}

fn lit_str(s: &str) -> Literal {
    Literal::string(s)
}

impl Gen {
    fn fresh(&mut self, prefix: &str) -> proc_macro2::Ident {
        self.counter += 1;
        format_ident!("{}_{}", prefix, self.counter)
    }

    /// A `static` of type `ty` with value `value`; returns its name.
    fn add_static(
        &mut self,
        prefix: &str,
        ty: TokenStream,
        value: TokenStream,
    ) -> proc_macro2::Ident {
        let name = self.fresh(prefix);
        self.statics.push(quote! { static #name: #ty = #value; });
        name
    }
}

/// Whether a definition uses something code generation does not support (an `ItemReader`
/// with `InputType: PARQUET`), with the reason.
pub fn unsupported(machine: &StateMachine) -> Option<String> {
    for s in machine.states.all_states() {
        if let StateKind::Map(m) = &s.kind
            && let Some(r) = &m.item_reader
            && r.reader_config.input_type.as_deref() == Some("PARQUET")
        {
            return Some(format!(
                "an ItemReader with `InputType: PARQUET` in `{}` (read CSV, JSON, JSONL or a \
                 MANIFEST)",
                s.name
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::definition_literal;

    /// Whatever the text, the literal reads back as the same string.
    #[test]
    fn definition_literals_hold_any_text() {
        for text in [
            "{}",
            "{\"a\": \"\\\"#\"}",
            "\"## \"### \"#",
            "line\r\nnext",
            "end with quote\"",
            "",
        ] {
            let lit = definition_literal(text);
            let parsed: syn::LitStr = syn::parse_str(&lit.to_string()).expect("a string literal");
            assert_eq!(parsed.value(), text, "{lit}");
        }
        assert!(
            definition_literal("{\"a\": 1}")
                .to_string()
                .starts_with("r#\"")
        );
    }
}
