//! Hostile input: the adversarial corpus (`tests/data/hostile/corpus.json`)
//! through every field of the real binary, by flag and by spec file; hostile
//! spec files as a whole; resource bounds; and property tests that search
//! for a spec whose output does not read back.
//!
//! Each (value, field) ends in one of two verdicts:
//! - *rejected*: exit 1 (2 where clap itself refuses a value, e.g. a
//!   non-number for `--port`), nothing on stdout, nothing written with `-o`,
//!   and the message names the field;
//! - *accepted*: exit 0, the same objects as without the value, and the value
//!   emitted as a quoted YAML scalar that parses back to exactly the input.
//!
//! To stay fast, each value first goes into every text field at once:
//! validation reports every problem together, so that one run proves each
//! refusal (the message names every refusing field with the value, escaped).
//! The fields that did not refuse it then run together, one run per disk
//! type, each reading back where it belongs; a field runs alone only where a
//! rule tying fields together refused the group.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use kubesite::escape::{quoted, yaml_quoted};
use kubesite::render::{render, render_repo, to_stream};
use kubesite::spec::{Given, Origins, SiteSpec, parse_file};
use proptest::prelude::*;
use serde_yaml::Value;

use crate::support::{IMAGE, documents, kind};

// ----- the corpus ----------------------------------------------------------

#[derive(serde::Deserialize)]
struct Entry {
    #[allow(dead_code)] // documents the entry; shown in no assertion
    aim: String,
    value: RawValue,
}

/// A string, or a long one built from a repeated piece.
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum RawValue {
    Text(String),
    Repeat {
        #[serde(default)]
        prefix: String,
        repeat: String,
        times: usize,
    },
}

fn corpus() -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/hostile/corpus.json");
    let text = fs::read_to_string(&path).expect("corpus readable");
    let entries: Vec<Entry> = serde_json::from_str(&text).expect("corpus is a JSON array");
    entries
        .into_iter()
        .map(|e| match e.value {
            RawValue::Text(s) => s,
            RawValue::Repeat {
                prefix,
                repeat,
                times,
            } => prefix + &repeat.repeat(times),
        })
        .collect()
}

// ----- the fields ----------------------------------------------------------

/// Where an accepted value must read back in the rendered objects.
#[derive(Clone, Copy)]
enum Place {
    /// In some object of this kind, at this path (`*`: any list item).
    At(&'static str, &'static [&'static str]),
    /// As a label key (with the value "web") on every object.
    LabelKey,
    /// As the value of the label "team" on every object.
    LabelValue,
    /// `NAME[/NAMESPACE]`: the HTTPRoute's parent Gateway.
    Gateway,
    /// `MIN:MAX`: the HorizontalPodAutoscaler's bounds (numbers, not text).
    Autoscale,
}

struct TextField {
    /// The spec-file key; the flag is `--key` (labels: `--label`).
    key: &'static str,
    /// The disk type under which the field is used.
    disk: &'static str,
    /// Other values the field needs to be used (flag name, value).
    needs: &'static [(&'static str, &'static str)],
    place: Place,
}

const fn field(key: &'static str, disk: &'static str, place: Place) -> TextField {
    TextField {
        key,
        disk,
        needs: &[],
        place,
    }
}

const TEXT_FIELDS: &[TextField] = &[
    field("name", "local", Place::At("Service", &["metadata", "name"])),
    field(
        "namespace",
        "local",
        Place::At("Namespace", &["metadata", "name"]),
    ),
    field(
        "image",
        "local",
        Place::At(
            "Deployment",
            &["spec", "template", "spec", "containers", "0", "image"],
        ),
    ),
    field(
        "host",
        "local",
        Place::At("Ingress", &["spec", "rules", "0", "host"]),
    ),
    field(
        "storage-size",
        "local",
        Place::At(
            "PersistentVolumeClaim",
            &["spec", "resources", "requests", "storage"],
        ),
    ),
    field(
        "storage-class",
        "local",
        Place::At("PersistentVolumeClaim", &["spec", "storageClassName"]),
    ),
    field(
        "nfs-server",
        "nfs",
        Place::At("PersistentVolume", &["spec", "nfs", "server"]),
    ),
    field(
        "nfs-path",
        "nfs",
        Place::At("PersistentVolume", &["spec", "nfs", "path"]),
    ),
    field(
        "mount-path",
        "local",
        Place::At(
            "Deployment",
            &[
                "spec",
                "template",
                "spec",
                "containers",
                "0",
                "volumeMounts",
                "*",
                "mountPath",
            ],
        ),
    ),
    field(
        "ingress-class",
        "local",
        Place::At("Ingress", &["spec", "ingressClassName"]),
    ),
    field(
        "ingress-namespace",
        "local",
        Place::At(
            "NetworkPolicy",
            &[
                "spec",
                "ingress",
                "*",
                "from",
                "*",
                "namespaceSelector",
                "matchLabels",
                "kubernetes.io/metadata.name",
            ],
        ),
    ),
    field(
        "cluster-issuer",
        "local",
        Place::At(
            "Ingress",
            &["metadata", "annotations", "cert-manager.io/cluster-issuer"],
        ),
    ),
    TextField {
        key: "gateway",
        disk: "local",
        needs: &[("route", "gateway")],
        place: Place::Gateway,
    },
    field("autoscale", "database", Place::Autoscale),
    field(
        "redis-image",
        "database",
        Place::At(
            "Deployment",
            &["spec", "template", "spec", "containers", "*", "image"],
        ),
    ),
    field("labels", "local", Place::LabelKey),
    field("labels", "local", Place::LabelValue),
];

/// Fields whose value is not text: clap (flags) or serde (the spec file)
/// parses them before any validator runs.
const TYPED_FLAGS: &[&str] = &["port", "replicas", "disk", "route"];
const TYPED_KEYS: &[&str] = &["port", "replicas", "disk", "route", "tls", "version"];

impl TextField {
    fn label(&self) -> String {
        match self.place {
            Place::LabelKey => "label key".into(),
            Place::LabelValue => "label value".into(),
            _ => self.key.into(),
        }
    }

    /// What the message shows: labels are shown as `key=value`.
    fn shown(&self, v: &str) -> String {
        match self.place {
            Place::LabelKey => format!("{v}=web"),
            Place::LabelValue => format!("team={v}"),
            _ => v.to_owned(),
        }
    }

    fn flag(&self, v: &str) -> String {
        match self.place {
            Place::LabelKey | Place::LabelValue => format!("--label={}", self.shown(v)),
            _ => format!("--{}={v}", self.key),
        }
    }

    /// How a refusal names this field: `- --host "..."` for a flag,
    /// `: host "..."` after the file and line for a spec file.
    fn named(&self, v: &str, via: Via) -> String {
        match via {
            Via::Flags => format!("- --{} {}", self.flag_name(), quoted(&self.shown(v))),
            Via::File => format!(": {} {}", self.key, quoted(&self.shown(v))),
        }
    }

    fn flag_name(&self) -> &'static str {
        if self.key == "labels" {
            "label"
        } else {
            self.key
        }
    }

    /// The group of fields that can be given one value in one run: the same
    /// disk and the same needs.
    fn group(&self) -> Group {
        (self.disk, self.needs)
    }
}

/// A disk type and the other values it needs (flag name, value).
type Group = (&'static str, &'static [(&'static str, &'static str)]);

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Via {
    Flags,
    File,
}

// ----- running the binary --------------------------------------------------

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn kubesite(args: &[String]) -> Out {
    let bin = assert_cmd::cargo::cargo_bin("kubesite");
    let out = Command::new(bin).args(args).output().expect("runs");
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The first line of a message, shortened: failures stay readable.
fn brief(text: &str) -> String {
    let line = text.lines().next().unwrap_or("");
    let short: String = line.chars().take(200).collect();
    if short.len() < line.len() {
        format!("{short}...")
    } else {
        short
    }
}

/// Runs `f` over `jobs` on a few threads (each job starts a process).
fn par_map<J: Sync, R: Send>(jobs: &[J], f: impl Fn(&J) -> R + Sync) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..jobs.len()).map(|_| None).collect());
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 4));
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(job) = jobs.get(i) else { break };
                    let r = f(job);
                    results.lock().expect("lock")[i] = Some(r);
                }
            });
        }
    });
    results
        .into_inner()
        .expect("lock")
        .into_iter()
        .map(|r| r.expect("every job ran"))
        .collect()
}

