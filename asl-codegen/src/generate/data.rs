//! Literals, JSONPath paths, payload templates, intrinsic calls and JSONata expressions as
//! constant expressions of `asl-runtime` types, and the `static`s that hold them.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use super::{Gen, jsonata, lit_str};
use crate::intrinsic::{self, Arg, Call, Function};
use crate::model::*;
use crate::parse::{Json, Value as JValue};
use crate::path::{self, CompareOp, Filter, Operand as POperand, Path, Root, Selector};

impl Gen {
    pub(super) fn lit(&self, j: &Json) -> TokenStream {
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

    pub(super) fn f64_tokens(f: f64) -> TokenStream {
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

    pub(super) fn path_value(&self, p: &Path) -> TokenStream {
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
    pub(super) fn path(&mut self, p: &Path) -> TokenStream {
        let rt = self.rt.clone();
        let v = self.path_value(p);
        let name = self.add_static("PATH", quote!(#rt::jsonpath::Path), v);
        quote!(&#name)
    }

    pub(super) fn call_value(&self, c: &Call) -> TokenStream {
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

    pub(super) fn template_value(&self, t: &Template, key: &str) -> TokenStream {
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

    pub(super) fn path_field(&mut self, f: &PathField) -> TokenStream {
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
    pub(super) fn assign_template(&self, assign: Option<&Assign>) -> TokenStream {
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
    pub(super) fn jexpr(&self, j: &Jsonata) -> TokenStream {
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
    pub(super) fn jtemplate(&self, v: &JsonataValue) -> TokenStream {
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
    pub(super) fn jtemplate_opt(&self, v: Option<&JsonataValue>) -> TokenStream {
        match v {
            Some(v) => {
                let t = self.jtemplate(v);
                quote!(Some(&#t))
            }
            None => quote!(None),
        }
    }

    /// A JSONata `Assign` as a template object keyed by variable name.
    pub(super) fn jassign(&self, assign: Option<&Assign>) -> TokenStream {
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
