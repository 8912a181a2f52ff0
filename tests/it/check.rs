//! `kubesite check`: every rule on a bad and a fixed manifest, the token
//! decision table, rendered output, real-world-shaped input, the three
//! output formats (SARIF against the official schema), and input errors.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use kubesite::check::{self, Options, Rule, Source};
use kubesite::render::{render, to_stream};
use kubesite::spec::Disk;
use proptest::prelude::*;
use serde_json::{Value, json};

use crate::support::{IMAGE, all_configurations, spec, valid};

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/check")
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\n{}", self.stdout, self.stderr))
    }
}

/// Runs `kubesite check ARGS` in tests/data/check (so file names in the
/// output are short and relative).
fn check(args: &[&str]) -> Run {
    check_in(&data_dir(), args, None)
}

fn check_in(dir: &Path, args: &[&str], stdin: Option<&str>) -> Run {
    let mut cmd = Command::cargo_bin("kubesite").expect("binary built");
    cmd.current_dir(dir).arg("check").args(args);
    if let Some(input) = stdin {
        cmd.write_stdin(input);
    }
    let out = cmd.output().expect("runs");
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    run
}

/// (rule id, object kind, object name) of each finding in a JSON report.
fn findings(report: &Value, list: &str) -> Vec<(String, String, String)> {
    report[list]
        .as_array()
        .expect("a list of findings")
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or("").to_owned(),
                f["object"]["kind"].as_str().unwrap_or("").to_owned(),
                f["object"]["name"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

fn rule_ids(report: &Value) -> BTreeSet<String> {
    findings(report, "findings")
        .into_iter()
        .map(|(r, _, _)| r)
        .collect()
}

// ---------------------------------------------------------------------------
// Rules.

/// (fixture name under rules/, the rule it is for): one per rule, plus the
/// token rule's projected-volume case.
fn rule_fixtures() -> Vec<(String, &'static str)> {
    let mut fixtures: Vec<(String, &str)> = Rule::ALL
        .iter()
        .map(|r| (r.id().to_owned(), r.id()))
        .collect();
    fixtures.push(("token-exposure-projected".into(), "token-exposure"));
    fixtures
}

#[test]
fn every_rule_triggers_on_its_bad_fixture_and_not_on_the_fixed_one() {
    for (fixture, rule) in rule_fixtures() {
        let bad = format!("rules/{fixture}.bad.yaml");
        let r = check(&["--format", "json", &bad]);
        assert_eq!(r.code, 1, "{bad}: {}", r.stderr);
        let ids = rule_ids(&r.json());
        assert!(
            ids.contains(rule),
            "{bad} should trigger {rule}, got {ids:?}"
        );

        let fixed = format!("rules/{fixture}.fixed.yaml");
        let r = check(&["--format", "json", &fixed]);
        assert_eq!(r.code, 0, "{fixed}: {}{}", r.stdout, r.stderr);
        let report = r.json();
        assert_eq!(
            report["summary"]["findings"],
            0,
            "{fixed}: {:?}",
            rule_ids(&report)
        );
        assert_eq!(report["summary"]["belowThreshold"], 0, "{fixed}");
    }
}

/// Merges a fix into an object the way `kubectl patch --type strategic`
/// does for the fields our fixes touch: maps merge, `null` deletes, lists
/// of containers and volumes merge by `name` and volume mounts by
/// `mountPath`; any other list is replaced.
fn strategic_merge(target: &mut Value, patch: &Value) {
    let (Value::Object(target), Value::Object(patch)) = (&mut *target, patch) else {
        *target = patch.clone();
        return;
    };
    for (key, value) in patch {
        if value.is_null() {
            target.remove(key);
            continue;
        }
        let merge_key = match key.as_str() {
            "containers" | "initContainers" | "volumes" => Some("name"),
            "volumeMounts" => Some("mountPath"),
            _ => None,
        };
        match (target.get_mut(key), merge_key, value) {
            (Some(Value::Array(have)), Some(merge_key), Value::Array(items)) => {
                for item in items {
                    match have.iter_mut().find(|h| h[merge_key] == item[merge_key]) {
                        Some(h) => strategic_merge(h, item),
                        None => have.push(item.clone()),
                    }
                }
            }
            (Some(existing), _, _) => strategic_merge(existing, value),
            (None, _, _) => {
                target.insert(key.clone(), value.clone());
            }
        }
    }
}

/// The fix a finding prints is the fix: merged into its bad fixture (or,
/// for a new object, added beside it), the rule no longer fires, and no
/// rule fires that did not fire before.
#[test]
fn every_fix_merged_into_its_bad_fixture_clears_the_finding() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (fixture, rule) in rule_fixtures() {
        let bad = format!("rules/{fixture}.bad.yaml");
        let before = check(&["--format", "json", &bad]).json();
        let text = fs::read_to_string(data_dir().join(&bad)).expect("fixture");
        let mut docs: Vec<Value> = text
            .split("\n---")
            .map(|d| serde_yaml::from_str(d).expect("fixture parses"))
            .collect();
        let mut applied = 0;
        for finding in before["findings"].as_array().expect("findings") {
            if finding["rule"] != rule {
                continue;
            }
            let fix: Value =
                serde_yaml::from_str(finding["fix"]["yaml"].as_str().expect("fix yaml"))
                    .unwrap_or_else(|e| panic!("{bad}: the fix is not YAML: {e}"));
            if fix.get("kind").is_some() {
                docs.push(fix);
            } else {
                let document = finding["location"]["document"].as_u64().expect("document");
                strategic_merge(&mut docs[document as usize - 1], &fix);
            }
            applied += 1;
        }
        assert!(applied > 0, "{bad} has no {rule} finding to fix");
        let fixed: String = docs
            .iter()
            .map(|d| format!("---\n{}\n", serde_json::to_string(d).expect("JSON")))
            .collect();
        let path = dir.path().join(format!("{fixture}.yaml"));
        fs::write(&path, &fixed).expect("write");
        let after = check_in(
            dir.path(),
            &["--format", "json", &format!("{fixture}.yaml")],
            None,
        );
        let after_ids = rule_ids(&after.json());
        assert!(
            !after_ids.contains(rule),
            "{bad}: {rule} still fires after its fix:\n{fixed}"
        );
        let before_ids = rule_ids(&before);
        let new: Vec<_> = after_ids.difference(&before_ids).collect();
        assert!(new.is_empty(), "{bad}: the fix for {rule} brought {new:?}");
    }
}

#[test]
fn every_workload_kind_is_checked() {
    let r = check(&["--format", "json", "--ignore", "image-latest", "kinds.yaml"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let exposed: BTreeSet<String> = findings(&r.json(), "findings")
        .into_iter()
        .filter(|(rule, _, _)| rule == "token-exposure")
        .map(|(_, kind, _)| kind)
        .collect();
    let kinds = [
        "CronJob",
        "DaemonSet",
        "Deployment",
        "Job",
        "Pod",
        "ReplicaSet",
        "ReplicationController",
        "StatefulSet",
    ];
    assert_eq!(exposed, kinds.iter().map(|k| k.to_string()).collect());
}

/// The token rule's decision table, through the binary: pod field
/// true/false/unset x ServiceAccount field true/false/unset/absent x the
/// token path masked in every container or not. Each case lives in its own
/// namespace so the ServiceAccount lookups cannot mix.
#[test]
fn token_decision_table() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let pods = [Some(true), Some(false), None];
    // None = the ServiceAccount is not in the input.
    let accounts = [Some(Some(true)), Some(Some(false)), Some(None), None];
    let mut expected = BTreeSet::new();
    let mut case = 0;
    for pod in pods {
        for account in accounts {
            for masked in [true, false] {
                case += 1;
                let ns = format!("case-{case:02}");
                let mut text = String::new();
                if let Some(setting) = account {
                    text.push_str(&format!(
                        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: app\n  namespace: {ns}\n"
                    ));
                    if let Some(b) = setting {
                        text.push_str(&format!("automountServiceAccountToken: {b}\n"));
                    }
                    text.push_str("---\n");
                }
                text.push_str(&deployment(&ns, pod, [masked, masked]));
                fs::write(tmp.path().join(format!("{ns}.yaml")), text).expect("writes");
                // Kubernetes: the pod's field wins, then the account's, then true.
                let on = pod.or(account.flatten()).unwrap_or(true);
                if on && !masked {
                    expected.insert(ns);
                }
            }
        }
    }
    assert_eq!(case, 24);
    // One container masked, the other not: the unmasked one gets the token.
    fs::write(
        tmp.path().join("half-masked.yaml"),
        deployment("half-masked", None, [true, false]),
    )
    .expect("writes");
    expected.insert("half-masked".into());

    let r = check_in(
        tmp.path(),
        &[
            "--format",
            "json",
            "--ignore",
            "service-account-automount",
            ".",
        ],
        None,
    );
    let report = r.json();
    let exposed: BTreeSet<String> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "token-exposure")
        .map(|f| {
            f["object"]["namespace"]
                .as_str()
                .expect("namespace")
                .to_owned()
        })
        .collect();
    assert_eq!(exposed, expected);
    assert_eq!(r.code, 1);
    assert!(
        report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .all(|f| f["rule"] == "token-exposure"),
        "the cases are otherwise hardened: {}",
        r.stdout
    );
}

/// A hardened Deployment with two containers, the pod's automount field and
/// each container's mask as given.
fn deployment(ns: &str, pod: Option<bool>, masked: [bool; 2]) -> String {
    let field = pod
        .map(|b| format!("      automountServiceAccountToken: {b}\n"))
        .unwrap_or_default();
    let container = |name: &str, masked: bool| {
        let mask = if masked {
            "          volumeMounts:\n            - name: no-token\n              mountPath: /var/run/secrets/kubernetes.io/serviceaccount\n              readOnly: true\n"
        } else {
            ""
        };
        format!(
            "        - name: {name}\n          image: registry.example.com/app:1.0.0\n          securityContext:\n            allowPrivilegeEscalation: false\n            readOnlyRootFilesystem: true\n            capabilities: {{drop: [ALL]}}\n          resources:\n            limits: {{cpu: 100m, memory: 64Mi}}\n{mask}"
        )
    };
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\n  namespace: {ns}\nspec:\n  template:\n    spec:\n      serviceAccountName: app\n{field}      securityContext:\n        runAsNonRoot: true\n        runAsUser: 10001\n        seccompProfile: {{type: RuntimeDefault}}\n      containers:\n{}{}      volumes:\n        - name: no-token\n          emptyDir: {{}}\n",
        container("web", masked[0]),
        container("sidecar", masked[1]),
    )
}

