//! In-process benchmarks of the library's hot paths (issue 7).
//!
//! These measure the work a command does once the process is up: validating
//! a spec and rendering one site per disk type. What a user waits for is the
//! whole process (start-up, argument parsing, the one-time template parse,
//! the write to stdout); `scripts/bench` measures that against helm and
//! kubectl. Run with `cargo bench --bench render`.
//!
//! The spec is the one the integration tests use (tests/it/support.rs): name
//! `blog`, image `registry.example.com/blog:1.0.0`, host `blog.example.com`,
//! and for `nfs` the export `nfs.example.com:/exports/blog`.

use std::hint::black_box;

use std::path::Path;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use kubesite::render::{render, to_stream};
use kubesite::spec::{Disk, Origins, SiteSpec, ValidSpec};
use tera::{Kwargs, State, Tera, Value};

const DISKS: [Disk; 3] = [Disk::Local, Disk::Nfs, Disk::Database];

/// A spec with the three required answers and the given disk.
fn spec(disk: Disk) -> SiteSpec {
    let mut s = SiteSpec {
        name: Some("blog".into()),
        image: Some("registry.example.com/blog:1.0.0".into()),
        host: Some("blog.example.com".into()),
        disk: Some(disk),
        ..SiteSpec::default()
    };
    if disk == Disk::Nfs {
        s.nfs_server = Some("nfs.example.com".into());
        s.nfs_path = Some("/exports/blog".into());
    }
    s
}

fn valid(disk: Disk) -> ValidSpec {
    spec(disk)
        .validate(&Origins::default())
        .unwrap_or_else(|e| panic!("bench spec for {} must be valid: {e}", disk.as_str()))
}

/// `SiteSpec::validate`: every grammar check plus the defaults.
fn validation(c: &mut Criterion) {
    let mut group = c.benchmark_group("validate");
    let origins = Origins::default();
    for disk in DISKS {
        let raw = spec(disk);
        group.bench_function(disk.as_str(), |b| {
            b.iter(|| black_box(&raw).validate(black_box(&origins)))
        });
    }
    group.finish();
}

/// `render` of one site, and `render` + `to_stream` (what `kubesite render`
/// prints). The template registry is built on first use and kept for the
/// process, so these are warm numbers; its one-time cost shows up in the
/// whole-process figures of `scripts/bench`.
fn rendering(c: &mut Criterion) {
    let mut group = c.benchmark_group("render");
    for disk in DISKS {
        let spec = valid(disk);
        // Build the registry outside the measurement.
        render(&spec).expect("bench spec renders");
        group.bench_function(disk.as_str(), |b| b.iter(|| render(black_box(&spec))));
    }
    group.finish();

    let mut group = c.benchmark_group("render_stream");
    for disk in DISKS {
        let spec = valid(disk);
        group.bench_function(disk.as_str(), |b| {
            b.iter(|| {
                let files = render(black_box(&spec)).expect("bench spec renders");
                to_stream(&files)
            })
        });
    }
    group.finish();
}

/// The templates under `templates/<sub>` as `render::registry` adds them:
/// paths relative to `templates/`, fragments (`_*`) without their final
/// newline.
fn sources(sub: &str) -> Vec<(String, String)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .expect("templates folder is readable")
            .map(|e| e.expect("readable entry").path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(root, &path, out);
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("template is UTF-8");
            let is_fragment = path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('_'));
            let text = if is_fragment {
                text.strip_suffix('\n').map(str::to_owned).unwrap_or(text)
            } else {
                text
            };
            let name = path.strip_prefix(root).expect("under root");
            out.push((name.to_string_lossy().replace('\\', "/"), text));
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    let mut out = Vec::new();
    walk(&root, &root.join(sub), &mut out);
    out
}

/// The one-time start-up cost inside `render`: building the tera registry
/// (parsing every embedded template). The library keeps its registry private
/// in a `OnceLock`, so this rebuilds an equivalent one from the same files
/// (the `q` filter here is a stand-in: parsing only checks the name). It
/// compares what `render` parses today (all of `templates/`, the starter
/// repository's files included) with the manifests alone.
fn template_registry(c: &mut Criterion) {
    fn identity(value: Value, _: Kwargs, _: &State) -> Value {
        value
    }
    fn build(sources: Vec<(String, String)>) -> Tera {
        let mut tera = Tera::default();
        tera.autoescape_on(Vec::<&'static str>::new());
        tera.register_filter("q", identity);
        tera.add_raw_templates(sources)
            .unwrap_or_else(|e| panic!("templates must parse: {e}"));
        tera
    }
    let mut all = sources("manifests");
    all.extend(sources("repo"));
    let manifests = sources("manifests");
    let mut group = c.benchmark_group("template_registry");
    for (label, set) in [("all_templates", all), ("manifests_only", manifests)] {
        group.bench_function(label, |b| {
            b.iter_batched(|| set.clone(), build, BatchSize::SmallInput)
        });
    }
    group.finish();
}

/// `kubesite check` over 10,000 objects: 1,112 files, each a rendered
/// local-disk site (9 objects), as `check DIR` reads a folder of files.
/// Parsing dominates (see docs/check.md).
fn checking(c: &mut Criterion) {
    use kubesite::check::{Options, Source, check_documents};
    let mut sources = Vec::with_capacity(1_112);
    for i in 0..1_112 {
        let mut s = spec(Disk::Local);
        s.name = Some(format!("site{i}"));
        let v = s.validate(&Origins::default()).expect("valid spec");
        let text = to_stream(&render(&v).expect("renders"));
        sources.push(Source::new(format!("site{i}.yaml"), text));
    }
    let objects: usize = sources.len() * 9;
    let mut group = c.benchmark_group("check");
    group.sample_size(10);
    group.throughput(Throughput::Elements(objects as u64));
    group.bench_function("10008_objects_in_1112_files", |b| {
        b.iter(|| check_documents(&sources, &Options::default()).expect("parses"))
    });
    group.finish();
}

/// Rendering many sites in one process: the cost per site must be flat.
fn many_sites(c: &mut Criterion) {
    let mut group = c.benchmark_group("render_sites");
    group.sample_size(10);
    for n in [1usize, 10, 100, 1_000] {
        let specs: Vec<ValidSpec> = (0..n)
            .map(|i| {
                let mut s = spec(Disk::Database);
                s.name = Some(format!("site{i}"));
                s.host = Some(format!("site{i}.example.com"));
                s.validate(&Origins::default()).expect("valid spec")
            })
            .collect();
        group.throughput(Throughput::Elements(n as u64));
        group.bench_function(format!("{n}"), |b| {
            b.iter(|| kubesite::render::render_sites(&specs).expect("renders"))
        });
    }
    group.finish();
}

criterion_group!(
    benches,
    validation,
    rendering,
    template_registry,
    checking,
    many_sites
);
criterion_main!(benches);