const BASE: &[(&str, &str)] = &[
    ("name", "blog"),
    ("image", IMAGE),
    ("host", "blog.example.com"),
];
const NFS: &[(&str, &str)] = &[
    ("nfs-server", "nfs.example.com"),
    ("nfs-path", "/exports/blog"),
];

/// The required values (and the NFS export for `nfs`), minus `skip`.
fn base_values(disk: &str, skip: &[&str]) -> Vec<(&'static str, &'static str)> {
    let extra: &[(&str, &str)] = if disk == "nfs" { NFS } else { &[] };
    BASE.iter()
        .chain(extra)
        .filter(|(k, _)| !skip.contains(k))
        .copied()
        .collect()
}

/// A mapping entry `key: value` with both already YAML text. A key longer
/// than YAML's 1024-character limit for implicit keys is written explicitly.
fn entry(key: &str, value: &str, indent: &str) -> String {
    if key.chars().count() > 1000 {
        format!("{indent}? {key}\n{indent}: {value}\n")
    } else {
        format!("{indent}{key}: {value}\n")
    }
}

/// The spec file for `fields` set to `v` over the base values of `disk`.
fn spec_for(disk: &str, needs: &[(&str, &str)], fields: &[&TextField], v: &str) -> String {
    let skip: Vec<&str> = fields.iter().map(|f| f.key).collect();
    let mut text = String::from("version: 1\n");
    let mut put = |k: &str, value: &str| text.push_str(&entry(k, &yaml_quoted(value), ""));
    put("disk", disk);
    for (k, value) in base_values(disk, &skip)
        .into_iter()
        .chain(needs.iter().copied())
    {
        put(k, value);
    }
    let mut labels = String::new();
    for f in fields {
        match f.place {
            Place::LabelKey => labels.push_str(&entry(&yaml_quoted(v), "\"web\"", "  ")),
            Place::LabelValue => labels.push_str(&entry("\"team\"", &yaml_quoted(v), "  ")),
            _ => put(f.key, v),
        }
    }
    if !labels.is_empty() {
        text.push_str("labels:\n");
        text.push_str(&labels);
    }
    text
}

/// The flags for `fields` set to `v` over the base values of `disk`.
fn flags_for(disk: &str, needs: &[(&str, &str)], fields: &[&TextField], v: &str) -> Vec<String> {
    let skip: Vec<&str> = fields.iter().map(|f| f.key).collect();
    let mut args = vec!["render".to_owned(), format!("--disk={disk}")];
    for (k, value) in base_values(disk, &skip)
        .into_iter()
        .chain(needs.iter().copied())
    {
        args.push(format!("--{k}={value}"));
    }
    args.extend(fields.iter().map(|f| f.flag(v)));
    args
}

/// One run with `fields` set to `v`, by flags (stdout) or by a spec file
/// (`-o DIR` when `to_folder`, else stdout: writing syncs every file, which
/// costs more than the rest of a run). Returns the outcome, the rendered
/// stream (from stdout or from the files written) and the spec text.
fn run_with(
    disk: &str,
    needs: &[(&str, &str)],
    fields: &[&TextField],
    v: &str,
    via: Via,
    to_folder: bool,
) -> (Out, Option<String>, Option<String>) {
    match via {
        Via::Flags => {
            let out = kubesite(&flags_for(disk, needs, fields, v));
            let stream = (out.code == 0).then(|| out.stdout.clone());
            (out, stream, None)
        }
        Via::File => {
            let dir = tempfile::tempdir().expect("tempdir");
            let text = spec_for(disk, needs, fields, v);
            let file = dir.path().join("site.yaml");
            fs::write(&file, &text).expect("write spec");
            let mut args = vec!["render".into(), "-f".into(), file.display().to_string()];
            if !to_folder {
                let out = kubesite(&args);
                let stream = (out.code == 0).then(|| out.stdout.clone());
                return (out, stream, Some(text));
            }
            let outdir = dir.path().join("out");
            args.extend(["-o".into(), outdir.display().to_string()]);
            let out = kubesite(&args);
            let written = read_tree(&outdir);
            (out, written, Some(text))
        }
    }
}

/// The manifests written into `dir` as one stream, or None if the folder
/// does not exist.
fn read_tree(dir: &Path) -> Option<String> {
    let entries = fs::read_dir(dir).ok()?;
    let mut names: Vec<PathBuf> = entries.map(|e| e.expect("entry").path()).collect();
    names.sort();
    let mut stream = String::new();
    for path in names {
        if path.file_name().is_some_and(|n| n == "kustomization.yaml") {
            continue;
        }
        stream.push_str("---\n");
        stream.push_str(&fs::read_to_string(&path).expect("written file is UTF-8"));
    }
    Some(stream)
}

fn sorted_kinds(stream: &str) -> Vec<String> {
    let mut kinds: Vec<String> = documents(stream)
        .iter()
        .map(|d| kind(d).to_owned())
        .collect();
    kinds.sort();
    kinds
}

/// The values at `path` in `doc`; `*` stands for every item of a list.
fn at<'a>(doc: &'a Value, path: &[&str]) -> Vec<&'a Value> {
    let Some((first, rest)) = path.split_first() else {
        return vec![doc];
    };
    match (*first, doc) {
        ("*", Value::Sequence(items)) => items.iter().flat_map(|i| at(i, rest)).collect(),
        ("*", _) => Vec::new(),
        (seg, _) => match seg.parse::<usize>() {
            Ok(i) => at(&doc[i], rest),
            Err(_) => at(&doc[seg], rest),
        },
    }
}

