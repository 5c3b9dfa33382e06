//! Inputs as byte streams: decompression, progress counting, reading with
//! a bound on memory, and telling a failing disk ([`Error::Io`]) from a
//! damaged stream ([`Error::Decompress`]).

use std::fmt;
use std::io::{self, BufRead, BufReader, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::Arc;

use flate2::read::MultiGzDecoder;

use super::input::Input;
use super::options::Compression;
use crate::{Error, Location, Result};

/// Large enough that JSONL lines of typical web documents come out of one
/// buffer fill, small enough not to matter next to the documents.
const BUFFER: usize = 256 << 10;

/// Bytes of an input file consumed so far. Shared with the stream that
/// counts them, so a reader can report progress without owning the stream.
#[derive(Clone, Debug, Default)]
pub(crate) struct Progress(Arc<AtomicU64>);

impl Progress {
    pub(crate) fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    pub(crate) fn add(&self, bytes: u64) {
        self.0.fetch_add(bytes, Ordering::Relaxed);
    }

    pub(crate) fn set(&self, bytes: u64) {
        self.0.store(bytes, Ordering::Relaxed);
    }
}

/// A decompressed input, buffered for line reading.
pub(crate) type Stream = Box<dyn BufRead + Send>;

/// Opens an input file as a decompressed, buffered stream whose consumption
/// of the file is counted in `progress`. A compressed file is decompressed
/// on a thread of its own, ahead of the reader (see [`ReadAhead`]).
pub(crate) fn open_stream(input: &Input, progress: &Progress) -> Result<Stream> {
    let file = CountingFile { file: input.open_read()?, progress: progress.clone() };
    let ahead = |decoder: Box<dyn Read + Send>| {
        ReadAhead::spawn(decoder).map_err(|e| Error::io(&input.path, e))
    };
    Ok(match input.compression {
        Compression::None => Box::new(BufReader::with_capacity(BUFFER, file)),
        Compression::Gzip => Box::new(ahead(Box::new(MultiGzDecoder::new(file)))?),
        Compression::Zstd => {
            let decoder = zstd::Decoder::new(file).map_err(|e| Error::io(&input.path, e))?;
            Box::new(ahead(Box::new(decoder))?)
        }
    })
}

/// Decompressed chunks that may wait for the reader: with the one being
/// read and the one being filled, about 1.5 MiB per open input.
const CHUNKS_AHEAD: usize = 4;

/// A reader fed by a thread that reads its source ahead, [`BUFFER`] bytes
/// at a time. Decompression (a third of the time of reading a gzipped
/// corpus) then overlaps with parsing instead of adding to it. The bytes,
/// and the error that ends them, come out exactly as the source gives
/// them; errors keep their payload (such as [`FileError`]). Dropping the
/// reader stops the thread at its next chunk.
pub(crate) struct ReadAhead {
    chunks: Receiver<io::Result<Vec<u8>>>,
    chunk: Vec<u8>,
    at: usize,
    /// The source's error or end, once received: returned from then on.
    done: Option<io::ErrorKind>,
}

impl ReadAhead {
    fn spawn(mut source: Box<dyn Read + Send>) -> io::Result<Self> {
        let (send, chunks) = sync_channel(CHUNKS_AHEAD);
        std::thread::Builder::new().name("syndic-read-ahead".into()).spawn(move || loop {
            let mut chunk = vec![0; BUFFER];
            let read = loop {
                match source.read(&mut chunk) {
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    other => break other,
                }
            };
            let last = !matches!(read, Ok(n) if n > 0);
            let sent = send.send(read.map(|n| {
                chunk.truncate(n);
                chunk
            }));
            if last || sent.is_err() {
                return;
            }
        })?;
        Ok(Self { chunks, chunk: Vec::new(), at: 0, done: None })
    }
}

impl Read for ReadAhead {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for ReadAhead {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        while self.at == self.chunk.len() {
            if let Some(kind) = self.done {
                return match kind {
                    io::ErrorKind::UnexpectedEof => Ok(&[]),
                    kind => Err(kind.into()),
                };
            }
            match self.chunks.recv() {
                Ok(Ok(chunk)) if !chunk.is_empty() => (self.chunk, self.at) = (chunk, 0),
                Ok(Ok(_)) => self.done = Some(io::ErrorKind::UnexpectedEof),
                Ok(Err(e)) => {
                    self.done = Some(e.kind());
                    return Err(e);
                }
                // The thread ends only after sending the end or an error:
                // gone without either, it panicked, and the data is not
                // all there.
                Err(_) => {
                    self.done = Some(io::ErrorKind::Other);
                    return Err(io::Error::other("the thread reading ahead stopped"));
                }
            }
        }
        Ok(&self.chunk[self.at..])
    }

    fn consume(&mut self, amount: usize) {
        self.at = (self.at + amount).min(self.chunk.len());
    }
}

/// Turns an error from a stream opened by [`open_stream`] into the crate's
/// error: the file's own read errors stay I/O errors, everything a decoder
/// raises means the compressed data is truncated or corrupt.
pub(crate) fn stream_error(input: &Input, location: Location, err: io::Error) -> Error {
    let err = match FileError::unwrap(err) {
        Ok(file_err) => return Error::io(&input.path, file_err),
        Err(err) => err,
    };
    let codec = match input.compression {
        Compression::None => return Error::io(&input.path, err),
        Compression::Gzip => "gzip",
        Compression::Zstd => "zstd",
    };
    let message = if err.kind() == io::ErrorKind::UnexpectedEof {
        "unexpected end of data (is the file truncated?)".to_owned()
    } else {
        err.to_string()
    };
    Error::Decompress { location, codec, message }
}

/// What [`read_line_bounded`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Line {
    /// The line is in the buffer.
    Complete,
    /// The line has this many bytes, more than the limit; it was skipped
    /// without being kept.
    TooLong(u64),
}

