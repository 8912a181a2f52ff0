//! `kubesite new`: script mode, the generated tree, safe writing, and the
//! wizard through a real pseudo-terminal.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Stdio};
use std::time::Duration;

use assert_cmd::Command;

use crate::support::IMAGE;

fn kubesite() -> Command {
    Command::cargo_bin("kubesite").expect("binary built")
}

fn new_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = kubesite()
        .arg("new")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Every file under `root`, relative, sorted.
fn tree(root: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<PathBuf>) {
        for entry in fs::read_dir(dir).expect("list") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(&path, root, out);
            } else {
                out.push(path.strip_prefix(root).expect("inside").to_owned());
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out.sort();
    out
}

#[test]
fn generated_tree_per_disk_type() {
    for disk in ["local", "nfs", "database"] {
        let tmp = tempfile::tempdir().expect("tempdir");
        let mut args = vec!["demo", "--no-input", "--defaults", "--disk", disk];
        if disk == "nfs" {
            args.extend([
                "--nfs-server",
                "nfs.example.com",
                "--nfs-path",
                "/exports/demo",
            ]);
        }
        let (code, _, stderr) = new_in(tmp.path(), &args);
        assert_eq!(code, 0, "{disk}: {stderr}");
        let root = tmp.path().join("demo");
        let mut snapshot = String::new();
        for path in tree(&root) {
            let text = fs::read_to_string(root.join(&path)).expect("utf-8 file");
            let shown = if path.ends_with("redis.env") {
                assert!(text.starts_with("password="), "{text:?}");
                let pw = text.trim_end().trim_start_matches("password=");
                assert_eq!(pw.len(), 32);
                assert!(pw.chars().all(|c| c.is_ascii_alphanumeric()));
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt;
                    let mode = fs::metadata(root.join(&path))
                        .expect("meta")
                        .permissions()
                        .mode();
                    assert_eq!(mode & 0o777, 0o600, "password file mode");
                }
                "password=<32 random letters and digits>\n".to_owned()
            } else {
                text
            };
            snapshot.push_str(&format!("===== {}\n{shown}", path.display()));
        }
        insta::assert_snapshot!(format!("new_tree_{disk}"), snapshot);
        assert!(
            !stderr.contains("password="),
            "the password is never printed"
        );
    }
}

#[test]
fn generated_k8s_folder_is_what_render_writes_and_kustomize_accepts() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (code, _, stderr) = new_in(
        tmp.path(),
        &["demo", "--no-input", "--defaults", "--disk", "database"],
    );
    assert_eq!(code, 0, "{stderr}");
    let root = tmp.path().join("demo");
    let status = StdCommand::new("kubectl")
        .args(["kustomize"])
        .arg(root.join("k8s"))
        .stdout(Stdio::null())
        .status()
        .expect("kubectl is installed (the README's test command needs it)");
    assert!(status.success());
    // Re-rendering from the spec file changes nothing.
    let out = kubesite()
        .args(["render", "-f", "kubesite.yaml", "-o", "k8s", "--dry-run"])
        .current_dir(&root)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let plan = String::from_utf8_lossy(&out.stdout);
    assert!(plan.lines().all(|l| l.starts_with("unchanged")), "{plan}");
}

#[test]
fn missing_values_are_listed_at_once_without_a_terminal() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (code, stdout, stderr) = new_in(tmp.path(), &["demo", "--no-input"]);
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(stdout, "");
    for flag in ["--name", "--image", "--host"] {
        assert!(stderr.contains(flag), "{stderr}");
    }
    assert!(
        stderr.contains("kubesite new blog --no-input"),
        "example command line: {stderr}"
    );
    assert!(!tmp.path().join("demo").exists());
}

#[test]
fn closed_stdin_never_blocks() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let bin = assert_cmd::cargo::cargo_bin("kubesite");
    let child = StdCommand::new(bin)
        .args(["new", "demo"]) // no --no-input: stdin not being a terminal implies it
        .current_dir(tmp.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawns");
    let status = crate::support::wait_or_fail(child, "kubesite new");
    assert_eq!(status.code(), Some(2));
}

#[test]
fn the_site_is_named_after_the_folder_also_when_it_is_dot() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let folder = tmp.path().join("My Blog");
    fs::create_dir(&folder).expect("mkdir");
    let (code, _, stderr) = new_in(&folder, &[".", "--no-input", "--defaults"]);
    assert_eq!(code, 0, "{stderr}");
    let spec = fs::read_to_string(folder.join("kubesite.yaml")).expect("written here");
    assert!(spec.contains("name: \"my-blog\""), "{spec}");
    assert!(spec.contains("host: \"my-blog.example.com\""), "{spec}");
}

