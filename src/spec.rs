//! The one data model: a [`SiteSpec`] (raw answers, from flags, a spec file
//! or the wizard) and the [`ValidSpec`] it becomes after validation.
//!
//! Validation is the single place where raw input turns into trusted values;
//! nothing after it checks again.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::IntoDeserializer;
use serde::{Deserialize, Serialize};

use crate::escape::{quoted, safe_message};
use crate::validate::{self, Check, ImageRef, Violation};

/// The spec-file format version this build reads and writes.
pub const SPEC_VERSION: u32 = 1;

/// Largest spec file read, so a huge or hostile file cannot exhaust memory.
pub const MAX_SPEC_BYTES: u64 = 1024 * 1024;

/// Where the site's files live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Disk {
    /// A ReadWriteOnce volume on one node: simplest, exactly one replica.
    Local,
    /// A shared NFS export mounted ReadWriteMany: scales out.
    Nfs,
    /// Stateless site pods plus a password-protected Redis: preferred.
    Database,
}

impl Disk {
    /// Every disk's word, in the order of the variants (checked by a test).
    const WORDS: &'static [&'static str] = &["local", "nfs", "database"];

    pub fn as_str(self) -> &'static str {
        match self {
            Disk::Local => "local",
            Disk::Nfs => "nfs",
            Disk::Database => "database",
        }
    }
}

/// How traffic reaches the site from outside the cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Route {
    /// A `networking.k8s.io/v1` Ingress.
    Ingress,
    /// A Gateway API `HTTPRoute` attached to a shared Gateway.
    Gateway,
}

impl Route {
    /// Every route's word, in the order of the variants (checked by a test).
    const WORDS: &'static [&'static str] = &["ingress", "gateway"];

    pub fn as_str(self) -> &'static str {
        match self {
            Route::Ingress => "ingress",
            Route::Gateway => "gateway",
        }
    }
}

/// A typed value as the user gave it: parsed, or, when it does not parse,
/// its text. A flag or spec-file value of the wrong kind (`--port abc`,
/// `disk: tape`) is then refused by the validator, with the rule, an
/// example and every other problem, instead of the parser stopping at the
/// first one with a message of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Given<T> {
    Valid(T),
    Invalid(String),
}

impl<T> Given<T> {
    /// The parsed value, if it parsed.
    pub fn valid(&self) -> Option<&T> {
        match self {
            Given::Valid(v) => Some(v),
            Given::Invalid(_) => None,
        }
    }
}

impl<T> From<T> for Given<T> {
    fn from(value: T) -> Given<T> {
        Given::Valid(value)
    }
}

impl<T: Serialize> Serialize for Given<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Given::Valid(v) => v.serialize(s),
            Given::Invalid(text) => s.serialize_str(text),
        }
    }
}

/// A scalar that is not a `T` is kept as its text; a mapping or a sequence
/// is still a parse error (with its line), since no text would show it
/// faithfully.
impl<'de, T: Deserialize<'de>> Deserialize<'de> for Given<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Given<T>, D::Error> {
        d.deserialize_any(GivenVisitor(std::marker::PhantomData))
    }
}

struct GivenVisitor<T>(std::marker::PhantomData<T>);

impl<T> GivenVisitor<T> {
    /// `T` read from one scalar, or the scalar's text.
    fn read<'de, D, E>(scalar: D, text: impl fmt::Display) -> Result<Given<T>, E>
    where
        T: Deserialize<'de>,
        D: serde::Deserializer<'de, Error = E>,
        E: serde::de::Error,
    {
        Ok(T::deserialize(scalar).map_or_else(|_| Given::Invalid(text.to_string()), Given::Valid))
    }
}

impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for GivenVisitor<T> {
    type Value = Given<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a single value")
    }
    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Given<T>, E> {
        Self::read(v.into_deserializer(), v)
    }
    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Given<T>, E> {
        Self::read(v.into_deserializer(), v)
    }
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Given<T>, E> {
        Self::read(v.into_deserializer(), v)
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Given<T>, E> {
        Self::read(v.into_deserializer(), v)
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Given<T>, E> {
        Self::read(v.into_deserializer(), v)
    }
}

/// Raw answers, every field optional: flags, a spec file and the wizard all
/// fill this one struct. Keys are the flag names (kebab-case).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct SiteSpec {
    /// Spec-file format version; required in a file, unused for flags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disk: Option<Given<Disk>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<Given<i64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicas: Option<Given<i64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_size: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_class: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nfs_server: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nfs_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mount_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<Given<Route>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingress_class: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingress_namespace: Option<String>,
    /// `NAME[/NAMESPACE]` of the Gateway an HTTPRoute attaches to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway: Option<String>,
    /// `MIN:MAX` pods for a HorizontalPodAutoscaler.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autoscale: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<Given<bool>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_issuer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redis_image: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// `--label` values without `=`, kept to be reported with every other
    /// problem rather than stopping at the first. A file's `labels:` is a
    /// mapping, so only flags can hold these.
    #[serde(skip)]
    pub unsplit_labels: Vec<String>,
}

/// Defaults, in one place so docs, `--help` and the wizard agree.
pub mod defaults {
    pub const DISK: super::Disk = super::Disk::Local;
    pub const PORT: u16 = 8080;
    pub const STORAGE_SIZE: &str = "1Gi";
    pub const MOUNT_PATH: &str = "/data";
    pub const TLS: bool = true;
    pub const CLUSTER_ISSUER: &str = "letsencrypt";
    pub const INGRESS_NAMESPACE: &str = "ingress-nginx";
    pub const GATEWAY_NAME: &str = "gateway";
    pub const GATEWAY_NAMESPACE: &str = "gateway-system";
    /// The HorizontalPodAutoscaler's target: average CPU use, as a
    /// percentage of the pods' CPU request.
    pub const AUTOSCALE_CPU_PERCENT: u32 = 70;
    /// Pinned by digest so the scanner's digest check passes for `database`;
    /// override with `redis-image` to move to a newer release.
    pub const REDIS_IMAGE: &str = "redis:7.4.1-alpine@sha256:c1e88455c85225310bbea54816e9c3f4b5295815e6dbf80c34d40afc6df28275";
}

/// Paths in the site container that kubesite mounts itself; the data disk
/// must not hide or sit inside them.
pub const RESERVED_MOUNTS: &[&str] = &[
    "/var/run/secrets/kubernetes.io/serviceaccount",
    "/tmp",
    "/var/cache/nginx",
];

/// The image a new site suggests: a placeholder registry, a first version.
pub fn default_image(name: &str) -> String {
    format!("registry.example.com/{name}:0.1.0")
}

/// The host a new site suggests.
pub fn default_host(name: &str) -> String {
    format!("{name}.example.com")
}

/// A valid site name made from any text (a folder name): lower case,
/// runs of other characters become one `-`, starts with a letter, and
/// fits the length limit.
pub fn suggest_name(text: &str) -> String {
    let mut name = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            name.push(c);
        } else if !name.is_empty() && !name.ends_with('-') {
            name.push('-');
        }
    }
    let mut name = name
        .trim_start_matches(|c: char| !c.is_ascii_lowercase())
        .to_owned();
    name.truncate(validate::MAX_NAME_LEN);
    let name = name.trim_end_matches('-').to_owned();
    if validate::site_name(&name).is_ok() {
        name
    } else {
        "site".to_owned()
    }
}

/// Checks one answer the way the flag would be checked, and words the
/// refusal exactly as the flag's message: the wizard shows this text.
pub fn check_answer(key: &str, value: &str) -> Result<(), String> {
    let check: fn(&str) -> Check = match key {
        "name" => validate::site_name,
        "namespace" => validate::namespace,
        "image" => |v| validate::image(v).map(|_| ()),
        "host" => validate::host,
        "storage-size" => validate::quantity,
        "storage-class" => validate::storage_class,
        "nfs-server" => validate::nfs_server,
        "nfs-path" | "mount-path" => validate::absolute_path,
        "ingress-class" | "cluster-issuer" => validate::dns1123_subdomain,
        "gateway" => |v| gateway_ref(v).map(|_| ()),
        "replicas" => |v| v_num(v).map(|_| ()).ok_or_else(|| not_a_number(v, "2")),
        "port" => |v| v_num(v).map(|_| ()).ok_or_else(|| not_a_number(v, "8080")),
        _ => |_| Ok(()),
    };
    let numeric = match key {
        "replicas" => v_num(value).map(validate::replicas),
        "port" => v_num(value).map(validate::port),
        _ => None,
    };
    let result = check(value).and(numeric.unwrap_or(Ok(())));
    result.map_err(|v| {
        Problem {
            field: format!("--{key}"),
            value: quoted(value),
            rule: v.rule,
            example: v.example,
            missing: false,
        }
        .to_string()
    })
}

