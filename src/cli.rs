//! The command-line contract (see docs/guide.md): clap definitions and nothing else.

use std::ffi::OsStr;
use std::path::PathBuf;

use clap::builder::{PossibleValue, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::spec::{Disk, Given, Route};

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  a validation, render or write failure (nothing is printed on stdout)
  2  a usage error: an unknown flag, or a required value missing";

/// Secure, namespaced, labelled Kubernetes manifests for a static website.
#[derive(Debug, Parser)]
#[command(
    name = "kubesite",
    version,
    about,
    long_about = "Turns a site name, a container image, a disk type and a host name into \
                  Kubernetes manifests with the service-account token locked down, the Pod \
                  Security Standards 'restricted' profile met and network policies in place.",
    after_help = EXIT_CODES,
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Render manifests from flags and/or a spec file, to stdout or a folder.
    #[command(after_help = RENDER_HELP)]
    Render(RenderArgs),
    /// Audit existing manifests for the service-account token exposure and friends.
    #[command(after_help = CHECK_HELP)]
    Check(CheckArgs),
    /// Create a starter repository: a wizard in a terminal, flags in scripts.
    #[command(after_help = NEW_HELP)]
    New(NewArgs),
    /// Print a shell completion script.
    #[command(after_help = COMPLETIONS_HELP)]
    Completions {
        /// The shell to complete for
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), generated from these definitions.
    #[command(after_help = "Example:\n  kubesite man > kubesite.1 && man ./kubesite.1")]
    Man,
}

const COMPLETIONS_HELP: &str = "\
Examples:
  kubesite completions bash > ~/.local/share/bash-completion/completions/kubesite
  kubesite completions zsh > \"${fpath[1]}/_kubesite\"
  kubesite completions fish > ~/.config/fish/completions/kubesite.fish";

const NEW_HELP: &str = "\
Examples:
  # Answer a few questions in a terminal
  kubesite new blog

  # In a script: never prompts; required values as flags, or --defaults
  kubesite new blog --no-input --name blog --image registry.example.com/blog:0.1.0 \\
      --host blog.example.com --disk database
  kubesite new demo --no-input --defaults

  # See what would be written
  kubesite new demo --no-input --defaults --dry-run

The wizard runs when stdin and stderr are terminals and neither --no-input
nor --defaults is given; it asks only what flags and -f left open. Ctrl-C or
Esc at any prompt exits with 130 and writes nothing.

Exit codes:
  0  success (or the summary was declined: nothing written)
  1  a validation, render or write failure
  2  a usage error: an unknown flag, or (without a terminal) a required value missing
  130 cancelled at a prompt";

/// The help after `kubesite check --help` (a test keeps its rule list complete).
pub const CHECK_HELP: &str = "\
Examples:
  # Audit a folder (walked for *.yaml and *.yml in sorted order)
  kubesite check k8s/

  # What a chart or a kustomization really deploys
  helm template my-release ./chart | kubesite check -
  kubectl kustomize overlays/prod | kubesite check -

  # A CI gate on serious problems, with a report for GitHub code scanning
  kubesite check --min-severity high --format sarif k8s/ > kubesite.sarif

  # Skip a rule everywhere; or on one object, with a reason, by annotation:
  kubesite check --ignore image-latest k8s/
  #   metadata:
  #     annotations:
  #       kubesite.io/ignore: token-exposure
  #       kubesite.io/ignore-reason: \"the operator watches Deployments\"

Rules (id, severity):
  token-exposure             high      a pod gets a Kubernetes API token
  service-account-automount  medium    a ServiceAccount does not turn automounting off
  privileged                 critical  a container runs privileged
  host-namespaces            high      hostNetwork, hostPID or hostIPC
  host-path                  high      a hostPath volume
  run-as-root                high      runAsUser: 0
  missing-run-as-non-root    medium    runAsNonRoot is not true
  privilege-escalation       medium    allowPrivilegeEscalation is not false
  added-capabilities         high      capabilities added (beyond NET_BIND_SERVICE)
  capabilities-not-dropped   medium    capabilities.drop does not list ALL
  missing-seccomp-profile    medium    no RuntimeDefault or Localhost seccomp profile
  no-resource-limits         low       no CPU or memory limit
  writable-root-filesystem   low       readOnlyRootFilesystem is not true
  default-namespace          low       in the default namespace, or none
  image-latest               medium    an image without a tag, or :latest
  missing-network-policy     medium    a Namespace with workloads and no NetworkPolicy