/// Every string in a document, keys included.
fn strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Sequence(items) => items.iter().for_each(|i| strings(i, out)),
        Value::Mapping(map) => {
            for (k, v) in map {
                strings(k, out);
                strings(v, out);
            }
        }
        Value::Tagged(t) => strings(&t.value, out),
        _ => {}
    }
}

/// Checks an accepted value: the value emitted quoted, and read back exactly
/// where the field goes.
fn read_back(field: &TextField, v: &str, stream: &str, docs: &[Value]) -> Result<(), String> {
    let of_kind = |k: &'static str| docs.iter().filter(move |d| kind(d) == k);
    let text = match field.place {
        Place::Autoscale => None,
        Place::Gateway => Some(v.split('/').next().unwrap_or(v)),
        _ => Some(v),
    };
    if let Some(text) = text
        && !stream.contains(&yaml_quoted(text))
    {
        return Err(format!("{} not emitted as a quoted scalar", field.label()));
    }
    let found = match field.place {
        Place::At(k, path) => of_kind(k).any(|d| at(d, path).iter().any(|x| x.as_str() == Some(v))),
        Place::LabelKey => docs
            .iter()
            .all(|d| d["metadata"]["labels"][v].as_str() == Some("web")),
        Place::LabelValue => docs
            .iter()
            .all(|d| d["metadata"]["labels"]["team"].as_str() == Some(v)),
        Place::Gateway => of_kind("HTTPRoute").any(|d| {
            let parent = &d["spec"]["parentRefs"][0];
            let name = parent["name"].as_str().unwrap_or("");
            let ns = parent["namespace"].as_str().unwrap_or("");
            v == name || v == format!("{name}/{ns}")
        }),
        Place::Autoscale => of_kind("HorizontalPodAutoscaler").any(|d| {
            let bounds = (
                d["spec"]["minReplicas"].as_u64(),
                d["spec"]["maxReplicas"].as_u64(),
            );
            let want = v
                .split_once(':')
                .map(|(a, b)| (a.parse().ok(), b.parse().ok()));
            want == Some(bounds)
        }),
    };
    if found {
        Ok(())
    } else {
        Err(format!("{} does not read back unchanged", field.label()))
    }
}

/// The `kubesite.yaml` that `new` writes for an accepted spec re-renders the
/// same manifests: the value survives the round trip through that file too.
fn check_repo_round_trip(spec_text: &str) -> Result<(), String> {
    let (raw, origins) =
        parse_file(Path::new("site.yaml"), spec_text).map_err(|e| e.to_string())?;
    let valid = raw.validate(&origins).map_err(|e| e.to_string())?;
    let repo = render_repo(&valid).map_err(|e| e.to_string())?;
    let file = repo
        .iter()
        .find(|f| f.path == "kubesite.yaml")
        .ok_or("no kubesite.yaml")?;
    let (again, origins) =
        parse_file(Path::new("kubesite.yaml"), &file.content).map_err(|e| brief(&e.to_string()))?;
    let again = again
        .validate(&origins)
        .map_err(|e| brief(&e.to_string()))?;
    let first = to_stream(&render(&valid).map_err(|e| e.to_string())?);
    let second = to_stream(&render(&again).map_err(|e| e.to_string())?);
    if first == second {
        Ok(())
    } else {
        Err("kubesite.yaml from `new` re-renders differently".into())
    }
}

/// The verdict of a run that was refused: exit 1, nothing on stdout,
/// nothing written, and a message that names `fields`.
fn refused_clearly(
    out: &Out,
    written: &Option<String>,
    fields: &[&TextField],
    via: Via,
) -> Result<(), String> {
    if !out.stdout.is_empty() {
        return Err("refused but printed on stdout".into());
    }
    if written.is_some() {
        return Err("refused but wrote the output folder".into());
    }
    let names = |f: &TextField| match via {
        Via::Flags => out.stderr.contains(&format!("--{} ", f.flag_name())),
        Via::File => out.stderr.contains(&format!(": {} ", f.key)),
    };
    if !out.stderr.starts_with("error: ") || !fields.iter().any(|f| names(f)) {
        return Err(format!("unclear refusal: {}", brief(&out.stderr)));
    }
    Ok(())
}

/// One value in `fields` (of one group) at once: every field reads back, or
/// the run is refused clearly (then each field gets a run of its own).
/// Returns which fields accepted `v`.
fn accept_run(
    group: Group,
    fields: &[&TextField],
    v: &str,
    via: Via,
    baseline: &BTreeMap<Group, Vec<String>>,
) -> Result<Option<Vec<bool>>, String> {
    // Several fields: most likely accepted, so to stdout; one field alone
    // (refused by a rule tying fields together) into a folder.
    let to_folder = fields.len() == 1;
    let (out, stream, text) = run_with(group.0, group.1, fields, v, via, to_folder);
    match out.code {
        0 => {
            let stream = stream.ok_or("exit 0 but nothing rendered")?;
            // An autoscaler adds its object and may change the pod count
            // (and with it the disruption budget).
            let relaxed = fields.iter().any(|f| matches!(f.place, Place::Autoscale));
            let keep = |k: &String| {
                !relaxed || (k != "HorizontalPodAutoscaler" && k != "PodDisruptionBudget")
            };
            let want: Vec<&String> = baseline[&group].iter().filter(|k| keep(k)).collect();
            let got = sorted_kinds(&stream);
            let got: Vec<&String> = got.iter().filter(|k| keep(k)).collect();
            if got != want {
                return Err(format!("objects changed: {got:?} instead of {want:?}"));
            }
            let docs = documents(&stream);
            for f in fields {
                read_back(f, v, &stream, &docs)?;
            }
            if let Some(text) = text {
                check_repo_round_trip(&text)?;
            }
            Ok(Some(vec![true; fields.len()]))
        }
        1 if fields.len() == 1 => {
            refused_clearly(&out, &stream, fields, via)?;
            Ok(Some(vec![false]))
        }
        // Refused with several fields (a rule tying two of them together):
        // each gets a run of its own.
        1 => {
            refused_clearly(&out, &stream, fields, via)?;
            Ok(None)
        }
        code => Err(format!("exit {code}: {}", brief(&out.stderr))),
    }
}

/// Every text field set to `v` at once. Returns which fields the message
/// names as refusing it (exit 1, nothing on stdout, nothing written).
fn screen(v: &str, via: Via) -> Result<Vec<bool>, String> {
    let all: Vec<&TextField> = TEXT_FIELDS.iter().collect();
    // Every field is validated under these (nfs needs no other value, and
    // the Gateway is only read with --route gateway).
    let (out, written, _) = run_with("nfs", &[("route", "gateway")], &all, v, via, true);
    if out.code != 1 {
        // Accepted in every field at once, or a parse error: every field
        // then gets a run of its own.
        return Ok(vec![false; TEXT_FIELDS.len()]);
    }
    if !out.stdout.is_empty() || written.is_some() {
        return Err("refused but printed or wrote something".into());
    }
    Ok(TEXT_FIELDS
        .iter()
        .map(|f| out.stderr.contains(&f.named(v, via)))
        .collect())
}