fn v_num(value: &str) -> Option<i64> {
    value.trim().parse().ok()
}

/// Why `text` is not a number a field takes. Text that reads as a number
/// here came from a spec file as a quoted string.
fn not_a_number(text: &str, example: &str) -> Violation {
    Violation {
        rule: if v_num(text).is_some() {
            "must be a number, not a quoted string".into()
        } else {
            "must be a whole number".into()
        },
        example: example.into(),
    }
}

/// Where a value came from, so a message can point at the flag or the line.
#[derive(Debug, Clone, Default)]
pub struct Origins {
    file: Option<PathBuf>,
    /// Spec-file key -> 1-based line where it appears.
    lines: BTreeMap<String, usize>,
    /// Keys whose value came from a flag (flags override the file).
    flags: BTreeSet<String>,
    /// In a multi-site file, where this site sits: `sites[2].`.
    prefix: String,
    /// In a multi-site file, the lines of the `defaults:` block.
    defaults: BTreeMap<String, usize>,
    /// Label keys given as `--label` (file and flags merge key by key).
    flag_labels: BTreeSet<String>,
    /// The line of each key under this site's `labels:`, and under
    /// `defaults.labels:`.
    label_lines: BTreeMap<String, usize>,
    default_label_lines: BTreeMap<String, usize>,
}

impl Origins {
    /// Records that `key` was given as a flag.
    pub fn flag(&mut self, key: &str) {
        self.flags.insert(key.to_owned());
    }

    /// Records that the label `key` was given as `--label`.
    pub fn flag_label(&mut self, key: &str) {
        self.flag_labels.insert(key.to_owned());
    }

    /// Names a field as the user gave it: `--host`, `site.yaml:4: host`,
    /// or in a multi-site file `sites.yaml:12: sites[1].host`.
    pub fn describe(&self, key: &str) -> String {
        let flag_name = if key == "labels" { "label" } else { key };
        if self.flags.contains(key) || self.file.is_none() {
            return format!("--{flag_name}");
        }
        self.in_file(key, self.lines.get(key), self.defaults.get(key))
    }

    /// Names one label by where its key was given: `--label`, or the line
    /// of the key itself under `labels:` (the site's, then `defaults:`).
    fn describe_label(&self, key: &str) -> String {
        if self.flag_labels.contains(key) || self.file.is_none() {
            return "--label".to_owned();
        }
        match (self.label_lines.get(key), self.default_label_lines.get(key)) {
            // The key's own line not found: the `labels:` line (never
            // `--label`, which other keys may have come from).
            (None, None) => self.in_file(
                "labels",
                self.lines.get("labels"),
                self.defaults.get("labels"),
            ),
            (own, default) => self.in_file("labels", own, default),
        }
    }

    /// `key` in the file, at the site's line or else the `defaults:` one.
    fn in_file(&self, key: &str, own: Option<&usize>, default: Option<&usize>) -> String {
        let file = self.file.as_deref().unwrap_or(Path::new("-")).display();
        let prefix = &self.prefix;
        match (own, default) {
            (Some(line), _) => format!("{file}:{line}: {prefix}{key}"),
            (None, Some(line)) => format!("{file}:{line}: defaults.{key}"),
            // No line found (a flow mapping, an unusual line break): still
            // the file, never a flag the user did not give.
            (None, None) => format!("{file}: {prefix}{key}"),
        }
    }

    /// How a user would supply a missing value, where they are working.
    fn example(&self, key: &str, value: &str) -> String {
        let field = self.describe(key);
        if field.starts_with("--") {
            format!("{field} {value}")
        } else {
            format!("{field}: {value}")
        }
    }
}

/// One reason the spec was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The field as the user named it (`--host`, `site.yaml:4: host`).
    pub field: String,
    /// The offending value, already quoted and escaped; empty when missing.
    pub value: String,
    pub rule: String,
    pub example: String,
    /// A required value was not given at all (a usage error, exit 2).
    pub missing: bool,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.missing {
            write!(f, "{} is required, e.g. {}", self.field, self.example)
        } else {
            write!(
                f,
                "{} {}: {}, e.g. {}",
                self.field,
                self.value,
                self.rule,
                quoted(&self.example)
            )
        }
    }
}

/// Every problem found in a spec, reported together.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Problems(pub Vec<Problem>);

impl Problems {
    /// True when a required value is missing: the caller exits with 2.
    pub fn is_usage(&self) -> bool {
        self.0.iter().any(|p| p.missing)
    }
}

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        write!(
            f,
            "{n} problem{} in the site spec:",
            if n == 1 { "" } else { "s" }
        )?;
        for p in &self.0 {
            write!(f, "\n  - {p}")?;
        }
        Ok(())
    }
}

/// A spec file could not be read or parsed.
#[derive(Debug, thiserror::Error)]
pub enum SpecFileError {
    #[error("cannot read spec file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("spec file {path} is {size} bytes; the limit is {MAX_SPEC_BYTES} bytes")]
    TooLarge { path: PathBuf, size: u64 },
    #[error("spec file {path}: {message}")]
    Parse { path: PathBuf, message: String },
}

/// Reads a one-site spec file (`-` for stdin) into a [`SiteSpec`] and the
/// line of each key. Unknown keys, wrong types and duplicate keys are errors
/// with line and column; a `sites:` list is refused with a pointer to
/// `render`, which takes it.
pub fn load_file(path: &Path) -> Result<(SiteSpec, Origins), SpecFileError> {
    let text = read_limited(path)?;
    match parse_source(path, &text)? {
        SpecSource::One(spec, origins) => Ok((*spec, origins)),
        SpecSource::Many(many) => Err(SpecFileError::Parse {
            path: path.to_owned(),
            message: format!(
                "holds a `sites:` list of {} sites, and `kubesite new` writes the \
                 repository of one site; give it a file with one site's keys, or \
                 render the list with `kubesite render -f FILE -o DIR`",
                many.sites.len()
            ),
        }),
    }
}

/// Reads at most MAX_SPEC_BYTES (+1, to tell a larger file apart).
fn read_limited(path: &Path) -> Result<String, SpecFileError> {
    use std::io::Read;
    let read_err = |source| SpecFileError::Read {
        path: path.to_owned(),
        source,
    };
    let mut text = String::new();
    if path == Path::new("-") {
        std::io::stdin()
            .take(MAX_SPEC_BYTES + 1)
            .read_to_string(&mut text)
            .map_err(read_err)?;
    } else {
        let file = std::fs::File::open(path).map_err(read_err)?;
        file.take(MAX_SPEC_BYTES + 1)
            .read_to_string(&mut text)
            .map_err(read_err)?;
    }
    if text.len() as u64 > MAX_SPEC_BYTES {
        return Err(SpecFileError::TooLarge {
            path: path.to_owned(),
            size: text.len() as u64,
        });
    }
    Ok(text)
}

/// Parses spec-file text; `path` is only used in messages.
pub fn parse_file(path: &Path, text: &str) -> Result<(SiteSpec, Origins), SpecFileError> {
    let parse_err = |message: String| SpecFileError::Parse {
        path: path.to_owned(),
        message,
    };
    let text = yaml_text(text).map_err(parse_err)?;
    let spec: SiteSpec = serde_yaml::from_str(text).map_err(|e| parse_err(yaml_message(&e)))?;
    check_version(spec.version).map_err(parse_err)?;
    let lines = key_lines(text);
    let origins = Origins {
        file: Some(path.to_owned()),
        label_lines: label_lines(text, &lines),
        lines,
        ..Origins::default()
    };
    Ok((spec, origins))
}

/// A spec file holds one site, or a `sites:` list with shared `defaults:`.
#[derive(Debug, Clone)]
pub enum SpecSource {
    One(Box<SiteSpec>, Origins),
    Many(ManySites),
}