/// Reads the next line into `buf` (cleared first, `\n` dropped), keeping at
/// most `limit` bytes of it: a longer line is consumed up to its newline but
/// not kept, so its length never decides how much memory is allocated.
pub(crate) fn read_line_bounded(
    reader: &mut dyn BufRead,
    buf: &mut Vec<u8>,
    limit: usize,
) -> io::Result<Option<Line>> {
    buf.clear();
    let mut size = 0u64;
    let mut started = false;
    loop {
        let chunk = match reader.fill_buf() {
            Ok(chunk) => chunk,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            // A last line without a newline is still a line.
            return Ok(started.then(|| line_of(size, limit)));
        }
        started = true;
        let newline = memchr::memchr(b'\n', chunk);
        let end = newline.unwrap_or(chunk.len());
        size += end as u64;
        if size <= limit as u64 {
            buf.extend_from_slice(&chunk[..end]);
        } else {
            buf.clear();
        }
        reader.consume(end + usize::from(newline.is_some()));
        if newline.is_some() {
            return Ok(Some(line_of(size, limit)));
        }
    }
}

fn line_of(size: u64, limit: usize) -> Line {
    if size > limit as u64 {
        Line::TooLong(size)
    } else {
        Line::Complete
    }
}

/// Reads the rest of `reader`, up to `limit` bytes. `Err(size)` when there
/// is more: `size` is then a lower bound, as reading stops at the limit.
pub(crate) fn read_bounded(reader: &mut dyn Read, limit: u64) -> io::Result<Result<Vec<u8>, u64>> {
    let mut bytes = Vec::new();
    let read = reader.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    Ok(if read as u64 > limit { Err(read as u64) } else { Ok(bytes) })
}

/// A file that counts the bytes read from it and marks its errors with
/// [`FileError`], so they can be told apart after passing through a decoder.
struct CountingFile {
    file: Box<dyn Read + Send>,
    progress: Progress,
}

impl Read for CountingFile {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.file.read(buf) {
            Ok(n) => {
                self.progress.add(n as u64);
                Ok(n)
            }
            // Callers retry on `Interrupted`, which they only do for the bare kind.
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Err(e),
            Err(e) => Err(io::Error::new(e.kind(), FileError(e))),
        }
    }
}

/// An I/O error of the input file itself, as opposed to one of a decoder.
#[derive(Debug)]
struct FileError(io::Error);

impl FileError {
    /// The file's error, or the error unchanged when it is not one.
    fn unwrap(err: io::Error) -> Result<io::Error, io::Error> {
        // Checked before taking the error apart: `into_inner` drops the
        // message of OS errors, which have no inner error.
        if !err.get_ref().is_some_and(|inner| inner.is::<FileError>()) {
            return Err(err);
        }
        let kind = err.kind();
        match err.into_inner().map(|inner| inner.downcast::<FileError>()) {
            Some(Ok(file_err)) => Ok(file_err.0),
            Some(Err(inner)) => Err(io::Error::new(kind, inner)),
            None => Err(kind.into()),
        }
    }
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for FileError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_errors_are_told_apart_from_decoder_errors() {
        let file_err =
            io::Error::new(io::ErrorKind::PermissionDenied, FileError(io::Error::other("disk")));
        assert_eq!(
            FileError::unwrap(file_err).map(|e| e.to_string()).ok().as_deref(),
            Some("disk")
        );
        let decoder_err = io::Error::new(io::ErrorKind::InvalidInput, "corrupt deflate stream");
        assert!(FileError::unwrap(decoder_err).is_err());
    }

