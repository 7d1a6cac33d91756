//! A file people picked, read as UTF-8 text a piece at a time, whatever it was saved in.
//!
//! The encoding is decided once for the whole file, as [`decode`](crate::csv_import::decode)
//! decides it for bytes in memory: a BOM decides; else UTF-8 when every byte of the file is valid
//! UTF-8; else Windows-1251, the encoding Russian Excel saves CSV in. Telling UTF-8 from
//! Windows-1251 takes a look at the whole file (a Cyrillic name may first appear on row 900 000),
//! so the file is read twice: once to check, in fixed-size pieces, then to decode. Memory stays
//! the same whatever the file's size.

use std::io::{self, Read, Seek, SeekFrom};

use encoding_rs::{Encoding, UTF_8, WINDOWS_1251};
use encoding_rs_io::{DecodeReaderBytes, DecodeReaderBytesBuilder};

/// The piece size of the checking pass.
const PIECE: usize = 64 * 1024;

/// The text of `file` as UTF-8, from its current position on. Invalid sequences (in a file with a
/// BOM) become U+FFFD, as in [`decode`](crate::csv_import::decode).
pub(crate) fn text_reader<R: Read + Seek>(
    mut file: R,
) -> io::Result<DecodeReaderBytes<R, Vec<u8>>> {
    let start = file.stream_position()?;
    let encoding = file_encoding(&mut file)?;
    file.seek(SeekFrom::Start(start))?;
    let mut builder = DecodeReaderBytesBuilder::new();
    match encoding {
        // The BOM is sniffed, stripped and obeyed by the reader itself.
        FileEncoding::Bom => {}
        FileEncoding::Utf8 => {
            builder.encoding(Some(UTF_8)).utf8_passthru(true);
        }
        FileEncoding::Windows1251 => {
            builder.encoding(Some(WINDOWS_1251));
        }
    }
    Ok(builder.build(file))
}

/// How a file's bytes become text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FileEncoding {
    /// It starts with a byte order mark, which names the encoding.
    Bom,
    /// No BOM, and every byte valid UTF-8.
    Utf8,
    /// No BOM, and not UTF-8.
    Windows1251,
}

/// Reads `file` to its end to decide its encoding.
fn file_encoding(file: &mut impl Read) -> io::Result<FileEncoding> {
    let mut piece = vec![0; PIECE];
    // Bytes of a character cut by the end of the previous piece, moved to the front.
    let mut carried = 0;
    let mut first = true;
    loop {
        let read = read_some(file, &mut piece[carried..])?;
        let filled = carried + read;
        if first {
            first = false;
            if Encoding::for_bom(&piece[..filled]).is_some() {
                return Ok(FileEncoding::Bom);
            }
        }
        if read == 0 {
            // A character cut short by the end of the file is not UTF-8.
            return Ok(if carried == 0 {
                FileEncoding::Utf8
            } else {
                FileEncoding::Windows1251
            });
        }
        match std::str::from_utf8(&piece[..filled]) {
            Ok(_) => carried = 0,
            Err(e) if e.error_len().is_none() => {
                let valid = e.valid_up_to();
                piece.copy_within(valid..filled, 0);
                carried = filled - valid;
            }
            Err(_) => return Ok(FileEncoding::Windows1251),
        }
    }
}

/// Fills as much of `buf` as the reader gives before its end (a BOM needs its first 3 bytes
/// together).
fn read_some(file: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;
    use crate::csv_import::decode;

    fn text_of(bytes: &[u8]) -> String {
        let mut text = String::new();
        text_reader(Cursor::new(bytes))
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        text
    }

    #[test]
    fn reads_what_decode_reads_in_every_encoding() {
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("Имя\tТелефон\n".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let samples: [&[u8]; 6] = [
            "Имя;Телефон\nИван;+7 910\n".as_bytes(),
            b"\xEF\xBB\xBFName;Phone\n",
            b"\xC8\xE2\xE0\xED;+7 910\n", // "Иван" in Windows-1251
            &utf16,
            b"",
            b"\xEF\xBB\xBFbad \xFF byte\n",
        ];
        for bytes in samples {
            assert_eq!(text_of(bytes), decode(bytes), "{bytes:?}");
        }
    }

    #[test]
    fn a_windows_1251_byte_far_into_the_file_decides_for_the_whole_file() {
        let mut bytes = "Name;Phone\n".repeat(20_000).into_bytes();
        assert!(bytes.len() > 3 * PIECE);
        bytes.extend_from_slice(b"\xC8\xE2\xE0\xED;+7 910\n");
        let text = text_of(&bytes);
        assert!(
            text.ends_with("Иван;+7 910\n"),
            "{}",
            &text[text.len() - 20..]
        );
    }

    #[test]
    fn a_character_cut_by_a_piece_boundary_is_still_utf8() {
        // "Я" is two bytes; put its first byte last in the first piece.
        let mut bytes = vec![b'a'; PIECE - 1];
        bytes.extend_from_slice("Я\n".as_bytes());
        assert_eq!(text_of(&bytes), decode(&bytes));
        assert!(text_of(&bytes).ends_with("Я\n"));
    }
}
