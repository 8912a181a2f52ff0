//! `kubesite check`: audits existing manifests for the service-account token
//! exposure and its friends (see docs/check.md).
//!
//! The flow: [`load::read_paths`] reads files, folders and stdin into
//! [`Source`]s; [`check_documents`] parses them into objects that remember
//! where they start, runs the [`rules`], applies `--ignore`, the
//! `kubesite.io/ignore` annotation and `--min-severity`, and returns a
//! [`Report`]; [`report`] prints it as text, JSON or SARIF.

pub mod load;
pub mod locate;
pub mod report;
pub mod rules;

use std::io::{IsTerminal, Write};

pub use load::{InputError, InputErrors, MAX_FILE_BYTES, MAX_NODES, Node, Object, Source};
pub use report::Format;
pub use rules::{Fix, Rule, Severity};

use crate::cli::CheckArgs;
use crate::escape::quoted;

/// The annotation that silences rules on one object: `rule-id[,rule-id]`.
pub const IGNORE_ANNOTATION: &str = "kubesite.io/ignore";
/// The annotation that says why (shown in JSON and SARIF).
pub const REASON_ANNOTATION: &str = "kubesite.io/ignore-reason";

/// What to report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Findings below this are counted but not reported.
    pub min_severity: Severity,
    /// Rules not run at all.
    pub ignore: Vec<Rule>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            min_severity: Severity::Low,
            ignore: Vec::new(),
        }
    }
}

/// Where a finding's object starts, and the line of the field it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: String,
    /// Where the object starts, counted from 1.
    pub line: usize,
    /// The line of the field the finding is about (for a missing field, the
    /// nearest enclosing one); the object's line when it cannot be found,
    /// e.g. in JSON or flow-style YAML.
    pub field_line: usize,
    /// The YAML document, counted from 1.
    pub document: usize,
    /// The position in a `kind: List`, counted from 1.
    pub item: Option<usize>,
}

/// Which object a finding is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectRef {
    pub api_version: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: Option<String>,
}

/// A finding silenced by the `kubesite.io/ignore` annotation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    /// The `kubesite.io/ignore-reason` annotation, if given.
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: Rule,
    pub message: String,
    pub fix: Fix,
    pub location: Location,
    pub object: ObjectRef,
    pub suppression: Option<Suppression>,
}

impl Finding {
    pub fn severity(&self) -> Severity {
        self.rule.severity()
    }
}

/// The outcome of a check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// At or above the threshold and not silenced: these fail the check.
    pub findings: Vec<Finding>,
    /// At or above the threshold, silenced by the annotation.
    pub suppressed: Vec<Finding>,
    /// How many findings fell below `--min-severity`.
    pub below_threshold: usize,
    pub min_severity: Severity,
    pub files: usize,
    pub objects: usize,
    /// Problems with ignore annotations (unknown rule ids, no reason).
    pub warnings: Vec<String>,
}

/// Parses and checks `sources`. The entry point for benchmarks:
/// `check_documents(&[Source::new("a.yaml", text)], &Options::default())`.
pub fn check_documents(sources: &[Source], options: &Options) -> Result<Report, InputErrors> {
    let objects = load::parse_sources(sources)?;
    if objects.is_empty() {
        return Err(InputErrors(vec![InputError::NoObjects]));
    }
    Ok(check_objects(sources, &objects, options))
}