/// The sites of a multi-site file, each already layered over `defaults:`.
#[derive(Debug, Clone)]
pub struct ManySites {
    pub sites: Vec<(SiteSpec, Origins)>,
    /// `shared-namespaces: true`: two sites may use one namespace.
    pub shared_namespaces: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct ManyFile {
    version: Option<u32>,
    #[serde(default)]
    defaults: SiteSpec,
    sites: Vec<SiteSpec>,
    #[serde(default)]
    shared_namespaces: bool,
}

/// Reads a spec file (`-` for stdin) holding one site or many.
pub fn load_source(path: &Path) -> Result<SpecSource, SpecFileError> {
    let text = read_limited(path)?;
    parse_source(path, &text)
}

/// Parses spec-file text holding one site or a `sites:` list.
pub fn parse_source(path: &Path, text: &str) -> Result<SpecSource, SpecFileError> {
    let text = yaml_text(text).map_err(|message| SpecFileError::Parse {
        path: path.to_owned(),
        message,
    })?;
    if !key_lines(text).contains_key("sites") {
        let (spec, origins) = parse_file(path, text)?;
        return Ok(SpecSource::One(Box::new(spec), origins));
    }
    let parse_err = |message: String| SpecFileError::Parse {
        path: path.to_owned(),
        message,
    };
    let file: ManyFile = serde_yaml::from_str(text).map_err(|e| parse_err(yaml_message(&e)))?;
    check_version(file.version).map_err(parse_err)?;
    if file.sites.is_empty() {
        return Err(parse_err(
            "`sites:` is empty; list at least one site".into(),
        ));
    }
    if file.defaults.version.is_some() || file.sites.iter().any(|site| site.version.is_some()) {
        return Err(parse_err(
            "`version` belongs once at the top of the file, not in `defaults` or a site".into(),
        ));
    }
    let entry_lines = list_entry_lines(text, "sites");
    let defaults_lines = block_lines(text, "defaults");
    let default_label_lines = label_lines(text, &defaults_lines);
    let sites = file
        .sites
        .into_iter()
        .enumerate()
        .map(|(i, site)| {
            let lines = entry_lines.get(i).cloned().unwrap_or_default();
            let origins = Origins {
                file: Some(path.to_owned()),
                label_lines: label_lines(text, &lines),
                lines,
                flags: BTreeSet::new(),
                prefix: format!("sites[{i}]."),
                defaults: defaults_lines.clone(),
                flag_labels: BTreeSet::new(),
                default_label_lines: default_label_lines.clone(),
            };
            (file.defaults.clone().overlay(site), origins)
        })
        .collect();
    Ok(SpecSource::Many(ManySites {
        sites,
        shared_namespaces: file.shared_namespaces,
    }))
}

/// The parser's message, escaped, with the nearest known key after an
/// unknown one when it is a likely typo: `replica` (did you mean
/// `replicas`?), `storage_size` (`storage-size`), `Name` (`name`).
fn yaml_message(e: &serde_yaml::Error) -> String {
    let message = safe_message(&e.to_string());
    let marker = "unknown field `";
    let Some(start) = message.find(marker).map(|i| i + marker.len()) else {
        return message;
    };
    let Some(len) = message[start..].find('`') else {
        return message;
    };
    let unknown = &message[start..start + len];
    let rest = &message[start + len + 1..];
    let Some((_, expected)) = rest.split_once("expected ") else {
        return message;
    };
    // The known keys are the names serde lists between backticks.
    let known = expected.split('`').skip(1).step_by(2);
    let typed = unknown.to_lowercase().replace('_', "-");
    let nearest = known
        .map(|key| (edit_distance(&typed, key), key))
        .filter(|&(d, key)| d <= 2 && d < key.chars().count().min(typed.chars().count()))
        .min_by_key(|&(d, _)| d);
    match nearest {
        Some((_, key)) => {
            let at = start + len + 1;
            format!(
                "{} (did you mean `{key}`?){}",
                &message[..at],
                &message[at..]
            )
        }
        None => message,
    }
}

/// Levenshtein distance, by characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

/// Deepest nesting of flow collections (`[`, `{`) a YAML text may have.
/// libyaml rescans its stack of open flow levels at every token, so parse
/// time grows with depth times length: 100,000 levels (200 KB) took
/// minutes. The deserializer refuses anything deeper than 128 levels anyway.
pub const MAX_FLOW_DEPTH: usize = 128;

/// Where flow collections in YAML `text` first nest deeper than `limit`
/// (1-based line and column), found in one linear pass before the parser
/// runs. It never under-counts: every `[` and `{` counts, even inside a
/// string or after a `#`, except on comment lines (which hold no structure),
/// so only text with more than `limit` unclosed brackets is refused.
pub fn flow_too_deep(text: &str, limit: usize) -> Option<(usize, usize)> {
    let mut depth = 0usize;
    for (i, line) in text.split('\n').enumerate() {
        if line.trim_start().starts_with('#') {
            continue;
        }
        for (column, c) in line.chars().enumerate() {
            match c {
                '[' | '{' => {
                    depth += 1;
                    if depth > limit {
                        return Some((i + 1, column + 1));
                    }
                }
                ']' | '}' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
    }
    None
}

/// Spec-file text as the YAML parser gets it: without a byte-order mark
/// (editors on Windows add one; libyaml then reports a second document), and
/// refused when it nests too deeply to parse in linear time.
fn yaml_text(text: &str) -> Result<&str, String> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    if let Some((line, column)) = flow_too_deep(text, MAX_FLOW_DEPTH) {
        return Err(format!(
            "'[' and '{{' nest more than {MAX_FLOW_DEPTH} deep at line {line} column {column}; \
             a spec file needs only a few"
        ));
    }
    expanded_size(text)?;
    Ok(text)
}

/// Most text a spec file may stand for once its aliases (`*name`) are
/// followed. The YAML reader bounds how often aliases are followed, not
/// what each copies: one 500 KB string aliased 40,000 times in a 1 MB file
/// asked for 20 GB.
pub const MAX_EXPANDED_BYTES: usize = 4 * MAX_SPEC_BYTES as usize;

/// Walks the document as the deserializer will, aliases followed, counting
/// the bytes of every scalar (and one per node) without building anything;
/// refuses past [`MAX_EXPANDED_BYTES`]. Other errors are left to the real
/// parse, which reports them with their line.
fn expanded_size(text: &str) -> Result<(), String> {
    use serde::de::{self, DeserializeSeed, EnumAccess, MapAccess, SeqAccess, VariantAccess};
    use std::cell::Cell;

    const TOO_BIG: &str = "expands past the limit";

    #[derive(Clone, Copy)]
    struct Size<'a>(&'a Cell<usize>);

    impl Size<'_> {
        fn take<E: de::Error>(self, n: usize) -> Result<(), E> {
            let left = self.0.get().checked_sub(n.saturating_add(1));
            self.0.set(left.unwrap_or(0));
            left.map(|_| ()).ok_or_else(|| E::custom(TOO_BIG))
        }
    }

    impl<'de> DeserializeSeed<'de> for Size<'_> {
        type Value = ();
        fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> de::Visitor<'de> for Size<'_> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("any YAML")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
            self.take(v.len())
        }
        fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<(), E> {
            self.take(v.len())
        }
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
            self.take(0)
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
            self.take(0)
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
            self.take(0)
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
            self.take(0)
        }
        fn visit_unit<E: de::Error>(self) -> Result<(), E> {
            self.take(0)
        }
        fn visit_none<E: de::Error>(self) -> Result<(), E> {
            self.take(0)
        }
        fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(self)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            self.take(0)?;
            while seq.next_element_seed(self)?.is_some() {}
            Ok(())
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            self.take(0)?;
            while map.next_key_seed(self)?.is_some() {
                map.next_value_seed(self)?;
            }
            Ok(())
        }
        fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<(), A::Error> {
            // A tagged value (`!tag value`): count the value.
            let ((), value) = data.variant_seed(self)?;
            value.newtype_variant_seed(self)
        }
    }

    let left = Cell::new(MAX_EXPANDED_BYTES);
    match Size(&left).deserialize(serde_yaml::Deserializer::from_str(text)) {
        Err(_) if left.get() == 0 => Err(format!(
            "stands for more than {} MiB once its aliases (*name) are followed; \
             a spec file needs no aliases",
            MAX_EXPANDED_BYTES / 1024 / 1024
        )),
        _ => Ok(()),
    }
}

fn check_version(version: Option<u32>) -> Result<(), String> {
    match version {
        Some(SPEC_VERSION) => Ok(()),
        Some(other) => Err(format!(
            "version {other} is not supported; this kubesite reads version {SPEC_VERSION}"
        )),
        None => Err(format!(
            "missing `version: {SPEC_VERSION}` at the top of the file"
        )),
    }
}

fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// The lines under a top-level `key:` (until the next top-level key).
fn block(text: &str, key: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut inside = false;
    for (i, line) in text.lines().enumerate() {
        let content = line.trim();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        if indent_of(line) == 0 && !line.starts_with('-') {
            inside = line.split_once(':').is_some_and(|(k, _)| k.trim() == key);
            continue;
        }
        if inside {
            out.push((i + 1, line.to_owned()));
        }
    }
    out
}

