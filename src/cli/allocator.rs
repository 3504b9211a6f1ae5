//! The program's allocator: jemalloc, tuned to keep a worker's memory low.
//!
//! glibc's malloc was about a seventh of a document's CPU time (many small
//! strings and vectors per document); jemalloc takes the per-document time
//! back under the accuracy issues' 1.1× bound. Its defaults hold on to
//! freed memory for a while in one arena per thread and core, which put a
//! one-thread run of 1,000 documents at 101 MiB, over the 100 MB a worker may
//! take; two arenas that return freed pages within a second keep it at
//! 90 MiB. `_RJEM_MALLOC_CONF` in the environment still overrides this.
//! The numbers are in docs/ARCHITECTURE.md ("Speed and memory").

#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc reads its options from this C string at start-up.
#[repr(transparent)]
pub struct Options(*const std::ffi::c_char);

// SAFETY: a pointer to a static, never written.
unsafe impl Sync for Options {}

#[export_name = "_rjem_malloc_conf"]
pub static OPTIONS: Options = Options(c"narenas:2,dirty_decay_ms:1000,muzzy_decay_ms:0".as_ptr());
