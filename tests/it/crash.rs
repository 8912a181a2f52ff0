//! Nothing is lost: `kubesite new` and `render -o` killed at any moment,
//! writing into a full disk or a folder that cannot be written, and links
//! that point outside the target.
//!
//! The guarantees under test (docs/hardening.md):
//! - a new target folder appears complete or not at all (it is built as a
//!   hidden sibling and renamed into place);
//! - in an existing folder each file is either its old or its new content,
//!   never a mix; a later run completes the update;
//! - a failed write reports the path and leaves every existing file as it
//!   was, with no temporary file left behind;
//! - a link inside the target is replaced as a link, never written through.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::IMAGE;

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("kubesite")
}

const SITE: &[&str] = &["--name=blog", "--host=blog.example.com"];

fn render_args(out: &Path, disk: &str) -> Vec<String> {
    let mut args: Vec<String> = vec!["render".into(), format!("--image={IMAGE}")];
    args.extend(SITE.iter().map(|s| s.to_string()));
    args.extend([
        format!("--disk={disk}"),
        "-o".into(),
        out.display().to_string(),
    ]);
    args
}

fn new_args(dir: &Path) -> Vec<String> {
    let mut args: Vec<String> = vec![
        "new".into(),
        dir.display().to_string(),
        "--no-input".into(),
        format!("--image={IMAGE}"),
        "--disk=nfs".into(),
        "--nfs-server=nfs.example.com".into(),
        "--nfs-path=/exports/blog".into(),
    ];
    args.extend(SITE.iter().map(|s| s.to_string()));
    args
}

