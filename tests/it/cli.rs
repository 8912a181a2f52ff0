//! The real binary: exit codes, messages, stdout discipline, writing.

use std::fs;
use std::process::{Command as StdCommand, Stdio};

use assert_cmd::Command;

use crate::support::{DIGEST_IMAGE, IMAGE, documents, kind, wait_or_fail};

fn kubesite() -> Command {
    Command::cargo_bin("kubesite").expect("binary built")
}

fn site_args() -> Vec<&'static str> {
    vec![
        "render",
        "--name",
        "blog",
        "--image",
        IMAGE,
        "--host",
        "blog.example.com",
    ]
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(args: &[&str]) -> Run {
    let out = kubesite().args(args).output().expect("runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `text` holds `line`; the message shows all of `text`.
fn assert_has(text: &str, line: &str) {
    assert!(text.contains(line), "missing {line:?} in:\n{text}");
}

#[test]
fn render_prints_a_stream_for_each_disk_type() {
    for (disk, extra) in [
        ("local", vec![]),
        (
            "nfs",
            vec!["--nfs-server", "10.0.0.5", "--nfs-path", "/exports/blog"],
        ),
        ("database", vec![]),
    ] {
        let mut args = site_args();
        args.extend(["--disk", disk]);
        args.extend(extra);
        let r = run(&args);
        assert_eq!(r.code, 0, "{disk}: {}", r.stderr);
        let docs = documents(&r.stdout);
        assert_eq!(kind(&docs[0]), "Namespace", "{disk}");
        assert!(docs.iter().any(|d| kind(d) == "Deployment"), "{disk}");
    }
}

#[test]
fn identical_input_gives_identical_bytes() {
    let a = run(&site_args());
    let b = run(&site_args());
    assert_eq!(a.code, 0);
    assert_eq!(a.stdout, b.stdout);
    assert!(!a.stdout.is_empty());
}

#[test]
fn every_bad_value_is_reported_at_once_with_nothing_on_stdout() {
    let r = run(&[
        "render",
        "--name",
        "Blog",
        "--image",
        "Registry/Blog",
        "--host",
        "https://blog.example.com",
        "--port",
        "70000",
        "--replicas",
        "0",
        "--storage-size",
        "lots",
        "--label",
        "app.kubernetes.io/name=x",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.stdout, "");
    for field in [
        "--name \"Blog\"",
        "--image \"Registry/Blog\"",
        "--host \"https://blog.example.com\"",
        "--port \"70000\"",
        "--replicas \"0\"",
        "--storage-size \"lots\"",
        "--label \"app.kubernetes.io/name=x\"",
    ] {
        assert!(
            r.stderr.contains(field),
            "missing {field} in:\n{}",
            r.stderr
        );
    }
    assert!(r.stderr.contains("7 problems"), "{}", r.stderr);
    assert!(
        r.stderr.contains("e.g."),
        "messages give an example: {}",
        r.stderr
    );
}

#[test]
fn typed_flags_that_do_not_parse_are_reported_with_the_rest() {
    // A word for a number, an unknown disk or route, a label without `=`:
    // validation failures (exit 1) in the house style, listed together with
    // the other problems, not a parser error that stops at the first one
    // with exit 2.
    let r = run(&[
        "render",
        "--name",
        "Blog",
        "--image",
        IMAGE,
        "--host",
        "blog.example.com",
        "--port",
        "http",
        "--replicas",
        "two",
        "--disk",
        "tape",
        "--route",
        "Ingress",
        "--label",
        "team",
        "--label",
        "tier=web",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.stdout, "");
    for line in [
        "6 problems",
        "--label \"team\": must be KEY=VALUE, e.g. \"team=web\"",
        "--name \"Blog\": must be lower case",
        "--port \"http\": must be a whole number, e.g. \"8080\"",
        "--replicas \"two\": must be a whole number, e.g. \"2\"",
        "--disk \"tape\": must be local, nfs or database, e.g. \"database\"",
        "--route \"Ingress\": must be ingress or gateway",
    ] {
        assert_has(&r.stderr, line);
    }
    // An unknown disk is not taken for the default: no rule of the local
    // disk (one replica) is applied to a disk the user did not choose.
    let mut args = site_args();
    args.extend(["--disk", "nsf", "--replicas", "3"]);
    let r = run(&args);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("1 problem in"), "{}", r.stderr);
    assert!(!r.stderr.contains("ReadWriteOnce"), "{}", r.stderr);

    // The allowed words are still in --help and the completions.
    let help = run(&["render", "--help"]);
    assert!(
        help.stdout.contains("local:") && help.stdout.contains("database:"),
        "{}",
        help.stdout
    );
    let bash = run(&["completions", "bash"]);
    assert!(
        bash.stdout.contains("local nfs database"),
        "bash completion lists the disks"
    );
    assert!(
        bash.stdout.contains("ingress gateway"),
        "bash completion lists the routes"
    );
}

#[test]
fn spec_file_values_of_the_wrong_kind_name_their_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("site.yaml");
    fs::write(
        &file,
        "version: 1\nname: blog\nimage: nginx:1.27\nhost: blog.example.com\n\
         disk: NFS\nport: abc\nreplicas: \"3\"\ntls: \"yes\"\n",
    )
    .expect("write");
    let r = run(&["render", "-f", file.to_str().expect("utf-8")]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.stdout, "");
    for line in [
        "4 problems",
        "site.yaml:5: disk \"NFS\": must be local, nfs or database",
        "site.yaml:6: port \"abc\": must be a whole number",
        "site.yaml:7: replicas \"3\": must be a number, not a quoted string",
        "site.yaml:8: tls \"yes\": must be true or false, e.g. \"true\"",
    ] {
        assert_has(&r.stderr, line);
    }
    // A list where one value belongs is still refused as the file is read.
    fs::write(&file, "version: 1\nname: blog\nport: [80, 443]\n").expect("write");
    let r = run(&["render", "-f", file.to_str().expect("utf-8")]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("port: invalid type: sequence") && r.stderr.contains("line 3"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_bad_label_is_named_where_its_key_was_given() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("site.yaml");
    fs::write(
        &file,
        "version: 1\nname: blog\nimage: nginx:1.27\nhost: blog.example.com\n\
         labels:\n  team: web\n  tier: \"front end\"\n",
    )
    .expect("write");
    let path = file.to_str().expect("utf-8");
    // A good label from a flag does not make the file's bad one a flag's.
    let r = run(&["render", "-f", path, "--label", "owner=ops"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("site.yaml:7: labels \"tier=front end\": the value must"),
        "{}",
        r.stderr
    );
    // A key whose own line cannot be found (a space in it) is named at the
    // `labels:` line, still not as a flag.
    fs::write(
        &file,
        "version: 1\nname: blog\nimage: nginx:1.27\nhost: blog.example.com\n\
         labels:\n  \"Bad Key\": x\n",
    )
    .expect("write");
    let r = run(&["render", "-f", path, "--label", "owner=ops"]);
    assert!(
        r.stderr
            .contains("site.yaml:5: labels \"Bad Key=x\": the key"),
        "{}",
        r.stderr
    );
    // The flag's value replaces the file's, and is then the flag's fault.
    let r = run(&["render", "-f", path, "--label", "tier=a b"]);
    assert!(
        r.stderr.contains("--label \"tier=a b\": the value must"),
        "{}",
        r.stderr
    );

    // In a multi-site file, a bad label in `defaults:` is reported once, at
    // its own line, however many sites inherit it.
    fs::write(
        &file,
        "version: 1\ndefaults:\n  image: nginx:1.27\n  labels:\n    team: web\n    \
         tier: \"front end\"\nsites:\n  - name: blog\n    host: blog.example.com\n  \
         - labels:\n      owner: \"-ops\"\n    name: shop\n    host: shop.example.com\n",
    )
    .expect("write");
    let r = run(&["render", "-f", path]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("2 problems"), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("site.yaml:6: defaults.labels \"tier=front end\""),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("site.yaml:11: sites[1].labels \"owner=-ops\""),
        "{}",
        r.stderr
    );
}

#[test]
fn local_disk_with_three_replicas_explains_why() {
    let mut args = site_args();
    args.extend(["--replicas", "3"]);
    let r = run(&args);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("ReadWriteOnce"), "{}", r.stderr);
    assert!(r.stderr.contains("--disk nfs"), "{}", r.stderr);
    assert_eq!(r.stdout, "");
}

#[test]
fn missing_required_flags_are_a_usage_error_listing_all_of_them() {
    let r = run(&["render"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    for flag in ["--name", "--image", "--host"] {
        assert!(r.stderr.contains(flag), "{}", r.stderr);
    }
    assert_eq!(r.stdout, "");
}

#[test]
fn unknown_flag_is_a_usage_error() {
    let r = run(&["render", "--nmae", "blog"]);
    assert_eq!(r.code, 2);
    assert_eq!(r.stdout, "");
}

#[test]
fn escaped_values_in_errors() {
    let r = run(&[
        "render",
        "--name",
        "a\nb\u{202E}",
        "--image",
        IMAGE,
        "--host",
        "x.example.com",
    ]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains(r#""a\nb\u{202e}""#), "{}", r.stderr);
}

#[test]
fn tag_images_warn_on_stderr_and_digests_do_not() {
    let r = run(&site_args());
    assert!(r.stderr.contains("not pinned by digest"), "{}", r.stderr);
    let r = run(&[
        "render",
        "--name",
        "blog",
        "--image",
        DIGEST_IMAGE,
        "--host",
        "b.example.com",
    ]);
    assert_eq!(r.code, 0);
    assert!(!r.stderr.contains("warning"), "{}", r.stderr);
}

#[test]
fn never_waits_for_stdin() {
    // stdin is a pipe that never closes: render must not read it.
    let bin = assert_cmd::cargo::cargo_bin("kubesite");
    let child = StdCommand::new(bin)
        .args(site_args())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawns");
    let status = wait_or_fail(child, "render");
    assert!(status.success());
}

#[test]
fn spec_file_with_flag_override() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("kubesite.yaml");
    fs::write(
        &file,
        format!(
            "version: 1\nname: blog\nimage: {IMAGE}\nhost: blog.example.com\ndisk: database\nlabels:\n  team: web\n"
        ),
    )
    .expect("write");
    let file = file.to_str().expect("utf-8 path");
    let r = run(&["render", "-f", file, "--host", "www.example.com"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let docs = documents(&r.stdout);
    let ingress = docs.iter().find(|d| kind(d) == "Ingress").expect("ingress");
    assert_eq!(
        ingress["spec"]["rules"][0]["host"].as_str(),
        Some("www.example.com")
    );
    assert!(
        docs.iter()
            .all(|d| d["metadata"]["labels"]["team"].as_str() == Some("web"))
    );
    assert_eq!(docs.iter().filter(|d| kind(d) == "Deployment").count(), 2);
}

#[test]
fn spec_file_errors_name_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("site.yaml");
    fs::write(
        &file,
        "version: 1\nname: blog\nimage: nginx:1.27\nhost: Blog.Example.com\n",
    )
    .expect("write");
    let r = run(&["render", "-f", file.to_str().expect("utf-8")]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("site.yaml:4: host \"Blog.Example.com\""),
        "{}",
        r.stderr
    );

    fs::write(&file, "version: 1\nname: blog\nimgae: nginx\n").expect("write");
    let r = run(&["render", "-f", file.to_str().expect("utf-8")]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("imgae") && r.stderr.contains("line 3"),
        "{}",
        r.stderr
    );
    assert_eq!(r.stdout, "");
}

#[test]
fn output_folder_is_kustomizable_and_rerender_is_idempotent() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("k8s");
    let out_s = out.to_str().expect("utf-8");
    let mut args = site_args();
    args.extend(["--disk", "database", "-o", out_s]);
    let r = run(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, "");
    let kustomization = fs::read_to_string(out.join("kustomization.yaml")).expect("written");
    let listed: Vec<String> = documents(&kustomization)[0]["resources"]
        .as_sequence()
        .expect("resources")
        .iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    let mut on_disk: Vec<String> = fs::read_dir(&out)
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n != "kustomization.yaml")
        .collect();
    on_disk.sort();
    let mut sorted = listed.clone();
    sorted.sort();
    assert_eq!(sorted, on_disk);

    // The same render again changes nothing.
    let mut dry = args.clone();
    dry.push("--dry-run");
    let r = run(&dry);
    assert_eq!(r.code, 0);
    assert!(
        r.stdout.lines().all(|l| l.starts_with("unchanged")),
        "{}",
        r.stdout
    );
}

#[test]
fn output_refuses_to_replace_foreign_files_without_force() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path();
    fs::write(out.join("deployment.yaml"), "my own file\n").expect("write");
    fs::write(out.join("notes.txt"), "keep me\n").expect("write");
    let mut args = site_args();
    args.extend(["-o", out.to_str().expect("utf-8")]);
    let r = run(&args);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("deployment.yaml"), "{}", r.stderr);
    assert!(r.stderr.contains("--force"), "{}", r.stderr);
    assert_eq!(
        fs::read_to_string(out.join("deployment.yaml")).expect("read"),
        "my own file\n"
    );
    assert!(
        !out.join("service.yaml").exists(),
        "nothing written on refusal"
    );

    let mut forced = args.clone();
    forced.push("--force");
    let r = run(&forced);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        fs::read_to_string(out.join("deployment.yaml"))
            .expect("read")
            .contains("kind: Deployment")
    );
    assert_eq!(
        fs::read_to_string(out.join("notes.txt")).expect("read"),
        "keep me\n"
    );
}

#[test]
fn switching_disk_removes_files_kubesite_no_longer_produces() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("k8s");
    let out_s = out.to_str().expect("utf-8");
    let mut db = site_args();
    db.extend(["--disk", "database", "-o", out_s]);
    assert_eq!(run(&db).code, 0);
    assert!(out.join("redis-deployment.yaml").exists());
    let mut local = site_args();
    local.extend(["-o", out_s]);
    let r = run(&local);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!out.join("redis-deployment.yaml").exists());
    assert!(out.join("persistentvolumeclaim.yaml").exists());
}

#[test]
fn dry_run_and_diff_write_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("k8s");
    let out_s = out.to_str().expect("utf-8");
    for flag in ["--dry-run", "--diff"] {
        let mut args = site_args();
        args.extend(["-o", out_s, flag]);
        let r = run(&args);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(r.stdout.contains("deployment.yaml"), "{flag}: {}", r.stdout);
        assert!(!out.exists(), "{flag} wrote something");
    }
}

