//! Printing a [`Report`]: text for people, JSON for scripts (schema in
//! docs/check.md), SARIF 2.1.0 for code-scanning tools.

use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;
use serde_json::{Value, json};

use super::{Finding, Report, Rule, Severity};
use crate::escape::quoted;

/// The output formats of `kubesite check --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Grouped by file, coloured on a terminal
    Text,
    /// A stable schema for scripts (docs/check.md)
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers
    Sarif,
}

/// The version of the JSON output's schema; it changes only when a field
/// is removed or changes meaning.
pub const JSON_SCHEMA_VERSION: u32 = 1;

const TOOL: &str = "kubesite";
const VERSION: &str = env!("CARGO_PKG_VERSION");

// ---------------------------------------------------------------------------
// Text.

const RESET: &str = "\x1b[0m";
const BOLD: &str = "\x1b[1m";
const DIM: &str = "\x1b[2m";
const GREEN: &str = "\x1b[32m";

fn severity_colour(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "\x1b[1;31m",
        Severity::High => "\x1b[31m",
        Severity::Medium => "\x1b[33m",
        Severity::Low => "\x1b[36m",
    }
}

fn paint(out: &mut String, colour: bool, code: &str, text: &str) {
    if colour {
        out.push_str(code);
        out.push_str(text);
        out.push_str(RESET);
    } else {
        out.push_str(text);
    }
}

