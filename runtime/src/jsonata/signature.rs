//! Function signatures (`<s-nn?:s>`) and argument validation, with the behaviour of
//! jsonata-js 2.0.
//!
//! A signature lists one symbol per parameter: `b` boolean, `n` number, `s` string, `l`
//! null, `a` array, `o` object, `f` function, `j` any JSON value, `x` anything, `(…)` a
//! choice of those, and `a<…>`/`f<…>` with a type parameter. A modifier follows its
//! parameter: `?` optional, `+` one or more, `-` the context value when the argument is
//! missing. Everything from `:` on (the return type) is ignored.
//!
//! jsonata-js turns the parameters into a regular expression over one symbol per argument
//! (`m` for an undefined argument, which most parameters accept) and matches it against
//! the call; [`Signature::validate`] does the same matching (greedy, with backtracking)
//! and then fixes the arguments up: the context value goes where a `-` parameter was left
//! out, and a single value passed for an array parameter becomes a one-item array.

use serde_json::Value as Json;

use super::value::{Error, Value};

/// The type symbol of an argument, as signatures name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum Sym {
    Array = 1,
    Str = 1 << 1,
    Num = 1 << 2,
    Bool = 1 << 3,
    Null = 1 << 4,
    Func = 1 << 5,
    Obj = 1 << 6,
    /// An undefined argument.
    Missing = 1 << 7,
}

impl Sym {
    fn of(v: Option<&Value<'_>>) -> Sym {
        match v {
            None => Sym::Missing,
            Some(Value::Null | Value::Json(Json::Null)) => Sym::Null,
            Some(Value::Bool(_) | Value::Json(Json::Bool(_))) => Sym::Bool,
            Some(Value::Num(_) | Value::Json(Json::Number(_))) => Sym::Num,
            Some(Value::Str(_) | Value::Json(Json::String(_))) => Sym::Str,
            Some(Value::Array(_) | Value::Json(Json::Array(_))) => Sym::Array,
            Some(Value::Object(_) | Value::Json(Json::Object(_))) => Sym::Obj,
            Some(Value::Func(_)) => Sym::Func,
        }
    }

    fn from_char(c: char) -> Option<Sym> {
        Some(match c {
            'a' => Sym::Array,
            's' => Sym::Str,
            'n' => Sym::Num,
            'b' => Sym::Bool,
            'l' => Sym::Null,
            'f' => Sym::Func,
            'o' => Sym::Obj,
            'm' => Sym::Missing,
            _ => return None,
        })
    }

    fn to_char(self) -> char {
        match self {
            Sym::Array => 'a',
            Sym::Str => 's',
            Sym::Num => 'n',
            Sym::Bool => 'b',
            Sym::Null => 'l',
            Sym::Func => 'f',
            Sym::Obj => 'o',
            Sym::Missing => 'm',
        }
    }
}

/// A set of [`Sym`]s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Syms(u8);

impl Syms {
    fn of(symbols: &str) -> Syms {
        Syms(
            symbols
                .chars()
                .filter_map(Sym::from_char)
                .fold(0, |set, s| set | s as u8),
        )
    }

    fn has(self, s: Sym) -> bool {
        self.0 & s as u8 != 0
    }
}

/// One parameter of a signature.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Param {
    /// The symbol of the parameter (`a`, `s`, `(sf)`, …), for the array coercion and errors.
    kind: String,
    /// What arguments it accepts.
    accepts: Syms,
    /// The type parameter of `a<…>` / `f<…>`.
    subtype: Option<String>,
    /// `-`: the context value stands in when the argument is left out.
    context: bool,
    /// How many arguments it takes at least…
    min: usize,
    /// …and at most.
    max: usize,
    /// Prefers fewer arguments (a modifier on a modifier, as `-?`: a lazy regex quantifier).
    lazy: bool,
}

impl Param {
    fn new(kind: impl Into<String>, accepts: &str) -> Param {
        Param {
            kind: kind.into(),
            accepts: Syms::of(accepts),
            subtype: None,
            context: false,
            min: 1,
            max: 1,
            lazy: false,
        }
    }

