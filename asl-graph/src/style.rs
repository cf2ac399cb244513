//! Colours of state types and statuses, shared by the SVG, DOT and Mermaid writers.
//!
//! Type colours are pale fills with a darker outline and near-black text; status colours
//! (an execution's view) are strong fills, each paired with the text colour that keeps a
//! WCAG contrast of at least 4.5:1 on it (a unit test computes the ratios).

use crate::{Kind, Status};

/// Text on a type-coloured (pale) fill.
pub(crate) const TEXT: &str = "#1b1f23";
/// Edges, and their arrowheads.
pub(crate) const EDGE: &str = "#546e7a";
/// Catch edges.
pub(crate) const CATCH: &str = "#b3261e";
/// Edge label text (on a white background).
pub(crate) const LABEL: &str = "#37474f";
/// The start and end markers' fill (white text).
pub(crate) const MARKER: &str = "#37474f";

/// A state type's (fill, outline).
pub(crate) fn kind_colours(kind: Kind) -> (&'static str, &'static str) {
    match kind {
        Kind::Task => ("#e3f2fd", "#1565c0"),
        Kind::Choice => ("#fff8e1", "#a15c00"),
        Kind::Parallel => ("#f3e5f5", "#6a1b9a"),
        Kind::Map => ("#e0f2f1", "#00695c"),
        Kind::Wait => ("#ede7f6", "#4527a0"),
        Kind::Pass => ("#f5f5f5", "#616161"),
        Kind::Succeed => ("#e8f5e9", "#2e7d32"),
        Kind::Fail => ("#ffebee", "#c62828"),
    }
}

/// A status's (fill, text colour).
pub(crate) fn status_colours(status: Status) -> (&'static str, &'static str) {
    match status {
        Status::Succeeded => ("#2e7d32", "#ffffff"),
        Status::Failed => ("#c62828", "#ffffff"),
        Status::Caught => ("#f57c00", "#000000"),
        Status::Retried => ("#ffc107", "#000000"),
        Status::Running => ("#1565c0", "#ffffff"),
        Status::Aborted => ("#424242", "#ffffff"),
        Status::NotReached => ("#eeeeee", "#424242"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// WCAG 2 relative luminance of `#rrggbb`.
    fn luminance(hex: &str) -> f64 {
        let channel = |i: usize| {
            let v = u8::from_str_radix(&hex[i..i + 2], 16).unwrap() as f64 / 255.0;
            if v <= 0.03928 {
                v / 12.92
            } else {
                ((v + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)
    }

    fn contrast(a: &str, b: &str) -> f64 {
        let (la, lb) = (luminance(a), luminance(b));
        (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
    }

    /// Every fill keeps its text readable: a contrast of at least 4.5:1 (WCAG AA).
    #[test]
    fn text_contrast_is_at_least_4_5() {
        for s in Status::ALL {
            let (fill, text) = status_colours(s);
            let c = contrast(fill, text);
            assert!(c >= 4.5, "{}: {c:.2}", s.as_str());
        }
        for k in Kind::ALL {
            let (fill, _) = kind_colours(k);
            let c = contrast(fill, TEXT);
            assert!(c >= 4.5, "{}: {c:.2}", k.as_str());
        }
        assert!(contrast("#ffffff", LABEL) >= 4.5);
        assert!(contrast(MARKER, "#ffffff") >= 4.5);
    }
}