#[test]
fn a_folder_holding_only_git_counts_as_empty() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let git = tmp.path().join(".git");
    fs::create_dir(&git).expect("mkdir");
    fs::write(git.join("HEAD"), "ref: refs/heads/main\n").expect("write");
    let (code, _, stderr) = new_in(tmp.path(), &[".", "--no-input", "--defaults"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(tmp.path().join("kubesite.yaml").is_file());
    assert_eq!(
        fs::read_to_string(git.join("HEAD")).expect("kept"),
        "ref: refs/heads/main\n"
    );
    assert_eq!(
        fs::read_dir(&git).expect("list").count(),
        1,
        "nothing added"
    );
    // Anything else beside it still makes the folder not empty.
    let other = tempfile::tempdir().expect("tempdir");
    fs::create_dir(other.path().join(".git")).expect("mkdir");
    fs::write(other.path().join("LICENSE"), "MIT\n").expect("write");
    let (code, _, stderr) = new_in(other.path(), &[".", "--no-input", "--defaults"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("is not empty"), "{stderr}");
}

#[test]
fn refuses_a_non_empty_folder_and_force_touches_only_generated_files() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("demo");
    fs::create_dir(&root).expect("mkdir");
    fs::write(root.join("notes.txt"), "mine\n").expect("write");
    fs::write(root.join("Dockerfile"), "FROM scratch\n").expect("write");
    let (code, _, stderr) = new_in(tmp.path(), &["demo", "--no-input", "--defaults"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("not empty") && stderr.contains("--force"),
        "{stderr}"
    );
    assert_eq!(tree(&root).len(), 2, "nothing written on refusal");

    let (code, _, stderr) = new_in(tmp.path(), &["demo", "--no-input", "--defaults", "--force"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        fs::read_to_string(root.join("notes.txt")).expect("read"),
        "mine\n"
    );
    assert!(
        fs::read_to_string(root.join("Dockerfile"))
            .expect("read")
            .contains("nginx-unprivileged")
    );
}

#[cfg(unix)]
#[test]
fn a_symlinked_folder_inside_the_target_is_not_followed() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let outside = tmp.path().join("outside");
    fs::create_dir(&outside).expect("mkdir");
    let root = tmp.path().join("demo");
    fs::create_dir(&root).expect("mkdir");
    std::os::unix::fs::symlink(&outside, root.join("k8s")).expect("symlink");
    let (code, _, stderr) = new_in(tmp.path(), &["demo", "--no-input", "--defaults", "--force"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("symbolic link"), "{stderr}");
    assert_eq!(
        fs::read_dir(&outside).expect("list").count(),
        0,
        "nothing written outside"
    );
}

#[test]
fn dry_run_lists_the_plan_and_writes_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (code, stdout, stderr) = new_in(
        tmp.path(),
        &[
            "demo",
            "--no-input",
            "--defaults",
            "--dry-run",
            "--disk",
            "database",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("create     demo/Dockerfile"), "{stdout}");
    assert!(stdout.contains("demo/k8s/redis.env"), "{stdout}");
    assert!(!stdout.contains("password="));
    assert!(!tmp.path().join("demo").exists());
}

/// The wizard, through a real pseudo-terminal.
#[cfg(unix)]
mod pty {
    use super::*;
    use expectrl::{ControlCode, Eof, Expect, Session};

    const DOWN: &str = "\x1b[B";

    fn spawn(dir: &Path, args: &[&str]) -> expectrl::session::OsSession {
        let mut cmd = StdCommand::new(assert_cmd::cargo::cargo_bin("kubesite"));
        cmd.arg("new")
            .args(args)
            .current_dir(dir)
            .env("NO_COLOR", "1");
        let mut session = Session::spawn(cmd).expect("spawns in a pty");
        session.set_expect_timeout(Some(Duration::from_secs(20)));
        session
    }

    fn exit_code(mut p: expectrl::session::OsSession) -> i32 {
        let _ = p.expect(Eof);
        match p.get_process_mut().wait().expect("waits") {
            expectrl::process::unix::WaitStatus::Exited(_, code) => code,
            // Killed by a signal: report it as a shell would (128 + number).
            expectrl::process::unix::WaitStatus::Signaled(_, sig, _) => 128 + sig as i32,
            other => panic!("did not exit: {other:?}"),
        }
    }

    fn answer(p: &mut expectrl::session::OsSession, prompt: &str, text: &str) {
        p.expect(prompt)
            .unwrap_or_else(|e| panic!("prompt {prompt:?}: {e}"));
        p.send(text).expect("types");
        p.send("\r").expect("enter");
    }

    #[test]
    fn full_wizard_for_each_disk_type() {
        for (downs, disk) in [(0, "local"), (1, "nfs"), (2, "database")] {
            let tmp = tempfile::tempdir().expect("tempdir");
            let mut p = spawn(tmp.path(), &["site"]);
            answer(&mut p, "Site name", "");
            answer(&mut p, "Container image", "");
            p.expect("Disk type").expect("disk prompt");
            for _ in 0..downs {
                p.send(DOWN).expect("down");
            }
            p.send("\r").expect("enter");
            answer(&mut p, "Host name", "");
            if disk == "nfs" {
                answer(&mut p, "NFS server", "");
                answer(&mut p, "NFS export path", "");
            }
            if disk != "local" {
                answer(&mut p, "Replicas", "");
            }
            answer(&mut p, "size", "");
            p.expect("Route").expect("route prompt");
            p.send("\r").expect("enter: ingress");
            answer(&mut p, "HTTPS", "y");
            answer(&mut p, "ClusterIssuer", "");
            p.expect("Summary").expect("summary");
            answer(&mut p, "Write the repository", "y");
            assert_eq!(exit_code(p), 0, "{disk}");
            let spec = fs::read_to_string(tmp.path().join("site/kubesite.yaml")).expect("written");
            assert!(spec.contains(&format!("disk: \"{disk}\"")), "{spec}");
        }
    }

    #[test]
    fn a_rejected_answer_shows_the_flag_message_and_asks_again() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let mut p = spawn(
            tmp.path(),
            &[
                "site",
                "--name",
                "site",
                "--image",
                "nginx:1.27",
                "--disk",
                "local",
            ],
        );
        p.expect("Host name").expect("host prompt");
        // Clear the default, then type an invalid host.
        for _ in 0.."site.example.com".len() {
            p.send("\x7f").expect("backspace");
        }
        p.send("Bad.Example.com\r").expect("types");
        p.expect("--host \"Bad.Example.com\": must be lower case")
            .expect("flag's message");
        for _ in 0.."Bad.Example.com".len() {
            p.send("\x7f").expect("backspace");
        }
        p.send("good.example.com\r").expect("types");
        answer(&mut p, "size", "");
        // The route: the second choice, a Gateway API HTTPRoute.
        p.expect("Route").expect("route prompt");
        p.send(DOWN).expect("down");
        p.send("\r").expect("enter");
        answer(&mut p, "Gateway", "");
        p.expect("Summary").expect("summary");
        answer(&mut p, "Write the repository", "y");
        assert_eq!(exit_code(p), 0);
        let spec = fs::read_to_string(tmp.path().join("site/kubesite.yaml")).expect("written");
        assert!(spec.contains("host: \"good.example.com\""), "{spec}");
        assert!(spec.contains("route: \"gateway\""), "{spec}");
        assert!(tmp.path().join("site/k8s/httproute.yaml").is_file());
    }

    #[test]
    fn values_refused_as_given_are_reported_before_any_question() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let mut p = spawn(
            tmp.path(),
            &["site", "--port", "http", "--storage-size", "lots"],
        );
        // Both problems, at once, instead of a first question (before this
        // was fixed, the wizard sat at "Site name" and this timed out).
        let found = p
            .expect("2 problems in the site spec")
            .expect("reported at the start");
        let before = String::from_utf8_lossy(found.before()).into_owned();
        assert!(!before.contains("Site name"), "asked first:\n{before}");
        p.expect("--port \"http\"").expect("the port");
        p.expect("--storage-size \"lots\"").expect("the size");
        assert_eq!(exit_code(p), 1);
        assert_eq!(fs::read_dir(tmp.path()).expect("list").count(), 0);
    }

    #[test]
    fn a_folder_that_is_not_free_is_said_before_the_questions() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let taken = tmp.path().join("taken");
        fs::create_dir(&taken).expect("mkdir");
        fs::write(taken.join("notes.txt"), "mine\n").expect("write");
        // Given as DIR, or by the name: refused before the first question.
        for args in [&["taken"][..], &["--name", "taken"]] {
            let mut p = spawn(tmp.path(), args);
            let found = p.expect("is not empty").expect("refused at once");
            let before = String::from_utf8_lossy(found.before()).into_owned();
            assert!(
                !before.contains("Site name"),
                "{args:?} asked first:\n{before}"
            );
            assert_eq!(exit_code(p), 1, "{args:?}");
        }
        // Answered: the name is asked again.
        let mut p = spawn(tmp.path(), &[]);
        p.expect("Site name").expect("name prompt");
        p.send("\x7f".repeat(64)).expect("clear the suggestion");
        p.send("taken\r").expect("types");
        p.expect("the folder taken exists and is not empty")
            .expect("the name's folder is checked");
        p.send("\x7f".repeat(5)).expect("backspace");
        p.send("fresh\r").expect("types");
        p.expect("Container image").expect("goes on");
        p.send(ControlCode::EndOfText).expect("ctrl-c");
        assert_eq!(exit_code(p), 130);
        assert_eq!(
            fs::read_dir(&taken).expect("list").count(),
            1,
            "nothing added to the taken folder"
        );
    }

    #[test]
    fn declining_at_the_summary_writes_nothing() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let mut p = spawn(
            tmp.path(),
            &[
                "site",
                "--name",
                "site",
                "--image",
                "nginx:1.27",
                "--host",
                "site.example.com",
                "--disk",
                "local",
                "--route",
                "ingress",
                "--no-tls",
                "--storage-size",
                "1Gi",
            ],
        );
        p.expect("Summary").expect("summary");
        answer(&mut p, "Write the repository", "n");
        assert_eq!(exit_code(p), 0);
        assert_eq!(fs::read_dir(tmp.path()).expect("list").count(), 0);
    }

    #[test]
    fn ctrl_c_writes_nothing_and_exits_130() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let mut p = spawn(tmp.path(), &["site"]);
        answer(&mut p, "Site name", "");
        p.expect("Container image").expect("image prompt");
        p.send(ControlCode::EndOfText).expect("ctrl-c");
        let code = exit_code(p);
        assert_eq!(code, 130);
        assert_eq!(fs::read_dir(tmp.path()).expect("list").count(), 0);
    }
}

