//! The command line: each command's arguments and how its outcome becomes an
//! exit code. The library knows nothing of this.

#[cfg(all(unix, not(target_env = "musl")))]
mod allocator;
pub mod bench;
pub mod check;
pub mod crawl;
pub mod exit;
pub mod extract;
pub mod inputs;
pub mod pipe;
pub mod run;