/// A file name as given, unless it holds characters that could fool a
/// terminal; then quoted and escaped.
fn shown_path(path: &str) -> String {
    if path.chars().any(|c| c.is_control()) || path.contains(['\u{202E}', '\u{200B}']) {
        quoted(path)
    } else {
        path.to_owned()
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn object_heading(f: &Finding) -> String {
    let mut s = format!(
        "{} {}",
        f.object.kind,
        quoted(f.object.name.as_deref().unwrap_or(""))
    );
    if let Some(ns) = &f.object.namespace {
        let _ = write!(s, " in namespace {}", quoted(ns));
    }
    s
}

fn where_in_file(f: &Finding) -> String {
    let l = &f.location;
    match l.item {
        Some(i) => format!("line {}, document {}, item {i}", l.line, l.document),
        None => format!("line {}, document {}", l.line, l.document),
    }
}

/// The text report: findings grouped by file and object, each with its fix,
/// then a summary line.
pub fn text(report: &Report, colour: bool) -> String {
    let mut out = String::new();
    let mut file: Option<&str> = None;
    let mut object: Option<(usize, usize, Option<usize>)> = None;
    for f in &report.findings {
        if file != Some(f.location.file.as_str()) {
            if file.is_some() {
                out.push('\n');
            }
            file = Some(&f.location.file);
            object = None;
            paint(&mut out, colour, BOLD, &shown_path(&f.location.file));
            out.push('\n');
        }
        let key = (f.location.line, f.location.document, f.location.item);
        if object != Some(key) {
            object = Some(key);
            out.push_str("  ");
            out.push_str(&object_heading(f));
            out.push_str("  ");
            paint(&mut out, colour, DIM, &format!("({})", where_in_file(f)));
            out.push('\n');
        }
        let sev = f.severity();
        out.push_str("    ");
        paint(
            &mut out,
            colour,
            severity_colour(sev),
            &format!("{:<8}", sev.as_str()),
        );
        out.push(' ');
        paint(&mut out, colour, BOLD, f.rule.id());
        out.push(' ');
        paint(
            &mut out,
            colour,
            DIM,
            &format!("(line {})", f.location.field_line),
        );
        out.push_str(": ");
        out.push_str(&f.message);
        out.push('\n');
        out.push_str("             fix: ");
        out.push_str(&f.fix.summary);
        out.push('\n');
        let mut yaml = String::new();
        for line in f.fix.yaml.lines() {
            yaml.push_str("               ");
            yaml.push_str(line);
            yaml.push('\n');
        }
        if colour {
            yaml = yaml
                .lines()
                .map(|l| format!("{GREEN}{l}{RESET}\n"))
                .collect();
        }
        out.push_str(&yaml);
    }
    if !report.findings.is_empty() {
        out.push('\n');
    }
    out.push_str(&summary(report));
    out.push('\n');
    out
}

fn summary(report: &Report) -> String {
    let scope = format!(
        "{} ({})",
        plural(report.files, "file"),
        plural(report.objects, "object")
    );
    let mut s = if report.findings.is_empty() {
        format!(
            "no findings at or above severity {} in {scope}",
            report.min_severity.as_str()
        )
    } else {
        let counts: Vec<String> = Severity::ALL
            .iter()
            .map(|&sev| {
                let n = report
                    .findings
                    .iter()
                    .filter(|f| f.severity() == sev)
                    .count();
                (n, sev)
            })
            .filter(|(n, _)| *n > 0)
            .map(|(n, sev)| format!("{n} {}", sev.as_str()))
            .collect();
        format!(
            "{} in {scope}: {}",
            plural(report.findings.len(), "finding"),
            counts.join(", ")
        )
    };
    if !report.suppressed.is_empty() {
        let _ = write!(
            s,
            "; {} silenced by kubesite.io/ignore",
            report.suppressed.len()
        );
    }
    if report.below_threshold > 0 {
        let _ = write!(
            s,
            "; {} below --min-severity {}",
            report.below_threshold,
            report.min_severity.as_str()
        );
    }
    s
}

// ---------------------------------------------------------------------------
// JSON.

// Borrowed views of a finding, serialized field by field: a report with
// tens of thousands of findings is written without copying it into a JSON
// tree first.

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonReport<'a> {
    schema_version: u32,
    tool: Tool,
    min_severity: &'static str,
    summary: Summary,
    findings: Vec<JsonFinding<'a>>,
    suppressed: Vec<JsonFinding<'a>>,
    warnings: &'a [String],
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Summary {
    files: usize,
    objects: usize,
    findings: usize,
    suppressed: usize,
    below_threshold: usize,
    by_severity: BySeverity,
}

#[derive(Serialize)]
struct BySeverity {
    critical: usize,
    high: usize,
    medium: usize,
    low: usize,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'static str,
    severity: &'static str,
    title: &'static str,
    message: &'a str,
    fix: JsonFix<'a>,
    location: JsonLocation<'a>,
    object: JsonObject<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppression: Option<JsonSuppression<'a>>,
}

#[derive(Serialize)]
struct JsonFix<'a> {
    summary: &'a str,
    yaml: &'a str,
}

#[derive(Serialize)]
struct JsonLocation<'a> {
    file: &'a str,
    line: usize,
    #[serde(rename = "fieldLine")]
    field_line: usize,
    document: usize,
    item: Option<usize>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonObject<'a> {
    api_version: &'a str,
    kind: &'a str,
    namespace: Option<&'a str>,
    name: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonSuppression<'a> {
    reason: Option<&'a str>,
}

impl<'a> From<&'a Finding> for JsonFinding<'a> {
    fn from(f: &'a Finding) -> Self {
        JsonFinding {
            rule: f.rule.id(),
            severity: f.severity().as_str(),
            title: f.rule.title(),
            message: &f.message,
            fix: JsonFix {
                summary: &f.fix.summary,
                yaml: &f.fix.yaml,
            },
            location: JsonLocation {
                file: &f.location.file,
                line: f.location.line,
                field_line: f.location.field_line,
                document: f.location.document,
                item: f.location.item,
            },
            object: JsonObject {
                api_version: &f.object.api_version,
                kind: &f.object.kind,
                namespace: f.object.namespace.as_deref(),
                name: f.object.name.as_deref(),
            },
            suppression: f.suppression.as_ref().map(|s| JsonSuppression {
                reason: s.reason.as_deref(),
            }),
        }
    }
}

fn count(report: &Report, severity: Severity) -> usize {
    report
        .findings
        .iter()
        .filter(|f| f.severity() == severity)
        .count()
}

