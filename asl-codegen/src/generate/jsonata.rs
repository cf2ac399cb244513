//! JSONata expressions as `asl_runtime::jsonata::Node` constants.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use crate::jsonata::{Node, PathStep};

fn f64_lit(f: f64) -> TokenStream {
    if f.is_finite() {
        let l = Literal::f64_suffixed(f);
        quote!(#l)
    } else {
        quote!(0.0_f64)
    }
}

fn op_ident(op: &str) -> proc_macro2::Ident {
    let name = match op {
        "+" => "Add",
        "-" => "Sub",
        "*" => "Mul",
        "/" => "Div",
        "%" => "Mod",
        "=" => "Eq",
        "!=" => "Ne",
        "<" => "Lt",
        "<=" => "Le",
        ">" => "Gt",
        ">=" => "Ge",
        "&" => "Concat",
        "and" => "And",
        "or" => "Or",
        "in" => "In",
        _ => "Range",
    };
    proc_macro2::Ident::new(name, proc_macro2::Span::call_site())
}

/// A constant expression of type `Node` for `n`; `rt` is the runtime crate's path.
pub fn node(n: &Node, rt: &TokenStream) -> TokenStream {
    let j = quote!(#rt::jsonata);
    let boxed = |x: &Node| {
        let t = node(x, rt);
        quote!(&#t)
    };
    let list = |xs: &[Node]| {
        let ts = xs.iter().map(|x| node(x, rt));
        quote!(&[#(#ts),*])
    };
    let pairs = |ps: &[(Node, Node)]| {
        let ts = ps.iter().map(|(k, v)| {
            let (k, v) = (node(k, rt), node(v, rt));
            quote!((#k, #v))
        });
        quote!(&[#(#ts),*])
    };
    match n {
        Node::Str(s) => quote!(#j::Node::Str(#s)),
        Node::Num(f) => {
            let f = f64_lit(*f);
            quote!(#j::Node::Num(#f))
        }
        Node::Bool(b) => quote!(#j::Node::Bool(#b)),
        Node::Null => quote!(#j::Node::Null),
        Node::Regex(r, f) => quote!(#j::Node::Regex(#r, #f)),
        Node::Name(s) => quote!(#j::Node::Name(#s)),
        Node::Var(s) => quote!(#j::Node::Var(#s)),
        Node::Wildcard => quote!(#j::Node::Wildcard),
        Node::Descendants => quote!(#j::Node::Descendants),
        Node::Placeholder => quote!(#j::Node::Placeholder),
        Node::Neg(x) => {
            let x = boxed(x);
            quote!(#j::Node::Neg(#x))
        }
        Node::Binary(op, a, b) => {
            let op = op_ident(op);
            let (a, b) = (boxed(a), boxed(b));
            quote!(#j::Node::Binary(#j::BinOp::#op, #a, #b))
        }
        Node::Path(steps, keep) => {
            let steps = steps.iter().map(|s| step(s, rt));
            quote!(#j::Node::Path(&#j::Path { steps: &[#(#steps),*], keep_singleton: #keep }))
        }
        Node::Filtered(x, preds) => {
            let (x, preds) = (boxed(x), list(preds));
            quote!(#j::Node::Filtered(#x, #preds))
        }
        Node::Group(x, ps) => {
            let (x, ps) = (boxed(x), pairs(ps));
            quote!(#j::Node::Group(#x, #ps))
        }
        Node::Array(items) => {
            let items = list(items);
            quote!(#j::Node::Array(#items))
        }
        Node::Object(ps) => {
            let ps = pairs(ps);
            quote!(#j::Node::Object(#ps))
        }
        Node::Condition(c, t, e) => {
            let (c, t) = (boxed(c), boxed(t));
            let e = match e {
                Some(e) => {
                    let e = boxed(e);
                    quote!(Some(#e))
                }
                None => quote!(None),
            };
            quote!(#j::Node::Condition(#c, #t, #e))
        }
        Node::Bind(name, v) => {
            let v = boxed(v);
            quote!(#j::Node::Bind(#name, #v))
        }
        Node::Block(items) => {
            let items = list(items);
            quote!(#j::Node::Block(#items))
        }
        Node::Call(f, args) => {
            let (f, args) = (boxed(f), list(args));
            quote!(#j::Node::Call(#f, #args))
        }
        Node::Lambda(params, sig, body) => {
            let body = node(body, rt);
            let sig = match sig {
                Some(s) => quote!(Some(#s)),
                None => quote!(None),
            };
            quote!(#j::Node::Lambda(&#j::Lambda { params: &[#(#params),*], signature: #sig, body: #body }))
        }
        Node::Apply(a, b) => {
            let (a, b) = (boxed(a), boxed(b));
            quote!(#j::Node::Apply(#a, #b))
        }
        Node::Transform(p, u, d) => {
            let (p, u) = (boxed(p), boxed(u));
            let d = match d {
                Some(d) => {
                    let d = boxed(d);
                    quote!(Some(#d))
                }
                None => quote!(None),
            };
            quote!(#j::Node::Transform(#p, #u, #d))
        }
        Node::Sort(terms) => {
            let ts = terms.iter().map(|(d, t)| {
                let t = node(t, rt);
                quote!((#d, #t))
            });
            quote!(#j::Node::Sort(&[#(#ts),*]))
        }
        Node::Bound(inner, binds) => {
            let inner = node(inner, rt);
            let opt = |v: Option<String>| match v {
                Some(v) => quote!(Some(#v)),
                None => quote!(None),
            };
            let focus = opt(binds.focus.clone());
            let index = opt(binds.index.clone());
            let ancestor = opt(binds.ancestor.as_ref().map(label));
            quote!(#j::Node::Bound(&#j::Bound { node: #inner, focus: #focus, index: #index, ancestor: #ancestor }))
        }
        Node::Position(name) => quote!(#j::Node::Position(#name)),
        Node::Parent(_, l) => {
            let l = label(l);
            quote!(#j::Node::Parent(#l))
        }
        Node::Tuples(inner) => {
            let inner = boxed(inner);
            quote!(#j::Node::Tuples(#inner))
        }
    }
}

/// The name a parent slot's context item is bound to (jsonata-js's `!0`, `!1`, …: not a
/// name an expression can write).
fn label(l: &crate::jsonata::Label) -> String {
    format!("!{}", l.get())
}

fn step(s: &PathStep, rt: &TokenStream) -> TokenStream {
    let n = node(&s.node, rt);
    let stages = s.stages.iter().map(|x| node(x, rt));
    let cons = s.cons_array;
    quote!(#rt::jsonata::Step { node: #n, stages: &[#(#stages),*], cons_array: #cons })
}