    fn is_array(&self) -> bool {
        self.kind == "a"
    }

    /// Applies `?` (also what `-` adds) or `+`.
    fn quantify(&mut self, modifier: char) {
        match (modifier, self.min, self.max) {
            ('?', 1, 1) => self.min = 0,
            ('+', 1, 1) => self.max = usize::MAX,
            // A quantifier after a quantifier makes it lazy, as in a regex.
            ('?', _, _) => self.lazy = true,
            _ => {}
        }
    }

    /// An argument for an array parameter: its items checked against `a<T>`, and a single
    /// value made a one-item array.
    fn array_arg<'a>(
        &self,
        v: Value<'a>,
        matched: &[Sym],
        index: usize,
        name: &str,
    ) -> Result<Value<'a>, Error> {
        if let Some(subtype) = &self.subtype {
            let ok = match &v.items() {
                // jsonata-js compares what the whole parameter matched with the subtype.
                None => matched.iter().map(|s| s.to_char()).eq(subtype.chars()),
                Some(items) => match items.first() {
                    None => true,
                    Some(first) => {
                        let sym = Sym::of(Some(first));
                        subtype.starts_with(sym.to_char())
                            && items.iter().all(|i| Sym::of(Some(i)) == sym)
                    }
                },
            };
            if !ok {
                return Err(Error::new(
                    "T0412",
                    format!(
                        "Argument {} of function \"{name}\" must be an array of {}",
                        index + 1,
                        type_name_plural(subtype)
                    ),
                ));
            }
        }
        Ok(if v.is_array() {
            v
        } else {
            Value::array(vec![v])
        })
    }
}

/// A parsed function signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    params: Vec<Param>,
}

/// The position of the bracket that closes the one at `open` (the end if none does).
fn closing(chars: &[char], open: usize, open_ch: char, close_ch: char) -> usize {
    let mut depth = 0usize;
    for (i, &c) in chars.iter().enumerate().skip(open) {
        if c == open_ch {
            depth += 1;
        } else if c == close_ch {
            depth -= 1;
            if depth == 0 {
                return i;
            }
        }
    }
    chars.len()
}

fn type_name_plural(subtype: &str) -> String {
    match subtype {
        "a" => "arrays".into(),
        "b" => "booleans".into(),
        "f" => "functions".into(),
        "n" => "numbers".into(),
        "o" => "objects".into(),
        "s" => "strings".into(),
        other => other.into(),
    }
}

impl Signature {
    /// Parses `<…>`: S0401 for a type parameter on something other than an array or a
    /// function, S0402 for a choice group with a type parameter inside.
    pub fn parse(text: &str) -> Result<Signature, Error> {
        let chars: Vec<char> = text.chars().collect();
        let mut params: Vec<Param> = Vec::new();
        let mut i = 1;
        while i < chars.len() {
            let c = chars[i];
            match c {
                ':' => break,
                's' | 'n' | 'b' | 'l' | 'o' => params.push(Param::new(c, &format!("{c}m"))),
                'a' | 'x' => params.push(Param::new(c, "asnblfom")),
                'f' => params.push(Param::new(c, "f")),
                'j' => params.push(Param::new(c, "asnblom")),
                '-' => {
                    if let Some(p) = params.last_mut() {
                        p.context = true;
                        p.quantify('?');
                    }
                }
                '?' | '+' => {
                    if let Some(p) = params.last_mut() {
                        p.quantify(c);
                    }
                }
                '(' => {
                    let end = closing(&chars, i, '(', ')');
                    let choice: String = chars[i + 1..end.min(chars.len())].iter().collect();
                    if choice.contains('<') {
                        return Err(Error::new(
                            "S0402",
                            "Choice groups containing parameterized types are not supported",
                        ));
                    }
                    params.push(Param::new(format!("({choice})"), &format!("{choice}m")));
                    i = end;
                }
                '<' => match params.last_mut() {
                    Some(p) if p.kind == "a" || p.kind == "f" => {
                        let end = closing(&chars, i, '<', '>');
                        p.subtype = Some(chars[i + 1..end.min(chars.len())].iter().collect());
                        i = end;
                    }
                    _ => {
                        return Err(Error::new(
                            "S0401",
                            "Type parameters can only be applied to functions and arrays",
                        ));
                    }
                },
                _ => {}
            }
            i += 1;
        }
        Ok(Signature { params })
    }

