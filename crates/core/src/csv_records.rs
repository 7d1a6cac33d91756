//! CSV records read from a stream of text, each with the line of the file it starts on.
//!
//! The CSV grammar is csv-core's, the parser under the `csv` crate, fed a piece at a time, so a
//! file of any size is read in the same memory. Two things are ours:
//! - line numbers: counted here over every byte (`\n`, `\r\n` and a lone `\r` each end a line),
//!   because a record's own count would drift over blank lines and quoted line breaks;
//! - a quote left open. csv-core then reads on to the next quote, possibly the end of the file.
//!   A record that runs over several lines with an odd number of quotes is such a case, and so is
//!   one that grows past [`RECORD_LIMIT`] over several lines: its first line is reported and
//!   reading starts again on the line after it, so what follows survives. Only the record being
//!   read is kept for that, never the file.

use std::io::{self, Read};

use csv_core::{ReadRecordResult, Reader, ReaderBuilder};

use crate::csv_import::SkippedRow;

/// The bytes read from the file at a time.
const CHUNK: usize = 64 * 1024;

/// A record longer than this that spans lines is taken for a quote left open. No contact takes
/// a megabyte; a runaway quote over a million-row file would otherwise be held whole.
pub(crate) const RECORD_LIMIT: usize = 1024 * 1024;

/// What a broken record is reported as.
pub(crate) const UNCLOSED_QUOTE: &str = "malformed CSV: a quote is never closed";

/// The fields of the record just read.
pub(crate) struct Fields<'a> {
    text: &'a str,
    ends: &'a [usize],
}

impl<'a> Fields<'a> {
    /// How many fields the record has.
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    /// Field `i`, if the record has it.
    pub(crate) fn get(&self, i: usize) -> Option<&'a str> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        self.text.get(start..end)
    }

    /// Every field, in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &'a str> + '_ {
        (0..self.len()).filter_map(|i| self.get(i))
    }
}

/// Counts lines over the bytes read, in order; `\r\n` is one line break, split or not.
#[derive(Debug, Clone, Copy)]
struct LineCount {
    /// The line of the next byte.
    line: u64,
    after_cr: bool,
}

impl LineCount {
    fn advance(&mut self, byte: u8) {
        match byte {
            b'\n' if self.after_cr => self.after_cr = false,
            b'\n' => self.line += 1,
            b'\r' => {
                self.line += 1;
                self.after_cr = true;
            }
            _ => self.after_cr = false,
        }
    }
}

/// What [`Records::next_record`] found.
pub(crate) enum Next {
    /// A record starting on this line; its fields are in [`Records::fields`].
    Record(u64),
    /// A record that could not be read.
    Broken(SkippedRow),
    /// The end of the file.
    End,
}

/// The records of a CSV text.
pub(crate) struct Records<R> {
    source: R,
    parser: Reader,
    delimiter: u8,
    /// Text read but not parsed yet: `input[at..]`.
    input: Vec<u8>,
    at: usize,
    source_done: bool,
    lines: LineCount,
    /// The text of the record being read, as written (for a quote left open).
    raw: Vec<u8>,
    /// Where the record being read starts: the line, and the offset in `raw` (blank lines before
    /// a record are read with it).
    start: Option<(u64, usize)>,
    /// The record being read, unquoted: csv-core's output buffer and where each field ends.
    fields: Vec<u8>,
    field_len: usize,
    ends: Vec<usize>,
    end_count: usize,
    /// The record just read, checked to be UTF-8 once (the text is, unless the file changed
    /// under us): `fields`' buffer, lent while the record is looked at.
    text: String,
}

impl<R: Read> Records<R> {
    /// Records of `source`, whose first line is `first_line` in the file; `preread` is text
    /// already taken from `source` (read to look at the header), parsed first.
    pub(crate) fn new(source: R, delimiter: u8, first_line: u64, preread: Vec<u8>) -> Self {
        Records {
            source,
            parser: parser(delimiter),
            delimiter,
            input: preread,
            at: 0,
            source_done: false,
            lines: LineCount {
                line: first_line,
                after_cr: false,
            },
            raw: Vec::new(),
            start: None,
            fields: vec![0; 1024],
            field_len: 0,
            ends: vec![0; 32],
            end_count: 0,
            text: String::new(),
        }
    }

