//! The commands: each takes parsed arguments and returns what to print or an
//! error that knows its exit code. `main.rs` only prints and exits.

use std::collections::BTreeMap;
use std::fs;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use crate::cli::{Cli, Command, NewArgs, RenderArgs, SiteArgs};
use crate::output::{self, WriteError};
use crate::render::{self, RenderError};
use crate::spec::{self, Disk, Origins, Problems, SiteSpec, SpecFileError, SpecSource, ValidSpec};
use crate::wizard;

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
    /// `kubesite check`: findings (exit 1), or input it could not read or parse (exit 2).
    #[error(transparent)]
    Check(#[from] crate::check::CheckError),
    #[error("{} exists and is not empty; pick a new folder, or pass --force to replace only the files kubesite generates", .0.display())]
    NotEmpty(PathBuf),
    #[error("cancelled; nothing was written")]
    Cancelled,
    /// `render --exit-code`: the folder is not what the spec renders.
    #[error("{changed} of {total} files in {} would change (--exit-code)", root.display())]
    Outdated {
        changed: usize,
        total: usize,
        root: PathBuf,
    },
    #[error("cannot create the Redis password: {0}")]
    Random(String),
}

impl Error {
    /// 1 for a failure, 2 for a usage error (see `--help`).
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Spec(p) if p.is_usage() => 2,
            Error::Usage(_) => 2,
            Error::Check(e) => e.exit_code(),
            Error::Cancelled => 130,
            _ => 1,
        }
    }
}

/// Runs one command. Warnings go to `warn` (stderr in the binary).
pub fn run(cli: Cli, stdout: &mut dyn Write, warn: &mut dyn FnMut(&str)) -> Result<(), Error> {
    match cli.command {
        Command::Render(args) => render_command(&args, stdout, warn),
        Command::Check(args) => Ok(crate::check::run(&args, stdout, warn)?),
        Command::New(args) => new_command(&args, stdout, warn),
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "kubesite", stdout);
            Ok(())
        }
        Command::Man => {
            let cmd = <Cli as clap::CommandFactory>::command();
            clap_mangen::Man::new(cmd)
                .render(stdout)
                .map_err(Error::Stdout)
        }
    }
}

impl SiteArgs {
    /// The site flags given, as their names (`label`, `no-tls`), in the
    /// order of the spec's fields.
    pub fn given_flags(&self) -> Vec<String> {
        let mut flags: Vec<String> = self
            .to_spec(&mut Origins::default())
            .given_keys()
            .into_iter()
            .filter(|key| key != "labels")
            .map(|key| match key.as_str() {
                "tls" if self.no_tls => "no-tls".to_owned(),
                _ => key,
            })
            .collect();
        // Every --label, also one without `=` (not a spec key until fixed).
        if !self.labels.is_empty() {
            flags.push("label".to_owned());
        }
        flags
    }

    /// The flags as a spec, and which keys they set (flags name themselves
    /// in messages even when a spec file is also given).
    pub fn to_spec(&self, origins: &mut Origins) -> SiteSpec {
        let tls = match (self.tls, self.no_tls) {
            (true, _) => Some(true.into()),
            (_, true) => Some(false.into()),
            _ => None,
        };
        let mut labels = BTreeMap::new();
        let mut unsplit_labels = Vec::new();
        for text in &self.labels {
            match text.split_once('=') {
                Some((key, value)) => {
                    labels.insert(key.to_owned(), value.to_owned());
                }
                None => unsplit_labels.push(text.clone()),
            }
        }
        let spec = SiteSpec {
            version: None,
            name: self.name.clone(),
            namespace: self.namespace.clone(),
            image: self.image.clone(),
            disk: self.disk.clone(),
            host: self.host.clone(),
            port: self.port.clone(),
            replicas: self.replicas.clone(),
            storage_size: self.storage_size.clone(),
            storage_class: self.storage_class.clone(),
            nfs_server: self.nfs_server.clone(),
            nfs_path: self.nfs_path.clone(),
            mount_path: self.mount_path.clone(),
            route: self.route.clone(),
            ingress_class: self.ingress_class.clone(),
            ingress_namespace: self.ingress_namespace.clone(),
            gateway: self.gateway.clone(),
            autoscale: self.autoscale.clone(),
            tls,
            cluster_issuer: self.cluster_issuer.clone(),
            redis_image: self.redis_image.clone(),
            labels,
            unsplit_labels,
        };
        for key in spec.given_keys() {
            origins.flag(&key);
        }
        for key in spec.labels.keys() {
            origins.flag_label(key);
        }
        spec
    }
}

/// Builds the raw spec from `-f FILE` and the flags (flags win).
fn gather(file: Option<&Path>, site: &SiteArgs) -> Result<(SiteSpec, Origins), Error> {
    let (base, mut origins) = match file {
        Some(path) => spec::load_file(path)?,
        None => (SiteSpec::default(), Origins::default()),
    };
    let flags = site.to_spec(&mut origins);
    Ok((base.overlay(flags), origins))
}

