//! Where a Map Run's finished entries wait for [`finish`](super::ResultFiles::finish): their
//! serialized bytes, appended to one log as the children end (in any order), with an index
//! of item index → (offset, length) so that `finish` reads them back in item order.
//!
//! The log starts in memory and moves to an anonymous temporary file once it passes
//! [`SPILL_AT`] bytes: a Map Run's results are as big as its items (a million-item run's
//! `NONE` entries are ~85 MB), and kept on the heap they would be the largest part of the
//! process's memory until the run ends. A file keeps them in the OS's page cache instead,
//! which the kernel can write back and reclaim; compression would only shrink them by a
//! factor (the entries are mostly each child's input as escaped JSON text) and cost CPU on
//! every child. Small runs (every test, most workflows) never touch the disk.
//!
//! The file is created in [`std::env::temp_dir`] under a unique name, unlinked at once on
//! Unix (it lives as long as its descriptor, so nothing is left behind even if the process
//! dies) and removed when the spool is dropped elsewhere. Writes go through a buffer under
//! the `ResultFiles` mutex, as plain blocking calls: they land in the page cache and take
//! microseconds, less than handing each one to a blocking thread would. If the file cannot
//! be created the log stays in memory (correct, only bigger); if a write to it fails the
//! results are incomplete, and `finish` reports it as `States.ResultWriterFailed`.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::Value;

/// The log's size past which it moves from memory to a temporary file.
pub(super) const SPILL_AT: usize = 4 * 1024 * 1024;

/// Where one item's bytes are in the log. 16 bytes as an `Option` (an index entry per
/// item: a million unbatched items cost 16 MB).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Span {
    offset: u64,
    len: u32,
}

impl Span {
    /// The item's byte count.
    pub(super) fn len(self) -> usize {
        self.len as usize
    }
}

/// The entries of one status (or of a preview), by item index.
#[derive(Debug)]
pub(super) struct Spool {
    /// By item index; `None` for an item without entries here.
    spans: Vec<Option<Span>>,
    log: Log,
    /// Reused to serialize each child's entries before they are appended.
    scratch: Vec<u8>,
    /// The log's size past which it moves to a file.
    spill_at: usize,
    /// The first write that failed: the results are incomplete.
    error: Option<String>,
}

#[derive(Debug)]
enum Log {
    Memory(Vec<u8>),
    File(TempLog),
}

impl Spool {
    /// An empty spool, spilling to a file past `spill_at` bytes.
    pub(super) fn new(spill_at: usize) -> Self {
        Spool {
            spans: Vec::new(),
            log: Log::Memory(Vec::new()),
            scratch: Vec::new(),
            spill_at,
            error: None,
        }
    }

    /// Stores `entries` for `index`, joined by `separator`, replacing what `index` had
    /// (its old bytes stay in the log, unreferenced). No entries (an empty array
    /// flattened) removes the item.
    pub(super) fn put(&mut self, index: usize, entries: &[Value], separator: u8) {
        if entries.is_empty() {
            if let Some(slot) = self.spans.get_mut(index) {
                *slot = None;
            }
            return;
        }
        self.scratch.clear();
        for (n, e) in entries.iter().enumerate() {
            if n > 0 {
                self.scratch.push(separator);
            }
            // Writing a `Value` to a `Vec` cannot fail; the compact form is `Display`'s.
            if let Err(e) = serde_json::to_writer(&mut self.scratch, e) {
                self.fail(format!("could not serialize a result: {e}"));
                return;
            }
        }
        let Ok(len) = u32::try_from(self.scratch.len()) else {
            self.fail(format!(
                "the result of item {index} is {} bytes, more than a result file can hold",
                self.scratch.len()
            ));
            return;
        };
        let offset = match self.append() {
            Ok(offset) => offset,
            Err(e) => {
                self.fail(format!("could not keep a result in a temporary file: {e}"));
                return;
            }
        };
        if self.spans.len() <= index {
            self.spans.resize(index + 1, None);
        }
        self.spans[index] = Some(Span { offset, len });
    }

    /// Appends the scratch buffer to the log, moving the log to a file first if it grew
    /// past `spill_at`; the offset it was written at.
    fn append(&mut self) -> io::Result<u64> {
        if let Log::Memory(bytes) = &mut self.log
            && bytes.len() + self.scratch.len() > self.spill_at
        {
            // Best effort: without a temporary file the log stays in memory.
            if let Ok(mut file) = TempLog::create() {
                file.write(bytes)?;
                self.log = Log::File(file);
            }
        }
        match &mut self.log {
            Log::Memory(bytes) => {
                let offset = bytes.len() as u64;
                bytes.extend_from_slice(&self.scratch);
                Ok(offset)
            }
            Log::File(file) => file.write(&self.scratch),
        }
    }