// ---------------------------------------------------------------------------
// kubesite's own output.

fn assert_clean(label: &str, sources: &[Source]) {
    let report = check::check_documents(sources, &Options::default())
        .unwrap_or_else(|e| panic!("{label}: {e}"));
    let all: Vec<String> = report
        .findings
        .iter()
        .chain(&report.suppressed)
        .map(|f| format!("{} {}: {}", f.rule.id(), f.object.kind, f.message))
        .collect();
    assert!(all.is_empty(), "{label}:\n{}", all.join("\n"));
    assert_eq!(report.below_threshold, 0, "{label}");
    assert!(report.objects > 5, "{label}: {} objects", report.objects);
}

#[test]
fn rendered_output_has_no_findings_for_every_disk_and_tls() {
    for disk in [Disk::Local, Disk::Nfs, Disk::Database] {
        for tls in [true, false] {
            let mut s = spec(disk);
            s.tls = Some(tls.into());
            if disk == Disk::Nfs {
                s.nfs_server = Some("10.0.0.5".into());
                s.nfs_path = Some("/x".into());
            }
            let stream = to_stream(&render(&valid(&s)).expect("renders"));
            assert_clean(
                &format!("{} tls={tls}", disk.as_str()),
                &[Source::new("render.yaml", stream)],
            );
        }
    }
    for (label, s) in all_configurations() {
        let stream = to_stream(&render(&valid(&s)).expect("renders"));
        assert_clean(&label, &[Source::new("render.yaml", stream)]);
    }
}

