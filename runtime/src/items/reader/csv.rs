//! `InputType: CSV`: a text delimited object as items, one object per row keyed by the
//! header, every value a string (MAP-20).
//!
//! Step Functions' rules (example-csv-parse-dist-map.html), all implemented here by a small
//! byte state machine rather than a CSV crate, because AWS's backslash escapes are in no
//! crate's dialect:
//! - `CSVDelimiter` separates fields, a newline (`\n`, `\r\n` or `\r`) separates records;
//! - a field enclosed in `"` may hold delimiters and newlines, and `""` in it is one `"`;
//! - a backslash escapes a backslash, a `"` or the delimiter; a backslash before any other
//!   character is dropped;
//! - a row with fewer fields than the header gets `""` for the missing ones; extra fields are
//!   dropped;
//! - duplicate header names fail the reader (`CSV headers cannot contain duplicates.`).
//!
//! Recorded (tests/conformance/corpus/itemreader/csv/*): `,,,` is a row of empty strings,
//! `   ` a row whose first field is three spaces, and a header `H1,` names the columns `H1`
//! and `""`. A line with no character at all is not a row (as most CSV readers have it; AWS's
//! behaviour is not recorded).

use std::collections::HashSet;

use futures_util::stream::{self, StreamExt};
use serde_json::{Map, Value};
use tokio::io::AsyncBufReadExt;

use super::{Input, ItemError, ItemStream, MAX_ITEM_BYTES, cause, io_error};

/// The items of a CSV object: with `headers` `None`, the first row names the columns.
pub(crate) fn items(
    input: Input,
    headers: Option<Vec<String>>,
    delimiter: u8,
) -> ItemStream<'static> {
    let state = CsvItems {
        rows: Rows::new(input, delimiter),
        headers,
        checked: false,
    };
    stream::try_unfold(state, |mut state| async move {
        Ok(state.next_item().await?.map(|item| (item, state)))
    })
    .boxed()
}

/// The reader's state: the rows, and the header once known.
struct CsvItems {
    rows: Rows,
    headers: Option<Vec<String>>,
    checked: bool,
}

impl CsvItems {
    async fn next_item(&mut self) -> Result<Option<Value>, ItemError> {
        let headers = match self.headers.take() {
            Some(headers) => headers,
            None => match self.rows.next_row().await? {
                Some(first) => first,
                None => return Ok(None),
            },
        };
        let headers = &*self.headers.insert(headers);
        if !self.checked {
            let mut seen = HashSet::new();
            if !headers.iter().all(|h| seen.insert(h)) {
                return Err(ItemError::reader(cause::DUPLICATE_HEADERS));
            }
            self.checked = true;
        }
        let Some(mut row) = self.rows.next_row().await? else {
            return Ok(None);
        };
        row.truncate(headers.len());
        row.resize(headers.len(), String::new());
        let item: Map<String, Value> = headers
            .iter()
            .cloned()
            .zip(row.into_iter().map(Value::String))
            .collect();
        Ok(Some(Value::Object(item)))
    }
}

/// Records of a delimited text, parsed as the bytes arrive.
pub(crate) struct Rows {
    input: Input,
    machine: Machine,
    /// Records returned so far (for error messages).
    row: usize,
}

impl Rows {
    /// Records of `input`, fields separated by `delimiter`.
    pub(crate) fn new(input: Input, delimiter: u8) -> Self {
        Rows {
            input,
            machine: Machine::new(delimiter),
            row: 0,
        }
    }

    /// The next record's fields; `None` at the end.
    pub(crate) async fn next_row(&mut self) -> Result<Option<Vec<String>>, ItemError> {
        loop {
            let chunk = self.input.fill_buf().await.map_err(|e| io_error(&e))?;
            if chunk.is_empty() {
                return match self.machine.finish() {
                    Ok(Some(fields)) => self.strings(fields).map(Some),
                    Ok(None) => Ok(None),
                    Err(detail) => Err(ItemError::reader(cause::malformed_csv(
                        self.row + 1,
                        detail,
                    ))),
                };
            }
            let mut used = chunk.len();
            let mut ended = false;
            for (at, &byte) in chunk.iter().enumerate() {
                if self.machine.feed(byte) {
                    used = at + 1;
                    ended = true;
                    break;
                }
            }
            self.input.as_mut().consume(used);
            if self.machine.bytes > MAX_ITEM_BYTES {
                return Err(ItemError::reader(cause::item_too_large()));
            }
            if ended && let Some(fields) = self.machine.take_record() {
                return self.strings(fields).map(Some);
            }
        }
    }