#[test]
fn exit_code_tells_whether_the_folder_is_up_to_date() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("k8s");
    let out_s = out.to_str().expect("utf-8");
    let with = |extra: &[&str]| {
        let mut args = site_args();
        args.extend(["-o", out_s]);
        args.extend(extra);
        run(&args)
    };
    // Nothing there yet: every file would be created.
    let r = with(&["--diff", "--exit-code"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stdout.contains("+kind: Deployment"), "{}", r.stdout);
    assert!(
        r.stderr.contains("10 of 10 files in") && r.stderr.contains("would change"),
        "{}",
        r.stderr
    );
    assert!(!out.exists(), "--exit-code wrote something");
    // Written: up to date, for both previews.
    assert_eq!(with(&[]).code, 0);
    for preview in ["--diff", "--dry-run"] {
        let r = with(&[preview, "--exit-code"]);
        assert_eq!(r.code, 0, "{preview}: {}", r.stderr);
    }
    // Another port: only the Deployment would change (the Service and the
    // policies use the port's name).
    let mut args = site_args();
    args.extend(["--port", "9090", "-o", out_s, "--dry-run", "--exit-code"]);
    let r = run(&args);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stdout.contains("update     "), "{}", r.stdout);
    assert!(r.stderr.contains("1 of 10 files"), "{}", r.stderr);
    // Without a preview, or without -o, it is a usage error.
    assert_eq!(with(&["--exit-code"]).code, 2);
    let mut args = site_args();
    args.extend(["--diff", "--exit-code"]);
    assert_eq!(run(&args).code, 2);
}

