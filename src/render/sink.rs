//! A buffer in front of a renderer's output.
//!
//! Renderers write a report in many small pieces (a JSON token, a CSV cell). Through
//! `&mut dyn Write` each piece is a call through a vtable into the bundle's writer stack;
//! into a [`Sink`] it is a copy into a `Vec`, and the writer sees pieces of about
//! [`FLUSH_AT`] bytes. Memory stays bounded: the buffer is handed on whenever it reaches
//! that size.

use std::io::{self, Write};

/// The buffer is handed to the writer in pieces of about this size.
pub const FLUSH_AT: usize = 1 << 18;

/// Buffers writes to `out`; call [`Sink::finish`] at the end, or the tail is lost.
pub struct Sink<'w> {
    out: &'w mut dyn Write,
    /// What has been written and not yet handed on. Renderers that build records by hand
    /// append here, then call [`Sink::end_record`].
    pub buf: Vec<u8>,
}

impl<'w> Sink<'w> {
    /// A sink writing to `out`.
    pub fn new(out: &'w mut dyn Write) -> Self {
        Sink {
            out,
            buf: Vec::with_capacity(FLUSH_AT + (1 << 12)),
        }
    }

    /// Hands the buffer on once it has grown to [`FLUSH_AT`].
    #[inline]
    pub fn end_record(&mut self) -> io::Result<()> {
        if self.buf.len() >= FLUSH_AT {
            self.drain()?;
        }
        Ok(())
    }

    /// Hands on what is buffered and flushes the writer.
    pub fn finish(mut self) -> io::Result<()> {
        self.drain()?;
        self.out.flush()
    }

    fn drain(&mut self) -> io::Result<()> {
        self.out.write_all(&self.buf)?;
        self.buf.clear();
        Ok(())
    }
}

impl Write for Sink<'_> {
    #[inline]
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.write_all(bytes)?;
        Ok(bytes.len())
    }

    #[inline]
    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.buf.extend_from_slice(bytes);
        self.end_record()
    }

    fn flush(&mut self) -> io::Result<()> {
        self.drain()?;
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everything_written_arrives_in_order_in_bounded_pieces() {
        struct Pieces(Vec<usize>, Vec<u8>);
        impl Write for Pieces {
            fn write(&mut self, b: &[u8]) -> io::Result<usize> {
                self.0.push(b.len());
                self.1.extend_from_slice(b);
                Ok(b.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut out = Pieces(Vec::new(), Vec::new());
        let mut expected = Vec::new();
        {
            let mut sink = Sink::new(&mut out);
            for i in 0..100_000u32 {
                let piece = format!("{i},");
                expected.extend_from_slice(piece.as_bytes());
                sink.write_all(piece.as_bytes()).expect("write");
            }
            sink.finish().expect("finish");
        }
        assert_eq!(out.1, expected);
        assert!(out.0.len() > 1, "handed on in more than one piece");
        assert!(out.0.iter().all(|&n| n < FLUSH_AT + 16), "{:?}", out.0);
    }
}
