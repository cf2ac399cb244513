//! Code generation: a validated [`StateMachine`] → a Rust module (as tokens).
//!
//! The module holds, for the top level and for every Parallel branch and Map processor, an
//! enum of its states and an `async fn` whose loop `match`es on it: one arm per state, Choice
//! rules as Rust boolean expressions, transitions as assignments to the next variant. Paths,
//! templates, intrinsic calls and literals become `static` data of `asl-runtime` types, so the
//! definition's JSON is never parsed at run time. Task states become methods of the `Tasks`
//! trait the user implements.

pub mod ident;
pub mod jsonata;
mod resource;

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use crate::intrinsic::{self, Arg, Call, Function};
use crate::model::*;
use crate::parse::{Json, Value as JValue};
use crate::path::{self, CompareOp, Filter, Operand as POperand, Path, Root, Selector};

/// The version of `asl-runtime`'s `__codegen` ABI that generated code calls.
pub const ABI_VERSION: u32 = 1;

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
}

impl Default for GenOptions {
    fn default() -> Self {
        GenOptions {
            runtime: quote!(::asl_runtime),
            name: "workflow".into(),
            task_types: Vec::new(),
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
    };
    g.type_names.reserve(&["State", "Tasks", "Workflow"]);
    let top = g.scope(&machine.states, "State", true);
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
    let generator = Literal::string(concat!("asl-codegen ", env!("CARGO_PKG_VERSION")));
    let abi = Literal::u32_suffixed(ABI_VERSION);
    let abi_module = format_ident!("v{}", ABI_VERSION);
    quote! {
        // A runtime that speaks another ABI fails here, naming both versions.
        const _: () = #runtime::__codegen::check_abi(#abi, #generator);
        use #runtime::__codegen::#abi_module as __rt;

        /// The handlers of this state machine's Task states: one method per Task state.
        /// Implement it with `async fn`s.
        // Method names come from state names (`New`, `Into Queue` → `new`, `into_queue`).
        #[allow(clippy::wrong_self_convention)]
        pub trait Tasks: Send + Sync + 'static {
            #(#methods)*
        }

        /// The state machine: runs executions with the given [`Tasks`].
        pub struct Workflow<T: Tasks> {
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
                self.execute(input, __rt::RunOptions::default(), false).await.result
            }

            /// Runs one execution with explicit options (name, start time, …).
            pub async fn run_with(
                &self,
                input: __rt::Value,
                options: __rt::RunOptions,
            ) -> ::std::result::Result<__rt::Value, __rt::ExecutionError> {
                self.execute(input, options, false).await.result
            }

            /// Runs one execution and also returns its history events.
            pub async fn run_recorded(
                &self,
                input: __rt::Value,
                options: __rt::RunOptions,
            ) -> __rt::Recorded {
                self.execute(input, options, true).await
            }

            async fn execute(
                &self,
                input: __rt::Value,
                options: __rt::RunOptions,
                record: bool,
            ) -> __rt::Recorded {
                let info = __rt::ExecutionInfo::new(
                    &options,
                    #name,
                    ::std::sync::Arc::new(input.clone()),
                );
                let exec = __rt::Exec::start(info, record);
                let run = #run_top(::std::sync::Arc::clone(&self.tasks), ::std::sync::Arc::clone(&exec), State::START, input, ::std::default::Default::default());
                let result = __rt::finish(&exec, #timeout, run).await;
                __rt::Recorded { result, history: exec.history() }
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
                ::std::boxed::Box::pin(async move { workflow.execute(input, options, true).await })
            }
        }

        #(#errors)*

        #(#runners)*

        #(#statics)*
    }
}