/// A typed field given a corpus string by flag: clap or the validator
/// refuses it, unless it is a number the field takes, which then reads back.
fn typed_flag_verdict(key: &str, v: &str) -> Result<bool, String> {
    let disk = if key == "replicas" {
        "database"
    } else {
        "local"
    };
    let mut args = vec!["render".to_owned()];
    if key != "disk" {
        args.push(format!("--disk={disk}"));
    }
    args.extend(
        base_values(disk, &[])
            .iter()
            .map(|(k, v)| format!("--{k}={v}")),
    );
    args.push(format!("--{key}={v}"));
    let out = kubesite(&args);
    match out.code {
        0 => {
            let n: i64 = v
                .parse()
                .map_err(|_| format!("accepted a non-number: {v:?}"))?;
            let docs = documents(&out.stdout);
            let dep = docs
                .iter()
                .find(|d| kind(d) == "Deployment")
                .ok_or("no Deployment")?;
            let got = match key {
                "port" => {
                    dep["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"]
                        .as_i64()
                }
                "replicas" => dep["spec"]["replicas"].as_i64(),
                _ => return Err(format!("{key} accepted {v:?}")),
            };
            if got == Some(n) {
                Ok(true)
            } else {
                Err(format!("{v:?} read back as {got:?}"))
            }
        }
        1 | 2 if out.stdout.is_empty() && out.stderr.contains("error") => Ok(false),
        code => Err(format!("exit {code}, stdout {} bytes", out.stdout.len())),
    }
}

/// A typed spec-file key given a corpus string as a quoted scalar: never a
/// number or a boolean (YAML 1.1's `yes` stays a string), so refused with
/// the line, unless it names an enum variant. `version` is refused when the
/// file is read; the others by the validator, naming the line, the key and
/// the value, like any text field.
fn typed_key_verdict(key: &str, v: &str) -> Result<bool, String> {
    let mut text = if key == "version" {
        String::new()
    } else {
        String::from("version: 1\n")
    };
    for (k, value) in base_values("local", &[]) {
        text.push_str(&entry(k, &yaml_quoted(value), ""));
    }
    text.push_str(&entry(key, &yaml_quoted(v), ""));
    let line = text.lines().count();
    let (spec, origins) = match parse_file(Path::new("site.yaml"), &text) {
        Ok(parsed) => parsed,
        Err(e) => {
            let message = e.to_string();
            return if message.contains("line") || message.contains("version") {
                Ok(false)
            } else {
                Err(format!("unclear refusal: {}", brief(&message)))
            };
        }
    };
    let named = match key {
        "disk" => spec
            .disk
            .as_ref()
            .and_then(Given::valid)
            .map(|d| d.as_str()),
        "route" => spec
            .route
            .as_ref()
            .and_then(Given::valid)
            .map(|r| r.as_str()),
        _ => None,
    };
    match (named, spec.validate(&origins)) {
        (Some(word), Ok(_)) if word == v => Ok(true),
        (_, Ok(valid)) => Err(format!("a quoted string was read as {key}: {valid:?}")),
        (_, Err(problems)) => {
            let want = format!("site.yaml:{line}: {key} {}: ", quoted(v));
            if problems.0.len() == 1 && problems.to_string().contains(&want) {
                Ok(false)
            } else {
                Err(format!(
                    "refused without {want:?}: {}",
                    brief(&problems.to_string())
                ))
            }
        }
    }
}