Each file (or stdin) may be at most 16 MiB; YAML aliases may not expand it
beyond twice its size. See docs/check.md.

Exit codes:
  0  no finding at or above --min-severity
  1  findings at or above --min-severity
  2  an input could not be read or parsed (the message names the file and line),
     or a usage error";

/// `kubesite check`: what to read and how to report.
#[derive(Debug, Clone, Args)]
pub struct CheckArgs {
    /// Manifest files, folders (walked for *.yaml and *.yml), or '-' for stdin
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, value_name = "FORMAT", default_value = "text")]
    pub format: crate::check::Format,
    /// Report, and fail on, only findings at or above this severity
    #[arg(long, value_enum, value_name = "SEVERITY", default_value = "low")]
    pub min_severity: crate::check::Severity,
    /// Skip a rule everywhere (repeatable); the rule ids are listed below
    #[arg(
        long = "ignore",
        value_enum,
        value_name = "RULE",
        hide_possible_values = true
    )]
    pub ignore: Vec<crate::check::Rule>,
}

const RENDER_HELP: &str = "\
Examples:
  # Print a locked-down deployment and apply it
  kubesite render --name blog --image registry.example.com/blog:1.0.0 \\
      --host blog.example.com | kubectl apply -f -

  # Shared NFS disk, three replicas, into a kustomize folder
  kubesite render --name blog --image registry.example.com/blog:1.0.0 \\
      --host blog.example.com --disk nfs --nfs-server nfs.example.com \\
      --nfs-path /exports/blog --replicas 3 -o k8s/
  kubectl apply -k k8s/

  # From a spec file, overriding one value
  kubesite render -f kubesite.yaml --image registry.example.com/blog:1.0.1

  # In CI: fail when the committed k8s/ is not what kubesite.yaml renders
  kubesite render -f kubesite.yaml -o k8s/ --diff --exit-code

Exit codes:
  0  success
  1  a validation, render or write failure (nothing is printed on stdout);
     with --exit-code, files that would change (the diff or plan is printed)
  2  a usage error: an unknown flag, or a required value missing";

/// The site's answers as flags, shared by every command that builds a site.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Site")]
pub struct SiteArgs {
    /// Site name: a DNS-1035 label short enough for derived names (e.g. blog-redis-data)
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Namespace [default: the site name]
    #[arg(long, value_name = "NAMESPACE")]
    pub namespace: Option<String>,
    /// Container image: [registry/]path[:tag][@sha256:digest]
    #[arg(long, value_name = "IMAGE")]
    pub image: Option<String>,
    /// Where the site's files live [default: local]
    #[arg(long, value_name = "DISK", value_parser = Lenient::<Disk>::words())]
    pub disk: Option<Given<Disk>>,
    /// Public host name (a leading "*." wildcard is allowed; no IP, no port)
    #[arg(long, value_name = "HOST")]
    pub host: Option<String>,
    /// Container port the site listens on [default: 8080]
    #[arg(long, value_name = "PORT", allow_negative_numbers = true, value_parser = Lenient::<i64>::number())]
    pub port: Option<Given<i64>>,
    /// Pod count [default: 1 for local, 2 otherwise; local allows only 1]
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = Lenient::<i64>::number())]
    pub replicas: Option<Given<i64>>,
    /// Disk size, a Kubernetes quantity [default: 1Gi]
    #[arg(long, value_name = "QUANTITY")]
    pub storage_size: Option<String>,
    /// StorageClass of the disk [default: the cluster default]
    #[arg(long, value_name = "CLASS")]
    pub storage_class: Option<String>,
    /// NFS server (required with --disk nfs)
    #[arg(long, value_name = "HOST")]
    pub nfs_server: Option<String>,
    /// NFS export path (required with --disk nfs)
    #[arg(long, value_name = "PATH")]
    pub nfs_path: Option<String>,
    /// Where the disk is mounted in the site container [default: /data]
    #[arg(long, value_name = "PATH")]
    pub mount_path: Option<String>,
    /// How traffic reaches the site: an Ingress, or a Gateway API HTTPRoute [default: ingress]
    #[arg(long, value_name = "ROUTE", value_parser = Lenient::<Route>::words())]
    pub route: Option<Given<Route>>,
    /// IngressClass name [default: the cluster default]
    #[arg(long, value_name = "CLASS")]
    pub ingress_class: Option<String>,
    /// Namespace of the ingress controller, the only source allowed to reach the site [default: ingress-nginx]
    #[arg(long, value_name = "NAMESPACE")]
    pub ingress_namespace: Option<String>,
    /// Gateway for --route gateway, NAME[/NAMESPACE] [default: gateway/gateway-system]
    #[arg(long, value_name = "NAME[/NAMESPACE]")]
    pub gateway: Option<String>,
    /// Scale between MIN and MAX pods on CPU use (nfs and database only)
    #[arg(long, value_name = "MIN:MAX")]
    pub autoscale: Option<String>,
    /// Serve HTTPS with a certificate from cert-manager [default]
    #[arg(long, overrides_with = "no_tls")]
    pub tls: bool,
    /// Serve plain HTTP only
    #[arg(long, overrides_with = "tls")]
    pub no_tls: bool,
    /// cert-manager ClusterIssuer [default: letsencrypt]
    #[arg(long, value_name = "ISSUER")]
    pub cluster_issuer: Option<String>,
    /// Redis image for --disk database [default: a pinned redis:7.4.1-alpine digest]
    #[arg(long, value_name = "IMAGE")]
    pub redis_image: Option<String>,
    /// Extra label on every object, repeatable
    #[arg(long = "label", value_name = "KEY=VALUE")]
    pub labels: Vec<String>,
}