fn spawn(args: &[String]) -> Child {
    Command::new(bin())
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawns")
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(args: &[String]) -> Out {
    let out = Command::new(bin())
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("runs");
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A folder as data: relative path -> content (links as "-> target").
type Tree = BTreeMap<PathBuf, Vec<u8>>;

fn tree(root: &Path) -> Tree {
    fn walk(dir: &Path, root: &Path, out: &mut Tree) {
        for entry in fs::read_dir(dir).expect("list") {
            let path = entry.expect("entry").path();
            let rel = path.strip_prefix(root).expect("inside").to_owned();
            let meta = fs::symlink_metadata(&path).expect("meta");
            if meta.file_type().is_symlink() {
                let to = fs::read_link(&path).expect("link");
                out.insert(rel, format!("-> {}", to.display()).into_bytes());
            } else if meta.is_dir() {
                walk(&path, root, out);
            } else {
                out.insert(rel, fs::read(&path).expect("read"));
            }
        }
    }
    let mut out = Tree::new();
    walk(root, root, &mut out);
    out
}

/// Hidden temporaries kubesite names `.NAME.kubesite-PID`.
fn is_temp(name: &str) -> bool {
    name.starts_with('.') && name.contains(".kubesite-")
}

/// Temporaries under `dir`, at any depth.
fn temps(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for entry in entries {
        let path = entry.expect("entry").path();
        let name = path.file_name().expect("name").to_string_lossy();
        if is_temp(&name) {
            out.push(path.clone());
        }
        if fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir()) {
            out.extend(temps(&path));
        }
    }
    out
}

/// The same tree, without kubesite's temporaries.
fn without_temps(tree: &Tree) -> Tree {
    tree.iter()
        .filter(|(p, _)| {
            !p.components()
                .any(|c| is_temp(&c.as_os_str().to_string_lossy()))
        })
        .map(|(p, c)| (p.clone(), c.clone()))
        .collect()
}

/// Rounds of kill moments per test; more search longer (each round is 42
/// kills per command, about 5 s of a test run on 2 cores).
const ROUNDS: usize = 1;

/// When to kill: a delay after the start, or after the first temporary
/// appears (the writes have begun).
#[derive(Clone, Copy, Debug)]
enum When {
    AfterStart(Duration),
    AfterFirstWrite(Duration),
}

/// 0 to 20 ms after the start in 1 ms steps (the process starting,
/// parsing, rendering), and 21 moments spread over the write phase as it
/// lasts on this machine (each file is synced, so it takes a while), so
/// that half the kills land inside the writes themselves.
fn moments(write_phase: Duration) -> Vec<When> {
    let from_start = (0..=20).map(|ms| When::AfterStart(Duration::from_millis(ms)));
    let step = write_phase.mul_f64(1.1) / 20;
    let from_write = (0..=20).map(move |i| When::AfterFirstWrite(step * i));
    from_start.chain(from_write).collect()
}

/// How long the writes take: from the first temporary to the exit (the
/// shortest of three runs, each after `reset`; 50 ms if none was seen).
fn write_phase(args: &[String], watch: &Path, reset: impl Fn()) -> Duration {
    (0..3)
        .filter_map(|_| {
            reset();
            let mut child = spawn(args);
            let mut first = None;
            let start = Instant::now();
            loop {
                if first.is_none() && !temps(watch).is_empty() {
                    first = Some(Instant::now());
                }
                if let Ok(Some(_)) = child.try_wait() {
                    break;
                }
                assert!(start.elapsed() < Duration::from_secs(20), "kubesite hangs");
                std::thread::sleep(Duration::from_micros(100));
            }
            // A run whose writes the polling missed says nothing.
            first.map(|t| t.elapsed())
        })
        .min()
        .unwrap_or(Duration::from_millis(50))
}

fn timed(args: &[String]) {
    let out = run(args);
    assert_eq!(out.code, 0, "{}", out.stderr);
}

/// Runs `args` and SIGKILLs it at `when`; `watch` is where its temporaries
/// appear. Returns whether the process was still running when killed.
fn kill_at(args: &[String], when: When, watch: &Path) -> bool {
    let mut child = spawn(args);
    let start = Instant::now();
    match when {
        When::AfterStart(delay) => std::thread::sleep(delay),
        When::AfterFirstWrite(delay) => loop {
            if !matches!(child.try_wait(), Ok(None)) || start.elapsed() > Duration::from_secs(10) {
                break;
            }
            if !temps(watch).is_empty() {
                std::thread::sleep(delay);
                break;
            }
            std::thread::sleep(Duration::from_micros(100));
        },
    }
    let running = matches!(child.try_wait(), Ok(None));
    let _ = child.kill(); // SIGKILL: no destructor, no cleanup runs
    let _ = child.wait();
    running
}

#[cfg(unix)]
#[test]
fn killed_at_any_moment_a_new_target_is_absent_or_complete() {
    let tmp = tempfile::tempdir().expect("tempdir");
    // The references, from runs left to finish.
    let ref_new = tmp.path().join("ref-new");
    let ref_render = tmp.path().join("ref-render");
    timed(&new_args(&ref_new));
    timed(&render_args(&ref_render, "database"));
    let want_new = tree(&ref_new);
    let want_render = tree(&ref_render);
    assert!(want_new.len() > 15 && want_render.len() > 10);
    let probe = tmp.path().join("probe");
    fs::create_dir(&probe).expect("mkdir");
    let site = probe.join("site");
    let reset = || {
        let _ = fs::remove_dir_all(&site);
    };
    let phase_new = write_phase(&new_args(&site), &probe, reset);
    let phase_render = write_phase(&render_args(&site, "database"), &probe, reset);

    let mut iterations = 0;
    let (mut absent, mut complete, mut killed_running) = (0, 0, 0);
    for round in 0..ROUNDS {
        for (what, want, phase) in [
            ("new", &want_new, phase_new),
            ("render", &want_render, phase_render),
        ] {
            for when in moments(phase) {
                iterations += 1;
                let parent = tmp.path().join(format!("{what}-{round}-{iterations}"));
                fs::create_dir(&parent).expect("mkdir");
                let target = parent.join("site");
                let args = if what == "new" {
                    new_args(&target)
                } else {
                    render_args(&target, "database")
                };
                killed_running += usize::from(kill_at(&args, when, &parent));
                // The target is the real folder or nothing: never a
                // temporary, never a half-filled folder.
                match fs::symlink_metadata(&target) {
                    Err(_) => absent += 1,
                    Ok(meta) => {
                        assert!(meta.is_dir(), "{what} at {when:?}: target is not a folder");
                        assert_eq!(
                            &tree(&target),
                            want,
                            "{what} killed at {when:?} left a partial target"
                        );
                        complete += 1;
                    }
                }
                // Whatever a kill left behind is hidden, and a new run
                // completes: an aborted run never blocks the next.
                for t in temps(&parent) {
                    let name = t.file_name().expect("name").to_string_lossy().into_owned();
                    assert!(name.starts_with('.'), "{name} is visible");
                }
                if iterations % 4 == 0 {
                    let mut again = args.clone();
                    if what == "new" && target.exists() {
                        again.push("--force".into());
                    }
                    let out = run(&again);
                    assert_eq!(out.code, 0, "{what} after a kill: {}", out.stderr);
                    assert_eq!(&tree(&target), want, "{what} after a kill");
                }
                let _ = fs::remove_dir_all(&parent);
            }
        }
    }
    println!(
        "kill test (new target): {iterations} SIGKILLs ({killed_running} while running; \
         writes take {phase_new:?} for new, {phase_render:?} for render): \
         {absent} absent, {complete} complete, 0 partial"
    );
    assert!(iterations >= 84 * ROUNDS, "{iterations}");
    assert!(
        killed_running > 20,
        "too few kills landed while running: {killed_running}"
    );
}

#[cfg(unix)]
#[test]
fn killed_while_updating_every_file_is_old_or_new_and_a_rerun_completes() {
    let tmp = tempfile::tempdir().expect("tempdir");
    // Old: a local disk. New: a database, which changes, adds and removes
    // files (the local PVC goes away, Redis objects arrive).
    let old_dir = tmp.path().join("old");
    let new_dir = tmp.path().join("new");
    timed(&render_args(&old_dir, "local"));
    timed(&render_args(&new_dir, "database"));
    let old = tree(&old_dir);
    let new = tree(&new_dir);
    assert_ne!(old, new);
    let probe = tmp.path().join("probe");
    let phase = write_phase(&render_args(&probe, "database"), &probe, || {
        let _ = fs::remove_dir_all(&probe);
        timed(&render_args(&probe, "local"));
    });

    let mut iterations = 0;
    let (mut untouched, mut done, mut between) = (0, 0, 0);
    for round in 0..ROUNDS {
        for when in moments(phase) {
            iterations += 1;
            let target = tmp.path().join(format!("k8s-{round}-{iterations}"));
            // Start from the old render, plus a file kubesite never touches.
            timed(&render_args(&target, "local"));
            fs::write(target.join("notes.txt"), "mine\n").expect("write");
            kill_at(&render_args(&target, "database"), when, &target);
            let got = without_temps(&tree(&target));
            assert_eq!(
                got.get(Path::new("notes.txt")).map(Vec::as_slice),
                Some(&b"mine\n"[..])
            );
            let got: Tree = got
                .into_iter()
                .filter(|(p, _)| p != Path::new("notes.txt"))
                .collect();
            for (path, content) in &got {
                let is_old = old.get(path) == Some(content);
                let is_new = new.get(path) == Some(content);
                assert!(
                    is_old || is_new,
                    "killed at {when:?}: {} is neither old nor new",
                    path.display()
                );
            }
            if got == old {
                untouched += 1;
            } else if got == new {
                done += 1;
            } else {
                between += 1;
            }
            // A later run completes the update, leftovers or not.
            let out = run(&render_args(&target, "database"));
            assert_eq!(
                out.code, 0,
                "rerun after a kill at {when:?}: {}",
                out.stderr
            );
            let after: Tree = without_temps(&tree(&target))
                .into_iter()
                .filter(|(p, _)| p != Path::new("notes.txt"))
                .collect();
            assert_eq!(after, new, "rerun after a kill at {when:?}");
            let _ = fs::remove_dir_all(&target);
        }
    }
    println!(
        "kill test (update in place): {iterations} SIGKILLs (writes take {phase:?}): \
         {untouched} untouched, {done} done, {between} between (each file old or new)"
    );
    assert!(iterations >= 42 * ROUNDS, "{iterations}");
}

// ----- write failures ------------------------------------------------------

/// Runs kubesite with a file-size limit of `kib` KiB and SIGXFSZ ignored,
/// so a write past the limit fails with EFBIG as on a full disk. The limit
/// applies to root too.
fn run_with_file_limit(args: &[String], kib: u64) -> Out {
    let script = r#"trap '' XFSZ; ulimit -f "$1"; shift; exec "$@""#;
    let out = Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg("sh")
        .arg(kib.to_string())
        .arg(bin())
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("runs sh");
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[cfg(unix)]
#[test]
fn a_full_disk_gives_a_clear_error_and_keeps_the_previous_content() {
    let tmp = tempfile::tempdir().expect("tempdir");
    // 1 KiB: smaller than the Deployment, larger than the Namespace, so the
    // failure comes in the middle of the writes.
    let fresh = tmp.path().join("fresh");
    let out = run_with_file_limit(&render_args(&fresh, "database"), 1);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr.contains("error: ") && out.stderr.contains("File too large"),
        "{}",
        out.stderr
    );
    assert!(!fresh.exists(), "a failed fresh target must not appear");
    assert!(temps(tmp.path()).is_empty(), "{:?}", temps(tmp.path()));

    // In place: the old render stays exactly as it was.
    let target = tmp.path().join("k8s");
    assert_eq!(run(&render_args(&target, "local")).code, 0);
    let before = tree(&target);
    let out = run_with_file_limit(&render_args(&target, "database"), 1);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains(&target.display().to_string()),
        "{}",
        out.stderr
    );
    assert_eq!(tree(&target), before, "a failed update changed the folder");

    // The same for `new`.
    let repo = tmp.path().join("repo");
    let out = run_with_file_limit(&new_args(&repo), 1);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(!repo.exists());
    assert!(temps(tmp.path()).is_empty(), "{:?}", temps(tmp.path()));
}

