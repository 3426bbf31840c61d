//! A report file written and hashed on a thread of its own.
//!
//! Rendering a format is one thread's work; hashing what it produces (SHA-256 for the
//! manifest) and writing it out was a third of that thread's time. Here the renderer fills
//! chunks and hands them over; a second thread hashes and writes each chunk while the next
//! one is rendered. At most [`IN_FLIGHT`] chunks wait, so memory stays a few chunks whatever
//! the file's size.

use std::fs::File;
use std::io::{self, Write};
use std::sync::mpsc::{channel, sync_channel, Receiver, SyncSender};
use std::thread::{Scope, ScopedJoinHandle};

use sha2::{Digest, Sha256};

/// Bytes rendered before a chunk is handed over.
const CHUNK: usize = 1 << 18;
/// Chunks handed over and not yet written before the renderer waits.
const IN_FLIGHT: usize = 2;

/// What was written: size and SHA-256 (lower-case hex).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// Bytes written.
    pub size: u64,
    /// SHA-256 of those bytes, lower-case hex.
    pub sha256: String,
}

/// The renderer's end: a [`Write`] whose bytes reach the file through the writing thread.
pub struct HashedFile<'scope> {
    chunk: Vec<u8>,
    to_writer: Option<SyncSender<Vec<u8>>>,
    /// Chunks the writing thread is done with, reused so no chunk is allocated twice.
    spare: Receiver<Vec<u8>>,
    writer: ScopedJoinHandle<'scope, io::Result<Written>>,
}

impl<'scope> HashedFile<'scope> {
    /// Starts the writing thread for `file` within `scope`.
    pub fn start<'env>(scope: &'scope Scope<'scope, 'env>, file: File) -> Self {
        let (to_writer, chunks) = sync_channel::<Vec<u8>>(IN_FLIGHT);
        let (done, spare) = channel::<Vec<u8>>();
        let writer = scope.spawn(move || {
            let mut file = file;
            let mut hasher = Sha256::new();
            let mut size = 0u64;
            for mut chunk in chunks {
                hasher.update(&chunk);
                file.write_all(&chunk)?;
                size += chunk.len() as u64;
                chunk.clear();
                // The renderer may have finished and stopped taking chunks back.
                let _ = done.send(chunk);
            }
            Ok(Written {
                size,
                sha256: format!("{:x}", hasher.finalize()),
            })
        });
        HashedFile {
            chunk: Vec::with_capacity(CHUNK),
            to_writer: Some(to_writer),
            spare,
            writer,
        }
    }

    /// Hands over the last chunk, waits for the writing thread and returns what it wrote.
    /// A write error of that thread (a full disk, say) is returned as it happened.
    pub fn finish(mut self) -> io::Result<Written> {
        let sent = self.hand_over();
        drop(self.to_writer.take());
        let written = match self.writer.join() {
            Ok(result) => result?,
            Err(_) => return Err(io::Error::other("the thread writing the file stopped")),
        };
        sent.map(|()| written)
    }

    fn hand_over(&mut self) -> io::Result<()> {
        if self.chunk.is_empty() {
            return Ok(());
        }
        let next = self
            .spare
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(CHUNK));
        let full = std::mem::replace(&mut self.chunk, next);
        match &self.to_writer {
            Some(tx) if tx.send(full).is_ok() => Ok(()),
            // The writing thread ended early: `finish` returns its error.
            _ => Err(io::Error::other("the thread writing the file stopped")),
        }
    }
}

impl Write for HashedFile<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write_all(buf)?;
        Ok(buf.len())
    }

    fn write_all(&mut self, mut buf: &[u8]) -> io::Result<()> {
        while !buf.is_empty() {
            let room = CHUNK - self.chunk.len();
            let (now, rest) = buf.split_at(room.min(buf.len()));
            self.chunk.extend_from_slice(now);
            buf = rest;
            if self.chunk.len() == CHUNK {
                self.hand_over()?;
            }
        }
        Ok(())
    }

    /// Chunks are handed over when full or at [`HashedFile::finish`]; flushing waits for
    /// neither (renderers flush their own buffers into this one).
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_through(parts: &[&[u8]]) -> (Written, Vec<u8>) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("f");
        let file = File::create(&path).expect("create");
        let written = std::thread::scope(|s| {
            let mut w = HashedFile::start(s, file);
            for p in parts {
                w.write_all(p).expect("write");
            }
            w.finish().expect("finish")
        });
        (written, std::fs::read(&path).expect("read back"))
    }

    #[test]
    fn writes_and_hashes_every_byte_in_order() {
        // Pieces that straddle chunk boundaries, and one larger than several chunks.
        let big: Vec<u8> = (0..(CHUNK * 3 + 17)).map(|i| (i % 251) as u8).collect();
        let parts: Vec<&[u8]> = vec![b"{", &big[..CHUNK - 1], &big, b"", b"}\n"];
        let expected: Vec<u8> = parts.concat();
        let (written, on_disk) = write_through(&parts);
        assert_eq!(on_disk, expected);
        assert_eq!(written.size, expected.len() as u64);
        assert_eq!(written.sha256, crate::manifest::sha256_hex(&expected));
    }

    #[test]
    fn an_empty_file_has_the_empty_hash() {
        let (written, on_disk) = write_through(&[]);
        assert!(on_disk.is_empty());
        assert_eq!(
            written.sha256,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn a_write_error_of_the_writing_thread_is_returned() {
        // /dev/full accepts the open and fails every write with ENOSPC.
        let Ok(file) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
            return;
        };
        let err = std::thread::scope(|s| {
            let mut w = HashedFile::start(s, file);
            let data = vec![b'x'; CHUNK * 4];
            // Either a later hand-over notices the thread has stopped, or `finish` does.
            let _ = w.write_all(&data);
            w.finish().expect_err("a full disk is an error")
        });
        assert_eq!(err.raw_os_error(), Some(28), "{err}");
    }
}
