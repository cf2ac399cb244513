//! JSONata's function library (jsonata-js 2.0) plus the functions Step Functions adds
//! (`$partition`, `$range`, `$hash`, `$random` with a seed, `$uuid`, `$parse`). `$eval` is not
//! available, as on AWS.
//!
//! This module holds the registry (name, arity, signature, implementation) and the signature
//! check every call passes through; the implementations live in one module per family.

mod args;
mod arrays;
mod booleans;
mod encoding;
mod higher_order;
mod numbers;
mod objects;
mod patterns;
mod stepfunctions;
mod strings;
mod time;

use std::sync::LazyLock;

use super::eval::{Evaluator, NativeCall};
use super::signature::Signature;
use super::value::{Error, Outcome};
use args::R;

pub use higher_order::merge_sort;
pub(crate) use objects::deep_own;
pub use patterns::{compile_regex, regex_match};
pub use strings::{stringify, to_string};

/// An implementation of a library function.
pub type NativeFn = for<'a, 'c> fn(&Evaluator<'a>, NativeCall<'c, 'a>) -> Outcome<'a>;

/// A library function.
pub struct Native {
    /// Its name (without `$`).
    pub name: &'static str,
    /// How many arguments it declares (what higher-order functions pass to it).
    pub arity: usize,
    /// Always 0: the signature inserts the context value for `-` parameters before the
    /// implementation runs (kept for `format.rs`, which still reads it).
    pub context_args: usize,
    /// Its signature as jsonata-js declares it (`<s-nn?:s>`).
    pub signature: &'static str,
    /// The signature, parsed on first use.
    parsed: &'static LazyLock<Result<Signature, Error>>,
    /// The implementation, behind the signature check (see [`validated`]).
    pub f: NativeFn,
}

/// Checks and fixes up the arguments by the signature of `c.native`, then runs `imp`.
fn validated<'a>(ev: &Evaluator<'a>, c: NativeCall<'_, 'a>, imp: NativeFn) -> R<'a> {
    let sig = c.native.parsed.as_ref().map_err(|e| {
        Error::new(
            e.code,
            format!("{} (signature {})", e.message, c.native.signature),
        )
    })?;
    let args = sig.validate(c.args, c.focus, c.native.name)?;
    imp(ev, NativeCall { args, ..c })
}

macro_rules! natives {
    ($($name:literal => $f:path, $arity:literal, $sig:literal;)*) => {
        static NATIVES: &[Native] = &[
            $(Native {
                name: $name,
                arity: $arity,
                context_args: 0,
                signature: $sig,
                parsed: {
                    static PARSED: LazyLock<Result<Signature, Error>> =
                        LazyLock::new(|| Signature::parse($sig));
                    &PARSED
                },
                f: |ev, c| validated(ev, c, $f),
            },)*
        ];
    };
}