/// Parses a typed flag without refusing it: a value that does not parse is
/// kept as [`Given::Invalid`], so the validator reports it with the rule and
/// an example, together with every other problem (a clap error would stop
/// at the first one, and exit 2 as if it were a usage error). The allowed
/// words still show in `--help` and in shell completions.
#[derive(Clone)]
struct Lenient<T> {
    parse: fn(&str) -> Option<T>,
    words: fn() -> Vec<PossibleValue>,
}

impl Lenient<i64> {
    fn number() -> Lenient<i64> {
        Lenient {
            parse: |text| text.parse().ok(),
            words: Vec::new,
        }
    }
}

impl<T: ValueEnum> Lenient<T> {
    fn words() -> Lenient<T> {
        Lenient {
            parse: |text| T::from_str(text, false).ok(),
            words: || {
                T::value_variants()
                    .iter()
                    .filter_map(ValueEnum::to_possible_value)
                    .collect()
            },
        }
    }
}

impl<T: Clone + Send + Sync + 'static> TypedValueParser for Lenient<T> {
    type Value = Given<T>;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<Given<T>, clap::Error> {
        // Not UTF-8: refused like every other text flag.
        let text = clap::builder::StringValueParser::new().parse_ref(cmd, arg, value)?;
        Ok(match (self.parse)(&text) {
            Some(v) => Given::Valid(v),
            None => Given::Invalid(text),
        })
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        let words = (self.words)();
        (!words.is_empty()).then(|| Box::new(words.into_iter()) as Box<dyn Iterator<Item = _>>)
    }
}

#[derive(Debug, Clone, Args)]
pub struct RenderArgs {
    #[command(flatten)]
    pub site: SiteArgs,
    /// Spec file (kubesite.yaml); flags override its values; '-' reads stdin
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Write one file per object plus kustomization.yaml into DIR ('-' = stdout)
    #[arg(short = 'o', long = "output", value_name = "DIR")]
    pub output: Option<PathBuf>,
    /// Allow replacing files in DIR that kubesite did not write
    #[arg(long)]
    pub force: bool,
    /// Print what -o would create, replace or remove, and write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Show a unified diff of what -o would change, and write nothing
    #[arg(long)]
    pub diff: bool,
    /// With --diff or --dry-run: exit 1 when any file would change (a CI drift check)
    #[arg(long)]
    pub exit_code: bool,
    /// Never prompt (render never does; accepted for scripts that pass it everywhere)
    #[arg(long)]
    pub no_input: bool,
}

#[derive(Debug, Clone, Args)]
pub struct NewArgs {
    /// Folder to create; must not exist or be empty (but for .git) unless --force [default: ./NAME]
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,
    #[command(flatten)]
    pub site: SiteArgs,
    /// Spec file with answers that are then not asked; flags override it
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Never prompt (implied when stdin or stdout is not a terminal)
    #[arg(long)]
    pub no_input: bool,
    /// Accept every default without asking (name from DIR, image and host from the name)
    #[arg(long)]
    pub defaults: bool,
    /// Write into a non-empty DIR, replacing only the files kubesite generates
    #[arg(long)]
    pub force: bool,
    /// Print the plan (each path: create, replace, unchanged) and write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Show a unified diff against what is in DIR and write nothing
    #[arg(long)]
    pub diff: bool,
}