/// Mounts a tmpfs of `kib` KiB on `dir`, when this machine allows it.
fn tiny_tmpfs(dir: &Path, kib: u64) -> bool {
    fs::create_dir_all(dir).expect("mkdir");
    Command::new("mount")
        .args(["-t", "tmpfs", "-o", &format!("size={kib}k"), "tmpfs"])
        .arg(dir)
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

struct Unmount(PathBuf);

impl Drop for Unmount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[cfg(unix)]
#[test]
fn a_real_full_filesystem_gives_a_clear_error_and_keeps_the_previous_content() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mnt = tmp.path().join("mnt");
    if !tiny_tmpfs(&mnt, 64) {
        println!("skipped: cannot mount a tmpfs here (needs root and CAP_SYS_ADMIN)");
        return;
    }
    let _guard = Unmount(mnt.clone());
    let target = mnt.join("k8s");
    assert_eq!(run(&render_args(&target, "local")).code, 0);
    let before = tree(&target);
    // Fill the rest of the filesystem.
    let filler = mnt.join("filler");
    let mut f = fs::File::create(&filler).expect("create");
    let block = vec![0u8; 4096];
    while std::io::Write::write_all(&mut f, &block).is_ok() {}
    drop(f);
    let out = run(&render_args(&target, "database"));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stdout.is_empty());
    assert!(out.stderr.contains("No space left"), "{}", out.stderr);
    assert_eq!(tree(&target), before, "a failed update changed the folder");
    assert!(temps(&mnt).is_empty(), "{:?}", temps(&mnt));
    let out = run(&render_args(&mnt.join("fresh"), "local"));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(!mnt.join("fresh").exists());
    assert!(temps(&mnt).is_empty(), "{:?}", temps(&mnt));
}

