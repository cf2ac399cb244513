//! `InputType: JSONL`: JSON Lines, one JSON value per line, each an item. Lines are read one at
//! a time; a line holding only white space is not an item (a trailing newline, `\r\n` line
//! ends); any other line must be one JSON value, else the reader fails naming the line.

use futures_util::stream::{self, StreamExt};
use serde_json::Value;

use super::{Input, ItemError, ItemStream, MAX_ITEM_BYTES, cause, read_line};

/// The items of a JSON Lines object.
pub(crate) fn items(input: Input) -> ItemStream<'static> {
    stream::try_unfold((input, 0usize), |(mut input, mut line)| async move {
        loop {
            let Some(text) = read_line(&mut input, MAX_ITEM_BYTES).await? else {
                return Ok(None);
            };
            line += 1;
            if text.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let item = serde_json::from_slice::<Value>(&text)
                .map_err(|e| ItemError::reader(cause::malformed_jsonl(line, &e.to_string())))?;
            return Ok(Some((item, (input, line))));
        }
    })
    .boxed()
}