    fn fail(&mut self, message: String) {
        if self.error.is_none() {
            self.error = Some(message);
        }
    }

    /// Once every result is in: the items' spans, in item order, and the reader of their
    /// bytes; or the first write that failed.
    pub(super) fn into_reader(self) -> Result<(Vec<Span>, Reader), String> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let source = match self.log {
            Log::Memory(bytes) => Source::Memory(bytes),
            Log::File(file) => Source::File(
                file.into_reader()
                    .map_err(|e| format!("could not read the results back: {e}"))?,
            ),
        };
        Ok((self.spans.into_iter().flatten().collect(), Reader(source)))
    }
}

/// A finished spool's entries, read back by span.
#[derive(Debug)]
pub(super) struct Reader(Source);

#[derive(Debug)]
enum Source {
    Memory(Vec<u8>),
    File(ReadLog),
}

impl Reader {
    /// Appends the bytes of `span` to `out`.
    pub(super) fn read_into(&mut self, span: Span, out: &mut Vec<u8>) -> io::Result<()> {
        match &mut self.0 {
            Source::Memory(bytes) => {
                let bytes = usize::try_from(span.offset)
                    .ok()
                    .and_then(|start| bytes.get(start..start + span.len()))
                    .ok_or_else(|| io::Error::other("a result outside its log"))?;
                out.extend_from_slice(bytes);
                Ok(())
            }
            Source::File(log) => log.read_into(span, out),
        }
    }
}

/// The log's temporary file, being written.
#[derive(Debug)]
struct TempLog {
    file: BufWriter<File>,
    len: u64,
    path: Removed,
}

/// A temporary file's path, removed when dropped (on Unix it already is, at creation).
#[derive(Debug)]
struct Removed(Option<PathBuf>);

impl Drop for Removed {
    fn drop(&mut self) {
        if let Some(path) = self.0.take() {
            // Best effort: a leftover file only costs disk.
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Tells apart the spools of one process.
static SPOOLS: AtomicU64 = AtomicU64::new(0);

impl TempLog {
    fn create() -> io::Result<Self> {
        let dir = std::env::temp_dir();
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let mut last = None;
        // `create_new` refuses an existing file: another name is tried on a collision.
        for _ in 0..8 {
            let n = SPOOLS.fetch_add(1, Ordering::Relaxed);
            let path = dir.join(format!(
                "asl-results-{}-{n}-{nanos:08x}.spool",
                std::process::id()
            ));
            match OpenOptions::new()
                .read(true)
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(file) => {
                    // Unlinked now on Unix, where an open file outlives its name.
                    let path = if cfg!(unix) && std::fs::remove_file(&path).is_ok() {
                        None
                    } else {
                        Some(path)
                    };
                    return Ok(TempLog {
                        file: BufWriter::with_capacity(64 * 1024, file),
                        len: 0,
                        path: Removed(path),
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or_else(|| io::Error::other("no unique temporary file name")))
    }

    /// Appends `bytes`; the offset they start at.
    fn write(&mut self, bytes: &[u8]) -> io::Result<u64> {
        let offset = self.len;
        self.file.write_all(bytes)?;
        self.len += bytes.len() as u64;
        Ok(offset)
    }

    fn into_reader(self) -> io::Result<ReadLog> {
        let TempLog { file, path, .. } = self;
        let file = file.into_inner().map_err(io::IntoInnerError::into_error)?;
        Ok(ReadLog {
            file,
            position: None,
            _path: path,
        })
    }
}

/// The log's temporary file, being read.
#[derive(Debug)]
struct ReadLog {
    file: File,
    /// Where the last read ended: items mostly end in order, so most reads need no seek.
    position: Option<u64>,
    _path: Removed,
}

impl ReadLog {
    fn read_into(&mut self, span: Span, out: &mut Vec<u8>) -> io::Result<()> {
        if self.position != Some(span.offset) {
            self.file.seek(SeekFrom::Start(span.offset))?;
        }
        self.position = None;
        // Into the exact room (`out` was sized for the whole file): no growth.
        let start = out.len();
        out.resize(start + span.len(), 0);
        if let Err(e) = self.file.read_exact(&mut out[start..]) {
            out.truncate(start);
            return Err(e);
        }
        self.position = Some(span.offset + u64::from(span.len));
        Ok(())
    }
}
