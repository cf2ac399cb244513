//! Rust identifiers for state names.
//!
//! Any valid ASL state name must compile, and no name may inject code. The rule:
//! 1. Split the name into words at every character that is not an ASCII letter or digit, and
//!    at case changes (`Validate order`, `validate_order`, `ValidateOrder` → `validate`, `order`).
//!    A non-ASCII character becomes its own word `u<hex>` (`é` → `ue9`), so unicode names stay
//!    distinct and identifiers stay ASCII (no lints about confusable characters).
//! 2. Join the words in the target case (`UpperCamelCase` for types and variants, `snake_case`
//!    for methods).
//! 3. An empty result becomes `State` / `state`; one that starts with a digit gets the prefix
//!    `S` / `state_`; a Rust keyword gets the suffix `_` (`type_`, `Self_`).
//! 4. Names that collide after this (`Do It`, `do_it`, `DoIt`) get suffixes `2`, `3`, … in the
//!    order the states appear in the definition, so identifiers are deterministic.

use std::collections::HashSet;

use heck::{ToSnakeCase, ToUpperCamelCase};

/// Rust's strict and reserved keywords (edition 2024), including `gen`.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "union",
];

fn words(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if c.is_ascii() {
            out.push(' ');
        } else {
            out.push_str(&format!(" u{:x} ", c as u32));
        }
    }
    out
}

/// `UpperCamelCase` form of a name (rules 1–3).
pub fn type_name(name: &str) -> String {
    let mut s = words(name).to_upper_camel_case();
    if s.is_empty() {
        s = "State".into();
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, 'S');
    }
    if KEYWORDS.contains(&s.as_str()) {
        s.push('_');
    }
    s
}

/// `snake_case` form of a name (rules 1–3).
pub fn fn_name(name: &str) -> String {
    let mut s = words(name).to_snake_case();
    if s.is_empty() {
        s = "state".into();
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert_str(0, "state_");
    }
    if KEYWORDS.contains(&s.as_str()) {
        s.push('_');
    }
    s
}

/// Hands out distinct identifiers (rule 4).
#[derive(Debug, Default)]
pub struct Names {
    taken: HashSet<String>,
}

impl Names {
    /// Marks names as used (e.g. method names the generated code itself needs).
    pub fn reserve(&mut self, names: &[&str]) {
        self.taken.extend(names.iter().map(|s| s.to_string()));
    }

    /// `base`, or `base2`, `base3`, … if taken.
    pub fn unique(&mut self, base: String) -> String {
        if self.taken.insert(base.clone()) {
            return base;
        }
        let mut n = 2;
        loop {
            let candidate = format!("{base}{n}");
            if self.taken.insert(candidate.clone()) {
                return candidate;
            }
            n += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions() {
        assert_eq!(type_name("Validate order"), "ValidateOrder");
        assert_eq!(fn_name("Validate order"), "validate_order");
        assert_eq!(fn_name("ValidateOrder"), "validate_order");
        assert_eq!(type_name("type"), "Type");
        assert_eq!(fn_name("type"), "type_");
        assert_eq!(fn_name("Self"), "self_");
        assert_eq!(type_name("Self"), "Self_");
        assert_eq!(type_name("3 little pigs"), "S3LittlePigs");
        assert_eq!(fn_name("3 little pigs"), "state_3_little_pigs");
        assert_eq!(type_name("注文"), "U6ce8U6587");
        assert_eq!(type_name("\"quoted\"; drop()"), "QuotedDrop");
        assert_eq!(type_name("!!!"), "State");
        assert_eq!(fn_name("gen"), "gen_");
    }

    #[test]
    fn collisions_are_numbered_in_order() {
        let mut n = Names::default();
        let got: Vec<String> = ["Do It", "do_it", "DoIt"]
            .iter()
            .map(|s| n.unique(type_name(s)))
            .collect();
        assert_eq!(got, ["DoIt", "DoIt2", "DoIt3"]);
    }
}