    /// Checks the arguments of a call to `name` and returns them fixed up (see the module
    /// documentation); `context` is the context value of the call.
    pub fn validate<'a>(
        &self,
        args: Vec<Option<Value<'a>>>,
        context: &Option<Value<'a>>,
        name: &str,
    ) -> Result<Vec<Option<Value<'a>>>, Error> {
        let syms: Vec<Sym> = args.iter().map(|a| Sym::of(a.as_ref())).collect();
        let Some(counts) = fit(&self.params, &syms, true) else {
            return Err(self.mismatch(&syms, name));
        };
        let mut out = Vec::with_capacity(self.params.len().max(args.len()));
        let mut args = args.into_iter();
        // `index`: the next argument; `start`: where this parameter's match begins.
        let (mut index, mut start) = (0, 0);
        for (param, &count) in self.params.iter().zip(&counts) {
            let matched = &syms[start..start + count];
            start += count;
            if count == 0 {
                if param.context {
                    if !param.accepts.has(Sym::of(context.as_ref())) {
                        return Err(Error::new(
                            "T0411",
                            format!(
                                "Context value is not a compatible type with argument {} of \
                                 function \"{name}\"",
                                index + 1
                            ),
                        ));
                    }
                    out.push(context.clone());
                } else {
                    // As jsonata-js: an argument slot is used up all the same.
                    out.push(args.next().flatten());
                    index += 1;
                }
                continue;
            }
            for _ in 0..count {
                let arg = args.next().flatten();
                out.push(match arg {
                    Some(v) if param.is_array() => Some(param.array_arg(v, matched, index, name)?),
                    arg => arg,
                });
                index += 1;
            }
        }
        Ok(out)
    }

    /// T0410 for the first argument where the call stops matching the signature.
    fn mismatch(&self, syms: &[Sym], name: &str) -> Error {
        let mut good = 0;
        for k in 1..=self.params.len() {
            match fit(&self.params[..k], syms, false) {
                Some(counts) => good = counts.iter().sum(),
                None => break,
            }
        }
        Error::new(
            "T0410",
            format!(
                "Argument {} of function \"{name}\" does not match function signature",
                good + 1
            ),
        )
    }
}

