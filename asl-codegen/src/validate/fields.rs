//! Which fields each state type allows, per query language (STATE-5, STATE-6, STATE-7,
//! STATE-FAIL-6, VAL-11, VAL-12).

use crate::model::QueryLanguage;

/// The eight state types (STATE-1).
pub const STATE_TYPES: [&str; 8] = [
    "Task", "Wait", "Pass", "Succeed", "Fail", "Choice", "Parallel", "Map",
];

const COMMON: &[&str] = &["Type", "Comment", "QueryLanguage"];

/// Fields a state of `ty` may have in `ql`, besides `Type`, `Comment` and `QueryLanguage`.
pub fn allowed(ty: &str, ql: QueryLanguage) -> &'static [&'static str] {
    use QueryLanguage::*;
    match (ty, ql) {
        ("Pass", JsonPath) => &[
            "InputPath",
            "OutputPath",
            "Parameters",
            "ResultPath",
            "Result",
            "Assign",
            "Next",
            "End",
        ],
        ("Pass", Jsonata) => &["Output", "Assign", "Next", "End"],
        ("Task", JsonPath) => &[
            "InputPath",
            "OutputPath",
            "Parameters",
            "ResultSelector",
            "ResultPath",
            "Resource",
            "TimeoutSeconds",
            "TimeoutSecondsPath",
            "HeartbeatSeconds",
            "HeartbeatSecondsPath",
            "Credentials",
            "Retry",
            "Catch",
            "Assign",
            "Next",
            "End",
        ],
        ("Task", Jsonata) => &[
            "Resource",
            "Arguments",
            "Output",
            "TimeoutSeconds",
            "HeartbeatSeconds",
            "Credentials",
            "Retry",
            "Catch",
            "Assign",
            "Next",
            "End",
        ],
        ("Choice", JsonPath) => &["InputPath", "OutputPath", "Choices", "Default", "Assign"],
        ("Choice", Jsonata) => &["Choices", "Default", "Output", "Assign"],
        ("Wait", JsonPath) => &[
            "InputPath",
            "OutputPath",
            "Seconds",
            "SecondsPath",
            "Timestamp",
            "TimestampPath",
            "Assign",
            "Next",
            "End",
        ],
        ("Wait", Jsonata) => &["Seconds", "Timestamp", "Output", "Assign", "Next", "End"],
        ("Succeed", JsonPath) => &["InputPath", "OutputPath"],
        ("Succeed", Jsonata) => &["Output"],
        ("Fail", JsonPath) => &["Error", "ErrorPath", "Cause", "CausePath"],
        ("Fail", Jsonata) => &["Error", "Cause"],
        ("Parallel", JsonPath) => &[
            "InputPath",
            "OutputPath",
            "Parameters",
            "ResultSelector",
            "ResultPath",
            "Branches",
            "Retry",
            "Catch",
            "Assign",
            "Next",
            "End",
        ],
        ("Parallel", Jsonata) => &[
            "Branches",
            "Arguments",
            "Output",
            "Retry",
            "Catch",
            "Assign",
            "Next",
            "End",
        ],
        ("Map", JsonPath) => &[
            "InputPath",
            "OutputPath",
            "ItemsPath",
            "ItemSelector",
            "Parameters",
            "ResultSelector",
            "ResultPath",
            "ItemProcessor",
            "Iterator",
            "MaxConcurrency",
            "MaxConcurrencyPath",
            "ToleratedFailureCount",
            "ToleratedFailureCountPath",
            "ToleratedFailurePercentage",
            "ToleratedFailurePercentagePath",
            "ItemReader",
            "ItemBatcher",
            "ResultWriter",
            "Label",
            "Retry",
            "Catch",
            "Assign",
            "Next",
            "End",
        ],
        ("Map", Jsonata) => &[
            "Items",
            "ItemSelector",
            "ItemProcessor",
            "Iterator",
            "MaxConcurrency",
            "ToleratedFailureCount",
            "ToleratedFailurePercentage",
            "ItemReader",
            "ItemBatcher",
            "ResultWriter",
            "Label",
            "Output",
            "Retry",
            "Catch",
            "Assign",
            "Next",
            "End",
        ],
        _ => &[],
    }
}