/// Every Task state with the name of its `Tasks` method, as [`generate`] names them (same
/// order, same collision suffixes): for code that implements the trait generically.
pub fn task_methods(machine: &StateMachine) -> Vec<(String, String)> {
    fn walk(scope: &Scope, names: &mut ident::Names, out: &mut Vec<(String, String)>) {
        for s in &scope.states {
            match &s.kind {
                StateKind::Task(_) => {
                    out.push((s.name.clone(), names.unique(ident::fn_name(&s.name))));
                }
                StateKind::Parallel(p) => {
                    for b in &p.branches {
                        walk(b, names, out);
                    }
                }
                StateKind::Map(m) => walk(&m.processor, names, out),
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    walk(&machine.states, &mut ident::Names::default(), &mut out);
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

    // ----- literals, paths, templates ---------------------------------------------------

    fn lit(&self, j: &Json) -> TokenStream {
        let rt = &self.rt;
        match &j.value {
            JValue::Null => quote!(#rt::lit::Lit::Null),
            JValue::Bool(b) => quote!(#rt::lit::Lit::Bool(#b)),
            JValue::Number(n) => {
                if let Ok(i) = n.raw().parse::<i64>() {
                    let abs = Literal::u64_unsuffixed(i.unsigned_abs());
                    if i == i64::MIN {
                        quote!(#rt::lit::Lit::Int(i64::MIN))
                    } else if i < 0 {
                        quote!(#rt::lit::Lit::Int(-#abs))
                    } else {
                        quote!(#rt::lit::Lit::Int(#abs))
                    }
                } else if let Ok(u) = n.raw().parse::<u64>() {
                    let l = Literal::u64_unsuffixed(u);
                    quote!(#rt::lit::Lit::UInt(#l))
                } else {
                    let f = n.as_f64();
                    let l = Literal::f64_unsuffixed(f.abs());
                    if f < 0.0 {
                        quote!(#rt::lit::Lit::Float(-#l))
                    } else {
                        quote!(#rt::lit::Lit::Float(#l))
                    }
                }
            }
            JValue::String(s) => {
                let l = lit_str(s);
                quote!(#rt::lit::Lit::Str(#l))
            }
            JValue::Array(items) => {
                let items: Vec<TokenStream> = items.iter().map(|i| self.lit(i)).collect();
                quote!(#rt::lit::Lit::Array(&[#(#items),*]))
            }
            JValue::Object(members) => {
                let members: Vec<TokenStream> = members
                    .iter()
                    .map(|m| {
                        let k = lit_str(&m.key);
                        let v = self.lit(&m.value);
                        quote!((#k, #v))
                    })
                    .collect();
                quote!(#rt::lit::Lit::Object(&[#(#members),*]))
            }
        }
    }

    fn f64_tokens(f: f64) -> TokenStream {
        let l = Literal::f64_unsuffixed(f.abs());
        if f < 0.0 { quote!(-#l) } else { quote!(#l) }
    }

    fn i64_tokens(i: i64) -> TokenStream {
        if i == i64::MIN {
            return quote!(i64::MIN);
        }
        let l = Literal::u64_unsuffixed(i.unsigned_abs());
        if i < 0 { quote!(-#l) } else { quote!(#l) }
    }

    fn steps(&self, steps: &[path::Step]) -> TokenStream {
        let rt = &self.rt;
        let steps: Vec<TokenStream> = steps
            .iter()
            .map(|s| {
                let d = s.descendant;
                let sel = match &s.selector {
                    Selector::Field(f) => {
                        let f = lit_str(f);
                        quote!(#rt::jsonpath::Selector::Field(#f))
                    }
                    Selector::Fields(fs) => {
                        let fs = fs.iter().map(|f| lit_str(f));
                        quote!(#rt::jsonpath::Selector::Fields(&[#(#fs),*]))
                    }
                    Selector::Index(i) => {
                        let i = Self::i64_tokens(*i);
                        quote!(#rt::jsonpath::Selector::Index(#i))
                    }
                    Selector::Indexes(is) => {
                        let is = is.iter().map(|i| Self::i64_tokens(*i));
                        quote!(#rt::jsonpath::Selector::Indexes(&[#(#is),*]))
                    }
                    Selector::Wildcard => quote!(#rt::jsonpath::Selector::Wildcard),
                    Selector::Slice { start, end, step } => {
                        let opt = |v: &Option<i64>| match v {
                            Some(i) => {
                                let t = Self::i64_tokens(*i);
                                quote!(Some(#t))
                            }
                            None => quote!(None),
                        };
                        let (a, b, c) = (opt(start), opt(end), opt(step));
                        quote!(#rt::jsonpath::Selector::Slice(#a, #b, #c))
                    }
                    Selector::Filter(f) => {
                        let f = self.filter(f);
                        quote!(#rt::jsonpath::Selector::Filter(&#f))
                    }
                    Selector::Script(s) => {
                        let s = lit_str(s);
                        quote!(#rt::jsonpath::Selector::Script(#s))
                    }
                    Selector::Function(f) => {
                        let f = lit_str(f);
                        quote!(#rt::jsonpath::Selector::Function(#f))
                    }
                };
                quote!(#rt::jsonpath::Step { descendant: #d, selector: #sel })
            })
            .collect();
        quote!(&[#(#steps),*])
    }

    fn path_value(&self, p: &Path) -> TokenStream {
        let rt = &self.rt;
        let text = lit_str(&p.text);
        let root = match &p.root {
            Root::Input => quote!(#rt::jsonpath::Root::Input),
            Root::Context => quote!(#rt::jsonpath::Root::Context),
            Root::Variable(v) => {
                let v = lit_str(v);
                quote!(#rt::jsonpath::Root::Variable(#v))
            }
        };
        let steps = self.steps(&p.steps);
        quote!(#rt::jsonpath::Path { text: #text, root: #root, steps: #steps })
    }

    fn filter(&self, f: &Filter) -> TokenStream {
        let rt = &self.rt;
        match f {
            Filter::Or(a, b) => {
                let (a, b) = (self.filter(a), self.filter(b));
                quote!(#rt::jsonpath::Filter::Or(&#a, &#b))
            }
            Filter::And(a, b) => {
                let (a, b) = (self.filter(a), self.filter(b));
                quote!(#rt::jsonpath::Filter::And(&#a, &#b))
            }
            Filter::Not(a) => {
                let a = self.filter(a);
                quote!(#rt::jsonpath::Filter::Not(&#a))
            }
            Filter::Exists(o) => {
                let o = self.operand(o);
                quote!(#rt::jsonpath::Filter::Exists(#o))
            }
            Filter::Compare(a, op, b) => {
                let (a, b) = (self.operand(a), self.operand(b));
                let op = match op {
                    CompareOp::Eq => quote!(Eq),
                    CompareOp::Ne => quote!(Ne),
                    CompareOp::Lt => quote!(Lt),
                    CompareOp::Le => quote!(Le),
                    CompareOp::Gt => quote!(Gt),
                    CompareOp::Ge => quote!(Ge),
                    CompareOp::Matches => quote!(Matches),
                    CompareOp::In => quote!(In),
                    CompareOp::Nin => quote!(Nin),
                    CompareOp::SubsetOf => quote!(SubsetOf),
                    CompareOp::AnyOf => quote!(AnyOf),
                    CompareOp::NoneOf => quote!(NoneOf),
                    CompareOp::Size => quote!(Size),
                    CompareOp::Empty => quote!(Empty),
                    CompareOp::Contains => quote!(Contains),
                };
                quote!(#rt::jsonpath::Filter::Compare(#a, #rt::jsonpath::CompareOp::#op, #b))
            }
        }
    }

    fn operand(&self, o: &POperand) -> TokenStream {
        let rt = &self.rt;
        match o {
            POperand::Current(steps) => {
                let s = self.steps(steps);
                quote!(#rt::jsonpath::Operand::Current(#s))
            }
            POperand::Path(p) => {
                let p = self.path_value(p);
                quote!(#rt::jsonpath::Operand::Path(&#p))
            }
            POperand::Literal(v) => {
                let l = self.serde_lit(v);
                quote!(#rt::jsonpath::Operand::Literal(#l))
            }
            POperand::Regex(re, flags) => {
                let (re, flags) = (lit_str(re), lit_str(flags));
                quote!(#rt::jsonpath::Operand::Regex(#re, #flags))
            }
        }
    }

    fn serde_lit(&self, v: &serde_json::Value) -> TokenStream {
        let rt = &self.rt;
        match v {
            serde_json::Value::Null => quote!(#rt::lit::Lit::Null),
            serde_json::Value::Bool(b) => quote!(#rt::lit::Lit::Bool(#b)),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => {
                    let t = Self::i64_tokens(i);
                    quote!(#rt::lit::Lit::Int(#t))
                }
                None => {
                    let t = Self::f64_tokens(n.as_f64().unwrap_or(0.0));
                    quote!(#rt::lit::Lit::Float(#t))
                }
            },
            serde_json::Value::String(s) => {
                let s = lit_str(s);
                quote!(#rt::lit::Lit::Str(#s))
            }
            serde_json::Value::Array(a) => {
                let items = a.iter().map(|i| self.serde_lit(i));
                quote!(#rt::lit::Lit::Array(&[#(#items),*]))
            }
            serde_json::Value::Object(m) => {
                let items = m.iter().map(|(k, v)| {
                    let k = lit_str(k);
                    let v = self.serde_lit(v);
                    quote!((#k, #v))
                });
                quote!(#rt::lit::Lit::Object(&[#(#items),*]))
            }
        }
    }

    /// A path as a `static`; returns a reference expression.
    fn path(&mut self, p: &Path) -> TokenStream {
        let rt = self.rt.clone();
        let v = self.path_value(p);
        let name = self.add_static("PATH", quote!(#rt::jsonpath::Path), v);
        quote!(&#name)
    }

    fn call_value(&self, c: &Call) -> TokenStream {
        let rt = &self.rt;
        let f = function_ident(c.function);
        let args: Vec<TokenStream> = c
            .args
            .iter()
            .map(|a| match a {
                Arg::String(s) => {
                    let (v, r) = (lit_str(&s.value), lit_str(&s.raw));
                    quote!(#rt::intrinsics::Arg::Str(#v, #r))
                }
                Arg::Number(n) => {
                    let n = Self::f64_tokens(*n);
                    quote!(#rt::intrinsics::Arg::Num(#n))
                }
                Arg::Bool(b) => quote!(#rt::intrinsics::Arg::Bool(#b)),
                Arg::Null => quote!(#rt::intrinsics::Arg::Null),
                Arg::Path(p) => {
                    let p = self.path_value(p);
                    quote!(#rt::intrinsics::Arg::Path(&#p))
                }
                Arg::Call(inner) => {
                    let inner = self.call_value(inner);
                    quote!(#rt::intrinsics::Arg::Call(&#inner))
                }
            })
            .collect();
        quote!(#rt::intrinsics::Call { function: #rt::intrinsics::Function::#f, args: &[#(#args),*] })
    }

    fn template_value(&self, t: &Template, key: &str) -> TokenStream {
        let rt = &self.rt;
        match t {
            Template::Object(fields) => {
                let fields = fields.iter().map(|f| {
                    let k = lit_str(&f.key);
                    let dynamic = matches!(f.value, Template::Path(_) | Template::Intrinsic(_));
                    let written = if dynamic {
                        format!("{}.$", f.key)
                    } else {
                        f.key.clone()
                    };
                    let v = self.template_value(&f.value, &written);
                    quote!((#k, #v))
                });
                quote!(#rt::template::Template::Object(&[#(#fields),*]))
            }
            Template::Array(items) => {
                let items = items.iter().map(|i| self.template_value(i, key));
                quote!(#rt::template::Template::Array(&[#(#items),*]))
            }
            Template::Literal(j) => {
                let l = self.lit(j);
                quote!(#rt::template::Template::Lit(#l))
            }
            Template::Path(p) => {
                let p = self.path_value(&p.value);
                let k = lit_str(key);
                quote!(#rt::template::Template::Path(&#p, #k))
            }
            Template::Intrinsic(c) => {
                let c = self.call_value(&c.value);
                let k = lit_str(key);
                quote!(#rt::template::Template::Call(&#c, #k))
            }
        }
    }

    fn path_field(&mut self, f: &PathField) -> TokenStream {
        let rt = self.rt.clone();
        match f {
            PathField::Default => quote!(#rt::PathField::Default),
            PathField::Null => quote!(#rt::PathField::Null),
            PathField::Path(p) => {
                let v = self.path_value(&p.value);
                quote!(#rt::PathField::Path(&#v))
            }
        }
    }

    /// A JSONPath `Assign` as a template object keyed by variable name.
    fn assign_template(&self, assign: Option<&Assign>) -> TokenStream {
        let fields: Vec<TemplateField> = assign
            .map(|a| {
                a.vars
                    .iter()
                    .filter_map(|v| match &v.value {
                        AssignValue::JsonPath(t) => Some(TemplateField {
                            key: v.name.value.clone(),
                            key_span: v.name.span,
                            value: t.clone(),
                        }),
                        AssignValue::Jsonata(_) => None,
                    })
                    .collect()
            })
            .unwrap_or_default();
        if assign.is_none() {
            return quote!(None);
        }
        let t = self.template_value(&Template::Object(fields), "Assign");
        quote!(Some(&#t))
    }

    /// A JSONata expression as an `asl_runtime::jsonata::Expr` constant.
    fn jexpr(&self, j: &Jsonata) -> TokenStream {
        let rt = &self.rt;
        let text = lit_str(j.expr.trim());
        match crate::jsonata::parse(&j.expr).and_then(|e| crate::jsonata::process(&e)) {
            Ok(node) => {
                let context = crate::jsonata::reads_context(&node);
                let node = jsonata::node(&node, rt);
                quote!(#rt::jsonata::Expr { node: #node, text: #text, context: #context })
            }
            // Validation rejects what does not parse.
            Err(e) => {
                let msg = lit_str(&format!("invalid JSONata expression: {e}"));
                quote!(compile_error!(#msg))
            }
        }
    }

    /// A JSONata field value as an `asl_runtime::jsonata::Template` constant.
    fn jtemplate(&self, v: &JsonataValue) -> TokenStream {
        let rt = &self.rt;
        match v {
            JsonataValue::Expr(e) => {
                let e = self.jexpr(e);
                quote!(#rt::jsonata::Template::Expr(&#e))
            }
            JsonataValue::Literal(j) => {
                let l = self.lit(j);
                quote!(#rt::jsonata::Template::Lit(#l))
            }
            JsonataValue::Array(items) => {
                let items = items.iter().map(|i| self.jtemplate(i));
                quote!(#rt::jsonata::Template::Array(&[#(#items),*]))
            }
            JsonataValue::Object(members) => {
                let members = members.iter().map(|(k, v)| {
                    let k = lit_str(&k.value);
                    let v = self.jtemplate(v);
                    quote!((#k, #v))
                });
                quote!(#rt::jsonata::Template::Object(&[#(#members),*]))
            }
        }
    }

    /// `Some(&template)` / `None` for an optional JSONata field.
    fn jtemplate_opt(&self, v: Option<&JsonataValue>) -> TokenStream {
        match v {
            Some(v) => {
                let t = self.jtemplate(v);
                quote!(Some(&#t))
            }
            None => quote!(None),
        }
    }

    /// A JSONata `Assign` as a template object keyed by variable name.
    fn jassign(&self, assign: Option<&Assign>) -> TokenStream {
        let rt = &self.rt;
        let Some(a) = assign else {
            return quote!(None);
        };
        let members = a.vars.iter().filter_map(|v| match &v.value {
            AssignValue::Jsonata(j) => {
                let k = lit_str(&v.name.value);
                let t = self.jtemplate(j);
                Some(quote!((#k, #t)))
            }
            AssignValue::JsonPath(_) => None,
        });
        quote!(Some(&#rt::jsonata::Template::Object(&[#(#members),*])))
    }

    fn io_value(&mut self, io: &Io, assign: Option<&Assign>) -> TokenStream {
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

    fn io(&mut self, io: &Io, assign: Option<&Assign>) -> TokenStream {
        let name = self.io_static(io, assign);
        quote!(&#name)
    }

    fn io_static(&mut self, io: &Io, assign: Option<&Assign>) -> proc_macro2::Ident {
        let rt = self.rt.clone();
        let v = self.io_value(io, assign);
        self.add_static("IO", quote!(#rt::Io), v)
    }

    fn retriers(&self, retry: &[Retrier]) -> TokenStream {
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

    fn catchers(&mut self, catch: &[Catcher]) -> TokenStream {
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

    // ----- scopes and states -------------------------------------------------------------

    /// Generates the enum and runner of one scope; returns the runner's name.
    fn scope(&mut self, scope: &Scope, enum_name: &str, public: bool) -> proc_macro2::Ident {
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
        let body = if transitions && public {
            // The top level starts where it is told (a durable execution resumes mid-way)
            // and commits each transition before the state runs.
            quote! {
                let mut state = start;
                let mut input = input;
                loop {
                    if exec.durable() {
                        exec.checkpoint(state.name(), &input, &#vars_name).await?;
                    }
                    match state {
                        #(#arms)*
                    }
                }
            }
        } else if transitions {
            quote! {
                let mut state = #start;
                let mut input = input;
                loop {
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
        let vis = if public { quote!(pub) } else { quote!() };
        let start_param = match (public, transitions) {
            (true, true) => quote!(start: #enum_ident,),
            (true, false) => quote!(_start: #enum_ident,),
            _ => quote!(),
        };
        let start_const = public.then(|| {
            quote! {
                /// The state named by `StartAt`.
                pub const START: #enum_ident = #start;
            }
        });
        let enum_doc = doc(if public {
            "The states of this state machine's top level."
        } else {
            "The states of a Parallel branch or Map processor."
        });
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
            #vis enum #enum_ident {
                #(#docs #idents,)*
            }

            #[allow(dead_code)]
            impl #enum_ident {
                #all_doc
                #vis const ALL: &'static [#enum_ident] = &[#(#enum_ident::#idents),*];

                #start_const

                /// The state's name in the definition.
                #vis const fn name(self) -> &'static str {
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
        runner
    }

    /// `state = X; input = out;` or `return Ok(out)`.
    fn goto(
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
    fn finish(&self, value: TokenStream) -> TokenStream {
        if self.tail {
            value
        } else {
            quote! { return #value; }
        }
    }

    fn outcome(
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

    fn state(&mut self, s: &State, variant_of: &dyn Fn(&str) -> TokenStream) -> TokenStream {
        let rt = self.rt.clone();
        self.jsonata = s.query_language == QueryLanguage::Jsonata;
        let name = lit_str(&s.name);
        match &s.kind {
            StateKind::Pass(p) if trivial_pass(s) => {
                // A Pass that changes nothing: its input is its output, it cannot fail, so it
                // only records its events and moves on.
                let goto = self.goto(p.transition.as_ref(), variant_of);
                quote! {
                    exec.pass_through(#name, &input);
                    let __out = input;
                    #goto
                }
            }
            StateKind::Pass(p) => {
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
            StateKind::Succeed => {
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
                    let __in = #rt::select_owned(&__run, input, &#io.input_path).map_err(|f| __run.locate(f))?;
                    let __out = #rt::select_owned(&__run, __in, &#io.output_path).map_err(|f| __run.locate(f))?;
                    __run.commit(&mut vars);
                __run.exit(&__out);
                    #finish
                }
            }
            StateKind::Fail(f) => {
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
                let finish = self.finish(quote!(Err(#rt::fail(&__run, &input, #error, #cause))));
                quote! {
                    let __run = exec.enter(#rt::StateType::Fail, #name, &vars, &input);
                    #finish
                }
            }
            StateKind::Wait(w) => {
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
            StateKind::Choice(c) if self.jsonata => self.choice_jsonata(s, c, variant_of),
            StateKind::Choice(c) => {
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
                    let __in = #rt::select_owned(&__run, input, &#io.input_path).map_err(|f| __run.locate(f))?;
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
            StateKind::Task(t) => self.task(s, t, variant_of),
            StateKind::Parallel(p) => {
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
                let n = p.branches.len();
                for (i, b) in p.branches.iter().enumerate() {
                    let enum_name = self.type_names.unique(format!("{owner}Branch{i}State"));
                    let runner = self.scope(b, &enum_name, false);
                    runners.push(runner.clone());
                    let pat = if i + 1 == n { quote!(_) } else { quote!(#i) };
                    arms.push(quote! {
                        #pat => Box::pin(#runner(::std::sync::Arc::clone(&__tasks), __exec, __input, ::std::sync::Arc::clone(&__vars))),
                    });
                }
                let outcome = self.outcome(p.transition.as_ref(), &p.catch, variant_of);
                let dispatch = if n == 1 {
                    let runner = &runners[0];
                    quote!(Box::pin(#runner(::std::sync::Arc::clone(&__tasks), __exec, __input, ::std::sync::Arc::clone(&__vars))))
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
            StateKind::Map(m) => {
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
                let count = |g: &mut Self, c: &Option<Count>| -> TokenStream {
                    let rt = g.rt.clone();
                    match c {
                        Some(Count::Literal(n)) => {
                            let n = Self::f64_tokens(n.value);
                            quote!(#rt::Count::Literal(#n))
                        }
                        Some(Count::Path(p)) => {
                            let p = g.path_value(&p.value);
                            quote!(#rt::Count::Path(&#p))
                        }
                        Some(Count::Expr(e)) => {
                            let e = g.jexpr(e);
                            quote!(#rt::Count::Expr(&#e))
                        }
                        None => quote!(#rt::Count::Default),
                    }
                };
                let distributed = m.mode == MapMode::Distributed;
                let batcher = match &m.item_batcher {
                    Some(b) => {
                        let max_items = count(self, &b.max_items_per_batch);
                        let max_bytes = count(self, &b.max_input_bytes_per_batch);
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
                let max = count(self, &m.max_concurrency);
                let tfc = count(self, &m.tolerated_failure_count);
                let tfp = count(self, &m.tolerated_failure_percentage);
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
                        label: #label,
                    }),
                );
                let owner = ident::type_name(&s.name);
                let enum_name = self.type_names.unique(format!("{owner}ItemState"));
                let runner = self.scope(&m.processor, &enum_name, false);
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
                    let __result = #rt::map(&mut __run, input, &#spec, move |_, __input, __exec| -> #rt::BoxFuture<'static, ::std::result::Result<#rt::Value, #rt::Failure>> {
                        Box::pin(#runner(::std::sync::Arc::clone(&__tasks), __exec, __input, ::std::sync::Arc::clone(&__vars)))
                    }).await;
                    #outcome
                }
            }
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
    fn choice_jsonata(
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

    fn task(
        &mut self,
        s: &State,
        t: &Task,
        variant_of: &dyn Fn(&str) -> TokenStream,
    ) -> TokenStream {
        let rt = self.rt.clone();
        let public = self.public.clone();
        let name = lit_str(&s.name);
        let method = format_ident!("{}", self.method_names.unique(ident::fn_name(&s.name)));
        let io = self.io_value(&s.io, s.assign.as_ref());
        let seconds = |g: &mut Self, v: &Option<Seconds>| -> TokenStream {
            let rt = g.rt.clone();
            match v {
                Some(Seconds::Literal(n)) => {
                    let n = n.value;
                    quote!(#rt::Seconds::Literal(#n))
                }
                Some(Seconds::Path(p)) => {
                    let p = g.path_value(&p.value);
                    quote!(#rt::Seconds::Path(&#p))
                }
                Some(Seconds::Expr(e)) => {
                    let e = g.jexpr(e);
                    quote!(#rt::Seconds::Expr(&#e))
                }
                None => quote!(#rt::Seconds::Default),
            }
        };
        let timeout = seconds(self, &t.timeout);
        let heartbeat = seconds(self, &t.heartbeat);
        let retry = self.retriers(&t.retry);
        let catch = self.catchers(&t.catch);
        let resource = resource::tokens(&rt, &t.resource.value);
        let credentials = match &t.credentials {
            Some(Payload::Template(c)) => {
                let v = self.template_value(c, "Credentials");
                quote!(Some(#rt::Credentials::Template(&#v)))
            }
            Some(Payload::Jsonata(c)) => {
                let v = self.jtemplate(c);
                quote!(Some(#rt::Credentials::Jsonata(&#v)))
            }
            None => quote!(None),
        };
        let spec = self.add_static(
            "TASK",
            quote!(#rt::TaskSpec),
            quote!(#rt::TaskSpec {
                resource: #resource,
                io: #io,
                timeout: #timeout,
                heartbeat: #heartbeat,
                retry: #retry,
                catch: #catch,
                credentials: #credentials,
            }),
        );
        let mut handled: Vec<String> = Vec::new();
        for e in t
            .retry
            .iter()
            .flat_map(|r| &r.error_equals)
            .chain(t.catch.iter().flat_map(|c| &c.error_equals))
        {
            if !handled.contains(&e.value) {
                handled.push(e.value.clone());
            }
        }
        let handled = if handled.is_empty() {
            "none".to_string()
        } else {
            handled
                .iter()
                .map(|e| format!("`{e}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let doc = doc(&format!(
            "Task state `{}`.\n\nResource: `{}`. {}\n\nErrors its Retry/Catch handle: {handled}.",
            s.name,
            t.resource.value,
            resource_description(&t.resource.value)
        ));
        let typed = self
            .task_types
            .iter()
            .find(|(n, ..)| *n == s.name)
            .map(|(_, i, o)| (i.clone(), o.clone()));
        let (in_ty, out_ty) = match &typed {
            Some((i, o)) => (i.clone(), o.clone()),
            None => (quote!(#public::Value), quote!(#public::Value)),
        };
        self.methods.push(quote! {
            #doc
            fn #method(
                &self,
                input: #in_ty,
                ctx: #public::TaskContext,
            ) -> impl ::std::future::Future<Output = ::std::result::Result<#out_ty, #public::TaskError>> + Send;
        });
        self.error_enum(s, t);
        let call = match &typed {
            Some((i, o)) => {
                let in_name = lit_str(&i.to_string().replace(' ', ""));
                let out_name = lit_str(&o.to_string().replace(' ', ""));
                quote! {
                    |__input, __ctx| {
                        let __tasks = &tasks;
                        async move {
                            let __input: #i = #rt::typed::from_value(__input, #name, #in_name)?;
                            let __output: #o = <T as Tasks>::#method(&**__tasks, __input, __ctx).await?;
                            #rt::typed::to_value(&__output, #name, #out_name)
                        }
                    }
                }
            }
            // Fully qualified: a state named `Clone` must not resolve to `Arc::clone`.
            None => quote!(|__input, __ctx| <T as Tasks>::#method(&*tasks, __input, __ctx)),
        };
        let outcome = self.outcome(t.transition.as_ref(), &t.catch, variant_of);
        quote! {
            let mut __run = exec.enter(#rt::StateType::Task, #name, &vars, &input);
            let __result = #rt::task(&mut __run, input, &#spec, #call).await;
            #outcome
        }
    }

    /// `<Task>Error`: the error names the Task's Retry and Catch handle (other than
    /// `States.*`), so a handler can return them by name.
    fn error_enum(&mut self, s: &State, t: &Task) {
        let public = self.public.clone();
        let mut names: Vec<&str> = Vec::new();
        for e in t
            .retry
            .iter()
            .flat_map(|r| &r.error_equals)
            .chain(t.catch.iter().flat_map(|c| &c.error_equals))
        {
            if !e.value.starts_with("States.") && !names.contains(&e.value.as_str()) {
                names.push(&e.value);
            }
        }
        if names.is_empty() {
            return;
        }
        let ty = format_ident!(
            "{}",
            self.type_names
                .unique(format!("{}Error", ident::type_name(&s.name)))
        );
        let mut variant_names = ident::Names::default();
        let variants: Vec<proc_macro2::Ident> = names
            .iter()
            .map(|n| format_ident!("{}", variant_names.unique(ident::type_name(n))))
            .collect();
        let docs: Vec<TokenStream> = names
            .iter()
            .map(|n| doc(&format!("`{n}`, with its cause.")))
            .collect();
        let lits: Vec<Literal> = names.iter().map(|n| lit_str(n)).collect();
        let doc = doc(&format!(
            "Errors the Retry and Catch of Task state `{}` handle; converts into `TaskError`.",
            s.name
        ));
        self.errors.push(quote! {
            #doc
            #[derive(Debug, Clone, PartialEq, Eq)]
            #[allow(dead_code)]
            pub enum #ty {
                #(#docs #variants(::std::string::String),)*
            }

            #[allow(dead_code)]
            impl #ty {
                /// The error name, as `ErrorEquals` spells it.
                pub fn name(&self) -> &'static str {
                    match self {
                        #(#ty::#variants(_) => #lits,)*
                    }
                }
            }

            impl ::std::convert::From<#ty> for #public::TaskError {
                fn from(e: #ty) -> Self {
                    let name = e.name();
                    match e {
                        #(#ty::#variants(cause))|* => #public::TaskError::new(name, cause),
                    }
                }
            }
        });
    }

    /// A Choice condition as a Rust boolean expression, without redundant parentheses:
    /// the expression, and whether it is a `&&`/`||` chain (needs parentheses to nest).
    fn condition_parts(&mut self, c: &Condition) -> (TokenStream, bool) {
        let rt = self.rt.clone();
        match c {
            Condition::And(cs) | Condition::Or(cs) => {
                let parts: Vec<TokenStream> = cs
                    .iter()
                    .map(|c| {
                        let (t, compound) = self.condition_parts(c);
                        if compound { quote!((#t)) } else { t }
                    })
                    .collect();
                if parts.len() == 1 {
                    let (t, compound) = self.condition_parts(&cs[0]);
                    return (t, compound);
                }
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

fn function_ident(f: Function) -> proc_macro2::Ident {
    let name = f.name().trim_start_matches("States.");
    let name = if f == intrinsic::Function::Uuid {
        "Uuid"
    } else {
        name
    };
    format_ident!("{}", name)
}

/// A Pass state that changes nothing (no Result, paths, templates or Assign): generated as
/// its events and a transition.
fn trivial_pass(s: &State) -> bool {
    matches!(&s.kind, StateKind::Pass(p) if p.result.is_none())
        && s.assign.is_none()
        && s.io == Io::default()
}

/// What AWS would do for a Task `Resource`, for the handler method's doc (TASK-1, TASK-4,
/// TASK-5).
pub fn resource_description(resource: &str) -> String {
    let arn: Vec<&str> = resource.splitn(7, ':').collect();
    match arn.as_slice() {
        ["arn", _, "lambda", _, _, "function", rest] => {
            let name = rest.split(':').next().unwrap_or(rest);
            format!(
                "On AWS this invokes the Lambda function `{name}` with the effective input; \
                 return what the function returns."
            )
        }
        ["arn", _, "states", _, _, "activity", name] => format!(
            "On AWS an activity worker polls activity `{name}` (`GetActivityTask`) and answers \
             with `SendTaskSuccess`/`SendTaskFailure`; return the worker's output, call \
             `TaskContext::heartbeat` for its `SendTaskHeartbeat`s."
        ),
        ["arn", _, "states", _, _, service, action] => {
            let (action, pattern) = match action.split_once('.') {
                Some((a, p)) => (a, Some(p)),
                None => (*action, None),
            };
            let call = if *service == "aws-sdk" {
                let (svc, act) = action.split_once(':').unwrap_or(("", action));
                format!("calls the `{svc}` API action `{act}` through the AWS SDK integration")
            } else if *service == "lambda" && action == "invoke" {
                "calls Lambda `Invoke` with the effective input as its parameters \
                 (`FunctionName`, `Payload`, …)"
                    .to_string()
            } else {
                format!("calls `{service}:{action}` (an optimized integration)")
            };
            match pattern {
                Some("waitForTaskToken") => format!(
                    "On AWS this {call}, then waits for `SendTaskSuccess`/`SendTaskFailure` with \
                     the task token (`TaskContext::task_token`); return the success output, or \
                     fail with the error that would be sent."
                ),
                Some(p) if p.starts_with("sync") => format!(
                    "On AWS this {call} and waits for the job to finish; return the job's \
                     result, or fail with its error."
                ),
                _ if *service == "lambda" && action == "invoke" => format!(
                    "On AWS this {call}; return the response envelope (`Payload`, \
                     `StatusCode`, …), e.g. `asl_runtime::lambda::invoke_response(payload)`."
                ),
                _ => format!("On AWS this {call}; return the API response."),
            }
        }
        _ => "A resource of its own: return the task's result.".to_string(),
    }
}

/// Whether a definition uses something code generation does not support yet (a Distributed
/// Map's ItemReader/ResultWriter), with the reason.
pub fn unsupported(machine: &StateMachine) -> Option<String> {
    for s in machine.states.all_states() {
        if let StateKind::Map(m) = &s.kind
            && (m.item_reader.is_some() || m.result_writer.is_some())
        {
            return Some(format!(
                "Distributed Map ItemReader/ResultWriter in `{}`",
                s.name
            ));
        }
    }
    None
}

#[cfg(test)]
mod resource_tests {
    use super::resource_description as d;

    #[test]
    fn says_what_aws_would_call() {
        assert!(
            d("arn:aws:lambda:us-east-1:1:function:charge").contains("Lambda function `charge`")
        );
        assert!(d("arn:aws:lambda:us-east-1:1:function:charge:live").contains("`charge`"));
        assert!(d("arn:aws:states:::lambda:invoke").contains("invoke_response"));
        assert!(d("arn:aws:states:::sqs:sendMessage.waitForTaskToken").contains("SendTaskSuccess"));
        assert!(d("arn:aws:states:::states:startExecution.sync:2").contains("waits for the job"));
        assert!(d("arn:aws:states:::aws-sdk:s3:getObject").contains("`s3` API action `getObject`"));
        assert!(d("arn:aws:states:us-east-1:1:activity:review").contains("activity `review`"));
        assert!(d("arn:aws:states:::dynamodb:putItem").contains("`dynamodb:putItem`"));
        assert!(d("my:custom").contains("of its own"));
    }
}
