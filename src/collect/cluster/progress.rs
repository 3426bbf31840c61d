//! A progress line on stderr while a scan lists resources (only when stderr is a terminal
//! and `--quiet` is not given): resources listed and objects collected.

use std::io::Write as _;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Counters shared by the list tasks.
#[derive(Debug, Default)]
pub struct Progress {
    enabled: bool,
    lists: AtomicUsize,
    lists_done: AtomicUsize,
    objects: AtomicUsize,
    finished: AtomicBool,
}

impl Progress {
    /// Counters; printing only when `enabled`.
    pub fn new(enabled: bool) -> Progress {
        Progress {
            enabled,
            ..Progress::default()
        }
    }

    /// How many lists will run.
    pub fn set_lists(&self, n: usize) {
        self.lists.store(n, Ordering::Relaxed);
    }

    /// One list finished (whatever its outcome).
    pub fn list_done(&self) {
        self.lists_done.fetch_add(1, Ordering::Relaxed);
    }

    /// Objects collected.
    pub fn add_objects(&self, n: usize) {
        self.objects.fetch_add(n, Ordering::Relaxed);
    }

    /// Objects thrown away (a list restarted after 410 Expired).
    pub fn add_objects_dropped(&self, n: usize) {
        self.objects.fetch_sub(n, Ordering::Relaxed);
    }

    /// Stops the ticker.
    pub fn finish(&self) {
        self.finished.store(true, Ordering::Relaxed);
    }

    fn line(&self) -> String {
        format!(
            "kubeattest: listed {}/{} resources, {} objects",
            self.lists_done.load(Ordering::Relaxed),
            self.lists.load(Ordering::Relaxed),
            self.objects.load(Ordering::Relaxed)
        )
    }

    /// Starts redrawing the line every 200 ms until [`Progress::finish`]; `None` when
    /// disabled.
    pub fn spawn_ticker(self: Arc<Self>) -> Option<tokio::task::JoinHandle<()>> {
        if !self.enabled {
            return None;
        }
        Some(tokio::spawn(async move {
            loop {
                let done = self.finished.load(Ordering::Relaxed);
                {
                    let mut err = std::io::stderr().lock();
                    let _ = write!(err, "\r\x1b[2K{}", self.line());
                    if done {
                        let _ = writeln!(err);
                        return;
                    }
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }))
    }
}
