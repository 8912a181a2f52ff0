//! The commands: each takes parsed arguments and returns what to print or an
//! error that knows its exit code. `main.rs` only prints and exits.

use std::io::Write;
use std::path::Path;

use crate::cli::{Cli, Command, RenderArgs, SiteArgs};
use crate::output::{self, WriteError};
use crate::render::{self, RenderError};
use crate::spec::{self, Origins, Problems, SiteSpec, SpecFileError, ValidSpec};

/// Everything a command can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Spec(#[from] Problems),
    #[error(transparent)]
    SpecFile(#[from] SpecFileError),
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error(transparent)]
    Write(#[from] WriteError),
    #[error("cannot write to stdout: {0}")]
    Stdout(std::io::Error),
    #[error("{0}")]
    Usage(String),
}

impl Error {
    /// 1 for a failure, 2 for a usage error (see `--help`).
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Spec(p) if p.is_usage() => 2,
            Error::Usage(_) => 2,
            _ => 1,
        }
    }
}

/// Runs one command. Warnings go to `warn` (stderr in the binary).
pub fn run(cli: Cli, stdout: &mut dyn Write, warn: &mut dyn FnMut(&str)) -> Result<(), Error> {
    match cli.command {
        Command::Render(args) => render_command(&args, stdout, warn),
    }
}

impl SiteArgs {
    /// The flags as a spec, and which keys they set (flags name themselves
    /// in messages even when a spec file is also given).
    pub fn to_spec(&self, origins: &mut Origins) -> SiteSpec {
        let tls = match (self.tls, self.no_tls) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        };
        let spec = SiteSpec {
            version: None,
            name: self.name.clone(),
            namespace: self.namespace.clone(),
            image: self.image.clone(),
            disk: self.disk,
            host: self.host.clone(),
            port: self.port,
            replicas: self.replicas,
            storage_size: self.storage_size.clone(),
            storage_class: self.storage_class.clone(),
            nfs_server: self.nfs_server.clone(),
            nfs_path: self.nfs_path.clone(),
            mount_path: self.mount_path.clone(),
            route: self.route,
            ingress_class: self.ingress_class.clone(),
            ingress_namespace: self.ingress_namespace.clone(),
            tls,
            cluster_issuer: self.cluster_issuer.clone(),
            redis_image: self.redis_image.clone(),
            labels: self.labels.iter().cloned().collect(),
        };
        for key in set_keys(&spec) {
            origins.flag(key);
        }
        spec
    }
}

/// The spec-file keys that `spec` sets.
fn set_keys(s: &SiteSpec) -> Vec<&'static str> {
    let mut keys = Vec::new();
    let mut mark = |set: bool, key| {
        if set {
            keys.push(key);
        }
    };
    mark(s.name.is_some(), "name");
    mark(s.namespace.is_some(), "namespace");
    mark(s.image.is_some(), "image");
    mark(s.disk.is_some(), "disk");
    mark(s.host.is_some(), "host");
    mark(s.port.is_some(), "port");
    mark(s.replicas.is_some(), "replicas");
    mark(s.storage_size.is_some(), "storage-size");
    mark(s.storage_class.is_some(), "storage-class");
    mark(s.nfs_server.is_some(), "nfs-server");
    mark(s.nfs_path.is_some(), "nfs-path");
    mark(s.mount_path.is_some(), "mount-path");
    mark(s.route.is_some(), "route");
    mark(s.ingress_class.is_some(), "ingress-class");
    mark(s.ingress_namespace.is_some(), "ingress-namespace");
    mark(s.tls.is_some(), "tls");
    mark(s.cluster_issuer.is_some(), "cluster-issuer");
    mark(s.redis_image.is_some(), "redis-image");
    mark(!s.labels.is_empty(), "labels");
    keys
}

/// Builds and validates the spec from `-f FILE` and the flags.
pub fn resolve(file: Option<&Path>, site: &SiteArgs) -> Result<ValidSpec, Error> {
    let (base, mut origins) = match file {
        Some(path) => spec::load_file(path)?,
        None => (SiteSpec::default(), Origins::default()),
    };
    let flags = site.to_spec(&mut origins);
    Ok(base.overlay(flags).validate(&origins)?)
}

fn render_command(
    args: &RenderArgs,
    stdout: &mut dyn Write,
    warn: &mut dyn FnMut(&str),
) -> Result<(), Error> {
    let to_stdout = args.output.as_deref().is_none_or(|o| o == Path::new("-"));
    if to_stdout && (args.dry_run || args.diff || args.force) {
        return Err(Error::Usage(
            "--dry-run, --diff and --force apply to -o DIR; without it the manifests go to stdout"
                .into(),
        ));
    }
    let spec = resolve(args.file.as_deref(), &args.site)?;
    for w in &spec.warnings {
        warn(&format!("warning: {w}"));
    }
    let mut files = render::render(&spec)?;
    let out = |e| Error::Stdout(e);
    if to_stdout {
        return stdout
            .write_all(render::to_stream(&files).as_bytes())
            .map_err(out);
    }
    let root = args.output.as_deref().unwrap_or(Path::new("."));
    files.push(render::kustomization(&files)?);
    let plan = output::plan(root, &files)?;
    if args.diff {
        return stdout.write_all(plan.diff().as_bytes()).map_err(out);
    }
    if args.dry_run {
        return stdout.write_all(plan.describe().as_bytes()).map_err(out);
    }
    plan.apply(args.force)?;
    let changed = plan
        .files
        .iter()
        .filter(|f| f.action != output::Action::Unchanged)
        .count();
    warn(&format!(
        "wrote {} ({changed} of {} files changed); apply with: kubectl apply -k {}",
        root.display(),
        plan.files.len(),
        root.display()
    ));
    Ok(())
}