/// Checks objects already parsed from `sources`.
pub fn check_objects(sources: &[Source], objects: &[Object], options: &Options) -> Report {
    let mut report = Report {
        findings: Vec::new(),
        suppressed: Vec::new(),
        below_threshold: 0,
        min_severity: options.min_severity,
        files: sources.len(),
        objects: objects.len(),
        warnings: Vec::new(),
    };
    let silenced: Vec<Vec<Rule>> = objects
        .iter()
        .map(|o| annotated_ignores(o, &sources[o.source].name, &mut report.warnings))
        .collect();
    for raw in rules::evaluate(objects) {
        if options.ignore.contains(&raw.rule) {
            continue;
        }
        if raw.rule.severity() < options.min_severity {
            report.below_threshold += 1;
            continue;
        }
        let o = &objects[raw.object];
        let field_line =
            locate::field_line(&sources[o.source].text, o.line, o.item.is_some(), &raw.at)
                .unwrap_or(o.line);
        let suppression = silenced[raw.object]
            .contains(&raw.rule)
            .then(|| Suppression {
                reason: o.annotation(REASON_ANNOTATION).map(str::to_owned),
            });
        let finding = Finding {
            rule: raw.rule,
            message: raw.message,
            fix: raw.fix,
            location: Location {
                file: sources[o.source].name.clone(),
                line: o.line,
                field_line,
                document: o.document,
                item: o.item,
            },
            object: ObjectRef {
                api_version: o.api_version.clone(),
                kind: o.kind.clone(),
                namespace: o.namespace.clone(),
                name: o.name.clone(),
            },
            suppression,
        };
        if finding.suppression.is_some() {
            report.suppressed.push(finding);
        } else {
            report.findings.push(finding);
        }
    }
    report
}

/// The rules an object's `kubesite.io/ignore` annotation names; unknown ids
/// and a missing reason become warnings.
fn annotated_ignores(object: &Object, file: &str, warnings: &mut Vec<String>) -> Vec<Rule> {
    let Some(list) = object.annotation(IGNORE_ANNOTATION) else {
        return Vec::new();
    };
    let at = format!(
        "{file}:{}: {} {}",
        object.line,
        object.kind,
        quoted(object.name.as_deref().unwrap_or(""))
    );
    let mut rules = Vec::new();
    for id in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        match Rule::from_id(id) {
            Some(rule) => rules.push(rule),
            None => warnings.push(format!(
                "{at}: {IGNORE_ANNOTATION} names an unknown rule {}; the rules are: {}",
                quoted(id),
                Rule::ALL.map(Rule::id).join(", ")
            )),
        }
    }
    if !rules.is_empty()
        && object
            .annotation(REASON_ANNOTATION)
            .is_none_or(|r| r.trim().is_empty())
    {
        warnings.push(format!(
            "{at}: {IGNORE_ANNOTATION} without a {REASON_ANNOTATION}; say why, so the next reader knows"
        ));
    }
    rules
}

/// Why `kubesite check` did not pass. Exit codes: 1 for findings, 2 when
/// the input could not be read or parsed (or the report not written).
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error("{0}")]
    Input(InputErrors),
    #[error(
        "{count} finding{} at or above severity {}",
        if *.count == 1 { "" } else { "s" },
        .min_severity.as_str()
    )]
    Findings {
        count: usize,
        min_severity: Severity,
    },
    #[error("cannot write the report: {0}")]
    Output(std::io::Error),
}

impl CheckError {
    pub fn exit_code(&self) -> u8 {
        match self {
            CheckError::Findings { .. } => 1,
            CheckError::Input(_) | CheckError::Output(_) => 2,
        }
    }
}