/// Makes `path` unwritable: mode 0555, and, for root (whom modes do not
/// stop), the immutable attribute. Returns false when neither works here.
fn make_unwritable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let probe = |p: &Path| {
        let test = if p.is_dir() {
            p.join(".probe")
        } else {
            p.to_owned()
        };
        let blocked = if p.is_dir() {
            fs::write(&test, b"x").is_err()
        } else {
            fs::OpenOptions::new().append(true).open(&test).is_err()
        };
        if p.is_dir() {
            let _ = fs::remove_file(&test);
        }
        blocked
    };
    let mode = if path.is_dir() { 0o555 } else { 0o444 };
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).expect("chmod");
    if probe(path) {
        return true;
    }
    let chattr = Command::new("chattr")
        .arg("+i")
        .arg(path)
        .stderr(Stdio::null())
        .status();
    chattr.is_ok_and(|s| s.success()) && probe(path)
}

/// Whether a file can be made irreplaceable here: the immutable attribute
/// stops a rename over it (a mode alone does not).
fn can_pin_a_file(scratch: &Path) -> bool {
    let dir = scratch.join("pin-probe");
    fs::create_dir(&dir).expect("mkdir");
    fs::write(dir.join("a"), "a").expect("write");
    fs::write(dir.join("b"), "b").expect("write");
    let _guard = Writable(dir.join("b"));
    let pinned =
        make_unwritable(&dir.join("b")) && fs::rename(dir.join("a"), dir.join("b")).is_err();
    drop(_guard);
    let _ = fs::remove_dir_all(&dir);
    pinned
}

