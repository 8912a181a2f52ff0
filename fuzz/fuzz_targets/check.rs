//! `kubesite check`'s input path: bytes as stdin (UTF-8 and byte-order-mark
//! handling, the size limit), YAML documents into objects, the rules, and
//! all three report formats. The JSON and SARIF reports must be JSON.
#![no_main]

use std::path::PathBuf;

use kubesite::check::{self, Options, load, report};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut stdin = data;
    let sources = match load::read_paths(&[PathBuf::from("-")], &mut stdin) {
        Ok(sources) => sources,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    match check::check_documents(&sources, &Options::default()) {
        Ok(found) => {
            let _ = report::text(&found, false);
            let _ = report::text(&found, true);
            for json in [report::json(&found), report::sarif(&found, None)] {
                serde_json::from_str::<serde_json::Value>(&json).expect("reports are JSON");
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