/// Builds and validates the spec from `-f FILE` and the flags.
pub fn resolve(file: Option<&Path>, site: &SiteArgs) -> Result<ValidSpec, Error> {
    let (raw, origins) = gather(file, site)?;
    Ok(raw.validate(&origins)?)
}

/// `kubesite new`: answers from a file, flags, `--defaults` or the wizard,
/// then a whole starter repository written at once.
fn new_command(
    args: &NewArgs,
    stdout: &mut dyn Write,
    warn: &mut dyn FnMut(&str),
) -> Result<(), Error> {
    let (mut raw, origins) = gather(args.file.as_deref(), &args.site)?;
    let interactive = !args.no_input
        && !args.defaults
        && std::io::stdin().is_terminal()
        && std::io::stderr().is_terminal();
    // The folder name suggests the site name; the site name the folder.
    // `new .` or `new ..` names the folder by its real name.
    let name_of = |path: &Path| path.file_name().map(|n| n.to_string_lossy().into_owned());
    let folder_name = match &args.dir {
        Some(dir) => name_of(dir).or_else(|| fs::canonicalize(dir).ok().and_then(|d| name_of(&d))),
        None => std::env::current_dir().ok().and_then(|d| name_of(&d)),
    };
    let taken = |folder: &Path| !args.force && folder_has_entries(folder);
    let suggested = spec::suggest_name(folder_name.as_deref().unwrap_or("site"));
    // A folder that is not free is said before any question: the one given,
    // or the one named after a valid site name given as a flag or in -f.
    let named = raw
        .name
        .as_deref()
        .filter(|name| args.dir.is_none() && spec::check_answer("name", name).is_ok())
        .map(PathBuf::from);
    if let Some(root) = args.dir.clone().or(named)
        && taken(&root)
    {
        return Err(Error::NotEmpty(root));
    }
    let spec = if interactive {
        let dir_hint = args.dir.clone();
        // Without DIR the answer names the folder too.
        let name_is_free = |name: &str| {
            if args.dir.is_none() && taken(Path::new(name)) {
                Err(format!(
                    "the folder {name} exists and is not empty; pick another name, \
                     give the folder as DIR, or pass --force"
                ))
            } else {
                Ok(())
            }
        };
        match wizard::ask(
            raw,
            &origins,
            &suggested,
            dir_hint.as_deref(),
            &name_is_free,
        )? {
            Some(spec) => spec,
            None => {
                warn("Nothing written.");
                return Ok(());
            }
        }
    } else {
        if args.defaults {
            raw.fill_defaults(&suggested);
        }
        raw.validate(&origins).map_err(|p| {
            if p.is_usage() {
                Error::Usage(format!(
                    "{p}\nwithout a terminal, kubesite new needs every required value, e.g.\n  \
                     kubesite new blog --no-input --name blog --image registry.example.com/blog:0.1.0 \
                     --host blog.example.com\nor --defaults to accept the suggested values"
                ))
            } else {
                Error::Spec(p)
            }
        })?
    };
    for w in &spec.warnings {
        warn(&format!("warning: {w}"));
    }
    let root = args
        .dir
        .clone()
        .unwrap_or_else(|| PathBuf::from(&spec.name));
    let mut files = render::render_repo(&spec)?;
    let env_path = format!("k8s/{}", render::REDIS_ENV_FILE);
    if spec.disk == Disk::Database && fs::symlink_metadata(root.join(&env_path)).is_err() {
        // An existing password file is kept: replacing it would lock the site out of Redis data it already wrote with it.
        files.push(render::RenderedFile {
            path: env_path,
            content: format!("password={}\n", random_password()?),
            secret: true,
        });
    }
    if taken(&root) {
        return Err(Error::NotEmpty(root));
    }
    let plan = output::plan(&root, &files, false)?;
    if preview(&plan, args.diff, args.dry_run, stdout)? {
        return Ok(());
    }
    plan.apply(true)?;
    warn(&format!(
        "Created {} for site {} ({} disk). Next: put your site in public/, build and push {}, then kubectl apply -k {}/k8s",
        root.display(),
        spec.name,
        spec.disk.as_str(),
        spec.image,
        root.display()
    ));
    Ok(())
}

/// `--diff` or `--dry-run`: prints what would change instead of writing.
/// Returns whether it did.
fn preview(
    plan: &output::Plan,
    diff: bool,
    dry_run: bool,
    stdout: &mut dyn Write,
) -> Result<bool, Error> {
    let text = if diff {
        plan.diff()
    } else if dry_run {
        plan.describe()
    } else {
        return Ok(false);
    };
    stdout.write_all(text.as_bytes()).map_err(Error::Stdout)?;
    Ok(true)
}

/// Whether `dir` holds anything `new` could clash with. A `.git` alone does
/// not count: `git init` (or a clone of an empty repository) and then
/// `kubesite new .` is the usual start, and kubesite never writes there.
fn folder_has_entries(dir: &Path) -> bool {
    fs::read_dir(dir).is_ok_and(|entries| {
        // An entry that cannot be read counts: better refuse than clash.
        entries
            .into_iter()
            .any(|entry| !entry.is_ok_and(|e| e.file_name() == ".git"))
    })
}