    /// The fields of the record [`next_record`](Self::next_record) just returned.
    pub(crate) fn fields(&self) -> Fields<'_> {
        Fields {
            text: &self.text,
            ends: &self.ends[..self.end_count],
        }
    }

    /// Reads the next record.
    pub(crate) fn next_record(&mut self) -> io::Result<Next> {
        if self.fields.is_empty() {
            // Take the buffer back from the last record's text.
            let mut buffer = std::mem::take(&mut self.text).into_bytes();
            buffer.resize(buffer.capacity().max(1024), 0);
            self.fields = buffer;
        }
        self.field_len = 0;
        self.end_count = 0;
        loop {
            if self.at == self.input.len() && !self.source_done {
                self.refill()?;
            }
            let (result, read, written, ended) = self.parser.read_record(
                &self.input[self.at..],
                &mut self.fields[self.field_len..],
                &mut self.ends[self.end_count..],
            );
            self.consume(read);
            self.field_len += written;
            self.end_count += ended;
            match result {
                ReadRecordResult::InputEmpty => {}
                ReadRecordResult::OutputFull => {
                    let grown = self.fields.len() * 2;
                    self.fields.resize(grown, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    let grown = self.ends.len() * 2;
                    self.ends.resize(grown, 0);
                }
                ReadRecordResult::Record => return Ok(self.finish_record()),
                ReadRecordResult::End => return Ok(Next::End),
            }
            if self.raw.len() > RECORD_LIMIT {
                if let Some(broken) = self.give_up_runaway_record() {
                    return Ok(broken);
                }
            }
        }
    }

    /// Reads the next piece of the file, keeping what is left of the last.
    fn refill(&mut self) -> io::Result<()> {
        self.input.drain(..self.at);
        self.at = 0;
        let kept = self.input.len();
        self.input.resize(kept + CHUNK, 0);
        let read = loop {
            match self.source.read(&mut self.input[kept..]) {
                Ok(read) => break read,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.input.truncate(kept);
                    return Err(e);
                }
            }
        };
        self.input.truncate(kept + read);
        self.source_done = read == 0;
        Ok(())
    }

    /// Counts the lines of the next `count` bytes of input and keeps them as the record's text.
    fn consume(&mut self, count: usize) {
        let bytes = &self.input[self.at..self.at + count];
        for (i, &byte) in bytes.iter().enumerate() {
            if self.start.is_none() && byte != b'\r' && byte != b'\n' {
                self.start = Some((self.lines.line, self.raw.len() + i));
            }
            self.lines.advance(byte);
        }
        self.raw.extend_from_slice(bytes);
        self.at += count;
    }

    /// The record csv-core just ended: its line, or the report of a quote left open.
    fn finish_record(&mut self) -> Next {
        let (line, offset) = self.start.unwrap_or((self.lines.line, self.raw.len()));
        let written = self.raw[offset.min(self.raw.len())..].trim_ascii_end();
        let quotes = written.iter().filter(|&&b| b == b'"').count();
        let spans_lines = written.iter().any(|&b| b == b'\n' || b == b'\r');
        if quotes % 2 == 1 && spans_lines {
            return self.restart_after_first_line(line, offset);
        }
        self.raw.clear();
        self.start = None;
        let mut buffer = std::mem::take(&mut self.fields);
        buffer.truncate(self.field_len);
        match String::from_utf8(buffer) {
            Ok(text) => {
                self.text = text;
                Next::Record(line)
            }
            Err(e) => {
                self.fields = e.into_bytes();
                self.end_count = 0;
                Next::Broken(SkippedRow {
                    line,
                    reason: "the row is not valid text (was the file changed during the import?)"
                        .into(),
                })
            }
        }
    }

    /// A record grown past the limit: given up for a quote left open if it spans lines.
    fn give_up_runaway_record(&mut self) -> Option<Next> {
        let (line, offset) = self.start?;
        let spans_lines = self.raw[offset..].iter().any(|&b| b == b'\n' || b == b'\r');
        spans_lines.then(|| self.restart_after_first_line(line, offset))
    }

    /// Reports the record starting at `raw[offset]` on `line` as broken, and reads again from the
    /// line after it, with a fresh parser.
    fn restart_after_first_line(&mut self, line: u64, offset: usize) -> Next {
        let rest = &self.raw[offset..];
        let (resume, after_cr) = match rest.iter().position(|&b| b == b'\n' || b == b'\r') {
            Some(at) if rest[at] == b'\r' && rest.get(at + 1) == Some(&b'\n') => (at + 2, false),
            Some(at) => (at + 1, rest[at] == b'\r'),
            None => (rest.len(), false),
        };
        let mut input = rest[resume..].to_vec();
        input.extend_from_slice(&self.input[self.at..]);
        self.input = input;
        self.at = 0;
        self.lines = LineCount {
            line: line + 1,
            after_cr,
        };
        self.raw.clear();
        self.start = None;
        self.parser = parser(self.delimiter);
        self.field_len = 0;
        self.end_count = 0;
        Next::Broken(SkippedRow {
            line,
            reason: UNCLOSED_QUOTE.into(),
        })
    }
}