fn pretty<T: Serialize>(value: &T) -> String {
    let mut out = Vec::with_capacity(4096);
    serde_json::to_writer_pretty(&mut out, value).expect("serializing to memory cannot fail");
    out.push(b'\n');
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// The JSON report (schema version [`JSON_SCHEMA_VERSION`], described in
/// docs/check.md).
pub fn json(report: &Report) -> String {
    pretty(&JsonReport {
        schema_version: JSON_SCHEMA_VERSION,
        tool: Tool {
            name: TOOL,
            version: VERSION,
        },
        min_severity: report.min_severity.as_str(),
        summary: Summary {
            files: report.files,
            objects: report.objects,
            findings: report.findings.len(),
            suppressed: report.suppressed.len(),
            below_threshold: report.below_threshold,
            by_severity: BySeverity {
                critical: count(report, Severity::Critical),
                high: count(report, Severity::High),
                medium: count(report, Severity::Medium),
                low: count(report, Severity::Low),
            },
        },
        findings: report.findings.iter().map(JsonFinding::from).collect(),
        suppressed: report.suppressed.iter().map(JsonFinding::from).collect(),
        warnings: &report.warnings,
    })
}

// ---------------------------------------------------------------------------
// SARIF.

/// GitHub code scanning maps `security-severity` to its own levels:
/// 9.0 and up critical, 7.0 high, 4.0 medium, below that low.
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
    }
}

fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
    }
}

