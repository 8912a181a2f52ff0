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

use criterion::{Criterion, criterion_group, criterion_main};
use kubesite::render::{render, to_stream};
use kubesite::spec::{Disk, Origins, SiteSpec, ValidSpec};

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

// ---------------------------------------------------------------------------
// PENDING (issue 7): two benchmarks wait for features that are being built.
//
// * `check` over 10,000 objects: once `kubesite check` exists in the library,
//   add a group here that audits a stream of 10,000 rendered objects (e.g.
//   `to_stream` of ~800 rendered sites) and register it in `criterion_group!`
//   below.
// * multi-site rendering: once a `sites:` list renders in the library, add a
//   group rendering 1, 10, 100 and 1,000 sites with `Throughput::Elements`
//   so the cost per site can be read off and checked to be flat.
//
// Neither is stubbed: a benchmark of code that does not exist measures
// nothing.
// ---------------------------------------------------------------------------

criterion_group!(benches, validation, rendering);
criterion_main!(benches);