/// The keys the spec file accepts, from serde's own list in the
/// unknown-field message, so a new field cannot escape the corpus.
fn spec_keys() -> Vec<String> {
    let err = parse_file(Path::new("s.yaml"), "version: 1\nno-such-key: 1\n")
        .expect_err("unknown key")
        .to_string();
    let list = err
        .split("expected one of")
        .nth(1)
        .expect("serde lists keys");
    list.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_spec_key_is_covered_by_the_corpus_test() {
    let keys = spec_keys();
    assert!(keys.len() >= 15, "{keys:?}");
    for key in &keys {
        let covered =
            TEXT_FIELDS.iter().any(|f| f.key == key) || TYPED_KEYS.contains(&key.as_str());
        assert!(
            covered,
            "spec key {key:?} is not run through the hostile corpus"
        );
    }
}

#[test]
fn hostile_corpus_through_every_field_by_flag_and_by_spec_file() {
    let start = Instant::now();
    let values = corpus();
    assert!(values.len() >= 200, "corpus shrank to {}", values.len());

    let mut baseline = BTreeMap::new();
    for f in TEXT_FIELDS {
        baseline.entry(f.group()).or_insert_with(|| {
            let out = kubesite(&flags_for(f.disk, f.needs, &[], ""));
            assert_eq!(out.code, 0, "{}", out.stderr);
            sorted_kinds(&out.stdout)
        });
    }
    let mut processes = baseline.len();

    // Phase 1: every value in every text field at once. A value with a NUL
    // cannot be a command-line argument, so it goes only through the file.
    let screens: Vec<(usize, Via)> = (0..values.len())
        .flat_map(|i| [(i, Via::Flags), (i, Via::File)])
        .filter(|&(i, via)| via == Via::File || !values[i].contains('\0'))
        .collect();
    let skipped_nul = values.iter().filter(|v| v.contains('\0')).count();
    let screened = par_map(&screens, |&(i, via)| screen(&values[i], via));
    processes += screens.len();

    let mut failures = Vec::new();
    let mut verdicts: BTreeMap<(usize, usize, Via), bool> = BTreeMap::new();
    // (value, via, group) -> the fields of that group still to be run.
    let mut open: BTreeMap<(usize, Via, usize), Vec<usize>> = BTreeMap::new();
    let groups: Vec<_> = {
        let mut g: Vec<_> = TEXT_FIELDS.iter().map(TextField::group).collect();
        g.dedup();
        g.sort();
        g.dedup();
        g
    };
    let group_of = |f: &TextField| {
        groups
            .iter()
            .position(|g| *g == f.group())
            .expect("grouped")
    };
    for (&(i, via), result) in screens.iter().zip(screened) {
        match result {
            Err(e) => failures.push(format!("{via:?} {}: {e}", quoted(&values[i]))),
            Ok(named) => {
                for (f, named) in named.into_iter().enumerate() {
                    if named {
                        verdicts.insert((i, f, via), false);
                    } else {
                        open.entry((i, via, group_of(&TEXT_FIELDS[f])))
                            .or_default()
                            .push(f);
                    }
                }
            }
        }
    }

    // Phase 2: the fields of one group that did not refuse a value, together;
    // phase 3: alone, where a rule tying fields together refused them.
    let jobs: Vec<_> = open.into_iter().collect();
    let results = par_map(&jobs, |((i, via, g), fields)| {
        let fs: Vec<&TextField> = fields.iter().map(|&f| &TEXT_FIELDS[f]).collect();
        accept_run(groups[*g], &fs, &values[*i], *via, &baseline)
    });
    processes += jobs.len();
    let mut singles = Vec::new();
    for (((i, via, g), fields), result) in jobs.iter().zip(results) {
        match result {
            Ok(Some(accepted)) => {
                for (&f, ok) in fields.iter().zip(accepted) {
                    verdicts.insert((*i, f, *via), ok);
                }
            }
            Ok(None) => singles.extend(fields.iter().map(|&f| (*i, *via, *g, f))),
            Err(e) => failures.push(format!(
                "{via:?} {:?} {}: {e}",
                fields
                    .iter()
                    .map(|&f| TEXT_FIELDS[f].label())
                    .collect::<Vec<_>>(),
                quoted(&values[*i])
            )),
        }
    }
    let results = par_map(&singles, |&(i, via, g, f)| {
        accept_run(groups[g], &[&TEXT_FIELDS[f]], &values[i], via, &baseline)
    });
    processes += singles.len();
    for (&(i, via, _, f), result) in singles.iter().zip(results) {
        match result {
            Ok(Some(ok)) => {
                verdicts.insert((i, f, via), ok[0]);
            }
            Ok(None) => unreachable!("a single field is accepted or refused"),
            Err(e) => failures.push(format!(
                "{via:?} {} {}: {e}",
                TEXT_FIELDS[f].label(),
                quoted(&values[i])
            )),
        }
    }

    // The typed fields: by flag through the binary, by spec file through
    // the same parser the binary uses.
    let typed_jobs: Vec<(usize, &str)> = (0..values.len())
        .filter(|&i| !values[i].contains('\0'))
        .flat_map(|i| TYPED_FLAGS.iter().map(move |k| (i, *k)))
        .collect();
    let typed = par_map(&typed_jobs, |&(i, key)| typed_flag_verdict(key, &values[i]));
    processes += typed_jobs.len();
    let (mut typed_ok, mut typed_refused) = (0, 0);
    for (&(i, key), result) in typed_jobs.iter().zip(typed) {
        match result {
            Ok(true) => typed_ok += 1,
            Ok(false) => typed_refused += 1,
            Err(e) => failures.push(format!("Flags {key} {}: {e}", quoted(&values[i]))),
        }
    }
    for v in &values {
        for key in TYPED_KEYS {
            match typed_key_verdict(key, v) {
                Ok(true) => typed_ok += 1,
                Ok(false) => typed_refused += 1,
                Err(e) => failures.push(format!("File {key} {}: {e}", quoted(v))),
            }
        }
    }

    let accepted = verdicts.values().filter(|ok| **ok).count();
    let rejected = verdicts.len() - accepted;
    let typed_cases = typed_ok + typed_refused;
    println!(
        "hostile corpus: {} values x {} text fields x 2 (flags, spec file) = {} cases, \
         {skipped_nul} values with NUL by spec file only: {accepted} accepted and read back, \
         {rejected} refused; typed fields: {typed_cases} cases, {typed_ok} accepted, \
         {typed_refused} refused; {processes} processes in {:.1?}",
        values.len(),
        TEXT_FIELDS.len(),
        values.len() * TEXT_FIELDS.len() * 2,
        start.elapsed(),
    );
    let mut by_field: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (&(i, f, via), ok) in &verdicts {
        if *ok && via == Via::File {
            by_field
                .entry(TEXT_FIELDS[f].label())
                .or_default()
                .push(quoted(&values[i]));
        }
    }
    for (field, examples) in &by_field {
        let shown: Vec<String> = examples.iter().map(|e| brief(e)).collect();
        println!("  accepted by {field}: {}", shown.join(" "));
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures
            .iter()
            .map(|f| brief(f))
            .collect::<Vec<_>>()
            .join("\n")
    );
    let expected = values.len() * TEXT_FIELDS.len() * 2 - skipped_nul * TEXT_FIELDS.len();
    assert_eq!(verdicts.len(), expected, "every case has a verdict");
    // The corpus must reach both verdicts, or it tests nothing.
    assert!(accepted > 300, "only {accepted} accepted");
    assert!(rejected > 5000, "only {rejected} refused");
}

// ----- hostile spec files as a whole ---------------------------------------

fn render_file(text: &[u8]) -> Out {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("site.yaml");
    fs::write(&file, text).expect("write");
    let outdir = dir.path().join("out");
    let out = kubesite(&[
        "render".into(),
        "-f".into(),
        file.display().to_string(),
        "-o".into(),
        outdir.display().to_string(),
    ]);
    if out.code != 0 {
        assert!(!outdir.exists(), "refused but wrote {}", outdir.display());
    }
    out
}

const GOOD: &str = "version: 1\nname: blog\nimage: nginx:1.27\nhost: blog.example.com\n";

#[test]
fn hostile_spec_files_are_refused_with_a_clear_message() {
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "invalid UTF-8",
            [GOOD.as_bytes(), b"labels: {team: \xff}\n"].concat(),
            "UTF-8",
        ),
        (
            "a raw NUL byte",
            format!("{GOOD}# \0\n").into_bytes(),
            "site.yaml",
        ),
        (
            "a second document",
            format!("{GOOD}---\n{GOOD}").into_bytes(),
            "site.yaml",
        ),
        (
            "a merge key",
            format!("base: &b {{name: blog}}\n<<: *b\n{GOOD}").into_bytes(),
            "site.yaml",
        ),
        (
            "a tag that makes a mapping of a string",
            format!("{GOOD}storage-class: !!map {{a: b}}\n").into_bytes(),
            "storage-class",
        ),
        (
            "a binary tag",
            format!("{GOOD}storage-class: !!binary aGk=\n").into_bytes(),
            "site.yaml",
        ),
        (
            "a quoted yes for tls",
            format!("{GOOD}tls: \"yes\"\n").into_bytes(),
            "tls",
        ),
        (
            "YAML 1.1 yes for tls",
            format!("{GOOD}tls: yes\n").into_bytes(),
            "tls",
        ),
        (
            "a float replica count",
            format!("{GOOD}replicas: 1e3\n").into_bytes(),
            "replicas",
        ),
        (
            "a number too big for the port",
            format!("{GOOD}port: 99999999999999999999999\n").into_bytes(),
            "port",
        ),
        (
            "a list as the name",
            "version: 1\nname: [a, b]\n".as_bytes().to_vec(),
            "name",
        ),
        (
            "tabs as indentation",
            format!("{GOOD}labels:\n\tteam: web\n").into_bytes(),
            "site.yaml",
        ),
        (
            "a version as a string",
            "version: \"1\"\nname: blog\n".as_bytes().to_vec(),
            "version",
        ),
        (
            "a document that is a list",
            b"- 1\n- 2\n".to_vec(),
            "site.yaml",
        ),
        // Regression: serde's unknown-key message printed the key raw, so a
        // spec file could send terminal escapes (colours, cursor moves, a
        // bidi override) to whoever ran kubesite on it.
        (
            "terminal escapes in an unknown key",
            format!("{GOOD}\"\\e[2J\\e[31mx\\u202eevil\": 1\n").into_bytes(),
            "unknown field `\\u{1b}[2J\\u{1b}[31mx\\u{202e}evil`",
        ),
        ("an empty file", Vec::new(), "site.yaml"),
        ("only a comment", b"# nothing\n".to_vec(), "site.yaml"),
        (
            "a plain scalar over two lines",
            format!("{GOOD}storage-class: fast\n  evil: true\n").into_bytes(),
            "line 6",
        ),
        // Regression: a key after a bare CR (a line break to YAML, not to
        // str::lines) was blamed on a --namespace flag nobody gave.
        (
            "a key hidden by a carriage return",
            format!("{GOOD}storage-class: \"x\"\rnamespace: kube-system\n").into_bytes(),
            "site.yaml:6: namespace",
        ),
        (
            "a key hidden by a line separator",
            format!("{GOOD}storage-class: \"x\"\u{2028}namespace: kube-system\n").into_bytes(),
            "site.yaml:6: namespace",
        ),
        // Regression: the namespace defaults to the name, which was not
        // checked as a namespace: "default" deployed into the shared one.
        (
            "a site named default",
            GOOD.replace("name: blog", "name: default").into_bytes(),
            "site.yaml:2: name \"default\": is also the namespace",
        ),
        (
            "a site named kube-system",
            GOOD.replace("name: blog", "name: kube-system").into_bytes(),
            "must not start with \"kube-\"",
        ),
    ];
    let mut failures = Vec::new();
    for (what, text, mention) in &cases {
        let out = render_file(text);
        let ok = out.code == 1
            && !out.stderr.chars().any(unsafe_on_a_terminal)
            && out.stdout.is_empty()
            && out.stderr.starts_with("error: ")
            && out.stderr.contains(mention);
        if !ok {
            failures.push(format!("{what}: exit {}, stderr: {}", out.code, out.stderr));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn harmless_spec_file_variations_are_read_as_written() {
    // A byte-order mark (regression: refused as "more than one document"),
    // CRLF line ends, comments, flow style and quoted keys change nothing.
    let variants = [
        format!("\u{FEFF}{GOOD}"),
        GOOD.replace('\n', "\r\n"),
        format!("# a comment\n{GOOD}# another\n"),
        "{version: 1, name: blog, image: \"nginx:1.27\", host: blog.example.com}\n".to_owned(),
        "\"version\": 1\n'name': blog\nimage: 'nginx:1.27'\nhost: \"blog.example.com\"\n"
            .to_owned(),
    ];
    let want = render_file(GOOD.as_bytes());
    assert_eq!(want.code, 0, "{}", want.stderr);
    for text in variants {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("site.yaml");
        fs::write(&file, &text).expect("write");
        let out = kubesite(&["render".into(), "-f".into(), file.display().to_string()]);
        assert_eq!(out.code, 0, "{text:?}: {}", out.stderr);
        let good = kubesite(&[
            "render".into(),
            "--name=blog".into(),
            "--image=nginx:1.27".into(),
            "--host=blog.example.com".into(),
        ]);
        assert_eq!(out.stdout, good.stdout, "{text:?}");
    }
}

// ----- resource bounds -----------------------------------------------------

/// Runs `render -f -` with `input` on stdin, in at most `limit`.
fn render_stdin(input: &[u8], limit: Duration) -> (Out, Duration) {
    use std::io::Write;
    use std::process::Stdio;
    let bin = assert_cmd::cargo::cargo_bin("kubesite");
    let start = Instant::now();
    let mut child = Command::new(bin)
        .args(["render", "-f", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.to_vec();
    // The binary may stop reading at the limit: a broken pipe is fine.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let deadline = start + limit;
    loop {
        if child.try_wait().expect("waits").is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("render -f - ran for more than {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let elapsed = start.elapsed();
    let _ = writer.join();
    let out = child.wait_with_output().expect("output");
    (
        Out {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        },
        elapsed,
    )
}

#[test]
fn a_spec_file_over_the_limit_is_refused_with_the_limit_named() {
    let limit = kubesite::spec::MAX_SPEC_BYTES as usize;
    // A valid file padded with a comment to one byte over the limit.
    let mut text = GOOD.to_owned();
    text.push('#');
    text.push_str(&"x".repeat(limit + 1 - text.len() - 1));
    text.push('\n');
    assert_eq!(text.len(), limit + 1);
    let out = render_file(text.as_bytes());
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!("the limit is {limit} bytes")),
        "{}",
        out.stderr
    );
    assert!(out.stdout.is_empty());
    // The same through stdin, where the size is not known in advance.
    let (out, _) = render_stdin(text.as_bytes(), Duration::from_secs(20));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("the limit is"), "{}", out.stderr);
    // And exactly at the limit it is read.
    text.truncate(limit - 1);
    text.push('\n');
    let out = render_file(text.as_bytes());
    assert_eq!(out.code, 0, "{}", out.stderr);
}

/// "Billion laughs": nine levels of nine aliases, 9^9 strings if expanded.
fn alias_bomb() -> String {
    let mut text = String::from("version: 1\nname: blog\nimage: nginx:1.27\nhost: b.example.com\n");
    text.push_str("storage-class: &a0 \"lol\"\n");
    text.push_str("labels:\n");
    for i in 1..=9 {
        let refs = vec![format!("*a{}", i - 1); 9].join(", ");
        text.push_str(&format!("  l{i}: &a{i} [{refs}]\n"));
    }
    text
}

#[test]
fn a_yaml_alias_bomb_is_refused_quickly() {
    let bomb = alias_bomb();
    assert!(bomb.len() < 1024, "a small bomb: {} bytes", bomb.len());
    let (out, elapsed) = render_stdin(bomb.as_bytes(), Duration::from_secs(10));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr.starts_with("error: spec file -"),
        "{}",
        out.stderr
    );
    assert!(
        elapsed < Duration::from_millis(500),
        "took {elapsed:?} to refuse an alias bomb"
    );
    // In process, without the cost of starting a process.
    let start = Instant::now();
    assert!(parse_file(Path::new("bomb.yaml"), &bomb).is_err());
    assert!(
        start.elapsed() < Duration::from_millis(100),
        "{:?}",
        start.elapsed()
    );
}

/// Regression: the reader bounds how often aliases are followed, not what
/// each one copies. A 500 KB string aliased into 40,000 labels (a 1 MB
/// file) asked for 20 GB; now the expanded size is counted first.
#[test]
fn an_alias_bomb_made_of_one_big_string_is_refused_quickly() {
    let mut text = format!(
        "version: 1\nname: blog\nimage: nginx:1.27\nhost: b.example.com\n\
         storage-class: &big \"{}\"\nlabels:\n",
        "a".repeat(500_000)
    );
    let mut i = 0;
    while text.len() < kubesite::spec::MAX_SPEC_BYTES as usize - 20 {
        text.push_str(&format!("  k{i}: *big\n"));
        i += 1;
    }
    let (out, elapsed) = render_stdin(text.as_bytes(), Duration::from_secs(20));
    assert_eq!(out.code, 1, "{}", brief(&out.stderr));
    assert!(
        out.stderr.contains("once its aliases (*name) are followed"),
        "{}",
        brief(&out.stderr)
    );
    assert!(elapsed < Duration::from_secs(3), "took {elapsed:?}");
    // A few aliases of small values are still fine.
    let small = "version: 1\nname: &n blog\nimage: nginx:1.27\nhost: b.example.com\n\
                 labels:\n  app: *n\n  part: *n\n";
    let (spec, _) = parse_file(Path::new("s.yaml"), small).expect("small aliases parse");
    assert_eq!(spec.labels["part"], "blog");
}

#[test]
fn deep_nesting_is_refused_without_overflowing_the_stack() {
    for (what, text) in [
        (
            "a 10,000-deep list",
            format!(
                "version: 1\nname: {}{}\n",
                "[".repeat(10_000),
                "]".repeat(10_000)
            ),
        ),
        (
            "a 10,000-deep mapping",
            format!(
                "version: 1\nlabels: {}{}\n",
                "{a: ".repeat(10_000),
                "}".repeat(10_000)
            ),
        ),
        (
            "a 10,000-deep block list",
            format!("version: 1\nname:\n{}x\n", "- ".repeat(10_000)),
        ),
        // Regression: libyaml's time grows with flow depth times length;
        // 100,000 levels in 200 KB ran for minutes before the depth check.
        (
            "a 100,000-deep list",
            format!(
                "version: 1\nname: {}{}\n",
                "[".repeat(100_000),
                "]".repeat(100_000)
            ),
        ),
        (
            "deep nesting over many lines",
            format!("version: 1\nname:\n{}", "  [\n".repeat(100_000)),
        ),
    ] {
        assert!(
            text.len() <= kubesite::spec::MAX_SPEC_BYTES as usize,
            "{what}"
        );
        let start = Instant::now();
        let (out, _) = render_stdin(text.as_bytes(), Duration::from_secs(20));
        assert_eq!(out.code, 1, "{what}: {}", out.stderr);
        assert!(out.stdout.is_empty(), "{what}");
        assert!(
            out.stderr.starts_with("error: spec file -"),
            "{what}: {}",
            out.stderr
        );
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{what}: {:?}",
            start.elapsed()
        );
    }
    // In process, the check itself: linear, and exact for unquoted text.
    use kubesite::spec::{MAX_FLOW_DEPTH, flow_too_deep};
    let at_limit = format!(
        "{}{}",
        "[".repeat(MAX_FLOW_DEPTH),
        "]".repeat(MAX_FLOW_DEPTH)
    );
    assert_eq!(flow_too_deep(&at_limit, MAX_FLOW_DEPTH), None);
    let over = format!("a:\n  b: {}", "{".repeat(MAX_FLOW_DEPTH + 1));
    assert_eq!(
        flow_too_deep(&over, MAX_FLOW_DEPTH),
        Some((2, MAX_FLOW_DEPTH + 6))
    );
    let commented = format!("# {}\na: 1\n", "[".repeat(1000));
    assert_eq!(flow_too_deep(&commented, MAX_FLOW_DEPTH), None);
    let start = Instant::now();
    let big = "[]".repeat(500_000);
    assert_eq!(flow_too_deep(&big, MAX_FLOW_DEPTH), None);
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "{:?}",
        start.elapsed()
    );
}