natives! {
    "abs" => numbers::abs, 1, "<n-:n>";
    "append" => arrays::append_fn, 2, "<xx:a>";
    "assert" => objects::assert_fn, 2, "<bs?:x>";
    "average" => numbers::average, 1, "<a<n>:n>";
    "base64decode" => encoding::base64decode, 1, "<s-:s>";
    "base64encode" => encoding::base64encode, 1, "<s-:s>";
    "boolean" => booleans::boolean, 1, "<x-:b>";
    "ceil" => numbers::ceil, 1, "<n-:n>";
    "clone" => objects::clone_fn, 1, "<(oa)-:o>";
    "contains" => patterns::contains, 2, "<s-(sf):b>";
    "count" => numbers::count, 1, "<a:n>";
    "decodeUrl" => encoding::decode_url, 1, "<s-:s>";
    "decodeUrlComponent" => encoding::decode_url_component, 1, "<s-:s>";
    "distinct" => arrays::distinct, 1, "<x:x>";
    "each" => objects::each, 2, "<o-f:a>";
    "encodeUrl" => encoding::encode_url, 1, "<s-:s>";
    "encodeUrlComponent" => encoding::encode_url_component, 1, "<s-:s>";
    "error" => objects::error_fn, 1, "<s?:x>";
    "exists" => booleans::exists, 1, "<x:b>";
    "filter" => higher_order::filter, 2, "<af>";
    "floor" => numbers::floor, 1, "<n-:n>";
    "formatBase" => numbers::format_base, 2, "<n-n?:s>";
    "formatInteger" => super::format::format_integer, 2, "<n-s:s>";
    "formatNumber" => super::format::format_number, 3, "<n-so?:s>";
    "fromMillis" => super::format::from_millis, 3, "<n-s?s?:s>";
    "hash" => stepfunctions::hash, 2, "<ss?:s>";
    "join" => strings::join, 2, "<a<s>s?:s>";
    "keys" => objects::keys, 1, "<x-:a<s>>";
    "length" => strings::length, 1, "<s-:n>";
    "lookup" => objects::lookup_fn, 2, "<x-s:x>";
    "lowercase" => strings::lowercase, 1, "<s-:s>";
    "map" => higher_order::map, 2, "<af>";
    "match" => patterns::match_fn, 3, "<s-f<s:o>n?:a<o>>";
    "max" => numbers::max, 1, "<a<n>:n>";
    "merge" => objects::merge, 1, "<a<o>:o>";
    "millis" => time::millis, 0, "<:n>";
    "min" => numbers::min, 1, "<a<n>:n>";
    "not" => booleans::not, 1, "<x-:b>";
    "now" => time::now, 2, "<s?s?:s>";
    "number" => numbers::number_fn, 1, "<(nsb)-:n>";
    "pad" => strings::pad, 3, "<s-ns?:s>";
    "parse" => stepfunctions::parse, 1, "<s:x>";
    "parseInteger" => super::format::parse_integer, 2, "<s-s:n>";
    "partition" => stepfunctions::partition, 2, "<an:a>";
    "power" => numbers::power, 2, "<n-n:n>";
    "random" => stepfunctions::random, 1, "<n?:n>";
    "range" => stepfunctions::range, 3, "<nnn?:a<n>>";
    "reduce" => higher_order::reduce, 3, "<afj?:j>";
    "replace" => patterns::replace, 4, "<s-(sf)(sf)n?:s>";
    "reverse" => arrays::reverse, 1, "<a:a>";
    "round" => numbers::round, 2, "<n-n?:n>";
    "shuffle" => arrays::shuffle, 1, "<a:a>";
    "sift" => objects::sift, 2, "<o-f?:o>";
    "single" => higher_order::single, 2, "<af?>";
    "sort" => higher_order::sort, 2, "<af?:a>";
    "split" => patterns::split, 3, "<s-(sf)n?:a<s>>";
    "spread" => objects::spread, 1, "<x-:a<o>>";
    "sqrt" => numbers::sqrt, 1, "<n-:n>";
    "string" => strings::string, 1, "<x-b?:s>";
    "substring" => strings::substring, 3, "<s-nn?:s>";
    "substringAfter" => strings::substring_after, 2, "<s-s:s>";
    "substringBefore" => strings::substring_before, 2, "<s-s:s>";
    "sum" => numbers::sum, 1, "<a<n>:n>";
    "toMillis" => super::format::to_millis, 2, "<s-s?:n>";
    "trim" => strings::trim, 1, "<s-:s>";
    "type" => objects::type_fn, 1, "<x:s>";
    "uppercase" => strings::uppercase, 1, "<s-:s>";
    "uuid" => stepfunctions::uuid_fn, 0, "<:s>";
    "zip" => arrays::zip, 0, "<a+>";
}

/// The library function called `name`.
pub fn lookup(name: &str) -> Option<&'static Native> {
    NATIVES
        .binary_search_by(|n| n.name.cmp(name))
        .ok()
        .map(|i| &NATIVES[i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natives_are_sorted_for_lookup() {
        for w in NATIVES.windows(2) {
            assert!(w[0].name < w[1].name, "{} before {}", w[0].name, w[1].name);
        }
        assert!(lookup("sum").is_some());
        assert!(lookup("eval").is_none());
    }

    #[test]
    fn signatures_parse() {
        for n in NATIVES {
            assert!(n.parsed.is_ok(), "{}: {}", n.name, n.signature);
        }
    }
}
