//! Test support: an in-process, Kubernetes-faithful HTTPS API server ([`apiserver`]) and the
//! clusters it serves ([`clusters`]).
#![allow(dead_code)]

pub mod apiserver;
pub mod clusters;