// ----- property tests ------------------------------------------------------

/// Characters a message must never print raw: they move the cursor, end
/// the line, or reorder what the reader sees.
fn unsafe_on_a_terminal(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

/// What a valid spec renders, per disk and route: the kinds expected.
fn expected_kinds(v: &kubesite::spec::ValidSpec) -> Vec<&'static str> {
    use kubesite::spec::{Disk, Route};
    let mut kinds = vec!["Namespace", "ServiceAccount", "Deployment", "Service"];
    kinds.extend(["NetworkPolicy"; 3]);
    kinds.push(match v.route {
        Route::Ingress => "Ingress",
        Route::Gateway => "HTTPRoute",
    });
    if v.autoscale.is_some() {
        kinds.push("HorizontalPodAutoscaler");
    }
    if v.disruption_budget {
        kinds.push("PodDisruptionBudget");
    }
    match v.disk {
        Disk::Local => kinds.push("PersistentVolumeClaim"),
        Disk::Nfs => kinds.extend(["PersistentVolume", "PersistentVolumeClaim"]),
        Disk::Database => kinds.extend([
            "ServiceAccount",
            "PersistentVolumeClaim",
            "Deployment",
            "Service",
            "NetworkPolicy",
        ]),
    }
    kinds.sort_unstable();
    kinds
}

