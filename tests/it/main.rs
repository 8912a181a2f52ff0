//! One integration-test binary (link time dominates on small machines).

mod cli;
mod render;
mod support;