fn make_writable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let _ = Command::new("chattr")
        .arg("-i")
        .arg(path)
        .stderr(Stdio::null())
        .status();
    let mode = if path.is_dir() { 0o755 } else { 0o644 };
    let _ = fs::set_permissions(path, fs::Permissions::from_mode(mode));
}

struct Writable(PathBuf);

impl Drop for Writable {
    fn drop(&mut self) {
        make_writable(&self.0);
    }
}

#[cfg(unix)]
#[test]
fn a_read_only_target_gives_a_clear_error_and_keeps_the_previous_content() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let target = tmp.path().join("k8s");
    assert_eq!(run(&render_args(&target, "local")).code, 0);
    let before = tree(&target);
    let _guard = Writable(target.clone());
    if !make_unwritable(&target) {
        println!("skipped: neither a mode nor chattr +i stops writes here");
        return;
    }
    let out = run(&render_args(&target, "database"));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr.contains("error: ") && out.stderr.contains(&target.display().to_string()),
        "{}",
        out.stderr
    );
    assert_eq!(tree(&target), before);
    drop(_guard);
    assert!(temps(&target).is_empty(), "{:?}", temps(&target));
}

#[cfg(unix)]
#[test]
fn one_file_that_cannot_be_replaced_leaves_the_whole_folder_as_it_was() {
    // Every temporary is written, then the renames start; the last one
    // fails. The renames already done are rolled back.
    let tmp = tempfile::tempdir().expect("tempdir");
    let target = tmp.path().join("k8s");
    assert_eq!(run(&render_args(&target, "local")).code, 0);
    let before = tree(&target);
    if !can_pin_a_file(tmp.path()) {
        println!("skipped: cannot make one file irreplaceable here (needs chattr as root)");
        return;
    }
    let last = target.join("networkpolicy-allow-web.yaml");
    let _guard = Writable(last.clone());
    assert!(make_unwritable(&last));
    // Switching the disk changes every file, so every file is renamed.
    let out = run(&render_args(&target, "database"));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("networkpolicy-allow-web.yaml"),
        "{}",
        out.stderr
    );
    assert_eq!(tree(&target), before, "a failed update changed the folder");
    assert!(temps(&target).is_empty(), "{:?}", temps(&target));
}

