//! `InputType: JSON`: the elements of a JSON array are the items; with `ItemsPointer` (a JSON
//! pointer, RFC 6901) the elements of the array, or the values of the object, it points to.
//!
//! The object is never parsed whole: a scanner walks its bytes, skipping what it does not need
//! and cutting out one element at a time, which `serde_json` then parses. So a huge array
//! streams, and a pointer into a huge document only holds the element being read (AWS likewise
//! reads the pointed array as a stream: its start must lie "within the first 16 MB").
//!
//! A top-level value that is not an array fails with AWS's recorded cause
//! `Attempting to map over non-iterable node.` (a top-level object too, as recorded; only an
//! `ItemsPointer` can select an object, whose values are then the items).

use futures_util::stream::{self, StreamExt};
use serde_json::Value;
use tokio::io::AsyncBufReadExt;

use super::{Input, ItemError, ItemStream, MAX_ITEM_BYTES, cause, io_error};

/// The items of a JSON object (the array at `pointer`, if given).
pub(crate) fn items(input: Input, pointer: Option<&'static str>) -> ItemStream<'static> {
    let state = JsonItems {
        scanner: Scanner { input },
        pointer,
        phase: Phase::Locate,
        object: false,
    };
    stream::try_unfold(state, |mut state| async move {
        Ok(state.next_item().await?.map(|item| (item, state)))
    })
    .boxed()
}

/// Where the reader is in the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Not yet at the array (or object) of items.
    Locate,
    /// Just inside it: an element or its end comes next.
    First,
    /// After an element: a `,` or the end comes next.
    Next,
    /// Done.
    Done,
}

struct JsonItems {
    scanner: Scanner,
    pointer: Option<&'static str>,
    phase: Phase,
    /// The items are an object's values (`ItemsPointer` to an object).
    object: bool,
}

impl JsonItems {
    async fn next_item(&mut self) -> Result<Option<Value>, ItemError> {
        let close = if self.object { b'}' } else { b']' };
        loop {
            match self.phase {
                Phase::Locate => {
                    self.locate().await?;
                    self.phase = Phase::First;
                }
                Phase::First => {
                    if self.scanner.peek().await? == Some(close) {
                        return self.end().await;
                    }
                    self.phase = Phase::Next;
                    return self.element().await.map(Some);
                }
                Phase::Next => match self.scanner.peek().await? {
                    Some(b',') => {
                        self.scanner.bump();
                        return self.element().await.map(Some);
                    }
                    Some(b) if b == close => return self.end().await,
                    Some(_) => return Err(malformed("expected ',' or the end of the array")),
                    None => return Err(malformed("unexpected end of the object")),
                },
                Phase::Done => return Ok(None),
            }
        }
    }

    /// Moves into the array (or pointed object) of items.
    async fn locate(&mut self) -> Result<(), ItemError> {
        let Some(pointer) = self.pointer else {
            return match self.scanner.peek().await? {
                Some(b'[') => {
                    self.scanner.bump();
                    Ok(())
                }
                // Not an array: AWS's cause if it is JSON at all.
                _ => {
                    let text = self.scanner.value(true).await?;
                    match serde_json::from_slice::<Value>(&text) {
                        Ok(_) => Err(ItemError::reader(cause::NOT_ITERABLE)),
                        Err(e) => Err(malformed(&e.to_string())),
                    }
                }
            };
        };
        let tokens = parse_pointer(pointer)?;
        for token in &tokens {
            if !self.scanner.descend(token).await? {
                return Err(ItemError::reader(cause::pointer_not_found(pointer)));
            }
        }
        match self.scanner.peek().await? {
            Some(b'[') => self.object = false,
            Some(b'{') => self.object = true,
            Some(_) => return Err(ItemError::reader(cause::NOT_ITERABLE)),
            None => return Err(malformed("unexpected end of the object")),
        }
        self.scanner.bump();
        Ok(())
    }

    /// The next element (an object's member: its value).
    async fn element(&mut self) -> Result<Value, ItemError> {
        if self.object {
            self.scanner.key().await?;
        }
        let text = self.scanner.value(true).await?;
        serde_json::from_slice(&text).map_err(|e| malformed(&e.to_string()))
    }

    /// Past the closing bracket: a top-level array must be all there is.
    async fn end(&mut self) -> Result<Option<Value>, ItemError> {
        self.scanner.bump();
        self.phase = Phase::Done;
        if self.pointer.is_none() && self.scanner.peek().await?.is_some() {
            return Err(malformed("trailing characters after the array"));
        }
        Ok(None)
    }
}

/// `ItemsPointer`'s reference tokens (`""` is the whole document).
fn parse_pointer(pointer: &str) -> Result<Vec<String>, ItemError> {
    if pointer.is_empty() {
        return Ok(Vec::new());
    }
    let Some(rest) = pointer.strip_prefix('/') else {
        return Err(ItemError::reader(cause::invalid_pointer(pointer)));
    };
    Ok(rest
        .split('/')
        .map(|token| token.replace("~1", "/").replace("~0", "~"))
        .collect())
}

fn malformed(detail: &str) -> ItemError {
    ItemError::reader(cause::malformed_json(detail))
}

/// A JSON document's bytes, walked a token at a time.
struct Scanner {
    input: Input,
}