/// Whether `field` is allowed on a state of `ty` in `ql`.
pub fn is_allowed(ty: &str, ql: QueryLanguage, field: &str) -> bool {
    COMMON.contains(&field) || allowed(ty, ql).contains(&field)
}

/// The JSONata replacement for a JSONPath-only field, for help lines (JSONATA-4).
pub fn jsonata_equivalent(field: &str) -> Option<&'static str> {
    Some(match field {
        "InputPath" | "Parameters" => {
            "use `Arguments` (Task, Parallel) or `$states.input` in expressions"
        }
        "ResultSelector" | "ResultPath" | "OutputPath" => {
            "use `Output` with `$states.result` / `$states.input`"
        }
        "ItemsPath" => "use `Items`",
        "TimeoutSecondsPath" => "use `TimeoutSeconds` with a `{% … %}` expression",
        "HeartbeatSecondsPath" => "use `HeartbeatSeconds` with a `{% … %}` expression",
        "SecondsPath" => "use `Seconds` with a `{% … %}` expression",
        "TimestampPath" => "use `Timestamp` with a `{% … %}` expression",
        "ErrorPath" => "use `Error` with a `{% … %}` expression",
        "CausePath" => "use `Cause` with a `{% … %}` expression",
        "MaxConcurrencyPath" => "use `MaxConcurrency` with a `{% … %}` expression",
        "ToleratedFailureCountPath" => "use `ToleratedFailureCount` with a `{% … %}` expression",
        "ToleratedFailurePercentagePath" => {
            "use `ToleratedFailurePercentage` with a `{% … %}` expression"
        }
        "Result" => "use `Output`",
        _ => return None,
    })
}

/// Every field name any state may have, for "did you mean" suggestions.
pub fn all_state_fields() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = COMMON.to_vec();
    for ty in STATE_TYPES {
        for ql in [QueryLanguage::JsonPath, QueryLanguage::Jsonata] {
            for f in allowed(ty, ql) {
                if !out.contains(f) {
                    out.push(f);
                }
            }
        }
    }
    out
}

/// The closest candidate to `word` by edit distance, if close enough to be a likely typo.
pub fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let candidates: Vec<&'a str> = candidates.into_iter().collect();
    if let Some(same) = candidates.iter().find(|c| c.eq_ignore_ascii_case(word)) {
        return Some(same);
    }
    let lower = word.to_lowercase().replace([' ', '_', '-'], "");
    if lower.chars().count() < 3 {
        // Any two short names are "close": a suggestion would be noise.
        return None;
    }
    // Ties go to a candidate that contains the word's letters in order (`Nxt` → `Next`, not
    // `Not`).
    candidates
        .into_iter()
        .map(|c| {
            let lc = c.to_lowercase();
            (edit_distance(&lower, &lc), !is_subsequence(&lower, &lc), c)
        })
        .filter(|(d, _, c)| *d <= (c.len() / 3).max(1))
        .min_by_key(|(d, not_sub, _)| (*d, *not_sub))
        .map(|(_, _, c)| c)
}

fn is_subsequence(needle: &str, hay: &str) -> bool {
    let mut hay = hay.chars();
    needle.chars().all(|c| hay.any(|h| h == c))
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        assert_eq!(
            suggest("Error Equals", ["ErrorEquals", "Next"]),
            Some("ErrorEquals")
        );
        assert_eq!(suggest("InptPath", all_state_fields()), Some("InputPath"));
        assert_eq!(
            suggest("bugInputPath", all_state_fields()),
            Some("InputPath")
        );
        assert_eq!(suggest("Zzzzzz", all_state_fields()), None);
        assert_eq!(suggest("Nxt", ["Not", "Next"]), Some("Next"));
    }

    #[test]
    fn query_language_matrix() {
        assert!(is_allowed("Pass", QueryLanguage::JsonPath, "Result"));
        assert!(!is_allowed("Pass", QueryLanguage::Jsonata, "Result"));
        assert!(!is_allowed("Fail", QueryLanguage::JsonPath, "Assign"));
        assert!(!is_allowed("Succeed", QueryLanguage::Jsonata, "Assign"));
        assert!(is_allowed("Task", QueryLanguage::Jsonata, "Arguments"));
        assert!(!is_allowed("Pass", QueryLanguage::Jsonata, "Arguments"));
    }
}
