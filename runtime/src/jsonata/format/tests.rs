//! The library functions as JSONata calls them: arguments, the context value, errors.

use super::*;
use crate::jsonata::eval::Globals;
use crate::jsonata::functions::lookup;

#[test]
fn iso_without_picture() {
    assert_eq!(iso_millis(1509380732935), "2017-10-30T16:25:32.935Z");
    assert_eq!(iso_millis(-1), "1969-12-31T23:59:59.999Z");
    assert_eq!(iso_millis(0), "1970-01-01T00:00:00.000Z");
}

fn call<'a>(name: &str, args: Vec<Option<Value<'a>>>, focus: Option<Value<'a>>) -> Outcome<'a> {
    let ev = Evaluator::new(Globals {
        states: None,
        vars: None,
        root: None,
    });
    let native = lookup(name).expect("a library function");
    let focus = focus;
    let c = NativeCall {
        args,
        focus: &focus,
        native,
    };
    (native.f)(&ev, c)
}

fn text(o: Outcome<'_>) -> Option<String> {
    o.expect("no error")
        .map(|v| v.as_str().expect("a string").to_string())
}

fn number(o: Outcome<'_>) -> Option<f64> {
    o.expect("no error").map(|v| v.as_num().expect("a number"))
}

fn code(o: Outcome<'_>) -> &'static str {
    o.err().map_or("none", |e| e.code)
}

#[test]
fn library_functions() {
    let n = |x: f64| Some(Value::Num(x));
    let s = |x: &str| Some(Value::str(x));
    assert_eq!(
        text(call("formatNumber", vec![n(1234.5), s("#,##0.00")], None)).as_deref(),
        Some("1,234.50")
    );
    let options = Value::object(
        [
            ("decimal-separator".to_string(), Value::str(",")),
            ("grouping-separator".to_string(), Value::str(".")),
        ]
        .into_iter()
        .collect(),
    );
    assert_eq!(
        text(call(
            "formatNumber",
            vec![n(1234.5), s("#.##0,00"), Some(options)],
            None
        ))
        .as_deref(),
        Some("1.234,50")
    );
    assert_eq!(text(call("formatNumber", vec![None, s("0")], None)), None);
    assert_eq!(
        code(call("formatNumber", vec![s("1"), s("0")], None)),
        "T0410"
    );
    assert_eq!(
        code(call("formatNumber", vec![n(1.0), s("0"), n(2.0)], None)),
        "T0410"
    );
    // The context value fills in the first argument.
    assert_eq!(
        text(call("formatInteger", vec![s("w")], n(21.0))).as_deref(),
        Some("twenty-one")
    );
    assert_eq!(
        number(call("parseInteger", vec![s("xiv"), s("i")], None)),
        Some(14.0)
    );
    assert_eq!(
        number(call("parseInteger", vec![s("foo"), s("w")], None)),
        None
    );
    assert_eq!(
        text(call("fromMillis", vec![n(1521801216617.0)], None)).as_deref(),
        Some("2018-03-23T10:33:36.617Z")
    );
    assert_eq!(
        text(call(
            "fromMillis",
            vec![n(1521801216617.0), None, s("-0500")],
            None
        ))
        .as_deref(),
        Some("2018-03-23T05:33:36.617-05:00")
    );
    assert_eq!(
        text(call("fromMillis", vec![s("[Y]")], n(1521801216617.0))).as_deref(),
        Some("2018")
    );
    assert_eq!(
        code(call("fromMillis", vec![n(0.0), n(5.0)], None)),
        "T0410"
    );
    assert_eq!(
        number(call(
            "toMillis",
            vec![s("2018-02-01T09:42:13.123+0000")],
            None
        )),
        Some(1517478133123.0)
    );
    assert_eq!(
        number(call("toMillis", vec![s("201802"), s("[Y0001][M01]")], None)),
        Some(1517443200000.0)
    );
    assert_eq!(code(call("toMillis", vec![s("foo")], None)), "D3110");
    assert_eq!(number(call("toMillis", vec![None], None)), None);
    let now = text(call("now", vec![s("[Y0001]-[M01]-[D01]")], None)).expect("a date");
    assert_eq!(now.len(), 10);
    let now = text(call("now", vec![None, s("+0100")], None)).expect("a timestamp");
    assert!(now.ends_with("+01:00"), "{now}");
}