    /// `fields` as strings (the first record without a UTF-8 byte order mark).
    fn strings(&mut self, fields: Vec<Vec<u8>>) -> Result<Vec<String>, ItemError> {
        self.row += 1;
        let first = self.row == 1;
        fields
            .into_iter()
            .enumerate()
            .map(|(i, mut field)| {
                if first && i == 0 && field.starts_with(b"\xEF\xBB\xBF") {
                    field.drain(..3);
                }
                String::from_utf8(field)
                    .map_err(|_| ItemError::reader(cause::malformed_csv(self.row, "invalid UTF-8")))
            })
            .collect()
    }
}

/// Where the machine is in a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// At the start of a field.
    Start,
    /// In a field not enclosed in quotes.
    Unquoted,
    /// In a quoted field.
    Quoted,
    /// Just after a `"` in a quoted field: `""` or the end of the quotes.
    QuoteInQuoted,
    /// After a backslash, then back to the quoted or unquoted state.
    Escaped { quoted: bool },
}

/// The CSV state machine: bytes in, records out.
struct Machine {
    delimiter: u8,
    state: State,
    field: Vec<u8>,
    fields: Vec<Vec<u8>>,
    /// The record so far has a byte other than its line end.
    any: bool,
    /// The last byte was `\r`: a `\n` right after it ends nothing more.
    after_cr: bool,
    /// Bytes in the record so far.
    bytes: usize,
}

impl Machine {
    fn new(delimiter: u8) -> Self {
        Machine {
            delimiter,
            state: State::Start,
            field: Vec::new(),
            fields: Vec::new(),
            any: false,
            after_cr: false,
            bytes: 0,
        }
    }

    /// Takes one byte; `true` when it ended a record.
    fn feed(&mut self, byte: u8) -> bool {
        if std::mem::take(&mut self.after_cr) && byte == b'\n' {
            return false;
        }
        self.bytes += 1;
        match self.state {
            State::Quoted => {
                match byte {
                    b'"' => self.state = State::QuoteInQuoted,
                    b'\\' => self.state = State::Escaped { quoted: true },
                    _ => self.field.push(byte),
                }
                self.any = true;
                false
            }
            State::Escaped { quoted } => {
                // `\\`, `\"` and `\<delimiter>` keep the character; before anything else the
                // backslash alone is dropped.
                self.field.push(byte);
                self.state = if quoted {
                    State::Quoted
                } else {
                    State::Unquoted
                };
                self.any = true;
                false
            }
            State::Start | State::Unquoted | State::QuoteInQuoted => {
                if byte == self.delimiter {
                    self.end_field();
                    self.any = true;
                    return false;
                }
                match byte {
                    b'\n' | b'\r' => {
                        self.after_cr = byte == b'\r';
                        self.end_field();
                        return true;
                    }
                    b'"' if self.state == State::Start => self.state = State::Quoted,
                    b'"' if self.state == State::QuoteInQuoted => {
                        self.field.push(b'"');
                        self.state = State::Quoted;
                    }
                    b'\\' => self.state = State::Escaped { quoted: false },
                    // A quote inside an unquoted field, or text after a closing quote, is kept.
                    _ => {
                        self.field.push(byte);
                        self.state = State::Unquoted;
                    }
                }
                self.any = true;
                false
            }
        }
    }

    fn end_field(&mut self) {
        self.fields.push(std::mem::take(&mut self.field));
        self.state = State::Start;
    }

    /// The record just ended; `None` for a line with no character.
    fn take_record(&mut self) -> Option<Vec<Vec<u8>>> {
        let fields = std::mem::take(&mut self.fields);
        let any = std::mem::take(&mut self.any);
        self.bytes = 0;
        any.then_some(fields)
    }

    /// The last record, at the end of the input.
    fn finish(&mut self) -> Result<Option<Vec<Vec<u8>>>, &'static str> {
        match self.state {
            State::Quoted | State::Escaped { quoted: true } => {
                Err("a quoted field is not closed at the end of the object")
            }
            _ if !self.any => Ok(None),
            _ => {
                self.end_field();
                Ok(self.take_record())
            }
        }
    }
}
