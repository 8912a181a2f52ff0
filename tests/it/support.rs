//! Helpers shared by the integration tests.

use kubesite::spec::{Disk, Origins, Route, SiteSpec, ValidSpec};

pub const IMAGE: &str = kubesite::spec::example::IMAGE;
pub const DIGEST_IMAGE: &str = "registry.example.com/blog:1.0.0@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// The example site (name `blog`, host `blog.example.com`) on `disk`, with
/// the NFS export `nfs.example.com:/exports/blog` when the disk needs one.
pub fn spec(disk: Disk) -> SiteSpec {
    SiteSpec::example(disk)
}

pub fn valid(s: &SiteSpec) -> ValidSpec {
    s.validate(&Origins::default())
        .unwrap_or_else(|e| panic!("spec should be valid: {e}"))
}

/// Every configuration the flags allow along the axes that change the
/// output's shape: disk x TLS x replicas x tag/digest.
pub fn all_configurations() -> Vec<(String, SiteSpec)> {
    let mut out = Vec::new();
    for disk in [Disk::Local, Disk::Nfs, Disk::Database] {
        for tls in [true, false] {
            let replicas: &[i64] = if disk == Disk::Local {
                &[1]
            } else {
                &[1, 2, 3]
            };
            for &r in replicas {
                for image in [IMAGE, DIGEST_IMAGE] {
                    let mut s = spec(disk);
                    s.tls = Some(tls.into());
                    s.replicas = Some(r.into());
                    s.image = Some(image.into());
                    let label = format!(
                        "{}-tls{}-r{r}-{}",
                        disk.as_str(),
                        tls,
                        if image == IMAGE { "tag" } else { "digest" }
                    );
                    out.push((label, s));
                }
            }
        }
        // The Gateway API route instead of the Ingress.
        let mut s = spec(disk);
        s.route = Some(Route::Gateway.into());
        out.push((format!("{}-gateway", disk.as_str()), s));
        // Autoscaling, where the disk allows it.
        if disk != Disk::Local {
            let mut s = spec(disk);
            s.autoscale = Some("2:5".into());
            out.push((format!("{}-autoscale", disk.as_str()), s));
        }
    }
    out
}

/// The documents of a YAML stream, parsed.
pub fn documents(stream: &str) -> Vec<serde_yaml::Value> {
    use serde::Deserialize;
    serde_yaml::Deserializer::from_str(stream)
        .map(|d| serde_yaml::Value::deserialize(d).expect("every document parses"))
        .filter(|v| !v.is_null())
        .collect()
}

pub fn kind(doc: &serde_yaml::Value) -> &str {
    doc["kind"].as_str().unwrap_or("")
}

/// Waits for `child`, failing the test if it is still running after 20 s
/// (it must never wait for input).
pub fn wait_or_fail(mut child: std::process::Child, what: &str) -> std::process::ExitStatus {
    let start = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("waits") {
            return status;
        }
        if start.elapsed() > std::time::Duration::from_secs(20) {
            let _ = child.kill();
            panic!("{what} waited for input");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}