impl Scanner {
    /// The next byte that is not white space (not consumed); `None` at the end.
    async fn peek(&mut self) -> Result<Option<u8>, ItemError> {
        loop {
            let chunk = self.input.fill_buf().await.map_err(|e| io_error(&e))?;
            if chunk.is_empty() {
                return Ok(None);
            }
            match chunk.iter().position(|b| !b.is_ascii_whitespace()) {
                Some(at) => {
                    let byte = chunk[at];
                    self.input.as_mut().consume(at);
                    return Ok(Some(byte));
                }
                None => {
                    let len = chunk.len();
                    self.input.as_mut().consume(len);
                }
            }
        }
    }

    /// Consumes the byte [`Scanner::peek`] returned.
    fn bump(&mut self) {
        self.input.as_mut().consume(1);
    }

    /// The next value's text (kept only when `keep`: else skipped).
    async fn value(&mut self, keep: bool) -> Result<Vec<u8>, ItemError> {
        if self.peek().await?.is_none() {
            return Err(malformed("unexpected end of the object"));
        }
        let mut text = Vec::new();
        let mut scan = ValueScan::default();
        loop {
            let chunk = self.input.fill_buf().await.map_err(|e| io_error(&e))?;
            if chunk.is_empty() {
                return if scan.complete_at_end() {
                    Ok(text)
                } else {
                    Err(malformed("unexpected end of the object"))
                };
            }
            let mut used = chunk.len();
            let mut done = false;
            for (at, &byte) in chunk.iter().enumerate() {
                match scan.feed(byte) {
                    Step::More => {}
                    Step::EndsWith => {
                        used = at + 1;
                        done = true;
                        break;
                    }
                    Step::EndedBefore => {
                        used = at;
                        done = true;
                        break;
                    }
                }
            }
            if keep {
                text.extend_from_slice(&chunk[..used]);
            }
            self.input.as_mut().consume(used);
            if text.len() > MAX_ITEM_BYTES {
                return Err(ItemError::reader(cause::item_too_large()));
            }
            if done {
                return Ok(text);
            }
        }
    }

    /// An object member's key and its `:`.
    async fn key(&mut self) -> Result<String, ItemError> {
        if self.peek().await? != Some(b'"') {
            return Err(malformed("expected an object key"));
        }
        let text = self.value(true).await?;
        let key = serde_json::from_slice(&text).map_err(|e| malformed(&e.to_string()))?;
        if self.peek().await? != Some(b':') {
            return Err(malformed("expected ':' after an object key"));
        }
        self.bump();
        Ok(key)
    }

    /// Moves into the member `token` of the object (or element of the array) that comes next;
    /// `false` if there is none.
    async fn descend(&mut self, token: &str) -> Result<bool, ItemError> {
        match self.peek().await? {
            Some(b'{') => {
                self.bump();
                if self.peek().await? == Some(b'}') {
                    return Ok(false);
                }
                loop {
                    if self.key().await? == token {
                        return Ok(true);
                    }
                    self.value(false).await?;
                    match self.peek().await? {
                        Some(b',') => self.bump(),
                        Some(b'}') => return Ok(false),
                        _ => return Err(malformed("expected ',' or the end of an object")),
                    }
                }
            }
            Some(b'[') => {
                self.bump();
                // RFC 6901: an index is digits without leading zeros.
                let index = match token.parse::<usize>() {
                    Ok(i) if token == "0" || !token.starts_with('0') => i,
                    _ => return Ok(false),
                };
                if self.peek().await? == Some(b']') {
                    return Ok(false);
                }
                for _ in 0..index {
                    self.value(false).await?;
                    match self.peek().await? {
                        Some(b',') => self.bump(),
                        Some(b']') => return Ok(false),
                        _ => return Err(malformed("expected ',' or the end of an array")),
                    }
                }
                Ok(true)
            }
            Some(_) => Ok(false),
            None => Err(malformed("unexpected end of the object")),
        }
    }
}

/// What a byte did to the value being scanned.
enum Step {
    /// The value goes on.
    More,
    /// The value ends with this byte.
    EndsWith,
    /// The value ended before this byte (a number or literal, ended by a delimiter).
    EndedBefore,
}

/// Finds where one JSON value ends, without parsing it: bracket depth, strings and escapes.
#[derive(Default)]
struct ValueScan {
    started: bool,
    /// A number or literal (`true`, `null`, …): ends at a delimiter.
    scalar: bool,
    depth: usize,
    in_string: bool,
    escaped: bool,
}

impl ValueScan {
    fn feed(&mut self, byte: u8) -> Step {
        if !self.started {
            self.started = true;
            match byte {
                b'{' | b'[' => self.depth = 1,
                b'"' => self.in_string = true,
                _ => self.scalar = true,
            }
            return Step::More;
        }
        if self.scalar {
            return if byte.is_ascii_whitespace() || matches!(byte, b',' | b']' | b'}' | b':') {
                Step::EndedBefore
            } else {
                Step::More
            };
        }
        if self.in_string {
            if self.escaped {
                self.escaped = false;
            } else if byte == b'\\' {
                self.escaped = true;
            } else if byte == b'"' {
                self.in_string = false;
                if self.depth == 0 {
                    return Step::EndsWith;
                }
            }
            return Step::More;
        }
        match byte {
            b'"' => self.in_string = true,
            b'{' | b'[' => self.depth += 1,
            b'}' | b']' => {
                self.depth -= 1;
                if self.depth == 0 {
                    return Step::EndsWith;
                }
            }
            _ => {}
        }
        Step::More
    }

    /// At the end of the input: only a number or literal can end there.
    fn complete_at_end(&self) -> bool {
        self.scalar
    }
}
