//! Inline JSON written as Rust tokens → JSON text, with a map from text offsets back to the
//! tokens' spans so a diagnostic lands on the token it is about.

use std::ops::Range;

use proc_macro2::{Delimiter, Span, TokenStream, TokenTree};

/// Byte ranges of the JSON text and the span of the token that produced each.
pub struct SpanMap(Vec<(Range<usize>, Span)>);

impl SpanMap {
    /// The span of the token covering `offset` (or the nearest one before it).
    pub fn span_at(&self, offset: usize, fallback: Span) -> Span {
        self.0
            .iter()
            .rev()
            .find(|(r, _)| r.start <= offset)
            .map_or(fallback, |(_, s)| *s)
    }
}

/// Renders the tokens as JSON text.
pub fn to_json(tokens: TokenStream) -> syn::Result<(String, SpanMap)> {
    let mut out = String::new();
    let mut map = Vec::new();
    render(tokens, &mut out, &mut map)?;
    Ok((out, SpanMap(map)))
}

fn push(out: &mut String, map: &mut Vec<(Range<usize>, Span)>, text: &str, span: Span) {
    let start = out.len();
    out.push_str(text);
    map.push((start..out.len(), span));
}

fn render(
    tokens: TokenStream,
    out: &mut String,
    map: &mut Vec<(Range<usize>, Span)>,
) -> syn::Result<()> {
    for tt in tokens {
        match tt {
            TokenTree::Group(g) => {
                let (open, close) = match g.delimiter() {
                    Delimiter::Brace => ("{", "}"),
                    Delimiter::Bracket => ("[", "]"),
                    Delimiter::None => ("", ""),
                    Delimiter::Parenthesis => {
                        return Err(syn::Error::new(
                            g.span(),
                            "parentheses are not JSON: use `{ … }` for objects and `[ … ]` for arrays",
                        ));
                    }
                };
                push(out, map, open, g.span_open());
                render(g.stream(), out, map)?;
                push(out, map, close, g.span_close());
            }
            TokenTree::Punct(p) => match p.as_char() {
                ',' => push(out, map, ", ", p.span()),
                ':' => push(out, map, ": ", p.span()),
                '-' => push(out, map, "-", p.span()),
                c => {
                    return Err(syn::Error::new(p.span(), format!("`{c}` is not JSON")));
                }
            },
            TokenTree::Ident(i) => {
                let word = i.to_string();
                if !matches!(word.as_str(), "true" | "false" | "null") {
                    return Err(syn::Error::new(
                        i.span(),
                        format!("`{word}` is not JSON: strings need double quotes"),
                    ));
                }
                push(out, map, &word, i.span());
            }
            TokenTree::Literal(lit) => {
                let text = lit.to_string();
                let json = if text.starts_with('"') || text.starts_with('r') {
                    let s: syn::LitStr = syn::parse_str(&text).map_err(|_| {
                        syn::Error::new(lit.span(), "expected a JSON string or number")
                    })?;
                    serde_json::to_string(&s.value()).map_err(|e| {
                        syn::Error::new(lit.span(), format!("cannot encode string: {e}"))
                    })?
                } else if text.starts_with(|c: char| c.is_ascii_digit()) {
                    text
                } else {
                    return Err(syn::Error::new(
                        lit.span(),
                        "only double-quoted strings and numbers are JSON literals",
                    ));
                };
                push(out, map, &json, lit.span());
            }
        }
    }
    Ok(())
}