fn parser(delimiter: u8) -> Reader {
    ReaderBuilder::new().delimiter(delimiter).build()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every record of `text` as `line: fields` or `line: !reason`, read in pieces of `piece`
    /// bytes.
    fn records(text: &str, piece: usize) -> Vec<String> {
        struct Pieces<'a>(&'a [u8], usize);
        impl Read for Pieces<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let n = self.0.len().min(self.1).min(buf.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut records = Records::new(Pieces(text.as_bytes(), piece), b';', 1, Vec::new());
        let mut out = Vec::new();
        loop {
            match records.next_record().unwrap() {
                Next::Record(line) => {
                    let fields: Vec<&str> = records.fields().iter().collect();
                    out.push(format!("{line}: {}", fields.join("|")));
                }
                Next::Broken(row) => out.push(format!("{}: !{}", row.line, row.reason)),
                Next::End => return out,
            }
        }
    }

    fn in_any_pieces(text: &str) -> Vec<String> {
        let whole = records(text, usize::MAX);
        for piece in [1, 2, 3, 7] {
            assert_eq!(records(text, piece), whole, "read {piece} bytes at a time");
        }
        whole
    }

    #[test]
    fn lines_count_blank_lines_crlf_lone_cr_and_quoted_breaks() {
        assert_eq!(
            in_any_pieces("a;b\r\n\r\nc;\"d\r\ne\"\r\nf\rg\n\n\nh"),
            ["1: a|b", "3: c|d\r\ne", "5: f", "6: g", "9: h"]
        );
    }

    #[test]
    fn an_unclosed_quote_loses_its_first_line_only() {
        assert_eq!(
            in_any_pieces("a;\"b\nc;d\ne;\"f\";g\nh;i\n"),
            [
                "1: !malformed CSV: a quote is never closed",
                "2: c|d",
                "3: e|f|g",
                "4: h|i"
            ]
        );
        assert_eq!(
            in_any_pieces("a;b\r\nc;\"d\r\ne;f\r\n"),
            [
                "1: a|b",
                "2: !malformed CSV: a quote is never closed",
                "3: e|f"
            ]
        );
    }

    #[test]
    fn a_quote_inside_a_field_is_a_character() {
        assert_eq!(
            in_any_pieces("O\"Brien;1\nx;2"),
            ["1: O\"Brien|1", "2: x|2"]
        );
    }

    #[test]
    fn a_runaway_quote_is_given_up_at_the_limit_not_held_to_the_end() {
        let mut text = String::from("a;\"open\n");
        let row = "name;79101234567\n";
        let rows = RECORD_LIMIT / row.len() + 10;
        text.push_str(&row.repeat(rows));
        text.push_str("end;\"x\"\n");
        let read = records(&text, CHUNK);
        assert_eq!(read[0], "1: !malformed CSV: a quote is never closed");
        assert_eq!(read[1], "2: name|79101234567");
        assert_eq!(read.len(), rows + 2, "every row after the broken one");
        assert_eq!(read[rows + 1], format!("{}: end|x", rows + 2));
    }

    #[test]
    fn a_long_single_line_is_a_record_however_long() {
        let long = "x".repeat(3 * RECORD_LIMIT);
        let read = records(&format!("{long};1\nb;2\n"), CHUNK);
        assert_eq!(read.len(), 2);
        assert_eq!(read[1], "2: b|2");
    }
}