/// The starter README describes the site that was generated: its route
/// (Ingress or the Gateway's HTTPRoute), its scheme, its pod count and
/// what the cluster needs before `kubectl apply -k`.
#[test]
fn the_starter_readme_follows_route_tls_and_autoscaling() {
    let site = [
        "--no-input",
        "--name",
        "blog",
        "--image",
        IMAGE,
        "--host",
        "blog.example.com",
    ];
    let cases: [(&[&str], &[&str], &[&str]); 3] = [
        (
            &[],
            &[
                "https://blog.example.com ──► Ingress",
                "(1 pod)",
                "ClusterIssuer `letsencrypt`",
            ],
            &["HTTPRoute", "plain HTTP"],
        ),
        (
            &[
                "--disk",
                "database",
                "--route",
                "gateway",
                "--gateway",
                "public/edge",
                "--autoscale",
                "2:6",
            ],
            &[
                "HTTPRoute (Gateway edge/public)",
                "(2 to 6 pods, autoscaled)",
                "the Gateway `public` in the\n   namespace `edge`",
            ],
            &["──► Ingress", "cert-manager"],
        ),
        (
            &["--no-tls", "--disk", "database", "--replicas", "3"],
            &[
                "http://blog.example.com ──► Ingress",
                "(3 pods)",
                "plain HTTP",
            ],
            &["https://blog", "cert-manager"],
        ),
    ];
    for (extra, present, absent) in cases {
        let dir = tempfile::tempdir().expect("temp dir");
        let args: Vec<&str> = ["site"].iter().chain(&site).chain(extra).copied().collect();
        let (code, _, stderr) = new_in(dir.path(), &args);
        assert_eq!(code, 0, "{args:?}: {stderr}");
        let readme = fs::read_to_string(dir.path().join("site/README.md")).expect("README");
        for text in present {
            assert!(readme.contains(text), "{extra:?}: no {text:?} in\n{readme}");
        }
        for text in absent {
            assert!(!readme.contains(text), "{extra:?}: {text:?} in\n{readme}");
        }
    }
}
