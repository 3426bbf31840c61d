//! kubeattest: Kubernetes compliance evidence.
//!
//! One straight pipeline — catalog → collect → inventory → evaluate → results → render →
//! bundle. See `ARCHITECTURE.md` in the shared notes and `controls/README.md` for the catalog
//! format.
#![deny(missing_docs)]

pub mod attestations;
pub mod attribution;
pub mod bundle;
pub mod catalog;
pub mod checks;
pub mod cidr;
pub mod cli;
pub mod collect;
pub mod commands;
pub mod config;
pub mod diff;
pub mod document;
pub mod evaluate;
pub mod exceptions;
pub mod export;
pub mod exposure;
pub mod fleet;
pub mod hashed_file;
pub mod inventory;
pub mod manifest;
pub mod node_facts;
pub mod ownership;
pub mod quote;
pub mod render;
pub mod results;
pub mod retention;
pub mod secrets;
pub mod signature;
pub mod verify;
pub mod vulnerabilities;
pub mod who_can;
pub mod yaml;