#[cfg(unix)]
#[test]
fn a_target_under_a_file_gives_a_clear_error() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = tmp.path().join("file");
    fs::write(&file, "mine\n").expect("write");
    for args in [
        render_args(&file.join("k8s"), "local"),
        new_args(&file.join("repo")),
    ] {
        let out = run(&args);
        assert_eq!(out.code, 1, "{}", out.stderr);
        assert!(out.stderr.contains("Not a directory"), "{}", out.stderr);
        assert!(out.stdout.is_empty());
    }
    assert_eq!(fs::read_to_string(&file).expect("read"), "mine\n");
}

#[test]
fn a_temporary_left_by_an_earlier_run_with_the_same_pid_is_replaced() {
    // After a kill, the next run may get the same process id (common in
    // containers); the stale temporary must not block it.
    use kubesite::output;
    use kubesite::render::RenderedFile;
    let tmp = tempfile::tempdir().expect("tempdir");
    let files = vec![RenderedFile {
        path: "a.yaml".into(),
        content: format!("{}\na: 1\n", kubesite::render::GENERATED_MARKER),
        secret: false,
    }];
    let pid = std::process::id();
    // A fresh target: a stale temporary folder beside it.
    let fresh = tmp.path().join("fresh");
    let stale = tmp.path().join(format!(".fresh.kubesite-{pid}"));
    fs::create_dir(&stale).expect("mkdir");
    fs::write(stale.join("half.yaml"), "partial").expect("write");
    output::plan(&fresh, &files, true)
        .expect("plans")
        .apply(false)
        .expect("a stale temporary does not block");
    assert_eq!(tree(&fresh).len(), 1);
    assert!(!stale.exists());
    // An existing target: a stale temporary file inside it.
    let stale_file = fresh.join(format!(".a.yaml.kubesite-{pid}"));
    fs::write(&stale_file, "partial").expect("write");
    let mut changed = files.clone();
    changed[0].content.push_str("b: 2\n");
    output::plan(&fresh, &changed, true)
        .expect("plans")
        .apply(false)
        .expect("a stale temporary does not block");
    assert_eq!(
        fs::read_to_string(fresh.join("a.yaml")).expect("read"),
        changed[0].content
    );
    assert!(!stale_file.exists());
}

// ----- links ---------------------------------------------------------------