/// Whether text output gets colours: only on a terminal, and never when
/// `NO_COLOR` is set to anything but the empty string (no-color.org).
pub fn use_colour() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// `kubesite check`: reads, checks, prints the report on `stdout`, and
/// fails with [`CheckError::Findings`] when anything at or above the
/// threshold was found.
pub fn run(
    args: &CheckArgs,
    stdout: &mut dyn Write,
    warn: &mut dyn FnMut(&str),
) -> Result<(), CheckError> {
    let sources =
        load::read_paths(&args.paths, &mut std::io::stdin().lock()).map_err(CheckError::Input)?;
    let options = Options {
        min_severity: args.min_severity,
        ignore: args.ignore.clone(),
    };
    let report = check_documents(&sources, &options).map_err(CheckError::Input)?;
    for w in &report.warnings {
        warn(&format!("warning: {w}"));
    }
    let text = match args.format {
        Format::Text => report::text(&report, use_colour()),
        Format::Json => report::json(&report),
        Format::Sarif => report::sarif(&report, std::env::current_dir().ok().as_deref()),
    };
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(CheckError::Output)?;
    match report.findings.len() {
        0 => Ok(()),
        count => Err(CheckError::Findings {
            count,
            min_severity: report.min_severity,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, options: &Options) -> Report {
        check_documents(&[Source::new("t.yaml", text)], options).expect("parses")
    }

    const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: web\n  annotations:\n    kubesite.io/ignore: token-exposure, image-latest\n    kubesite.io/ignore-reason: the image is pinned by the admission controller\nspec:\n  containers:\n    - name: c\n      image: nginx\n";

    #[test]
    fn annotations_suppress_with_their_reason() {
        let r = check(POD, &Options::default());
        let ids: Vec<_> = r.suppressed.iter().map(|f| f.rule).collect();
        assert_eq!(ids, [Rule::TokenExposure, Rule::ImageLatest]);
        assert!(r.findings.iter().all(|f| !ids.contains(&f.rule)));
        assert_eq!(
            r.suppressed[0]
                .suppression
                .as_ref()
                .unwrap()
                .reason
                .as_deref(),
            Some("the image is pinned by the admission controller")
        );
        assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    }

    #[test]
    fn unknown_ids_and_missing_reasons_warn() {
        let text = POD.replace("image-latest", "no-such-rule").replace(
            "    kubesite.io/ignore-reason: the image is pinned by the admission controller\n",
            "",
        );
        let r = check(&text, &Options::default());
        assert_eq!(r.warnings.len(), 2, "{:?}", r.warnings);
        assert!(r.warnings[0].contains("unknown rule \"no-such-rule\""));
        assert!(r.warnings[1].contains("without a kubesite.io/ignore-reason"));
    }

    #[test]
    fn threshold_and_ignore_filter_findings() {
        let all = check(POD, &Options::default());
        let high = check(
            POD,
            &Options {
                min_severity: Severity::High,
                ..Options::default()
            },
        );
        assert!(high.findings.iter().all(|f| f.severity() >= Severity::High));
        assert_eq!(
            high.findings.len() + high.suppressed.len() + high.below_threshold,
            all.findings.len() + all.suppressed.len()
        );
        let ignored = check(
            POD,
            &Options {
                ignore: vec![Rule::PrivilegeEscalation],
                ..Options::default()
            },
        );
        assert!(
            ignored
                .findings
                .iter()
                .all(|f| f.rule != Rule::PrivilegeEscalation)
        );
        assert_eq!(ignored.findings.len() + 1, all.findings.len());
    }

    #[test]
    fn help_and_docs_list_every_rule_with_its_severity() {
        let docs = include_str!("../../docs/check.md");
        for rule in Rule::ALL {
            let (id, severity) = (rule.id(), rule.severity().as_str());
            let line = crate::cli::CHECK_HELP
                .lines()
                .find(|l| l.trim_start().starts_with(&format!("{id} ")))
                .unwrap_or_else(|| panic!("--help does not list {id}"));
            assert!(line.contains(severity), "--help: {line}");
            assert!(
                docs.contains(&format!("| `{id}` | {severity} |")),
                "docs/check.md does not list {id} as {severity}"
            );
        }
    }

    #[test]
    fn text_is_coloured_only_when_asked() {
        let r = check(POD, &Options::default());
        let plain = report::text(&r, false);
        assert!(!plain.contains('\x1b'));
        let coloured = report::text(&r, true);
        assert!(coloured.contains("\x1b[33mmedium"), "{coloured}");
        // Without its escape codes, the coloured text is the plain text.
        let mut stripped = String::new();
        let mut rest = coloured.as_str();
        while let Some(at) = rest.find('\x1b') {
            stripped.push_str(&rest[..at]);
            let end = rest[at..].find('m').expect("codes end with m");
            rest = &rest[at + end + 1..];
        }
        stripped.push_str(rest);
        assert_eq!(stripped, plain);
    }

    #[test]
    fn empty_input_is_an_error() {
        let e = check_documents(&[Source::new("t.yaml", "# nothing\n")], &Options::default())
            .unwrap_err();
        assert_eq!(e.0, [InputError::NoObjects]);
    }
}