/// Any string, strings near the grammars, and the corpus's troublemakers.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-z][a-z0-9-]{0,20}[a-z0-9]",
        2 => "[a-z0-9][a-z0-9.-]{0,30}",
        2 => "/[ -~]{0,30}",
        1 => "[0-9.]{1,4}(Ki|Mi|Gi|m|k|e3|)",
        1 => prop::sample::select(vec![
            "yes", "no", "on", "off", "null", "~", "012", "0x1f", "1e3", "true", ".inf",
        ]).prop_map(str::to_owned),
        1 => any::<String>(),
        1 => "\\PC{0,20}",
    ]
}

fn maybe(s: impl Strategy<Value = String>) -> impl Strategy<Value = Option<String>> {
    prop::option::weighted(0.5, s)
}

/// A typed value, now and then given as text that is not one (`--port abc`,
/// `disk: tape`): the validator must refuse it like any other bad value.
fn given<T: std::fmt::Debug + Clone + 'static>(
    valid: impl Strategy<Value = T> + 'static,
) -> impl Strategy<Value = Option<kubesite::spec::Given<T>>> {
    use kubesite::spec::Given;
    prop::option::of(prop_oneof![
        7 => valid.prop_map(Given::Valid),
        1 => text().prop_map(Given::Invalid),
    ])
}

