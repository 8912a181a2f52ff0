//! In-process benchmarks of the library's hot paths (issue 7).
//!
//! These measure the work a command does once the process is up: validating
//! a spec and rendering one site per disk type. What a user waits for is the
//! whole process (start-up, argument parsing, the one-time template parse,
//! the write to stdout); `scripts/bench` measures that against helm and
//! kubectl. Run with `cargo bench --bench render`.
//!
//! The spec is `SiteSpec::example`, as in the integration tests: name
//! `blog`, image `registry.example.com/blog:1.0.0`, host `blog.example.com`,
//! and for `nfs` the export `nfs.example.com:/exports/blog`.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kubesite::render::{render, to_stream};
use kubesite::spec::{Disk, Origins, SiteSpec, ValidSpec};

const DISKS: [Disk; 3] = [Disk::Local, Disk::Nfs, Disk::Database];

/// The example site (`SiteSpec::example`) on `disk`.
fn spec(disk: Disk) -> SiteSpec {
    SiteSpec::example(disk)
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

/// The one-time start-up cost inside a command: building the tera registry
/// (parsing templates). `render` parses only what the site needs (the
/// shared fragments plus one template per kind of object); `new` parses the
/// starter repository's templates too. Each iteration builds a fresh
/// registry with `render::new_registry`, which is what the first render of a
/// process does.
fn template_registry(c: &mut Criterion) {
    let all = kubesite::render::template_names();
    let manifests: Vec<&str> = all
        .iter()
        .copied()
        .filter(|n| n.starts_with("manifests/"))
        .collect();
    let local_site = [
        "manifests/namespace.yaml",
        "manifests/serviceaccount.yaml",
        "manifests/persistentvolumeclaim.yaml",
        "manifests/deployment.yaml",
        "manifests/service.yaml",
        "manifests/ingress.yaml",
        "manifests/networkpolicy-deny-all.yaml",
        "manifests/networkpolicy-allow-dns.yaml",
        "manifests/networkpolicy-allow-web.yaml",
    ];
    let mut group = c.benchmark_group("template_registry");
    let sets: [(&str, &[&str]); 3] = [
        ("all_templates", &all),
        ("manifests_only", &manifests),
        ("local_site", &local_site),
    ];
    for (label, set) in sets {
        group.bench_function(label, |b| {
            b.iter(|| kubesite::render::new_registry(set.iter().copied()))
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