#[cfg(unix)]
#[test]
fn a_symlink_in_the_output_folder_is_never_followed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let outside = dir.path().join("outside.yaml");
    fs::write(&outside, "precious\n").expect("write");
    let out = dir.path().join("k8s");
    fs::create_dir(&out).expect("mkdir");
    std::os::unix::fs::symlink(&outside, out.join("deployment.yaml")).expect("symlink");
    let mut args = site_args();
    args.extend(["-o", out.to_str().expect("utf-8")]);
    assert_eq!(run(&args).code, 1, "a link counts as a foreign file");
    args.push("--force");
    assert_eq!(run(&args).code, 0);
    assert_eq!(fs::read_to_string(&outside).expect("read"), "precious\n");
    assert!(
        !fs::symlink_metadata(out.join("deployment.yaml"))
            .expect("meta")
            .file_type()
            .is_symlink()
    );
}

#[test]
fn help_has_examples_and_exit_codes() {
    let r = run(&["render", "--help"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("Examples:"));
    assert!(r.stdout.contains("Exit codes:"));
}

const THREE_SITES: &str = "version: 1
defaults:
  image: registry.example.com/sites:1.0.0
  disk: database
  labels:
    team: web
sites:
  - name: blog
    host: blog.example.com
  - name: shop
    host: shop.example.com
    route: gateway
    autoscale: \"2:6\"
  - name: docs
    host: docs.example.com
    disk: nfs
    nfs-server: nfs.example.com
    nfs-path: /exports/docs
    replicas: 3
";

#[test]
fn three_site_file_renders_a_stream_and_a_kustomizable_folder() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("sites.yaml");
    fs::write(&file, THREE_SITES).expect("write");
    let file = file.to_str().expect("utf-8");
    let r = run(&["render", "-f", file]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    insta::assert_snapshot!("three_sites", r.stdout);
    let docs = documents(&r.stdout);
    let namespaces: Vec<&str> = docs
        .iter()
        .filter(|d| kind(d) == "Namespace")
        .filter_map(|d| d["metadata"]["name"].as_str())
        .collect();
    assert_eq!(
        namespaces,
        ["blog", "shop", "docs"],
        "file order, one namespace each"
    );

    let out = dir.path().join("deploy");
    let r = run(&["render", "-f", file, "-o", out.to_str().expect("utf-8")]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for site in ["blog", "shop", "docs"] {
        assert!(
            out.join(site).join("kustomization.yaml").is_file(),
            "{site}"
        );
    }
    let built = StdCommand::new("kubectl")
        .arg("kustomize")
        .arg(&out)
        .output()
        .expect("kubectl is installed");
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let built = String::from_utf8_lossy(&built.stdout);
    assert_eq!(documents(&built).len(), docs.len());
}

#[test]
fn cross_site_clashes_name_both_sites() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("sites.yaml");
    fs::write(
        &file,
        "version: 1\ndefaults:\n  image: nginx:1.27\nsites:\n  - name: blog\n    host: blog.example.com\n  - name: blog\n    host: b.example.com\n  - name: shop\n    namespace: blog\n    host: blog.example.com\n",
    )
    .expect("write");
    let r = run(&["render", "-f", file.to_str().expect("utf-8")]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.stdout, "");
    assert!(
        r.stderr
            .contains("sites.yaml:7: sites[1].name \"blog\": is also the name of site blog ("),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("sites.yaml:10: sites[2].namespace \"blog\""),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains(
            "sites.yaml:11: sites[2].host \"blog.example.com\": is also the host of site blog"
        ),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("3 problems"),
        "the namespace that follows from a clashing name is not reported twice: {}",
        r.stderr
    );

    // Sharing a namespace is allowed when asked for, and the Namespace is rendered once.
    fs::write(
        &file,
        "version: 1\nshared-namespaces: true\ndefaults:\n  image: nginx:1.27\n  namespace: web\nsites:\n  - name: blog\n    host: blog.example.com\n  - name: shop\n    host: shop.example.com\n",
    )
    .expect("write");
    let r = run(&["render", "-f", file.to_str().expect("utf-8")]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        documents(&r.stdout)
            .iter()
            .filter(|d| kind(d) == "Namespace")
            .count(),
        1
    );
}

#[test]
fn site_flags_with_a_multi_site_file_are_a_usage_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("sites.yaml");
    fs::write(&file, THREE_SITES).expect("write");
    let r = run(&[
        "render",
        "-f",
        file.to_str().expect("utf-8"),
        "--replicas",
        "2",
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("--replicas") && r.stderr.contains("defaults:"),
        "{}",
        r.stderr
    );
    // Named as typed, and a label without `=` is not silently dropped.
    let r = run(&[
        "render",
        "-f",
        file.to_str().expect("utf-8"),
        "--no-tls",
        "--label",
        "team",
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("(--no-tls, --label)"), "{}", r.stderr);
    assert_eq!(r.stdout, "");
}

#[test]
fn new_explains_that_it_takes_one_site() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("sites.yaml");
    fs::write(&file, THREE_SITES).expect("write");
    let out = dir.path().join("repo");
    let r = run(&[
        "new",
        "--no-input",
        "-f",
        file.to_str().expect("utf-8"),
        out.to_str().expect("utf-8"),
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("holds a `sites:` list of 3 sites, and `kubesite new` writes"),
        "{}",
        r.stderr
    );
    assert!(!out.exists(), "nothing written");
}

#[test]
fn autoscale_with_a_local_disk_explains_why() {
    let mut args = site_args();
    args.extend(["--autoscale", "2:5"]);
    let r = run(&args);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("--autoscale \"2:5\": cannot be used with --disk local"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("1 problem"), "{}", r.stderr);
}

#[test]
fn completions_for_every_shell_know_the_subcommands() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let r = run(&["completions", shell]);
        assert_eq!(r.code, 0, "{shell}: {}", r.stderr);
        for word in ["render", "new", "check", "disk", "no-input"] {
            assert!(r.stdout.contains(word), "{shell} completion lacks {word}");
        }
    }
    assert_eq!(run(&["completions", "tcsh"]).code, 2);
}

