//! The spec-file path: parse (one site or a `sites:` list), validate,
//! render the manifests and the starter repository.
//!
//! Besides "never panics", the oracles are principle 2's promises: whatever
//! validates renders YAML that parses, one object per document, and the
//! `kubesite.yaml` that `new` writes re-renders the same manifests.
#![no_main]

use std::path::Path;

use kubesite::render::{render, render_repo, render_sites, to_stream};
use kubesite::spec::{SpecSource, ValidSpec, parse_file, parse_source, validate_sites};
use libfuzzer_sys::fuzz_target;
use serde::Deserialize;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let specs = match parse_source(Path::new("fuzz.yaml"), text) {
        Ok(SpecSource::One(spec, origins)) => spec.validate(&origins).map(|v| vec![v]),
        Ok(SpecSource::Many(many)) => validate_sites(&many),
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    let specs = match specs {
        Ok(specs) => specs,
        Err(problems) => {
            let _ = problems.to_string();
            return;
        }
    };
    for spec in &specs {
        check_render(spec);
    }
    render_sites(&specs).expect("valid sites render together");
});

fn check_render(spec: &ValidSpec) {
    let files = render(spec).expect("a valid spec renders");
    let stream = to_stream(&files);
    let mut documents = 0;
    for document in serde_yaml::Deserializer::from_str(&stream) {
        let value = serde_yaml::Value::deserialize(document).expect("rendered YAML parses");
        if value.is_null() {
            continue;
        }
        documents += 1;
        assert!(value["kind"].is_string(), "a document without a kind");
        assert!(
            value["metadata"]["name"].is_string(),
            "an object without a name"
        );
    }
    assert_eq!(documents, files.len(), "one object per file");

    let repo = render_repo(spec).expect("a valid spec renders a repository");
    let file = repo
        .iter()
        .find(|f| f.path == "kubesite.yaml")
        .expect("the repository has its spec file");
    let (again, origins) =
        parse_file(Path::new("kubesite.yaml"), &file.content).expect("kubesite.yaml parses");
    let again = again.validate(&origins).expect("kubesite.yaml validates");
    assert_eq!(
        stream,
        to_stream(&render(&again).expect("renders")),
        "kubesite.yaml re-renders differently"
    );
}