#[cfg(unix)]
#[test]
fn links_inside_the_target_that_point_outside_are_never_followed() {
    use std::os::unix::fs::symlink;
    // tests/it/cli.rs covers a link to a file in `render -o`, and
    // tests/it/new.rs a linked `k8s/` folder; here: dangling links, links to
    // folders where a file goes, nested files, and `new --force`.
    let tmp = tempfile::tempdir().expect("tempdir");
    let outside = tmp.path().join("outside");
    fs::create_dir(&outside).expect("mkdir");
    fs::write(outside.join("deployment.yaml"), "precious\n").expect("write");
    let before_outside = tree(&outside);

    // render -o: a dangling link, and a link to a folder, in the way.
    let target = tmp.path().join("k8s");
    fs::create_dir(&target).expect("mkdir");
    symlink(outside.join("missing.yaml"), target.join("service.yaml")).expect("link");
    symlink(&outside, target.join("namespace.yaml")).expect("link");
    let out = run(&render_args(&target, "local"));
    assert_eq!(out.code, 1, "links count as foreign files: {}", out.stderr);
    let mut forced = render_args(&target, "local");
    forced.push("--force".into());
    let out = run(&forced);
    assert_eq!(out.code, 0, "{}", out.stderr);
    for name in ["service.yaml", "namespace.yaml"] {
        let meta = fs::symlink_metadata(target.join(name)).expect("meta");
        assert!(meta.is_file(), "{name} is a file now, the link replaced");
    }
    assert!(
        !outside.join("missing.yaml").exists(),
        "wrote through a dangling link"
    );
    assert_eq!(tree(&outside), before_outside);

    // new --force: links to outside files at nested paths.
    let repo = tmp.path().join("repo");
    fs::create_dir_all(repo.join("k8s")).expect("mkdir");
    fs::create_dir_all(repo.join(".github/workflows")).expect("mkdir");
    symlink(
        outside.join("deployment.yaml"),
        repo.join("k8s/deployment.yaml"),
    )
    .expect("link");
    symlink(
        outside.join("deploy.yml"),
        repo.join(".github/workflows/deploy.yml"),
    )
    .expect("link");
    symlink(outside.join("deployment.yaml"), repo.join("Dockerfile")).expect("link");
    let mut args = new_args(&repo);
    args.push("--force".into());
    let out = run(&args);
    assert_eq!(out.code, 0, "{}", out.stderr);
    for name in [
        "k8s/deployment.yaml",
        ".github/workflows/deploy.yml",
        "Dockerfile",
    ] {
        let meta = fs::symlink_metadata(repo.join(name)).expect("meta");
        assert!(meta.is_file(), "{name}: the link is replaced, not followed");
    }
    assert_eq!(tree(&outside), before_outside, "nothing outside changed");

    // A link to a folder above the files: refused, nothing written there.
    let repo2 = tmp.path().join("repo2");
    fs::create_dir_all(&repo2).expect("mkdir");
    symlink(&outside, repo2.join(".github")).expect("link");
    let mut args = new_args(&repo2);
    args.push("--force".into());
    let out = run(&args);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("symbolic link"), "{}", out.stderr);
    assert_eq!(tree(&outside), before_outside, "nothing outside changed");
    assert!(out.stdout.is_empty());
}

/// Runs `args` and fails the test if it has not finished within 20 s.
fn run_bounded(args: &[String]) -> i32 {
    let child = spawn(args);
    crate::support::wait_or_fail(child, "kubesite")
        .code()
        .unwrap_or(-1)
}

#[cfg(unix)]
#[test]
fn special_and_huge_files_in_the_target_are_never_read() {
    // Regression: a FIFO named like an output file made kubesite block
    // forever reading it; any *.yaml was read whole, however large.
    let tmp = tempfile::tempdir().expect("tempdir");
    let target = tmp.path().join("k8s");
    fs::create_dir(&target).expect("mkdir");
    let fifo = |p: &Path| {
        let ok = Command::new("mkfifo").arg(p).status();
        assert!(ok.is_ok_and(|s| s.success()), "mkfifo");
    };
    fifo(&target.join("deployment.yaml"));
    fifo(&target.join("notes.yaml"));
    // Sparse, so the test writes nothing: 64 MiB that would be read whole.
    let huge = target.join("service.yaml");
    fs::File::create(&huge)
        .and_then(|f| f.set_len(64 << 20))
        .expect("sparse file");
    fs::File::create(target.join("data.yaml"))
        .and_then(|f| f.set_len(64 << 20))
        .expect("sparse file");
    assert_eq!(
        run_bounded(&render_args(&target, "local")),
        1,
        "foreign files"
    );
    let mut forced = render_args(&target, "local");
    forced.push("--force".into());
    assert_eq!(run_bounded(&forced), 0);
    for name in ["deployment.yaml", "service.yaml"] {
        let text = fs::read_to_string(target.join(name)).expect("replaced");
        assert!(
            text.starts_with(kubesite::render::GENERATED_MARKER),
            "{name}"
        );
    }
    // What kubesite does not produce is left alone.
    let notes = fs::symlink_metadata(target.join("notes.yaml")).expect("kept");
    assert!(!notes.is_file(), "the FIFO is still there");
    let data = fs::metadata(target.join("data.yaml")).expect("kept");
    assert_eq!(data.len(), 64 << 20);
}