#[test]
fn render_piped_into_check_and_the_output_folder_pass() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let site = [
        "--name",
        "blog",
        "--image",
        IMAGE,
        "--host",
        "blog.example.com",
        "--disk",
        "nfs",
        "--nfs-server",
        "10.0.0.5",
        "--nfs-path",
        "/x",
    ];
    let rendered = Command::cargo_bin("kubesite")
        .expect("binary")
        .arg("render")
        .args(site)
        .output()
        .expect("renders");
    assert!(rendered.status.success());
    let stream = String::from_utf8(rendered.stdout).expect("utf-8");
    let r = check_in(tmp.path(), &["-"], Some(&stream));
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.starts_with("no findings"), "{}", r.stdout);

    let out = tmp.path().join("k8s");
    let written = Command::cargo_bin("kubesite")
        .expect("binary")
        .arg("render")
        .args(site)
        .arg("-o")
        .arg(&out)
        .output()
        .expect("renders");
    assert!(written.status.success());
    // The folder holds kustomization.yaml too, which is not a cluster object.
    let r = check_in(tmp.path(), &["k8s"], None);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}

// ---------------------------------------------------------------------------
// Real-world-shaped input.

#[test]
fn the_chart_helm_create_scaffolds_is_flagged_for_the_token() {
    let r = check(&["--format", "json", "helm-create.yaml"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let report = r.json();
    let token: Vec<(String, u64, u64)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "token-exposure")
        .map(|f| {
            (
                f["object"]["kind"].as_str().expect("kind").to_owned(),
                f["location"]["line"].as_u64().expect("line"),
                f["location"]["document"].as_u64().expect("document"),
            )
        })
        .collect();
    assert_eq!(
        token,
        [("Deployment".into(), 37, 3), ("Pod".into(), 87, 4)],
        "the Deployment (its ServiceAccount leaves automount unset) and the test Pod (default ServiceAccount)"
    );
    assert!(findings(&report, "findings").contains(&(
        "service-account-automount".into(),
        "ServiceAccount".into(),
        "release-name-mychart".into()
    )));

    let text = check(&["helm-create.yaml"]);
    assert_eq!(text.code, 1);
    assert!(
        text.stdout.starts_with("helm-create.yaml\n"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout
            .contains("Deployment \"release-name-mychart\"  (line 37, document 3)"),
        "{}",
        text.stdout
    );
    assert!(text.stdout.contains("automountServiceAccountToken: false"));
    assert!(
        !text.stdout.contains('\x1b'),
        "no colours when stdout is not a terminal"
    );
    assert!(text.stderr.contains("findings at or above severity low"));
}

/// Each bad fixture's finding, and the line it points at: the field itself,
/// or for a missing field the nearest enclosing one.
const FIELD_LINES: &[(&str, &str, &str)] = &[
    (
        "added-capabilities",
        "added-capabilities",
        r#"add: ["NET_ADMIN", "NET_BIND_SERVICE"]"#,
    ),
    (
        "capabilities-not-dropped",
        "capabilities-not-dropped",
        r#"drop: ["NET_RAW"]"#,
    ),
    (
        "default-namespace",
        "default-namespace",
        "namespace: default",
    ),
    ("host-namespaces", "host-namespaces", "hostNetwork: true"),
    ("host-path", "host-path", "hostPath:"),
    ("image-latest", "image-latest", "image: nginx:latest"),
    (
        "missing-network-policy",
        "missing-network-policy",
        "apiVersion: v1",
    ),
    (
        "missing-run-as-non-root",
        "missing-run-as-non-root",
        "securityContext:",
    ),
    (
        "missing-seccomp-profile",
        "missing-seccomp-profile",
        "type: Unconfined",
    ),
    ("no-resource-limits", "no-resource-limits", "resources:"),
    (
        "privilege-escalation",
        "privilege-escalation",
        "securityContext:",
    ),
    ("privileged", "privileged", "privileged: true"),
    ("run-as-root", "run-as-root", "runAsUser: 0"),
    (
        "service-account-automount",
        "service-account-automount",
        "apiVersion: v1",
    ),
    (
        "token-exposure-projected",
        "token-exposure",
        "- serviceAccountToken:",
    ),
    ("token-exposure", "token-exposure", "spec:"),
    (
        "writable-root-filesystem",
        "writable-root-filesystem",
        "securityContext:",
    ),
];

#[test]
fn findings_point_at_the_field_they_are_about() {
    let mut covered: Vec<&str> = FIELD_LINES.iter().map(|(f, _, _)| *f).collect();
    covered.sort_unstable();
    let mut fixtures = rule_fixtures();
    fixtures.sort();
    assert_eq!(
        covered,
        fixtures.iter().map(|(f, _)| f.as_str()).collect::<Vec<_>>(),
        "every bad fixture has its expected line"
    );
    for &(fixture, rule, want) in FIELD_LINES {
        let path = format!("rules/{fixture}.bad.yaml");
        let text = fs::read_to_string(data_dir().join(&path)).expect("fixture");
        let report = check(&["--format", "json", &path]).json();
        let finding = report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .find(|f| f["rule"] == rule)
            .unwrap_or_else(|| panic!("{path}: no {rule} finding"));
        let location = &finding["location"];
        let line = location["fieldLine"].as_u64().expect("fieldLine") as usize;
        assert!(line >= location["line"].as_u64().expect("line") as usize);
        assert_eq!(
            text.lines().nth(line - 1).map(str::trim),
            Some(want),
            "{path}: {rule} points at line {line}"
        );
    }

    // SARIF's region and the text report use the same line.
    let sarif = check(&["--format", "sarif", "rules/privileged.bad.yaml"]).json();
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    let privileged = results
        .iter()
        .find(|r| r["ruleId"] == "privileged")
        .expect("privileged result");
    assert_eq!(
        privileged["locations"][0]["physicalLocation"]["region"]["startLine"],
        27
    );
    let text = check(&["rules/privileged.bad.yaml"]);
    assert!(
        text.stdout.contains("critical privileged (line 27): "),
        "{}",
        text.stdout
    );
}

#[test]
fn list_items_and_stdin_point_to_their_own_lines() {
    let r = check(&["--format", "json", "kubectl-list.yaml"]);
    let report = r.json();
    let deployment = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["object"]["kind"] == "Deployment")
        .expect("the Deployment is flagged");
    assert_eq!(
        deployment["location"],
        json!({"file": "kubectl-list.yaml", "line": 8, "fieldLine": 24, "document": 1, "item": 2})
    );

    let text = fs::read_to_string(data_dir().join("helm-create.yaml")).expect("fixture");
    let r = check_in(&data_dir(), &["--format", "json", "-"], Some(&text));
    assert_eq!(r.code, 1);
    let report = r.json();
    assert!(
        report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .all(|f| f["location"]["file"] == "<stdin>")
    );
    assert_eq!(report["summary"]["objects"], 4);
}

#[test]
fn folders_are_walked_in_sorted_order() {
    let r = check(&["--format", "json", "mixed"]);
    assert_eq!(r.code, 1);
    let report = r.json();
    let files: Vec<&str> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["location"]["file"].as_str().expect("file"))
        .collect();
    let mut sorted = files.clone();
    sorted.sort();
    assert_eq!(files, sorted);
    assert_eq!(report["summary"]["files"], 3);
    // mixed/worker.yaml: the init container masks the token, the main one does not.
    assert!(
        r.stdout.contains("container \\\"reindex\\\" would get"),
        "{}",
        r.stdout
    );
}