/// `key:` at the given indentation, from one line of a block.
fn key_at(line: &str, indent: usize) -> Option<String> {
    if indent_of(line) != indent {
        return None;
    }
    let (key, _) = line.trim().split_once(':')?;
    let key = key.trim().trim_matches(['"', '\'']);
    (!key.is_empty() && !key.contains(' ')).then(|| key.to_owned())
}

/// The line of each key of the block mapping that `key:` opens on line
/// `line` (from 1; the key may follow a list's `- `). Empty unless that
/// line holds `key:` and nothing after it, so a line is never guessed.
fn child_lines(text: &str, line: usize, key: &str) -> BTreeMap<String, usize> {
    let lines = yaml_lines(text);
    let Some(opening) = line.checked_sub(1).and_then(|i| lines.get(i)) else {
        return BTreeMap::new();
    };
    let mut column = indent_of(opening);
    let mut rest = opening.trim_start();
    while let Some(after) = rest.strip_prefix("- ") {
        column += 2 + indent_of(after);
        rest = after.trim_start();
    }
    let opens = rest.split_once(':').is_some_and(|(k, after)| {
        k.trim().trim_matches(['"', '\'']) == key
            && (after.trim().is_empty() || after.trim_start().starts_with('#'))
    });
    let mut out = BTreeMap::new();
    if !opens {
        return out;
    }
    let mut child = None;
    for (i, text) in lines.iter().enumerate().skip(line) {
        let content = text.trim();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        let indent = indent_of(text);
        if indent <= column {
            break;
        }
        let child = *child.get_or_insert(indent);
        if let Some(k) = key_at(text, child) {
            out.entry(k).or_insert(i + 1);
        }
    }
    out
}

/// The line of each label key under the `labels:` of a mapping whose key
/// lines are `lines`.
fn label_lines(text: &str, lines: &BTreeMap<String, usize>) -> BTreeMap<String, usize> {
    lines
        .get("labels")
        .map(|&line| child_lines(text, line, "labels"))
        .unwrap_or_default()
}

/// The line of each key in the top-level mapping `key:`.
fn block_lines(text: &str, key: &str) -> BTreeMap<String, usize> {
    let lines = block(text, key);
    let Some(indent) = lines.first().map(|(_, l)| indent_of(l)) else {
        return BTreeMap::new();
    };
    let mut out = BTreeMap::new();
    for (n, line) in &lines {
        if let Some(k) = key_at(line, indent) {
            out.entry(k).or_insert(*n);
        }
    }
    out
}

/// For a top-level list of mappings, the line of each key in each entry.
/// Block style only; a flow-style list yields no lines (messages then name
/// the entry without a line).
fn list_entry_lines(text: &str, key: &str) -> Vec<BTreeMap<String, usize>> {
    let mut entries: Vec<BTreeMap<String, usize>> = Vec::new();
    let mut dash = None;
    for (n, line) in block(text, key) {
        let indent = indent_of(&line);
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix("- ")
            && dash.is_none_or(|d| d == indent)
        {
            dash = Some(indent);
            let mut entry = BTreeMap::new();
            let shifted = format!("{}{rest}", " ".repeat(indent + 2));
            if let Some(k) = key_at(&shifted, indent + 2) {
                entry.insert(k, n);
            }
            entries.push(entry);
        } else if let (Some(d), Some(entry)) = (dash, entries.last_mut())
            && let Some(k) = key_at(&line, d + 2)
        {
            entry.entry(k).or_insert(n);
        }
    }
    entries
}

/// Validates every site, then the rules between sites: unique names, one
/// namespace per site (unless `shared-namespaces: true`), one site per host.
pub fn validate_sites(many: &ManySites) -> Result<Vec<ValidSpec>, Problems> {
    let mut problems = Vec::new();
    let mut valid = Vec::new();
    for (spec, origins) in &many.sites {
        match spec.validate(origins) {
            Ok(v) => valid.push((v, origins)),
            // A bad value in `defaults:` is one problem, not one per site.
            Err(Problems(p)) => {
                for p in p {
                    if !problems.contains(&p) {
                        problems.push(p);
                    }
                }
            }
        }
    }
    if !problems.is_empty() {
        return Err(Problems(problems));
    }
    // Sites already reported for one clash are not reported again for a
    // value derived from it (the namespace defaults to the name).
    let mut clash = |key: &str,
                     value: fn(&ValidSpec) -> &str,
                     rule: &str,
                     example: &str,
                     skip: &BTreeSet<usize>| {
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        let mut reported = BTreeSet::new();
        for (i, (spec, origins)) in valid.iter().enumerate() {
            match seen.get(value(spec)) {
                Some(&first) if !skip.contains(&i) => {
                    reported.insert(i);
                    problems.push(Problem {
                        field: origins.describe(key),
                        value: quoted(value(spec)),
                        rule: format!(
                            "is also the {key} of site {} ({}); {rule}",
                            valid[first].0.name,
                            valid[first].1.describe(key)
                        ),
                        example: example.to_owned(),
                        missing: false,
                    });
                }
                Some(_) => {}
                None => {
                    seen.insert(value(spec), i);
                }
            }
        }
        reported
    };
    let none = BTreeSet::new();
    let renamed = clash(
        "name",
        |v| &v.name,
        "every site needs its own name",
        "shop",
        &none,
    );
    if !many.shared_namespaces {
        clash(
            "namespace",
            |v| &v.namespace,
            "each site gets its own namespace (set `shared-namespaces: true` at the top to allow sharing)",
            "shop",
            &renamed,
        );
    }
    // Every site routes the whole host (path "/"), so a host is one site's.
    clash(
        "host",
        |v| &v.host,
        "two sites cannot both serve every path of one host",
        "shop.example.com",
        &none,
    );
    if problems.is_empty() {
        Ok(valid.into_iter().map(|(v, _)| v).collect())
    } else {
        Err(Problems(problems))
    }
}

/// The line of each top-level key. The parse above already proved the file
/// is a flat mapping, so a key is a line that starts at column 0 with
/// `key:` (optionally quoted).
fn key_lines(text: &str) -> BTreeMap<String, usize> {
    let mut lines = BTreeMap::new();
    for (i, line) in yaml_lines(text).into_iter().enumerate() {
        if line.starts_with([' ', '\t', '#', '-']) {
            continue;
        }
        if let Some((key, _)) = line.split_once(':') {
            let key = key.trim().trim_matches(['"', '\'']);
            lines.entry(key.to_owned()).or_insert(i + 1);
        }
    }
    lines
}

/// Lines as libyaml counts them: a bare CR, NEL, LS and PS end a line too,
/// so a key hidden behind one is still named with its own line.
fn yaml_lines(text: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}') {
            lines.push(&text[start..i]);
            start = i + c.len_utf8();
            if c == '\r' && chars.next_if(|&(_, n)| n == '\n').is_some() {
                start += 1;
            }
        }
    }
    lines.push(&text[start..]);
    lines
}

/// The example site that messages show ("e.g. --name blog"), and that the
/// tests and benchmarks render: one set of values, so an example in an
/// error is always one kubesite accepts.
pub mod example {
    pub const NAME: &str = "blog";
    pub const IMAGE: &str = "registry.example.com/blog:1.0.0";
    pub const HOST: &str = "blog.example.com";
    pub const NFS_SERVER: &str = "nfs.example.com";
    pub const NFS_PATH: &str = "/exports/blog";
}

impl SiteSpec {
    /// The example site (see [`example`]) on `disk`, with the NFS export
    /// when the disk needs one: valid as it is.
    pub fn example(disk: Disk) -> SiteSpec {
        let nfs = disk == Disk::Nfs;
        SiteSpec {
            name: Some(example::NAME.into()),
            image: Some(example::IMAGE.into()),
            host: Some(example::HOST.into()),
            disk: Some(disk.into()),
            nfs_server: nfs.then(|| example::NFS_SERVER.into()),
            nfs_path: nfs.then(|| example::NFS_PATH.into()),
            ..SiteSpec::default()
        }
    }

    /// Layers `over` on top of `self`: every value `over` sets wins; labels
    /// are merged key by key.
    pub fn overlay(mut self, over: SiteSpec) -> SiteSpec {
        macro_rules! take {
            ($($f:ident),*) => { $( if over.$f.is_some() { self.$f = over.$f; } )* };
        }
        take!(
            version,
            name,
            namespace,
            image,
            disk,
            host,
            port,
            replicas,
            storage_size,
            storage_class,
            nfs_server,
            nfs_path,
            mount_path,
            route,
            ingress_class,
            ingress_namespace,
            gateway,
            autoscale,
            tls,
            cluster_issuer,
            redis_image
        );
        self.labels.extend(over.labels);
        self.unsplit_labels.extend(over.unsplit_labels);
        self
    }

