//! [`MockFileError`]: what is wrong with a mock file, where (the file and the JSON path in
//! it, or the line and column of invalid JSON), and why.

use std::fmt;

/// A problem with a mock file: the file, the place in it (a JSON path such as
/// `MockedResponses.MockedLambdaRetry."1-2".Throw`, or for invalid JSON its line and column)
/// and what is wrong there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MockFileError {
    file: String,
    path: String,
    position: Option<(usize, usize)>,
    problem: String,
}

impl MockFileError {
    pub(super) fn at(file: &str, path: &Path, problem: impl Into<String>) -> Self {
        MockFileError {
            file: file.to_string(),
            path: path.to_string(),
            position: None,
            problem: problem.into(),
        }
    }

    pub(super) fn json(file: &str, e: &serde_json::Error) -> Self {
        // serde_json's message ends with " at line L column C"; the position is kept apart.
        let text = e.to_string();
        let problem = match text.rfind(" at line ") {
            Some(i) => text[..i].to_string(),
            None => text,
        };
        MockFileError {
            file: file.to_string(),
            path: String::new(),
            position: Some((e.line(), e.column())),
            problem: format!("invalid JSON: {problem}"),
        }
    }

    pub(super) fn io(file: &str, e: &std::io::Error) -> Self {
        MockFileError {
            file: file.to_string(),
            path: String::new(),
            position: None,
            problem: format!("cannot read the file: {e}"),
        }
    }

    /// The file's name or path, as given to [`MockFile::load`](super::MockFile::load) or
    /// [`MockFile::parse`](super::MockFile::parse).
    pub fn file(&self) -> &str {
        &self.file
    }

    /// Where in the file: a JSON path of object keys (`StateMachines.M.TestCases.HappyPath`,
    /// keys that are not plain identifiers quoted: `MockedResponses.R."0-2"`), empty for the
    /// whole document.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The line and column (1-based) of invalid JSON.
    pub fn position(&self) -> Option<(usize, usize)> {
        self.position
    }

    /// What is wrong.
    pub fn problem(&self) -> &str {
        &self.problem
    }
}

impl fmt::Display for MockFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some((line, column)) = self.position {
            write!(f, ":{line}:{column}")?;
        }
        if !self.path.is_empty() {
            write!(f, ": {}", self.path)?;
        }
        write!(f, ": {}", self.problem)
    }
}

impl std::error::Error for MockFileError {}

/// A JSON path of object keys, as errors print it.
#[derive(Debug, Clone, Default)]
pub(super) struct Path(Vec<String>);

impl Path {
    pub(super) fn root() -> Self {
        Path(Vec::new())
    }

    /// This path with `key` appended.
    pub(super) fn key(&self, key: &str) -> Self {
        let mut p = self.0.clone();
        p.push(key.to_string());
        Path(p)
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, k) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            f.write_str(&quoted(k))?;
        }
        Ok(())
    }
}

/// A key as a path shows it: plain when an identifier, else a JSON string.
pub(super) fn quoted(key: &str) -> String {
    let mut chars = key.chars();
    let plain = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        key.to_string()
    } else {
        serde_json::Value::from(key).to_string()
    }
}
