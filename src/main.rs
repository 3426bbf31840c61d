//! The `kubeattest` binary: parse arguments, run, map the outcome to an exit code.

use std::process::ExitCode;

/// A scan allocates many small strings (subjects, observations, report records) from
/// several threads; mimalloc does that with a third less CPU than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc 3's `mi_option_e` (libmimalloc-sys 0.1.49 names the
/// constant only for mimalloc 2).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> ExitCode {
    // A scan frees and reallocates its working memory phase after phase. By default mimalloc
    // hands freed pages back to the kernel after 10 ms, which zeroes them again on the next
    // use: on 10,000 objects that was 4 GB of page zeroing (~10 % of the CPU). A run is short
    // and its peak is the same either way, so freed memory is kept.
    // SAFETY: sets a plain option before any thread is started, as mimalloc requires.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
    // Transparent huge pages cost a short run more than they save: the kernel zeroes 2 MiB at
    // the first touch of each and may stall the fault to compact memory. On 100,000 objects
    // that was 1.3-5.6 s of system time (0.6-0.8 s without) and +40 MB of peak RSS; on 1,000,
    // a tenth of the run, and one run in five took 3-6 times the median. mimalloc is built
    // not to ask for them (`no_thp`, which covers hosts in `madvise` mode from the first
    // allocation); `PR_SET_THP_DISABLE` turns them off for this process where the mode is
    // `always`.
    // SAFETY: prctl with these arguments only sets a flag of this process.
    #[cfg(target_os = "linux")]
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
    kubeattest::cli::main()
}
