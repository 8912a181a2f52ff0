//! One integration-test binary (link time dominates on small machines).

mod check;
mod cli;
mod crash;
mod hostile;
mod new;
mod render;
mod support;