/// How many of `syms` each parameter takes, matching as a backtracking regex engine does
/// (greedy unless lazy, first success wins); `whole`: all of `syms` must be taken.
fn fit(params: &[Param], syms: &[Sym], whole: bool) -> Option<Vec<usize>> {
    fn go(params: &[Param], syms: &[Sym], whole: bool, counts: &mut Vec<usize>) -> bool {
        let Some((p, rest)) = params.split_first() else {
            return !whole || syms.is_empty();
        };
        let avail = syms
            .iter()
            .take(p.max)
            .take_while(|s| p.accepts.has(**s))
            .count();
        if avail < p.min {
            return false;
        }
        let mut attempt = |n: usize| {
            counts.push(n);
            if go(rest, &syms[n..], whole, counts) {
                return true;
            }
            counts.pop();
            false
        };
        if p.lazy {
            (p.min..=avail).any(&mut attempt)
        } else {
            (p.min..=avail).rev().any(&mut attempt)
        }
    }
    let mut counts = Vec::with_capacity(params.len());
    go(params, syms, whole, &mut counts).then_some(counts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::rc::Rc;

    fn n<'a>(x: f64) -> Option<Value<'a>> {
        Some(Value::Num(x))
    }

    fn s<'a>(x: &str) -> Option<Value<'a>> {
        Some(Value::str(x))
    }

    fn arr<'a>(items: Vec<Value<'a>>) -> Option<Value<'a>> {
        Some(Value::array(items))
    }

    fn check<'a>(
        sig: &str,
        args: Vec<Option<Value<'a>>>,
        context: Option<Value<'a>>,
    ) -> Result<Vec<Option<Value<'a>>>, Error> {
        Signature::parse(sig)
            .expect("parses")
            .validate(args, &context, "f")
    }

    fn code(r: Result<Vec<Option<Value<'_>>>, Error>) -> (&'static str, String) {
        let e = r.expect_err("an error");
        (e.code, e.message)
    }

    /// The validated arguments as text, `_` for undefined.
    fn shown(r: Result<Vec<Option<Value<'_>>>, Error>) -> String {
        let items: Vec<String> = r
            .expect("valid")
            .iter()
            .map(|a| a.as_ref().map_or("_".to_string(), |v| format!("{v:?}")))
            .collect();
        format!("[{}]", items.join(", "))
    }

    #[test]
    fn parses_parameters_and_modifiers() {
        let sig = Signature::parse("<s-(sf)(sf)n?:s>").expect("parses");
        let kinds: Vec<&str> = sig.params.iter().map(|p| p.kind.as_str()).collect();
        assert_eq!(kinds, ["s", "(sf)", "(sf)", "n"]);
        assert!(sig.params[0].context);
        assert_eq!((sig.params[0].min, sig.params[0].max), (0, 1));
        assert_eq!((sig.params[3].min, sig.params[3].max), (0, 1));
        assert!(sig.params[1].accepts.has(Sym::Func));
        assert!(sig.params[1].accepts.has(Sym::Missing));
        assert!(!sig.params[1].accepts.has(Sym::Num));

        let sig = Signature::parse("<a<n>:n>").expect("parses");
        assert_eq!(sig.params.len(), 1);
        assert_eq!(sig.params[0].subtype.as_deref(), Some("n"));

        let sig = Signature::parse("<s-f<s:o>n?:a<o>>").expect("parses");
        assert_eq!(sig.params.len(), 3);
        assert_eq!(sig.params[1].subtype.as_deref(), Some("s:o"));

        let sig = Signature::parse("<a+>").expect("parses");
        assert_eq!((sig.params[0].min, sig.params[0].max), (1, usize::MAX));

        assert_eq!(Signature::parse("<:s>").expect("parses").params, []);
    }

    #[test]
    fn parse_errors() {
        assert_eq!(Signature::parse("<n<n>>").map_err(|e| e.code), Err("S0401"));
        assert_eq!(
            Signature::parse("<(sa<n>)>").map_err(|e| e.code),
            Err("S0402")
        );
    }

    #[test]
    fn wraps_single_values_for_arrays() {
        assert_eq!(shown(check("<a<n>:n>", vec![n(5.0)], None)), "[[5]]");
        assert_eq!(shown(check("<a:a>", vec![s("x")], None)), "[[\"x\"]]");
        assert_eq!(
            shown(check("<a<n>:n>", vec![arr(vec![Value::Num(1.0)])], None)),
            "[[1]]"
        );
        assert_eq!(shown(check("<a<n>:n>", vec![None], None)), "[_]");
        assert_eq!(
            shown(check("<a+>", vec![n(1.0), None, n(2.0)], None)),
            "[[1], _, [2]]"
        );
        // An empty array fits any item type.
        assert_eq!(
            shown(check("<a<s>s?:s>", vec![arr(vec![])], None)),
            "[[], _]"
        );
    }

    #[test]
    fn typed_arrays() {
        let mixed = arr(vec![Value::Num(1.0), Value::str("2")]);
        assert_eq!(
            code(check("<a<n>:n>", vec![mixed], None)),
            (
                "T0412",
                "Argument 1 of function \"f\" must be an array of numbers".into()
            )
        );
        let strs = arr(vec![Value::str("1")]);
        assert_eq!(code(check("<a<n>:n>", vec![strs], None)).0, "T0412");
        assert_eq!(code(check("<a<s>s?:s>", vec![n(1.0)], None)).0, "T0412");
        assert_eq!(
            code(check("<a<o>:o>", vec![s("x")], None)).1,
            "Argument 1 of function \"f\" must be an array of objects"
        );
        let objs = arr(vec![Value::object(Default::default())]);
        assert!(check("<a<o>:o>", vec![objs], None).is_ok());
    }

    #[test]
    fn mismatches_name_the_first_bad_argument() {
        let msg = |sig, args| code(check(sig, args, None));
        assert_eq!(
            msg("<a<n>:n>", vec![n(1.0), n(2.0)]),
            (
                "T0410",
                "Argument 2 of function \"f\" does not match function signature".into()
            )
        );
        assert_eq!(msg("<a<n>:n>", vec![]).1, msg("<x:b>", vec![]).1);
        assert!(msg("<x:b>", vec![]).1.starts_with("Argument 1 "));
        assert!(
            msg("<s-:n>", vec![s("a"), s("b")])
                .1
                .starts_with("Argument 2 ")
        );
        assert!(
            msg("<s-(sf)(sf)n?:s>", vec![s("a")])
                .1
                .starts_with("Argument 2 ")
        );
        assert!(
            msg("<s-(sf)n?:a<s>>", vec![n(1.0)])
                .1
                .starts_with("Argument 1 ")
        );
        assert!(
            msg("<af>", vec![arr(vec![]), n(1.0)])
                .1
                .starts_with("Argument 2 ")
        );
        assert!(
            msg("<af>", vec![arr(vec![]), None])
                .1
                .starts_with("Argument 2 ")
        );
        assert!(msg("<:s>", vec![n(1.0)]).1.starts_with("Argument 1 "));
        assert!(
            msg("<n-n:n>", vec![s("1"), n(1.0)])
                .1
                .starts_with("Argument 1 ")
        );
    }

    #[test]
    fn context_fills_missing_arguments() {
        assert_eq!(shown(check("<s-:n>", vec![], s("hi"))), "[\"hi\"]");
        assert_eq!(shown(check("<s-:n>", vec![], None)), "[_]");
        assert_eq!(
            shown(check("<s-nn?:s>", vec![n(1.0)], s("abc"))),
            "[\"abc\", 1, _]"
        );
        assert_eq!(
            shown(check("<s-nn?:s>", vec![s("x"), n(1.0), n(2.0)], s("abc"))),
            "[\"x\", 1, 2]"
        );
        assert_eq!(
            shown(check("<x-b?:s>", vec![Some(Value::Bool(true))], None)),
            "[true, _]"
        );
        assert_eq!(shown(check("<x-b?:s>", vec![], n(3.0))), "[3, _]");
        let (c, m) = code(check("<s-:n>", vec![], n(1.0)));
        assert_eq!(c, "T0411");
        assert_eq!(
            m,
            "Context value is not a compatible type with argument 1 of function \"f\""
        );
        assert_eq!(code(check("<(oa)-:o>", vec![], s("x"))).0, "T0411");
        let obj = Some(Value::object(Default::default()));
        assert_eq!(shown(check("<(oa)-:o>", vec![], obj)), "[{}]");
    }

    #[test]
    fn optional_and_missing_arguments() {
        assert_eq!(shown(check("<s?s?:s>", vec![], None)), "[_, _]");
        assert_eq!(shown(check("<x:b>", vec![None], None)), "[_]");
        assert_eq!(
            shown(check("<s-(sf):b>", vec![s("a"), None], None)),
            "[\"a\", _]"
        );
        let func = Some(Value::Func(Rc::new(super::super::value::Func::Chain(
            Value::Null,
            Value::Null,
        ))));
        assert!(check("<af?:a>", vec![arr(vec![]), func.clone()], None).is_ok());
        assert!(check("<af?:a>", vec![arr(vec![]), s("x")], None).is_err());
        assert_eq!(
            shown(check("<o-f?:o>", vec![func], None)),
            "[_, <function>]"
        );
    }
}