// ---------------------------------------------------------------------------
// Thresholds and ignores.

#[test]
fn min_severity_and_ignore_decide_the_exit_code() {
    let code = |args: &[&str]| {
        let mut all = args.to_vec();
        all.push("helm-create.yaml");
        check(&all).code
    };
    assert_eq!(code(&[]), 1);
    assert_eq!(code(&["--min-severity", "critical"]), 0);
    assert_eq!(code(&["--min-severity", "high"]), 1);
    assert_eq!(
        code(&["--min-severity", "high", "--ignore", "token-exposure"]),
        0
    );
    let r = check(&["--min-severity", "high", "helm-create.yaml"]);
    assert!(
        r.stdout.contains("below --min-severity high"),
        "{}",
        r.stdout
    );

    let r = check(&["--ignore", "no-such-rule", "helm-create.yaml"]);
    assert_eq!(r.code, 2, "an unknown rule is a usage error");
    assert!(
        r.stderr.contains("token-exposure"),
        "lists the rules: {}",
        r.stderr
    );
}

#[test]
fn the_ignore_annotation_silences_with_its_reason() {
    let r = check(&["--format", "json", "annotated.yaml"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let report = r.json();
    assert_eq!(report["summary"]["findings"], 0);
    let silenced = &report["suppressed"][0];
    assert_eq!(silenced["rule"], "token-exposure");
    assert_eq!(
        silenced["suppression"]["reason"],
        "the operator watches Deployments through the API"
    );
    let r = check(&["annotated.yaml"]);
    assert!(
        r.stdout.contains("1 silenced by kubesite.io/ignore"),
        "{}",
        r.stdout
    );
}

// ---------------------------------------------------------------------------
// Formats.

#[test]
fn json_output_follows_the_documented_schema() {
    let r = check(&[
        "--format",
        "json",
        "mixed",
        "helm-create.yaml",
        "annotated.yaml",
    ]);
    let report = r.json();
    assert_eq!(report["schemaVersion"], 1);
    assert_eq!(report["tool"]["name"], "kubesite");
    assert_eq!(report["minSeverity"], "low");
    let summary = &report["summary"];
    for key in [
        "files",
        "objects",
        "findings",
        "suppressed",
        "belowThreshold",
    ] {
        assert!(summary[key].is_u64(), "summary.{key}");
    }
    let by: u64 = ["critical", "high", "medium", "low"]
        .iter()
        .map(|s| summary["bySeverity"][s].as_u64().expect("count"))
        .sum();
    assert_eq!(Some(by), summary["findings"].as_u64());
    assert!(report["warnings"].is_array());
    let all = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .chain(report["suppressed"].as_array().expect("suppressed"));
    for f in all {
        let rule = Rule::from_id(f["rule"].as_str().expect("rule")).expect("a known rule");
        assert_eq!(f["severity"], rule.severity().as_str());
        assert_eq!(f["title"], rule.title());
        for key in ["message", "title"] {
            assert!(f[key].is_string(), "{key}");
        }
        assert!(f["fix"]["summary"].is_string() && f["fix"]["yaml"].is_string());
        let fix: serde_yaml::Value =
            serde_yaml::from_str(f["fix"]["yaml"].as_str().expect("yaml")).expect("fix is YAML");
        assert!(fix.is_mapping(), "{fix:?}");
        let loc = &f["location"];
        assert!(loc["file"].is_string() && loc["line"].as_u64() >= Some(1));
        assert!(loc["document"].as_u64() >= Some(1));
        assert!(loc["item"].is_null() || loc["item"].as_u64() >= Some(1));
        let obj = &f["object"];
        assert!(obj["apiVersion"].is_string() && obj["kind"].is_string());
        assert!(obj["namespace"].is_string() || obj["namespace"].is_null());
        assert!(obj["name"].is_string() || obj["name"].is_null());
    }
}

fn sarif_schema() -> Value {
    serde_json::from_str(
        &fs::read_to_string(data_dir().join("sarif-schema-2.1.0.json")).expect("schema"),
    )
    .expect("schema is JSON")
}

#[test]
fn sarif_output_validates_against_the_sarif_schema() {
    let schema = sarif_schema();
    let r = check(&[
        "--format",
        "sarif",
        "mixed",
        "helm-create.yaml",
        "kubectl-list.yaml",
        "annotated.yaml",
    ]);
    assert_eq!(r.code, 1);
    let log = r.json();
    let errors = validate(&schema, &log);
    assert!(errors.is_empty(), "{}", errors.join("\n"));

    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    assert_eq!(rules.len(), Rule::ALL.len());
    let results = run["results"].as_array().expect("results");
    for result in results {
        let index = result["ruleIndex"].as_u64().expect("index") as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        let uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .expect("uri");
        assert!(!uri.starts_with('/') && !uri.contains(' '), "{uri}");
    }
    let silenced: Vec<&Value> = results
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(silenced.len(), 1);
    assert_eq!(silenced[0]["suppressions"][0]["kind"], "inSource");

    // The validator is not a rubber stamp.
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]["level"] = json!("fatal");
    broken["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        json!(0);
    broken["runs"][0]["results"][0]["colour"] = json!("red");
    broken["runs"][0]["tool"]["driver"]
        .as_object_mut()
        .expect("driver")
        .remove("name");
    let errors = validate(&schema, &broken);
    for needle in ["fatal", "startLine", "colour", "name"] {
        assert!(
            errors.iter().any(|e| e.contains(needle)),
            "{needle} not caught: {errors:?}"
        );
    }
    let mut no_version = log.clone();
    no_version.as_object_mut().expect("log").remove("version");
    assert!(!validate(&schema, &no_version).is_empty());
}

#[test]
fn sarif_with_no_findings_is_valid_too() {
    let r = check(&["--format", "sarif", "rules/token-exposure.fixed.yaml"]);
    assert_eq!(r.code, 0);
    let log = r.json();
    let errors = validate(&sarif_schema(), &log);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    assert_eq!(log["runs"][0]["results"], json!([]));
}

/// Validates `value` against a JSON Schema draft-04 document, supporting
/// the keywords the SARIF 2.1.0 schema uses; an unsupported keyword on a
/// path the value reaches is an error, so nothing is skipped silently.
fn validate(schema: &Value, value: &Value) -> Vec<String> {
    let mut errors = Vec::new();
    check_node(schema, schema, value, "$", &mut errors);
    errors
}

fn check_node(root: &Value, schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
    let Some(keywords) = schema.as_object() else {
        errors.push(format!("{at}: schema is not an object"));
        return;
    };
    if let Some(reference) = keywords.get("$ref").and_then(Value::as_str) {
        match reference.strip_prefix('#').and_then(|p| root.pointer(p)) {
            Some(target) => check_node(root, target, value, at, errors),
            None => errors.push(format!("{at}: unresolvable $ref {reference}")),
        }
        return;
    }
    for (keyword, arg) in keywords {
        match keyword.as_str() {
            "description" | "title" | "default" | "id" | "$schema" | "definitions" => {}
            "type" => {
                let types: Vec<&str> = match arg {
                    Value::String(s) => vec![s.as_str()],
                    Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
                    _ => vec![],
                };
                if !types.iter().any(|t| has_type(value, t)) {
                    errors.push(format!("{at}: {value} is not of type {types:?}"));
                }
            }
            "enum" => {
                if !arg.as_array().is_some_and(|a| a.contains(value)) {
                    errors.push(format!("{at}: {value} is not one of {arg}"));
                }
            }
            "required" => {
                if let Some(object) = value.as_object() {
                    for key in arg.as_array().into_iter().flatten() {
                        let key = key.as_str().unwrap_or("");
                        if !object.contains_key(key) {
                            errors.push(format!("{at}: required property {key} is missing"));
                        }
                    }
                }
            }
            "properties" | "additionalProperties" => {
                // Both handled together, once.
                if keyword == "additionalProperties" && keywords.contains_key("properties") {
                    continue;
                }
                let Some(object) = value.as_object() else {
                    continue;
                };
                let properties = keywords.get("properties").and_then(Value::as_object);
                let additional = keywords.get("additionalProperties");
                for (key, item) in object {
                    let here = format!("{at}.{key}");
                    match properties.and_then(|p| p.get(key)) {
                        Some(sub) => check_node(root, sub, item, &here, errors),
                        None => match additional {
                            Some(Value::Bool(false)) => {
                                errors.push(format!("{here}: property {key} is not allowed"))
                            }
                            Some(sub @ Value::Object(_)) => {
                                check_node(root, sub, item, &here, errors)
                            }
                            _ => {}
                        },
                    }
                }
            }
            "items" => {
                for (i, item) in value.as_array().into_iter().flatten().enumerate() {
                    check_node(root, arg, item, &format!("{at}[{i}]"), errors);
                }
            }
            "minItems" => {
                if let (Some(a), Some(min)) = (value.as_array(), arg.as_u64())
                    && (a.len() as u64) < min
                {
                    errors.push(format!("{at}: fewer than {min} items"));
                }
            }
            "uniqueItems" => {
                if let (Some(a), Some(true)) = (value.as_array(), arg.as_bool()) {
                    let distinct: BTreeSet<String> = a.iter().map(Value::to_string).collect();
                    if distinct.len() != a.len() {
                        errors.push(format!("{at}: items are not unique"));
                    }
                }
            }
            "minimum" | "maximum" => {
                if let (Some(v), Some(bound)) = (value.as_f64(), arg.as_f64()) {
                    let ok = if keyword == "minimum" {
                        v >= bound
                    } else {
                        v <= bound
                    };
                    if !ok {
                        errors.push(format!("{at}: {v} is outside its {keyword} {bound}"));
                    }
                }
            }
            "anyOf" | "oneOf" => {
                let passing = arg
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|sub| {
                        let mut inner = Vec::new();
                        check_node(root, sub, value, at, &mut inner);
                        inner.is_empty()
                    })
                    .count();
                let ok = if keyword == "anyOf" {
                    passing >= 1
                } else {
                    passing == 1
                };
                if !ok {
                    errors.push(format!(
                        "{at}: {passing} of the {keyword} alternatives match"
                    ));
                }
            }
            "format" => {
                if let Some(s) = value.as_str() {
                    let clean =
                        !s.is_empty() && !s.chars().any(|c| c.is_whitespace() || c.is_control());
                    let scheme = s.split_once(':').is_some_and(|(scheme, _)| {
                        scheme
                            .chars()
                            .next()
                            .is_some_and(|c| c.is_ascii_alphabetic())
                            && scheme
                                .chars()
                                .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
                    });
                    let ok = match arg.as_str() {
                        Some("uri") => clean && scheme,
                        Some("uri-reference") => clean,
                        other => {
                            errors.push(format!("{at}: unsupported format {other:?}"));
                            true
                        }
                    };
                    if !ok {
                        errors.push(format!("{at}: {s:?} is not a valid {arg}"));
                    }
                }
            }
            other => errors.push(format!("{at}: unsupported keyword {other}")),
        }
    }
}

fn has_type(value: &Value, t: &str) -> bool {
    match t {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        "number" => value.is_number(),
        "integer" => value.is_i64() || value.is_u64(),
        _ => false,
    }
}

// ---------------------------------------------------------------------------
// Input that cannot be checked: exit 2, the file and line, never a panic.

#[test]
fn unparsable_and_non_kubernetes_input_exits_2_with_file_and_line() {
    for (file, needles) in [
        (
            "errors/invalid-yaml.yaml",
            &[
                "errors/invalid-yaml.yaml:11:",
                "(document 2)",
                "invalid YAML",
            ][..],
        ),
        (
            "errors/helm-values.yaml",
            &[
                "errors/helm-values.yaml:2 (document 1)",
                "not a Kubernetes object",
                "\"replicaCount\"",
            ],
        ),
        (
            "errors/chart-template.yaml",
            &["errors/chart-template.yaml:4:", "helm template"],
        ),
        (
            "errors/duplicate-key.yaml",
            &[
                "errors/duplicate-key.yaml:",
                "duplicate key \"automountServiceAccountToken\"",
            ],
        ),
        (
            "errors/alias-bomb.yaml",
            &["errors/alias-bomb.yaml:", "too many YAML nodes"],
        ),
        (
            "errors/no-such-file.yaml",
            &["errors/no-such-file.yaml: cannot read"],
        ),
    ] {
        let start = Instant::now();
        let r = check(&[file]);
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{file} took too long"
        );
        assert_eq!(r.code, 2, "{file}: {}", r.stderr);
        assert!(r.stdout.is_empty(), "{file}: no report on stdout");
        for needle in needles {
            assert!(
                r.stderr.contains(needle),
                "{file}: {needle:?} not in {}",
                r.stderr
            );
        }
    }
    // Every broken input is reported, not just the first.
    let r = check(&["errors/invalid-yaml.yaml", "errors/helm-values.yaml"]);
    assert_eq!(r.code, 2);
    assert_eq!(r.stderr.matches("error: ").count(), 2, "{}", r.stderr);
}