    /// The spec-file keys this spec sets, in field order. Derived from the
    /// serialization (every field is skipped when unset), so a new field
    /// cannot be forgotten here.
    pub fn given_keys(&self) -> Vec<String> {
        match serde_yaml::to_value(self) {
            Ok(serde_yaml::Value::Mapping(map)) => map
                .keys()
                .filter_map(|k| k.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// `--defaults`: the suggested name, and an image and host derived from
    /// the name, for whichever of them is not given.
    pub fn fill_defaults(&mut self, suggested_name: &str) {
        let name = self
            .name
            .get_or_insert_with(|| suggested_name.to_owned())
            .clone();
        self.image.get_or_insert_with(|| default_image(&name));
        self.host.get_or_insert_with(|| default_host(&name));
    }

    /// Checks every field, reporting every problem at once, and resolves the
    /// defaults. Warnings (a mutable tag, an ignored value) go in the result.
    pub fn validate(&self, origins: &Origins) -> Result<ValidSpec, Problems> {
        Validator {
            origins,
            problems: Vec::new(),
            warnings: Vec::new(),
            fields_only: false,
        }
        .run(self)
    }

    /// What is wrong with each given value on its own, before the rules
    /// that tie fields together; missing values are left out. No answer to
    /// another question can fix these, so the wizard reports them before it
    /// asks anything.
    pub fn field_problems(&self, origins: &Origins) -> Vec<Problem> {
        let checked = Validator {
            origins,
            problems: Vec::new(),
            warnings: Vec::new(),
            fields_only: true,
        }
        .run(self);
        match checked {
            Ok(_) => Vec::new(),
            Err(Problems(problems)) => problems.into_iter().filter(|p| !p.missing).collect(),
        }
    }
}

/// A spec that passed validation: every value checked, every default filled.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValidSpec {
    pub name: String,
    pub namespace: String,
    pub image: String,
    pub image_pull_policy: &'static str,
    pub disk: Disk,
    pub host: String,
    pub port: u16,
    pub replicas: u32,
    pub storage_size: String,
    pub storage_class: Option<String>,
    pub nfs_server: Option<String>,
    pub nfs_path: Option<String>,
    pub mount_path: String,
    pub route: Route,
    pub ingress_class: Option<String>,
    pub ingress_namespace: String,
    /// The Gateway an HTTPRoute attaches to (`--route gateway` only).
    pub gateway: Option<GatewayRef>,
    pub autoscale: Option<Autoscale>,
    /// A PodDisruptionBudget is rendered: more than one pod is kept running.
    pub disruption_budget: bool,
    pub tls: bool,
    pub cluster_issuer: String,
    pub redis_image: String,
    pub labels: BTreeMap<String, String>,
    /// Things worth saying on stderr that do not stop the render.
    #[serde(skip)]
    pub warnings: Vec<String>,
}

/// The Gateway an HTTPRoute attaches to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GatewayRef {
    pub name: String,
    pub namespace: String,
}

/// Bounds for the HorizontalPodAutoscaler.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Autoscale {
    pub min: u32,
    pub max: u32,
    pub cpu_percent: u32,
}

fn gateway_ref(text: &str) -> Result<GatewayRef, Violation> {
    let (name, namespace) = match text.split_once('/') {
        Some((name, ns)) => (name, ns),
        None => (text, defaults::GATEWAY_NAMESPACE),
    };
    let example = || format!("{}/{}", defaults::GATEWAY_NAME, defaults::GATEWAY_NAMESPACE);
    validate::dns1123_subdomain(name).map_err(|v| Violation {
        rule: format!("the Gateway name {}", v.rule),
        example: example(),
    })?;
    validate::dns1123_label(namespace).map_err(|v| Violation {
        rule: format!("the Gateway namespace {}", v.rule),
        example: example(),
    })?;
    Ok(GatewayRef {
        name: name.to_owned(),
        namespace: namespace.to_owned(),
    })
}

fn autoscale_bounds(text: &str) -> Result<(u32, u32), Violation> {
    let bad = |rule: &str| Violation {
        rule: rule.to_owned(),
        example: "2:10".to_owned(),
    };
    let (min, max) = text
        .split_once(':')
        .ok_or_else(|| bad("must be MIN:MAX, two pod counts"))?;
    let parse = |t: &str| t.trim().parse::<i64>().ok();
    let (Some(min), Some(max)) = (parse(min), parse(max)) else {
        return Err(bad("must be MIN:MAX with whole numbers"));
    };
    validate::replicas(min).map_err(|v| bad(&format!("MIN {}", v.rule)))?;
    validate::replicas(max).map_err(|v| bad(&format!("MAX {}", v.rule)))?;
    if min > max {
        return Err(bad("MIN must not be above MAX"));
    }
    Ok((min as u32, max as u32))
}

struct Validator<'a> {
    origins: &'a Origins,
    problems: Vec<Problem>,
    warnings: Vec<String>,
    /// Stop before the rules that tie fields together.
    fields_only: bool,
}

