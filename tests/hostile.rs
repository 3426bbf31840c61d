//! The hostile-input suite (issue 14): cases generated at test time (nothing big is
//! committed), each asserting no panic, bounded time, a coverage entry naming the file or
//! API path, the other inputs still judged, and no pass that depended on the broken input.

mod support;

#[path = "hostile/out.rs"]
mod out;

#[path = "hostile/api.rs"]
mod api;

#[path = "hostile/files.rs"]
mod files;

#[path = "hostile/exceptions.rs"]
mod exceptions;

#[path = "hostile/mutate.rs"]
mod mutate;