#[test]
fn unreadable_oversized_and_empty_input_exits_2() {
    let tmp = tempfile::tempdir().expect("tempdir");
    fs::write(
        tmp.path().join("binary.yaml"),
        b"apiVersion: v1\nkind: \xff\xfe\n",
    )
    .expect("w");
    let big = "# padding\n".repeat(check::MAX_FILE_BYTES / 10 + 1);
    fs::write(tmp.path().join("big.yaml"), &big).expect("w");
    fs::create_dir(tmp.path().join("empty")).expect("mkdir");
    fs::write(tmp.path().join("empty/notes.txt"), "not yaml").expect("w");
    fs::write(tmp.path().join("comments.yaml"), "# nothing here\n---\n").expect("w");
    let deep = format!("x: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
    fs::write(tmp.path().join("deep.yaml"), deep).expect("w");
    for (args, stdin, needle) in [
        (&["binary.yaml"][..], None, "binary.yaml:2: not UTF-8"),
        (&["big.yaml"], None, "big.yaml: larger than 16 MiB"),
        (&["-"], Some(big.as_str()), "<stdin>: larger than 16 MiB"),
        (&["empty"], None, "empty: no *.yaml or *.yml files"),
        (&["comments.yaml"], None, "no Kubernetes objects"),
        (
            &["deep.yaml"],
            None,
            "deep.yaml:1:1 (document 1): invalid YAML: '[' and '{' nest",
        ),
        (&["-"], Some(""), "no Kubernetes objects"),
        (&["-"], Some("{"), "<stdin>:"),
    ] {
        let r = check_in(tmp.path(), args, stdin);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(
            r.stderr.contains(needle),
            "{args:?}: {needle:?} not in {}",
            r.stderr
        );
    }
    let r = check_in(tmp.path(), &[], None);
    assert_eq!(r.code, 2, "a PATH is required: {}", r.stderr);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Any text, and text made of YAML's sharp edges, gives a report or an
    /// error: never a panic.
    #[test]
    fn any_input_gives_a_report_or_an_error(
        noise in ".{0,200}",
        parts in prop::collection::vec(prop::sample::select(vec![
            "apiVersion: v1\n", "kind: Pod\n", "kind: List\n", "items:\n", "- ", "  ",
            "---\n", "...\n", "%YAML 1.2\n", "spec:\n", "containers:\n", "- name: a\n",
            "image: x\n", "&a ", "*a ", "<<: *a\n", "{", "}", "[", "]", ": ", "\"", "'",
            "\t", "\r\n", "#c\n", "\u{FEFF}", "null\n", "~\n", "!tag ", "? ", "|\n", ">\n",
            "metadata: {namespace: default}\n", "automountServiceAccountToken: true\n",
            "securityContext: {runAsUser: 0}\n", "volumes: [{name: v, hostPath: {path: /}}]\n",
        ]), 0..40),
    ) {
        for text in [noise, parts.concat()] {
            let _ = check::check_documents(&[Source::new("p.yaml", text)], &Options::default());
        }
    }
}

// ---------------------------------------------------------------------------
// Speed: 10,000 objects in 1,000 files (a smoke test against quadratic
// behaviour; the timed figure comes from a release build, docs/check.md).

#[test]
fn ten_thousand_objects_are_checked_quickly() {
    let sources: Vec<Source> = (0..1000)
        .map(|i| {
            let text: String = (0..10)
                .map(|j| deployment(&format!("ns-{i}-{j}"), None, [j % 2 == 0, false]))
                .collect::<Vec<_>>()
                .join("---\n");
            Source::new(format!("f{i:04}.yaml"), text)
        })
        .collect();
    let start = Instant::now();
    let report = check::check_documents(&sources, &Options::default()).expect("parses");
    let took = start.elapsed();
    assert_eq!(report.objects, 10_000);
    assert_eq!(report.findings.len(), 10_000, "one token finding each");
    assert!(took < Duration::from_secs(30), "took {took:?}");
}