/// 32 letters and digits from the OS CSPRNG (about 190 bits), by rejection
/// sampling so every character is equally likely.
fn random_password() -> Result<String, Error> {
    const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut out = String::with_capacity(32);
    let mut buf = [0u8; 64];
    while out.len() < 32 {
        getrandom::fill(&mut buf).map_err(|e| Error::Random(e.to_string()))?;
        for b in buf {
            // 248 = 4 * 62: bytes above it would favour the first characters.
            if b < 248 && out.len() < 32 {
                out.push(ALNUM[usize::from(b) % ALNUM.len()] as char);
            }
        }
    }
    Ok(out)
}

fn render_command(
    args: &RenderArgs,
    stdout: &mut dyn Write,
    warn: &mut dyn FnMut(&str),
) -> Result<(), Error> {
    let to_stdout = args.output.as_deref().is_none_or(|o| o == Path::new("-"));
    if to_stdout && (args.dry_run || args.diff || args.force || args.exit_code) {
        return Err(Error::Usage(
            "--dry-run, --diff, --exit-code and --force apply to -o DIR; without it the \
             manifests go to stdout"
                .into(),
        ));
    }
    if args.exit_code && !(args.diff || args.dry_run) {
        return Err(Error::Usage(
            "--exit-code goes with --diff or --dry-run: it reports whether -o DIR would \
             change, e.g. kubesite render -f kubesite.yaml -o k8s/ --diff --exit-code"
                .into(),
        ));
    }
    let source = match args.file.as_deref() {
        Some(path) => spec::load_source(path)?,
        None => SpecSource::One(Box::default(), Origins::default()),
    };
    let many = matches!(source, SpecSource::Many(_));
    let specs = match source {
        SpecSource::One(base, mut origins) => {
            let flags = args.site.to_spec(&mut origins);
            vec![base.overlay(flags).validate(&origins)?]
        }
        SpecSource::Many(many) => {
            let given = args.site.given_flags();
            if !given.is_empty() {
                return Err(Error::Usage(format!(
                    "site flags (--{}) cannot be combined with a multi-site spec file; \
                     put the value under `defaults:` or in a site",
                    given.join(", --")
                )));
            }
            spec::validate_sites(&many)?
        }
    };
    for spec in &specs {
        for w in &spec.warnings {
            if many {
                warn(&format!("warning: site {}: {w}", spec.name));
            } else {
                warn(&format!("warning: {w}"));
            }
        }
    }
    if to_stdout {
        // Every site is already validated, so only an internal template bug
        // could stop the stream part-way; each site is written and dropped
        // as soon as it is rendered, so memory stays flat at any site count.
        return render::for_each_site(&specs, |_, files| {
            stdout
                .write_all(render::to_stream(&files).as_bytes())
                .map_err(Error::Stdout)
        });
    }
    // The kustomization is parsed with the sites' templates, in one batch.
    render::prepare(&specs, &[render::KUSTOMIZATION]);
    let sites = render::render_sites(&specs)?;
    let root = args.output.as_deref().unwrap_or(Path::new("."));
    let mut files = Vec::new();
    for (spec, site) in specs.iter().zip(sites) {
        // Many sites: one folder each, and a kustomization listing them.
        let folder = if many {
            root.join(&spec.name)
        } else {
            root.to_owned()
        };
        let mut site_files = site.files;
        // A folder from `kubesite new` keeps its secretGenerator for the password.
        let redis_secret = format!("{}-redis", spec.name);
        let keeps_generator = spec.disk == Disk::Database
            && fs::symlink_metadata(folder.join(render::REDIS_ENV_FILE)).is_ok_and(|m| m.is_file());
        let generator = keeps_generator.then_some((redis_secret.as_str(), spec.namespace.as_str()));
        site_files.push(render::kustomization_with(&site_files, generator)?);
        for file in site_files {
            let path = if many {
                format!("{}/{}", spec.name, file.path)
            } else {
                file.path.clone()
            };
            files.push(render::RenderedFile { path, ..file });
        }
    }
    if many {
        let folders: Vec<render::RenderedFile> = specs
            .iter()
            .map(|s| render::RenderedFile {
                path: s.name.clone(),
                content: String::new(),
                secret: false,
            })
            .collect();
        files.push(render::kustomization_with(&folders, None)?);
    }
    let plan = output::plan(root, &files, true)?;
    if preview(&plan, args.diff, args.dry_run, stdout)? {
        let changed = plan.changed();
        if args.exit_code && changed > 0 {
            return Err(Error::Outdated {
                changed,
                total: plan.files.len(),
                root: root.to_owned(),
            });
        }
        return Ok(());
    }
    plan.apply(args.force)?;
    let changed = plan.changed();
    warn(&format!(
        "wrote {} ({changed} of {} files changed); apply with: kubectl apply -k {}",
        root.display(),
        plan.files.len(),
        root.display()
    ));
    Ok(())
}