/// A raw spec with every field possibly set, most values near valid.
fn site_spec() -> impl Strategy<Value = SiteSpec> {
    use kubesite::spec::{Disk, Route};
    let names = (
        "[a-z][a-z0-9-]{0,10}[a-z0-9]",
        maybe(text()),
        prop_oneof![
            "[a-z0-9]{1,10}(\\.[a-z]{2,5}){0,2}(:[0-9a-z.-]{1,8})?",
            text()
        ],
        prop_oneof!["[a-z]{1,8}(\\.[a-z]{2,5}){1,2}", text()],
        given(prop::sample::select(vec![
            Disk::Local,
            Disk::Nfs,
            Disk::Database,
        ])),
        given(prop_oneof![1i64..=65535, any::<i64>()]),
        given(prop_oneof![1i64..=5, any::<i64>()]),
    );
    let storage = (
        maybe(text()),
        maybe(text()),
        maybe(text()),
        maybe(text()),
        maybe(text()),
        maybe(text()),
        maybe(text()),
    );
    let rest = (
        given(any::<bool>()),
        maybe(text()),
        prop::collection::btree_map(text(), text(), 0..3),
        given(prop::sample::select(vec![Route::Ingress, Route::Gateway])),
        maybe(prop_oneof!["[a-z]{1,8}(/[a-z]{1,8})?", text()]),
        maybe(prop_oneof!["[1-4]:[1-9]", text()]),
    );
    (names, storage, rest).prop_map(
        |(
            (name, namespace, image, host, disk, port, replicas),
            (
                storage_size,
                storage_class,
                nfs_server,
                nfs_path,
                mount_path,
                ingress_class,
                ingress_namespace,
            ),
            (tls, cluster_issuer, labels, route, gateway, autoscale),
        )| {
            let mut s = SiteSpec {
                version: Some(1),
                name: Some(name),
                namespace,
                image: Some(image),
                host: Some(host),
                disk,
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
                labels,
                ..SiteSpec::default()
            };
            if s.disk == Some(Disk::Nfs.into()) {
                s.nfs_server.get_or_insert_with(|| "nfs.example.com".into());
                s.nfs_path.get_or_insert_with(|| "/exports/blog".into());
            }
            s
        },
    )
}

/// Every user-given text value of a valid spec that the manifests carry.
fn user_values(v: &kubesite::spec::ValidSpec) -> Vec<(&'static str, String)> {
    use kubesite::spec::{Disk, Route};
    let mut out = vec![
        ("name", v.name.clone()),
        ("namespace", v.namespace.clone()),
        ("image", v.image.clone()),
        ("host", v.host.clone()),
        ("storage-size", v.storage_size.clone()),
    ];
    if v.disk != Disk::Database {
        out.push(("mount-path", v.mount_path.clone()));
    }
    if let Some(class) = &v.storage_class {
        out.push(("storage-class", class.clone()));
    }
    // Given for another disk type, the NFS export is ignored with a warning.
    if v.disk == Disk::Nfs {
        for (key, value) in [("nfs-server", &v.nfs_server), ("nfs-path", &v.nfs_path)] {
            if let Some(value) = value {
                out.push((key, value.clone()));
            }
        }
    }
    match (v.route, &v.gateway) {
        (Route::Gateway, Some(gateway)) => {
            out.push(("gateway", gateway.name.clone()));
            out.push(("gateway", gateway.namespace.clone()));
        }
        _ => {
            out.push(("ingress-namespace", v.ingress_namespace.clone()));
            if let Some(class) = &v.ingress_class {
                out.push(("ingress-class", class.clone()));
            }
            if v.tls {
                out.push(("cluster-issuer", v.cluster_issuer.clone()));
            }
        }
    }
    out
}

proptest! {
    // 512 cases each: a spec validates and renders in about a millisecond.
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Whatever validates renders YAML that parses, with exactly the kinds
    /// the disk type calls for, and every user value read back unchanged.
    #[test]
    fn any_valid_spec_renders_yaml_that_reads_back(s in site_spec()) {
        // Validation never panics, valid or not.
        let Ok(v) = s.validate(&Origins::default()) else { return Ok(()) };
        let stream = to_stream(&render(&v).expect("a valid spec renders"));
        let docs = documents(&stream);
        let mut kinds: Vec<&str> = docs.iter().map(kind).collect();
        kinds.sort_unstable();
        prop_assert_eq!(kinds, expected_kinds(&v));
        let mut all = Vec::new();
        for d in &docs {
            strings(d, &mut all);
            prop_assert_eq!(d["metadata"]["namespace"].as_str().or(Some(v.namespace.as_str())),
                Some(v.namespace.as_str()));
            for (k, value) in &v.labels {
                prop_assert_eq!(d["metadata"]["labels"][k.as_str()].as_str(), Some(value.as_str()));
            }
        }
        for (field, value) in user_values(&v) {
            prop_assert!(all.contains(&value), "{} {:?} does not read back", field, value);
        }
        prop_assert_eq!(docs[0]["metadata"]["name"].as_str(), Some(v.namespace.as_str()));
        let dep = docs.iter().find(|d| kind(d) == "Deployment").expect("deployment");
        // With an autoscaler the HPA owns the count: the Deployment sets none.
        let replicas = v.autoscale.is_none().then_some(u64::from(v.replicas));
        prop_assert_eq!(dep["spec"]["replicas"].as_u64(), replicas);
        prop_assert_eq!(
            dep["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"].as_u64(),
            Some(u64::from(v.port))
        );
    }

    /// The same string in every field: validation never panics, and its
    /// message shows each value escaped, so it is safe on a terminal: no
    /// raw control, line-separator or bidi character.
    #[test]
    fn refusals_never_print_a_raw_control_character(v in prop_oneof![any::<String>(), text()]) {
        let mut s = SiteSpec {
            version: Some(1),
            disk: Some(kubesite::spec::Disk::Nfs.into()),
            route: Some(kubesite::spec::Route::Gateway.into()),
            ..SiteSpec::default()
        };
        for field in [
            &mut s.name, &mut s.namespace, &mut s.image, &mut s.host, &mut s.storage_size,
            &mut s.storage_class, &mut s.nfs_server, &mut s.nfs_path, &mut s.mount_path,
            &mut s.ingress_class, &mut s.ingress_namespace, &mut s.gateway, &mut s.autoscale,
            &mut s.cluster_issuer, &mut s.redis_image,
        ] {
            *field = Some(v.clone());
        }
        s.labels.insert(v.clone(), v.clone());
        if let Err(problems) = s.validate(&Origins::default()) {
            let text = problems.to_string();
            prop_assert!(!text.chars().any(unsafe_on_a_terminal), "{:?}", text);
        }
        // The same through a spec file: parse errors quote the value (a
        // wrong type) or the key (an unknown one) too.
        for file in [
            format!("version: 1\nport: {}\n", yaml_quoted(&v)),
            format!("version: 1\n{}: 1\n", yaml_quoted(&v)),
            format!("version: 1\nlabels: {{{}: [1]}}\n", yaml_quoted(&v)),
        ] {
            if let Err(e) = parse_file(Path::new("s.yaml"), &file) {
                let text = e.to_string();
                prop_assert!(!text.chars().any(unsafe_on_a_terminal), "{:?}", text);
            }
        }
    }

    /// The spec-file parser never panics, and whatever it accepts validates
    /// without panicking, on arbitrary text and on mangled spec files.
    #[test]
    fn the_spec_file_parser_never_panics(
        text in prop_oneof![
            any::<String>(),
            "(version: 1\n)?([a-z-]{1,14}: [-a-z0-9 :\\[\\]{}&*!|>'\"#,.\n]{0,20}\n){0,6}",
        ],
    ) {
        if let Ok((spec, origins)) = parse_file(Path::new("s.yaml"), &text) {
            let _ = spec.validate(&origins);
        }
    }
}