/// `UpperCamelCase` of a rule id, for SARIF's `name`.
fn camel(id: &str) -> String {
    id.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// Percent-encodes a path for a URI, keeping `/` and the characters RFC
/// 3986 allows unescaped in a path segment.
fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        let keep = b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/".contains(&b);
        if keep {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The artifact URI of a file: relative to `base` (the working folder,
/// which code scanning takes as the repository root) when it is inside it,
/// `file://` when absolute elsewhere.
fn artifact_uri(file: &str, base: Option<&Path>) -> String {
    if file == super::load::STDIN_NAME {
        return "stdin".to_owned();
    }
    let path = Path::new(file);
    let relative = match base {
        Some(b) if path.is_absolute() => path.strip_prefix(b).ok(),
        _ if path.is_absolute() => None,
        _ => Some(path),
    };
    match relative {
        Some(r) => {
            let text = r.to_string_lossy().replace('\\', "/");
            encode_path(text.strip_prefix("./").unwrap_or(&text))
        }
        None => format!(
            "file://{}",
            encode_path(&path.to_string_lossy().replace('\\', "/"))
        ),
    }
}

fn rule_json(rule: Rule) -> Value {
    let sev = rule.severity();
    json!({
        "id": rule.id(),
        "name": camel(rule.id()),
        "shortDescription": { "text": rule.title() },
        "fullDescription": { "text": rule.help() },
        "help": {
            "text": format!("{} Each finding carries the YAML that fixes it.", rule.help()),
        },
        "defaultConfiguration": { "level": sarif_level(sev) },
        "properties": {
            "security-severity": security_severity(sev),
            "problem.severity": sarif_level(sev),
            "severity": sev.as_str(),
            "tags": ["security", "kubernetes"],
        },
    })
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: [SarifLocation<'a>; 1],
    partial_fingerprints: Fingerprints,
    properties: ResultProperties<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressions: Option<[SarifSuppression<'a>; 1]>,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifLocation<'a> {
    physical_location: PhysicalLocation,
    logical_locations: [LogicalLocation<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation<'a> {
    name: &'a str,
    fully_qualified_name: String,
    kind: &'static str,
}

#[derive(Serialize)]
struct Fingerprints {
    #[serde(rename = "kubesiteObject/v1")]
    object: String,
}

#[derive(Serialize)]
struct ResultProperties<'a> {
    severity: &'static str,
    document: usize,
    item: Option<usize>,
    fix: &'a str,
}

#[derive(Serialize)]
struct SarifSuppression<'a> {
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    justification: Option<&'a str>,
}

fn result_json<'a>(f: &'a Finding, base: Option<&Path>) -> SarifResult<'a> {
    let rule_index = Rule::ALL
        .iter()
        .position(|&r| r == f.rule)
        .expect("every rule is in Rule::ALL");
    let object = &f.object;
    let qualified = format!(
        "{}/{}/{}",
        object.namespace.as_deref().unwrap_or(""),
        object.kind,
        object.name.as_deref().unwrap_or("")
    );
    SarifResult {
        rule_id: f.rule.id(),
        rule_index,
        level: sarif_level(f.severity()),
        message: Text {
            text: format!(
                "{}: {}\nFix: {}\n{}",
                object.kind, f.message, f.fix.summary, f.fix.yaml
            ),
        },
        locations: [SarifLocation {
            physical_location: PhysicalLocation {
                artifact_location: ArtifactLocation {
                    uri: artifact_uri(&f.location.file, base),
                },
                region: Region {
                    start_line: f.location.field_line,
                },
            },
            logical_locations: [LogicalLocation {
                name: object.name.as_deref().unwrap_or(""),
                fully_qualified_name: qualified.clone(),
                kind: "object",
            }],
        }],
        partial_fingerprints: Fingerprints {
            object: format!("{}:{qualified}", f.rule.id()),
        },
        properties: ResultProperties {
            severity: f.severity().as_str(),
            document: f.location.document,
            item: f.location.item,
            fix: &f.fix.yaml,
        },
        suppressions: f.suppression.as_ref().map(|s| {
            [SarifSuppression {
                kind: "inSource",
                justification: s.reason.as_deref(),
            }]
        }),
    }
}

/// The SARIF 2.1.0 log: one run, every rule in `tool.driver.rules`, the
/// findings and the silenced findings (with `suppressions`) as results.
/// Relative file names are kept; absolute ones inside `base` are made
/// relative to it.
pub fn sarif(report: &Report, base: Option<&Path>) -> String {
    #[derive(Serialize)]
    struct Log<'a> {
        #[serde(rename = "$schema")]
        schema: &'static str,
        version: &'static str,
        runs: [Run<'a>; 1],
    }
    #[derive(Serialize)]
    struct Run<'a> {
        tool: Value,
        results: Vec<SarifResult<'a>>,
    }
    pretty(&Log {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: [Run {
            tool: json!({
                "driver": {
                    "name": TOOL,
                    "version": VERSION,
                    "semanticVersion": VERSION,
                    "rules": Rule::ALL.map(rule_json).to_vec(),
                },
            }),
            results: report
                .findings
                .iter()
                .chain(&report.suppressed)
                .map(|f| result_json(f, base))
                .collect(),
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_relative_and_encoded() {
        assert_eq!(artifact_uri("k8s/my app.yaml", None), "k8s/my%20app.yaml");
        assert_eq!(artifact_uri("./k8s/a.yaml", None), "k8s/a.yaml");
        assert_eq!(
            artifact_uri("/repo/k8s/a.yaml", Some(Path::new("/repo"))),
            "k8s/a.yaml"
        );
        assert_eq!(
            artifact_uri("/elsewhere/a#b.yaml", Some(Path::new("/repo"))),
            "file:///elsewhere/a%23b.yaml"
        );
        assert_eq!(artifact_uri("<stdin>", None), "stdin");
    }

    #[test]
    fn rule_names_are_camel_case() {
        assert_eq!(camel("token-exposure"), "TokenExposure");
        assert_eq!(camel("missing-run-as-non-root"), "MissingRunAsNonRoot");
    }

    #[test]
    fn control_characters_in_paths_are_escaped() {
        assert_eq!(shown_path("k8s/a.yaml"), "k8s/a.yaml");
        assert_eq!(shown_path("a\x1b[31m.yaml"), "\"a\\u{1b}[31m.yaml\"");
    }
}