    #[test]
    fn lines_are_bounded_and_long_ones_skipped() {
        let data = b"short\n\nexactly10!\r\n0123456789ABC\nlast";
        let mut reader = io::BufReader::with_capacity(4, &data[..]);
        let mut buf = Vec::new();
        let mut got = Vec::new();
        while let Some(line) = read_line_bounded(&mut reader, &mut buf, 10).unwrap() {
            got.push((line, String::from_utf8(buf.clone()).unwrap()));
        }
        let want = [
            (Line::Complete, "short"),
            (Line::Complete, ""),
            (Line::TooLong(11), ""),
            (Line::TooLong(13), ""),
            (Line::Complete, "last"),
        ];
        let want: Vec<_> = want.iter().map(|&(l, s)| (l, s.to_owned())).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn a_huge_line_is_never_buffered() {
        let limit = 1 << 20;
        let mut data = vec![b'x'; 2 << 20];
        data.extend_from_slice(b"\n{}\n");
        let mut reader = io::BufReader::new(&data[..]);
        let mut buf = Vec::new();
        let first = read_line_bounded(&mut reader, &mut buf, limit).unwrap();
        assert_eq!(first, Some(Line::TooLong(2 << 20)));
        assert!(buf.capacity() < 2 << 20, "buffered {} bytes of the line", buf.capacity());
        assert_eq!(read_line_bounded(&mut reader, &mut buf, limit).unwrap(), Some(Line::Complete));
        assert_eq!(buf, b"{}");
    }

    /// A source that gives `data` in pieces of `step` bytes, with an
    /// interruption before each, then `end`.
    struct Pieces {
        data: Vec<u8>,
        at: usize,
        step: usize,
        interrupted: bool,
        end: Option<io::ErrorKind>,
    }

    impl Read for Pieces {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.interrupted = !self.interrupted;
            if self.interrupted {
                return Err(io::ErrorKind::Interrupted.into());
            }
            if self.at == self.data.len() {
                return match self.end {
                    None => Ok(0),
                    Some(kind) => Err(io::Error::new(kind, FileError(io::Error::other("disk")))),
                };
            }
            let n = self.step.min(buf.len()).min(self.data.len() - self.at);
            buf[..n].copy_from_slice(&self.data[self.at..self.at + n]);
            self.at += n;
            Ok(n)
        }
    }

    #[test]
    fn reading_ahead_gives_the_bytes_and_the_error_of_the_source() {
        let data: Vec<u8> = (0..3 * BUFFER + 17).map(|i| (i % 251) as u8).collect();
        // (piece size, the source's end)
        let cases = [(1 << 20, None), (1000, None), (7, Some(io::ErrorKind::PermissionDenied))];
        for (step, end) in cases {
            let source = Pieces { data: data.clone(), at: 0, step, interrupted: false, end };
            let mut ahead = ReadAhead::spawn(Box::new(source)).unwrap();
            let mut got = Vec::new();
            let result = ahead.read_to_end(&mut got);
            assert_eq!(got, data, "step {step}");
            match end {
                None => assert!(result.is_ok(), "step {step}: {result:?}"),
                Some(kind) => {
                    let err = result.unwrap_err();
                    assert_eq!(err.kind(), kind);
                    assert_eq!(
                        FileError::unwrap(err).map(|e| e.to_string()).ok().as_deref(),
                        Some("disk")
                    );
                }
            }
        }
    }

    #[test]
    fn dropping_a_reader_ahead_stops_its_thread() {
        // An endless source: the thread must end when the reader is gone.
        let source = io::repeat(b'x');
        let mut ahead = ReadAhead::spawn(Box::new(source)).unwrap();
        let mut first = [0u8; 10];
        ahead.read_exact(&mut first).unwrap();
        assert_eq!(&first, b"xxxxxxxxxx");
        drop(ahead);
    }

    #[test]
    fn read_bounded_stops_one_byte_past_the_limit() {
        // (data, limit, the bytes kept or the size reported)
        let cases =
            [("", 3, Ok("")), ("abc", 3, Ok("abc")), ("abcd", 3, Err(4)), ("abcdefgh", 3, Err(4))];
        for (data, limit, want) in cases {
            let got = read_bounded(&mut data.as_bytes(), limit).unwrap();
            assert_eq!(got, want.map(|s| s.as_bytes().to_vec()), "{data:?} limit {limit}");
        }
    }
}