impl Validator<'_> {
    fn refuse(&mut self, key: &str, value: &str, v: Violation) {
        self.refuse_as(self.origins.describe(key), value, v);
    }

    /// Like `refuse`, for a field already named (`field` as `describe`
    /// gives it).
    fn refuse_as(&mut self, field: String, value: &str, v: Violation) {
        self.problems.push(Problem {
            field,
            value: quoted(value),
            rule: v.rule,
            example: v.example,
            missing: false,
        });
    }

    /// Runs `check` on a present value; returns it when it passes.
    fn field<'v>(
        &mut self,
        key: &str,
        value: Option<&'v String>,
        check: fn(&str) -> Check,
    ) -> Option<&'v str> {
        let value = value?;
        match check(value) {
            Ok(()) => Some(value),
            Err(v) => {
                self.refuse(key, value, v);
                None
            }
        }
    }

    fn required<'v>(
        &mut self,
        key: &str,
        value: Option<&'v String>,
        example: &str,
        check: fn(&str) -> Check,
    ) -> Option<&'v str> {
        if value.is_none() {
            self.problems.push(Problem {
                field: self.origins.describe(key),
                value: String::new(),
                rule: String::new(),
                example: self.origins.example(key, example),
                missing: true,
            });
            return None;
        }
        self.field(key, value, check)
    }

    fn number(
        &mut self,
        key: &str,
        value: Option<&Given<i64>>,
        check: fn(i64) -> Check,
        example: &str,
    ) -> Option<i64> {
        let value = match value? {
            Given::Valid(n) => *n,
            Given::Invalid(text) => {
                self.refuse(key, text, not_a_number(text, example));
                return None;
            }
        };
        match check(value) {
            Ok(()) => Some(value),
            Err(v) => {
                self.refuse(key, &value.to_string(), v);
                None
            }
        }
    }

    /// A value with a few allowed words (or `true`/`false`): the default
    /// when it is not given, `None` when it is refused.
    fn choice<T: Copy>(
        &mut self,
        key: &str,
        value: Option<&Given<T>>,
        default: T,
        words: &[&str],
        example: &str,
    ) -> Option<T> {
        match value {
            None => Some(default),
            Some(Given::Valid(v)) => Some(*v),
            Some(Given::Invalid(text)) => {
                let (last, rest) = words.split_last().expect("at least one word");
                let mut rule = format!("must be {} or {last}", rest.join(", "));
                if words.contains(&text.trim()) {
                    rule.push_str(", not a quoted string");
                }
                let example = example.to_owned();
                self.refuse(key, text, Violation { rule, example });
                None
            }
        }
    }

    fn warn_unused(&mut self, key: &str, given: bool, why: &str) {
        if given {
            let field = self.origins.describe(key);
            self.warnings.push(format!("{field} is ignored: {why}"));
        }
    }

    fn run(mut self, s: &SiteSpec) -> Result<ValidSpec, Problems> {
        let name = self.required("name", s.name.as_ref(), example::NAME, validate::site_name);
        let namespace = self.field("namespace", s.namespace.as_ref(), validate::namespace);
        // The namespace defaults to the name, so that name must also pass the
        // namespace rule: "default" or "kube-system" would otherwise deploy
        // into a shared or system namespace.
        if s.namespace.is_none()
            && let Some(name) = name
            && let Err(v) = validate::namespace(name)
        {
            let rule = format!(
                "is also the namespace when --namespace is not given, and the namespace {}",
                v.rule
            );
            self.refuse("name", name, Violation { rule, ..v });
        }
        let image_text = self.required("image", s.image.as_ref(), example::IMAGE, |_| Ok(()));
        let image = image_text.and_then(|text| match validate::image(text) {
            Ok(r) => Some((text, r)),
            Err(v) => {
                self.refuse("image", text, v);
                None
            }
        });
        let host = self.required("host", s.host.as_ref(), example::HOST, validate::host);
        let disk = self.choice(
            "disk",
            s.disk.as_ref(),
            defaults::DISK,
            Disk::WORDS,
            "database",
        );
        let port = self.number("port", s.port.as_ref(), validate::port, "8080");
        let replicas = self.number("replicas", s.replicas.as_ref(), validate::replicas, "2");
        let storage_size = self.field("storage-size", s.storage_size.as_ref(), validate::quantity);
        let storage_class = self.field(
            "storage-class",
            s.storage_class.as_ref(),
            validate::storage_class,
        );
        let nfs_server = self.field("nfs-server", s.nfs_server.as_ref(), validate::nfs_server);
        let nfs_path = self.field("nfs-path", s.nfs_path.as_ref(), validate::absolute_path);
        let mount_path = self.field("mount-path", s.mount_path.as_ref(), validate::absolute_path);
        let ingress_class = self.field(
            "ingress-class",
            s.ingress_class.as_ref(),
            validate::dns1123_subdomain,
        );
        let ingress_namespace = self.field(
            "ingress-namespace",
            s.ingress_namespace.as_ref(),
            validate::dns1123_label,
        );
        let cluster_issuer = self.field(
            "cluster-issuer",
            s.cluster_issuer.as_ref(),
            validate::dns1123_subdomain,
        );
        let redis_image = s
            .redis_image
            .as_ref()
            .and_then(|text| match validate::image(text) {
                Ok(_) => Some(text.as_str()),
                Err(v) => {
                    self.refuse("redis-image", text, v);
                    None
                }
            });
        for text in &s.unsplit_labels {
            let v = Violation {
                rule: "must be KEY=VALUE".into(),
                example: "team=web".into(),
            };
            self.refuse_as("--label".into(), text, v);
        }
        let labels = self.labels(&s.labels);
        let route = self.choice(
            "route",
            s.route.as_ref(),
            Route::Ingress,
            Route::WORDS,
            "gateway",
        );
        let tls = self.choice(
            "tls",
            s.tls.as_ref(),
            defaults::TLS,
            &["true", "false"],
            "true",
        );
        let autoscale = s
            .autoscale
            .as_ref()
            .and_then(|text| match autoscale_bounds(text) {
                Ok(bounds) => Some(bounds),
                Err(v) => {
                    self.refuse("autoscale", text, v);
                    None
                }
            });
        if let Some(path) = mount_path {
            self.check_mount_path(path);
        }

        // Rules that tie fields together. A refused disk, route or tls
        // would leave them guessing, so they wait until those are right.
        let (Some(disk), Some(route), Some(tls)) = (disk, route, tls) else {
            return Err(Problems(self.problems));
        };
        if self.fields_only {
            return Err(Problems(self.problems));
        }
        let gateway = match (route, &s.gateway) {
            (Route::Gateway, Some(text)) => gateway_ref(text)
                .map_err(|v| self.refuse("gateway", text, v))
                .ok(),
            (Route::Gateway, None) => Some(GatewayRef {
                name: defaults::GATEWAY_NAME.to_owned(),
                namespace: defaults::GATEWAY_NAMESPACE.to_owned(),
            }),
            (Route::Ingress, given) => {
                self.warn_unused("gateway", given.is_some(), "only --route gateway uses it");
                None
            }
        };
        if route == Route::Gateway {
            let why = "--route gateway attaches to a Gateway; its listener handles this";
            self.warn_unused("ingress-class", s.ingress_class.is_some(), why);
            self.warn_unused("ingress-namespace", s.ingress_namespace.is_some(), why);
            self.warn_unused("cluster-issuer", s.cluster_issuer.is_some(), why);
            self.warn_unused(
                "tls",
                s.tls.is_some(),
                "with --route gateway TLS is the Gateway listener's job (see docs/guide.md)",
            );
        }
        let replicas_or_default = replicas
            .or(autoscale
                .filter(|_| disk != Disk::Local)
                .map(|(min, _)| i64::from(min)))
            .unwrap_or(if disk == Disk::Local { 1 } else { 2 });
        if let (Some(text), Disk::Local) = (&s.autoscale, disk) {
            self.refuse(
                "autoscale",
                text,
                Violation {
                    rule: "cannot be used with --disk local: its ReadWriteOnce disk attaches \
                           to one node, so the site must stay at one pod; use --disk nfs or \
                           --disk database to scale"
                        .into(),
                    example: "2:10 (with --disk database)".into(),
                },
            );
        }
        if let (Some((min, max)), Some(r)) = (autoscale, replicas)
            && (r < i64::from(min) || r > i64::from(max))
        {
            self.refuse(
                "replicas",
                &r.to_string(),
                Violation {
                    rule: format!(
                        "must be within --autoscale {min}:{max}, which sets the pod count"
                    ),
                    example: min.to_string(),
                },
            );
        }
        if disk == Disk::Local && replicas_or_default > 1 {
            self.refuse(
                "replicas",
                &replicas_or_default.to_string(),
                Violation {
                    rule: "must be 1 with --disk local: a local disk is a ReadWriteOnce \
                           volume that attaches to one node, so a second pod could not \
                           mount it; use --disk nfs (shared disk) or --disk database \
                           (stateless pods) to run more than one replica"
                        .into(),
                    example: "1".into(),
                },
            );
        }
        if disk == Disk::Nfs {
            for (key, value, example) in [
                ("nfs-server", &s.nfs_server, example::NFS_SERVER),
                ("nfs-path", &s.nfs_path, example::NFS_PATH),
            ] {
                if value.is_none() {
                    self.problems.push(Problem {
                        field: self.origins.describe(key),
                        value: String::new(),
                        rule: String::new(),
                        example: format!(
                            "{} (required with --disk nfs)",
                            self.origins.example(key, example)
                        ),
                        missing: true,
                    });
                }
            }
        } else {
            self.warn_unused(
                "nfs-server",
                s.nfs_server.is_some(),
                "only --disk nfs uses it",
            );
            self.warn_unused("nfs-path", s.nfs_path.is_some(), "only --disk nfs uses it");
        }
        if disk == Disk::Database {
            self.warn_unused(
                "mount-path",
                s.mount_path.is_some(),
                "--disk database mounts no disk in the site container",
            );
        } else {
            self.warn_unused(
                "redis-image",
                s.redis_image.is_some(),
                "only --disk database runs Redis",
            );
        }
        if !tls {
            self.warn_unused(
                "cluster-issuer",
                s.cluster_issuer.is_some(),
                "TLS is off (--no-tls)",
            );
        }

        if let Some((_, image)) = &image {
            self.image_warnings("image", image);
        }
        if let (Some(host), true, Route::Ingress) = (host, tls, route)
            && host.starts_with("*.")
        {
            let field = self.origins.describe("host");
            let issuer = cluster_issuer.unwrap_or(defaults::CLUSTER_ISSUER);
            self.warnings.push(format!(
                "{field}: a wildcard certificate can only be proved by a DNS-01 \
                 challenge, not the HTTP-01 one most issuers use; the ClusterIssuer \
                 `{issuer}` needs a DNS-01 solver, or give a plain host"
            ));
        }

        if !self.problems.is_empty() {
            return Err(Problems(self.problems));
        }
        // Every required value passed, so these are all present.
        let (Some(name), Some(host), Some((image, image_ref))) = (name, host, image) else {
            unreachable!("a missing required value is always a problem");
        };
        let namespace = namespace.unwrap_or(name);
        Ok(ValidSpec {
            name: name.to_owned(),
            namespace: namespace.to_owned(),
            image: image.to_owned(),
            image_pull_policy: if image_ref.is_pinned() {
                "IfNotPresent"
            } else {
                "Always"
            },
            disk,
            host: host.to_owned(),
            port: port.map_or(defaults::PORT, |p| p as u16),
            replicas: replicas_or_default as u32,
            storage_size: storage_size.unwrap_or(defaults::STORAGE_SIZE).to_owned(),
            storage_class: storage_class.map(str::to_owned),
            nfs_server: nfs_server.map(str::to_owned),
            nfs_path: nfs_path.map(str::to_owned),
            mount_path: mount_path.unwrap_or(defaults::MOUNT_PATH).to_owned(),
            route,
            gateway,
            autoscale: autoscale.map(|(min, max)| Autoscale {
                min,
                max,
                cpu_percent: defaults::AUTOSCALE_CPU_PERCENT,
            }),
            disruption_budget: disk != Disk::Local && replicas_or_default > 1,
            ingress_class: ingress_class.map(str::to_owned),
            ingress_namespace: ingress_namespace
                .unwrap_or(defaults::INGRESS_NAMESPACE)
                .to_owned(),
            tls,
            cluster_issuer: cluster_issuer
                .unwrap_or(defaults::CLUSTER_ISSUER)
                .to_owned(),
            redis_image: redis_image.unwrap_or(defaults::REDIS_IMAGE).to_owned(),
            labels,
            warnings: self.warnings,
        })
    }

    fn labels(&mut self, labels: &BTreeMap<String, String>) -> BTreeMap<String, String> {
        let mut ok = BTreeMap::new();
        for (key, value) in labels {
            let shown = format!("{key}={value}");
            let field = self.origins.describe_label(key);
            let mut good = true;
            if let Err(v) = validate::label_key(key) {
                self.refuse_as(field.clone(), &shown, prefix(v, "the key"));
                good = false;
            }
            if let Err(v) = validate::label_value(value) {
                self.refuse_as(field, &shown, prefix(v, "the value"));
                good = false;
            }
            if good {
                ok.insert(key.clone(), value.clone());
            }
        }
        ok
    }

    fn check_mount_path(&mut self, path: &str) {
        let path = path.trim_end_matches('/');
        let clash = RESERVED_MOUNTS.iter().find(|reserved| {
            path.is_empty()
                || reserved.starts_with(&format!("{path}/"))
                || *reserved == &path
                || path.starts_with(&format!("{reserved}/"))
        });
        if let Some(reserved) = clash {
            let shown = if path.is_empty() { "/" } else { path };
            self.refuse(
                "mount-path",
                shown,
                Violation {
                    rule: format!(
                        "must not be, contain or sit inside {reserved}, which kubesite \
                         mounts itself (the token mask and nginx's writable folders)"
                    ),
                    example: defaults::MOUNT_PATH.into(),
                },
            );
        }
    }

    fn image_warnings(&mut self, key: &str, image: &ImageRef) {
        let field = self.origins.describe(key);
        if image.uses_latest_or_no_tag() && !image.is_pinned() {
            self.warnings.push(format!(
                "{field}: no tag or `:latest` is a moving target; a restart may run \
                 different code. Use a version tag, e.g. `:1.0.0`, or pin a digest"
            ));
        } else if !image.is_pinned() {
            self.warnings.push(format!(
                "{field}: not pinned by digest; the tag can be re-pushed. Add \
                 `@sha256:<digest>` for reproducible deploys"
            ));
        }
    }
}