#[test]
fn man_page_is_roff_naming_every_command() {
    let r = run(&["man"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains(".TH kubesite 1"),
        "{}",
        &r.stdout[..200.min(r.stdout.len())]
    );
    for word in ["render", "new", "check", "completions"] {
        assert!(r.stdout.contains(word), "man page lacks {word}");
    }
}

#[test]
fn every_subcommand_help_has_an_example() {
    for sub in ["render", "new", "check", "completions", "man"] {
        let r = run(&[sub, "--help"]);
        assert_eq!(r.code, 0, "{sub}");
        assert!(r.stdout.contains("Example"), "{sub} --help has no example");
    }
}

/// The README's examples are what a new user types first, so they run here:
/// every `kubesite` command of its `sh` blocks, in order, in one empty
/// folder holding the spec files its `yaml` blocks name (`# sites.yaml`).
/// What a command pipes into kubectl, and commands that need a terminal
/// (`kubesite new` without `--no-input`) or other tools, are left out.
#[test]
fn the_readme_examples_run() {
    let readme =
        fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README.md");
    let dir = tempfile::tempdir().expect("temp dir");
    let bin = assert_cmd::cargo::cargo_bin("kubesite");
    let path = format!(
        "{}:{}",
        bin.parent().expect("bin dir").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut ran = Vec::new();
    for block in readme.split("```").skip(1).step_by(2) {
        let (lang, body) = block.split_once('\n').expect("a fenced block");
        if lang == "yaml" {
            if let Some(name) = body.lines().next().and_then(|l| l.strip_prefix("# ")) {
                fs::write(dir.path().join(name), body).expect("write spec file");
            }
            continue;
        }
        if lang != "sh" {
            continue;
        }
        for command in body.replace("\\\n", " ").lines() {
            let command = command.trim();
            // Only kubesite's part of a pipeline into kubectl (or helm).
            let command = command
                .split(" | kubectl")
                .next()
                .and_then(|c| c.split(" && kubectl").next())
                .expect("a command");
            let interactive =
                command.starts_with("kubesite new") && !command.contains("--no-input");
            if !command.starts_with("kubesite ") || interactive {
                continue;
            }
            let out = StdCommand::new("sh")
                .arg("-c")
                .arg(command)
                .current_dir(dir.path())
                .env("PATH", &path)
                .stdin(Stdio::null())
                .output()
                .expect("sh runs");
            assert!(
                out.status.success(),
                "README example failed ({}): {command}\n{}{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            ran.push(command.to_owned());
        }
    }
    // The examples of each command are all there (a README rewrite that
    // loses them should fail here, not silently run nothing).
    for sub in ["kubesite new ", "kubesite render ", "kubesite check "] {
        assert!(
            ran.iter().filter(|c| c.starts_with(sub)).count() >= 2,
            "fewer than two runnable `{sub}` examples: {ran:#?}"
        );
    }
    assert!(dir.path().join("deploy/shop/httproute.yaml").is_file());
    assert!(dir.path().join("kubesite.sarif").is_file());
}

/// Every spec file the guide shows (a `yaml` block with `version:`) is one
/// kubesite accepts and renders.
#[test]
fn the_guide_spec_files_render() {
    let guide = fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/guide.md"))
        .expect("docs/guide.md");
    let dir = tempfile::tempdir().expect("temp dir");
    let mut rendered = 0;
    for block in guide.split("```").skip(1).step_by(2) {
        let Some(body) = block.strip_prefix("yaml\n") else {
            continue;
        };
        if !body.lines().any(|l| l.starts_with("version:")) {
            continue;
        }
        let file = dir.path().join(format!("spec-{rendered}.yaml"));
        fs::write(&file, body).expect("write");
        let out = kubesite()
            .args(["render", "-f"])
            .arg(&file)
            .output()
            .expect("runs");
        assert!(
            out.status.success(),
            "docs/guide.md spec does not render:\n{body}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("kind: Deployment"));
        rendered += 1;
    }
    assert!(
        rendered >= 2,
        "the guide shows a single-site and a multi-site file"
    );
}
