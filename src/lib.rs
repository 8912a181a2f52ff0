//! kubesite: four answers in, a secure, namespaced, labelled Kubernetes
//! deployment for a static website out.
//!
//! The flow is one-way: a [`spec::SiteSpec`] (from flags, a spec file or the
//! wizard) is validated once into a [`spec::ValidSpec`], rendered by the pure
//! [`render::render`] into [`render::RenderedFile`]s, and written by
//! [`output`]. The binary (`src/main.rs`) only parses arguments and maps
//! errors to exit codes.

pub mod check;
pub mod cli;
pub mod escape;
pub mod output;
pub mod render;
pub mod run;
pub mod spec;
pub mod validate;
pub mod wizard;