/// Says which half of `key=value` broke the rule.
fn prefix(v: Violation, part: &str) -> Violation {
    Violation {
        rule: format!("{part} {}", v.rule),
        example: "team=web".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(name: &str, image: &str, host: &str) -> SiteSpec {
        SiteSpec {
            name: Some(name.into()),
            image: Some(image.into()),
            host: Some(host.into()),
            ..SiteSpec::default()
        }
    }

    fn problems(s: &SiteSpec) -> Vec<Problem> {
        s.validate(&Origins::default()).expect_err("should fail").0
    }

    #[test]
    fn minimal_spec_gets_documented_defaults() {
        let v = spec(
            "blog",
            "registry.example.com/blog:1.0.0",
            "blog.example.com",
        )
        .validate(&Origins::default())
        .expect("valid");
        assert_eq!(v.namespace, "blog");
        assert_eq!(v.disk, Disk::Local);
        assert_eq!(v.port, 8080);
        assert_eq!(v.replicas, 1);
        assert_eq!(v.storage_size, "1Gi");
        assert_eq!(v.mount_path, "/data");
        assert!(v.tls);
        assert_eq!(v.cluster_issuer, "letsencrypt");
        assert_eq!(v.image_pull_policy, "Always");
    }

    #[test]
    fn stateless_disks_default_to_two_replicas() {
        let mut s = spec("blog", "nginx:1.27", "blog.example.com");
        s.disk = Some(Disk::Database.into());
        assert_eq!(s.validate(&Origins::default()).expect("valid").replicas, 2);
    }

    #[test]
    fn local_disk_with_two_replicas_is_rejected() {
        let mut s = spec("blog", "nginx:1.27", "blog.example.com");
        s.replicas = Some(2.into());
        let p = problems(&s);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].field, "--replicas");
        assert!(p[0].rule.contains("ReadWriteOnce"), "{}", p[0].rule);
        assert!(p[0].rule.contains("--disk nfs"), "{}", p[0].rule);
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let mut s = spec("Blog", "UPPER/Image", "Blog.Example.com");
        s.port = Some(0.into());
        s.storage_size = Some("-1Gi".into());
        let fields: Vec<_> = problems(&s).into_iter().map(|p| p.field).collect();
        assert_eq!(
            fields,
            ["--name", "--image", "--host", "--port", "--storage-size"]
        );
    }

    #[test]
    fn missing_required_values_are_usage_errors() {
        let err = SiteSpec::default()
            .validate(&Origins::default())
            .expect_err("empty spec");
        assert!(err.is_usage());
        let text = err.to_string();
        for flag in ["--name", "--image", "--host"] {
            assert!(text.contains(flag), "{text}");
        }
    }

    #[test]
    fn nfs_requires_server_and_path() {
        let mut s = spec("blog", "nginx:1.27", "blog.example.com");
        s.disk = Some(Disk::Nfs.into());
        let fields: Vec<_> = problems(&s).into_iter().map(|p| p.field).collect();
        assert_eq!(fields, ["--nfs-server", "--nfs-path"]);
    }

    #[test]
    fn mount_path_over_the_token_mask_is_rejected() {
        for bad in [
            "/",
            "/var",
            "/var/run/secrets/kubernetes.io/serviceaccount",
            "/tmp/x",
        ] {
            let mut s = spec("blog", "nginx:1.27", "blog.example.com");
            s.mount_path = Some(bad.into());
            let p = problems(&s);
            assert_eq!(p[0].field, "--mount-path", "{bad}");
        }
    }

    #[test]
    fn reserved_label_keys_are_rejected() {
        let mut s = spec("blog", "nginx:1.27", "blog.example.com");
        s.labels.insert("app.kubernetes.io/name".into(), "x".into());
        assert_eq!(problems(&s)[0].field, "--label");
    }

    #[test]
    fn digest_images_are_pulled_if_not_present() {
        let digest = format!("nginx:1.27@sha256:{}", "a".repeat(64));
        let v = spec("blog", &digest, "blog.example.com")
            .validate(&Origins::default())
            .expect("valid");
        assert_eq!(v.image_pull_policy, "IfNotPresent");
        assert!(v.warnings.is_empty(), "{:?}", v.warnings);
    }

    #[test]
    fn latest_tag_is_a_warning_not_an_error() {
        let v = spec("blog", "nginx:latest", "blog.example.com")
            .validate(&Origins::default())
            .expect("valid");
        assert!(v.warnings[0].contains("moving target"), "{:?}", v.warnings);
    }

    #[test]
    fn the_words_a_refusal_lists_are_the_variants() {
        use clap::ValueEnum;
        let disks: Vec<&str> = Disk::value_variants().iter().map(|d| d.as_str()).collect();
        assert_eq!(disks, Disk::WORDS);
        let routes: Vec<&str> = Route::value_variants().iter().map(|r| r.as_str()).collect();
        assert_eq!(routes, Route::WORDS);
    }

    #[test]
    fn a_wildcard_host_with_a_certificate_warns_about_dns01() {
        let digest = format!("nginx:1.27@sha256:{}", "a".repeat(64));
        let warnings = |tls: Option<bool>, route: Option<Route>| {
            let mut s = spec("blog", &digest, "*.example.com");
            s.tls = tls.map(Given::from);
            s.route = route.map(Given::from);
            s.cluster_issuer = Some("acme-dns".into());
            s.validate(&Origins::default()).expect("valid").warnings
        };
        let w = warnings(None, None);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].starts_with("--host: a wildcard certificate"), "{w:?}");
        assert!(w[0].contains("`acme-dns` needs a DNS-01 solver"), "{w:?}");
        assert!(
            warnings(Some(false), None)
                .iter()
                .all(|w| !w.contains("DNS-01"))
        );
        // A Gateway's listener holds the certificate: not this spec's to say.
        let w = warnings(None, Some(Route::Gateway));
        assert!(w.iter().all(|w| !w.contains("DNS-01")), "{w:?}");
    }

    #[test]
    fn typed_scalars_of_the_wrong_kind_are_kept_as_their_text() {
        let read = |line: &str| {
            parse_file(Path::new("s.yaml"), &format!("version: 1\n{line}\n"))
                .expect("a scalar always parses")
                .0
        };
        assert_eq!(read("port: 8080").port, Some(Given::Valid(8080)));
        assert_eq!(
            read("port: \"8080\"").port,
            Some(Given::Invalid("8080".into()))
        );
        assert_eq!(read("port: 80.5").port, Some(Given::Invalid("80.5".into())));
        assert_eq!(read("replicas: -3").replicas, Some(Given::Valid(-3)));
        assert_eq!(read("disk: nfs").disk, Some(Given::Valid(Disk::Nfs)));
        assert_eq!(read("disk: 3").disk, Some(Given::Invalid("3".into())));
        assert_eq!(
            read("route: Gateway").route,
            Some(Given::Invalid("Gateway".into()))
        );
        assert_eq!(read("tls: false").tls, Some(Given::Valid(false)));
        assert_eq!(read("tls: yes").tls, Some(Given::Invalid("yes".into())));
        assert_eq!(read("tls:").tls, None, "null is not given");
        // Written back (kubesite.yaml, given_keys) as the user wrote it.
        let s = read("disk: tape");
        assert_eq!(s.given_keys(), ["version", "disk"]);
        assert!(
            serde_yaml::to_string(&s)
                .expect("yaml")
                .contains("disk: tape")
        );
    }

    #[test]
    fn a_refused_disk_or_route_is_not_replaced_by_its_default() {
        let mut s = spec("blog", "nginx:1.27", "blog.example.com");
        s.disk = Some(Given::Invalid("nsf".into()));
        s.replicas = Some(3.into());
        s.nfs_server = Some("nfs.example.com".into());
        let p = problems(&s);
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].rule, "must be local, nfs or database");
        assert!(!p[0].missing, "a bad value is not a usage error");

        let mut s = spec("blog", "nginx:1.27", "blog.example.com");
        s.route = Some(Given::Invalid("http".into()));
        s.gateway = Some("Bad/Name".into());
        let p = problems(&s);
        assert_eq!(
            p.len(),
            1,
            "the gateway is only checked for a gateway route: {p:?}"
        );
        assert_eq!(p[0].field, "--route");
    }

    #[test]
    fn an_unknown_key_close_to_a_known_one_is_suggested() {
        let message = |key: &str| {
            let text = format!("version: 1\nname: blog\n{key}: 2\n");
            parse_source(Path::new("site.yaml"), &text)
                .expect_err("unknown key")
                .to_string()
        };
        for (typed, meant) in [
            ("replica", "replicas"),
            ("storage_size", "storage-size"),
            ("Image", "image"),
            ("nfs-sever", "nfs-server"),
        ] {
            let m = message(typed);
            assert!(
                m.contains(&format!("`{typed}` (did you mean `{meant}`?), expected")),
                "{m}"
            );
            assert!(m.contains("at line 3"), "the line is kept: {m}");
        }
        // Nothing close: no guess.
        for typed in ["hostname", "x", "colour"] {
            assert!(!message(typed).contains("did you mean"), "{typed}");
        }
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "ab"), 2);
        assert_eq!(edit_distance("é", "e"), 1);
    }

    #[test]
    fn child_lines_follow_one_block_mapping_and_never_guess() {
        let text = "labels:  # ours\n  team: web\n\n  # a comment\n  \"tier\": x\n\
                    name: blog\n  stray: 1\n";
        let lines = child_lines(text, 1, "labels");
        assert_eq!(
            lines.into_iter().collect::<Vec<_>>(),
            [("team".to_owned(), 2), ("tier".to_owned(), 5)]
        );
        // After a list's dash, nested deeper.
        let text = "sites:\n  - labels:\n      team: web\n    name: blog\n";
        assert_eq!(child_lines(text, 2, "labels").get("team"), Some(&3));
        assert_eq!(child_lines(text, 2, "labels").get("name"), None);
        // A flow mapping, another key, a line that is not there: nothing.
        assert!(child_lines("labels: {team: web}\n", 1, "labels").is_empty());
        assert!(child_lines("name:\n  team: web\n", 1, "labels").is_empty());
        assert!(child_lines("labels:\n", 9, "labels").is_empty());
        assert!(child_lines("labels:\n", 0, "labels").is_empty());
    }

    #[test]
    fn field_problems_leave_out_what_a_later_answer_could_fix() {
        // No name, image or host yet, and replicas that only a disk other
        // than local allows: the wizard will ask for those.
        let mut s = SiteSpec {
            replicas: Some(3.into()),
            ..SiteSpec::default()
        };
        assert!(s.field_problems(&Origins::default()).is_empty());
        assert!(s.validate(&Origins::default()).is_err());

        s.port = Some(Given::Invalid("http".into()));
        s.host = Some("Blog.Example.com".into());
        let fields: Vec<String> = s
            .field_problems(&Origins::default())
            .into_iter()
            .map(|p| p.field)
            .collect();
        assert_eq!(fields, ["--host", "--port"]);
    }

    #[test]
    fn spec_file_problems_name_the_line() {
        let text = "version: 1\nname: blog\nimage: nginx:1.27\nhost: Blog.Example.com\n";
        let (s, origins) = parse_file(Path::new("site.yaml"), text).expect("parses");
        let err = s.validate(&origins).expect_err("bad host");
        assert_eq!(err.0[0].field, "site.yaml:4: host");
    }

    #[test]
    fn flags_override_the_file_and_are_named_as_flags() {
        let text = "version: 1\nname: blog\nimage: nginx:1.27\nhost: blog.example.com\n";
        let (file, mut origins) = parse_file(Path::new("site.yaml"), text).expect("parses");
        let flags = SiteSpec {
            host: Some("BAD".into()),
            ..SiteSpec::default()
        };
        origins.flag("host");
        let err = file.overlay(flags).validate(&origins).expect_err("bad");
        assert_eq!(err.0[0].field, "--host");
    }

    #[test]
    fn spec_file_rejects_unknown_keys_with_position() {
        let err = parse_file(Path::new("s.yaml"), "version: 1\nnmae: blog\n").expect_err("bad key");
        let text = err.to_string();
        assert!(text.contains("nmae") && text.contains("line 2"), "{text}");
    }

    #[test]
    fn spec_file_rejects_duplicate_keys_and_wrong_types() {
        let dup = parse_file(Path::new("s.yaml"), "version: 1\nname: a\nname: b\n")
            .expect_err("duplicate");
        assert!(dup.to_string().contains("duplicate"), "{dup}");
        let typ = parse_file(Path::new("s.yaml"), "version: 1\nport: [1]\n").expect_err("type");
        assert!(typ.to_string().contains("line 2"), "{typ}");
    }

    #[test]
    fn given_keys_are_the_set_fields_by_spec_file_name() {
        let mut s = SiteSpec {
            name: Some("blog".into()),
            storage_size: Some("2Gi".into()),
            tls: Some(false.into()),
            ..SiteSpec::default()
        };
        assert_eq!(s.given_keys(), ["name", "storage-size", "tls"]);
        s.labels.insert("team".into(), "web".into());
        assert_eq!(s.given_keys().last().map(String::as_str), Some("labels"));
        assert!(SiteSpec::default().given_keys().is_empty());
    }

    #[test]
    fn suggested_names_are_valid() {
        for (text, want) in [
            ("blog", "blog"),
            ("My Blog!", "my-blog"),
            ("2024_site", "site"),
            ("", "site"),
            ("---", "site"),
            ("Été", "t"),
        ] {
            assert_eq!(suggest_name(text), want, "{text:?}");
        }
        let long = suggest_name(&"a".repeat(100));
        assert_eq!(long.len(), validate::MAX_NAME_LEN);
    }

    #[test]
    fn wizard_answers_get_the_flag_message() {
        let msg = check_answer("host", "Blog.Example.com").expect_err("upper case");
        assert!(
            msg.starts_with("--host \"Blog.Example.com\": must be lower case"),
            "{msg}"
        );
        assert!(check_answer("replicas", "two").is_err());
        assert!(check_answer("replicas", "0").is_err());
        assert!(check_answer("replicas", "3").is_ok());
        assert!(check_answer("name", "blog").is_ok());
    }

    #[test]
    fn spec_file_needs_a_supported_version() {
        assert!(parse_file(Path::new("s.yaml"), "name: blog\n").is_err());
        let err = parse_file(Path::new("s.yaml"), "version: 9\n").expect_err("v9");
        assert!(err.to_string().contains("version 9"), "{err}");
    }
}
