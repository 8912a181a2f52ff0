//! Rendering, in process: snapshots, the token lockdown in every
//! configuration, typed Kubernetes parsing, and quoting under hostile values.

use std::collections::BTreeMap;

use k8s_openapi::api::{
    apps::v1 as apps, autoscaling::v2 as autoscaling, core::v1 as core, networking::v1 as net,
    policy::v1 as policy,
};
use kubesite::render::{render, to_stream};
use kubesite::spec::{Disk, ValidSpec};
use proptest::prelude::*;
use serde_yaml::Value;

use crate::support::*;

fn stream(spec: &ValidSpec) -> String {
    to_stream(&render(spec).expect("renders"))
}

#[test]
fn snapshots_per_disk_with_and_without_tls() {
    for disk in [Disk::Local, Disk::Nfs, Disk::Database] {
        for tls in [true, false] {
            let mut s = spec(disk);
            s.tls = Some(tls.into());
            let name = format!("{}_{}", disk.as_str(), if tls { "tls" } else { "no_tls" });
            insta::assert_snapshot!(name, stream(&valid(&s)));
        }
    }
}

/// The three parts of the token lockdown, for one pod template.
fn assert_lockdown(config: &str, workload: &str, pod: &Value, accounts: &BTreeMap<String, bool>) {
    let spec = &pod["spec"];
    assert_eq!(
        spec["automountServiceAccountToken"].as_bool(),
        Some(false),
        "{config}/{workload}: pod automountServiceAccountToken must be false"
    );
    let sa = spec["serviceAccountName"]
        .as_str()
        .unwrap_or_else(|| panic!("{config}/{workload}: no dedicated ServiceAccount"));
    assert_eq!(
        accounts.get(sa),
        Some(&false),
        "{config}/{workload}: ServiceAccount {sa} must be in the output with automount off"
    );
    let mask_volumes: Vec<&str> = spec["volumes"]
        .as_sequence()
        .into_iter()
        .flatten()
        .filter(|v| v["emptyDir"].is_mapping())
        .filter_map(|v| v["name"].as_str())
        .collect();
    let containers = spec["containers"].as_sequence().expect("containers");
    assert!(!containers.is_empty());
    for c in containers {
        let masked = c["volumeMounts"]
            .as_sequence()
            .into_iter()
            .flatten()
            .any(|m| {
                m["mountPath"].as_str() == Some("/var/run/secrets/kubernetes.io/serviceaccount")
                    && m["readOnly"].as_bool() == Some(true)
                    && m["name"]
                        .as_str()
                        .is_some_and(|n| mask_volumes.contains(&n))
            });
        assert!(
            masked,
            "{config}/{workload}/{}: token path not masked by a read-only emptyDir",
            c["name"].as_str().unwrap_or("?")
        );
        let sc = &c["securityContext"];
        assert_eq!(sc["allowPrivilegeEscalation"].as_bool(), Some(false));
        assert_eq!(sc["readOnlyRootFilesystem"].as_bool(), Some(true));
        assert_eq!(sc["capabilities"]["drop"][0].as_str(), Some("ALL"));
    }
}

/// The pod template of any workload kind, so a new kind cannot slip by.
fn pod_template(doc: &Value) -> Option<&Value> {
    match kind(doc) {
        "Pod" => Some(doc),
        "CronJob" => Some(&doc["spec"]["jobTemplate"]["spec"]["template"]),
        "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "ReplicaSet"
        | "Job"
        | "ReplicationController" => Some(&doc["spec"]["template"]),
        _ => None,
    }
}

#[test]
fn every_workload_in_every_configuration_has_the_token_lockdown() {
    let configs = all_configurations();
    assert!(configs.len() >= 20, "matrix shrank: {}", configs.len());
    let mut workloads = 0;
    for (config, s) in configs {
        let docs = documents(&stream(&valid(&s)));
        let accounts: BTreeMap<String, bool> = docs
            .iter()
            .filter(|d| kind(d) == "ServiceAccount")
            .map(|d| {
                let name = d["metadata"]["name"].as_str().unwrap_or("").to_owned();
                (
                    name,
                    d["automountServiceAccountToken"].as_bool().unwrap_or(true),
                )
            })
            .collect();
        assert!(
            accounts.values().all(|on| !on),
            "{config}: a ServiceAccount automounts"
        );
        for doc in &docs {
            if let Some(pod) = pod_template(doc) {
                let name = doc["metadata"]["name"].as_str().unwrap_or("?");
                assert_lockdown(&config, name, pod, &accounts);
                workloads += 1;
            }
        }
    }
    assert!(workloads > 20, "only {workloads} workloads checked");
}

fn typed<T: serde::de::DeserializeOwned>(doc: &Value) {
    let text = serde_yaml::to_string(doc).expect("serializes");
    if let Err(e) = serde_yaml::from_str::<T>(&text) {
        panic!(
            "{} does not parse as {}: {e}\n{text}",
            kind(doc),
            std::any::type_name::<T>()
        );
    }
}

#[test]
fn every_document_parses_into_its_typed_kubernetes_struct() {
    for (config, s) in all_configurations() {
        for doc in documents(&stream(&valid(&s))) {
            let api = doc["apiVersion"].as_str().unwrap_or("");
            match (api, kind(&doc)) {
                ("v1", "Namespace") => typed::<core::Namespace>(&doc),
                ("v1", "ServiceAccount") => typed::<core::ServiceAccount>(&doc),
                ("v1", "Service") => typed::<core::Service>(&doc),
                ("v1", "PersistentVolume") => typed::<core::PersistentVolume>(&doc),
                ("v1", "PersistentVolumeClaim") => typed::<core::PersistentVolumeClaim>(&doc),
                ("apps/v1", "Deployment") => typed::<apps::Deployment>(&doc),
                ("networking.k8s.io/v1", "Ingress") => typed::<net::Ingress>(&doc),
                ("networking.k8s.io/v1", "NetworkPolicy") => typed::<net::NetworkPolicy>(&doc),
                ("autoscaling/v2", "HorizontalPodAutoscaler") => {
                    typed::<autoscaling::HorizontalPodAutoscaler>(&doc)
                }
                ("policy/v1", "PodDisruptionBudget") => typed::<policy::PodDisruptionBudget>(&doc),
                // No upstream struct: checked against the field names the
                // Gateway API v1 HTTPRoute defines (see httproute_shape).
                ("gateway.networking.k8s.io/v1", "HTTPRoute") => httproute_shape(&doc),
                (api, kind) => panic!("{config}: unexpected {api} {kind}"),
            }
        }
    }
}

/// The HTTPRoute fields kubesite writes, with the types the Gateway API v1
/// CRD gives them.
fn httproute_shape(doc: &Value) {
    let spec = &doc["spec"];
    let keys: Vec<&str> = spec
        .as_mapping()
        .expect("spec")
        .keys()
        .filter_map(|k| k.as_str())
        .collect();
    assert_eq!(keys, ["parentRefs", "hostnames", "rules"]);
    let parent = &spec["parentRefs"][0];
    assert_eq!(parent["group"].as_str(), Some("gateway.networking.k8s.io"));
    assert_eq!(parent["kind"].as_str(), Some("Gateway"));
    assert!(parent["name"].is_string() && parent["namespace"].is_string());
    assert!(spec["hostnames"][0].is_string());
    let rule = &spec["rules"][0];
    assert_eq!(
        rule["matches"][0]["path"]["type"].as_str(),
        Some("PathPrefix")
    );
    assert!(rule["backendRefs"][0]["name"].is_string());
    assert!(rule["backendRefs"][0]["port"].is_u64());
}

#[test]
fn gateway_route_snapshot_and_traffic_source() {
    let mut s = spec(Disk::Database);
    s.route = Some(kubesite::spec::Route::Gateway.into());
    s.gateway = Some("public/edge".into());
    let out = stream(&valid(&s));
    insta::assert_snapshot!("database_gateway", out);
    let docs = documents(&out);
    assert!(docs.iter().all(|d| kind(d) != "Ingress"));
    let route = docs.iter().find(|d| kind(d) == "HTTPRoute").expect("route");
    assert_eq!(
        route["spec"]["parentRefs"][0]["name"].as_str(),
        Some("public")
    );
    assert_eq!(
        route["spec"]["parentRefs"][0]["namespace"].as_str(),
        Some("edge")
    );
    let web = docs
        .iter()
        .find(|d| d["metadata"]["name"].as_str() == Some("blog-allow-web"))
        .expect("policy");
    let from = &web["spec"]["ingress"][0]["from"][0]["namespaceSelector"]["matchLabels"];
    assert_eq!(from["kubernetes.io/metadata.name"].as_str(), Some("edge"));
}

#[test]
fn autoscaler_and_disruption_budget_presence() {
    let kinds = |s: &kubesite::spec::SiteSpec| -> Vec<String> {
        documents(&stream(&valid(s)))
            .iter()
            .map(|d| kind(d).to_owned())
            .collect()
    };
    // One pod: neither.
    let local = kinds(&spec(Disk::Local));
    assert!(
        !local
            .iter()
            .any(|k| k == "HorizontalPodAutoscaler" || k == "PodDisruptionBudget")
    );
    // Two pods by default on stateless disks: a budget, no autoscaler.
    let db = kinds(&spec(Disk::Database));
    assert!(db.iter().any(|k| k == "PodDisruptionBudget"));
    assert!(!db.iter().any(|k| k == "HorizontalPodAutoscaler"));
    // One replica asked for: no budget (it would block every drain).
    let mut one = spec(Disk::Nfs);
    one.replicas = Some(1.into());
    assert!(!kinds(&one).iter().any(|k| k == "PodDisruptionBudget"));
    // Autoscaling: both, and the Deployment leaves replicas to the HPA.
    let mut auto = spec(Disk::Nfs);
    auto.autoscale = Some("2:9".into());
    let docs = documents(&stream(&valid(&auto)));
    let hpa = docs
        .iter()
        .find(|d| kind(d) == "HorizontalPodAutoscaler")
        .expect("hpa");
    assert_eq!(hpa["spec"]["minReplicas"].as_u64(), Some(2));
    assert_eq!(hpa["spec"]["maxReplicas"].as_u64(), Some(9));
    assert!(docs.iter().any(|d| kind(d) == "PodDisruptionBudget"));
    let dep = docs
        .iter()
        .find(|d| kind(d) == "Deployment")
        .expect("deployment");
    assert!(dep["spec"].get("replicas").is_none());
    // Autoscaling from one pod: an autoscaler but no budget.
    auto.autoscale = Some("1:4".into());
    let k = kinds(&auto);
    assert!(k.iter().any(|k| k == "HorizontalPodAutoscaler"));
    assert!(!k.iter().any(|k| k == "PodDisruptionBudget"));
}

#[test]
fn object_counts_per_disk() {
    let count = |disk| {
        let mut by_kind = BTreeMap::new();
        for doc in documents(&stream(&valid(&spec(disk)))) {
            *by_kind.entry(kind(&doc).to_owned()).or_insert(0) += 1;
        }
        by_kind
    };
    let local = count(Disk::Local);
    assert_eq!(local["PersistentVolumeClaim"], 1);
    assert!(!local.contains_key("PersistentVolume"));
    let nfs = count(Disk::Nfs);
    assert_eq!(nfs["PersistentVolume"], 1);
    assert_eq!(nfs["PersistentVolumeClaim"], 1);
    let db = count(Disk::Database);
    assert_eq!(db["Deployment"], 2);
    assert_eq!(db["Service"], 2);
    assert_eq!(db["NetworkPolicy"], 4);
    assert!(!db.contains_key("Secret"), "no password may be rendered");
}

#[test]
fn namespace_comes_first_and_every_namespaced_object_uses_it() {
    let mut s = spec(Disk::Database);
    s.namespace = Some("web-sites".into());
    let docs = documents(&stream(&valid(&s)));
    assert_eq!(kind(&docs[0]), "Namespace");
    assert_eq!(docs[0]["metadata"]["name"].as_str(), Some("web-sites"));
    for doc in &docs[1..] {
        if kind(doc) != "PersistentVolume" {
            assert_eq!(
                doc["metadata"]["namespace"].as_str(),
                Some("web-sites"),
                "{doc:?}"
            );
        }
    }
}

#[test]
fn rendering_is_deterministic() {
    for (_, s) in all_configurations() {
        let v = valid(&s);
        assert_eq!(stream(&v), stream(&v));
    }
}

#[test]
fn image_pull_policy_follows_digest_pinning() {
    let policy = |image: &str| {
        let mut s = spec(Disk::Local);
        s.image = Some(image.into());
        let docs = documents(&stream(&valid(&s)));
        let dep = docs
            .iter()
            .find(|d| kind(d) == "Deployment")
            .expect("deployment");
        dep["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"]
            .as_str()
            .unwrap_or("")
            .to_owned()
    };
    assert_eq!(policy(IMAGE), "Always");
    assert_eq!(policy(DIGEST_IMAGE), "IfNotPresent");
}

/// Principle 2's second wall: even values that never passed validation
/// cannot change the structure, because the quoting filter escapes them.
#[test]
fn hostile_values_that_skip_validation_stay_scalars() {
    let mut v = valid(&spec(Disk::Nfs));
    let hostile = "x\"\n  evil: true\n---\nkind: Secret\n# {{ name }} {% if %}\u{2028}\u{85}";
    v.host = hostile.into();
    v.nfs_path = Some(hostile.into());
    v.mount_path = hostile.into();
    v.labels.insert("team".into(), hostile.into());
    let docs = documents(&stream(&v));
    assert_eq!(
        docs.len(),
        documents(&stream(&valid(&spec(Disk::Nfs)))).len()
    );
    let ingress = docs.iter().find(|d| kind(d) == "Ingress").expect("ingress");
    assert_eq!(ingress["spec"]["rules"][0]["host"].as_str(), Some(hostile));
    let pv = docs
        .iter()
        .find(|d| kind(d) == "PersistentVolume")
        .expect("pv");
    assert_eq!(pv["spec"]["nfs"]["path"].as_str(), Some(hostile));
    assert!(docs.iter().all(|d| kind(d) != "Secret"));
    assert!(docs.iter().all(|d| d.get("evil").is_none()));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Any path the validator accepts is rendered as a scalar that reads
    /// back unchanged, in both the PV and the container mount.
    #[test]
    fn accepted_paths_read_back_unchanged(tail in "\\PC{0,40}", tail2 in "[ -~]{0,40}") {
        let path = format!("/{tail}");
        let mount = format!("/srv/{tail2}");
        prop_assume!(kubesite::validate::absolute_path(&path).is_ok());
        prop_assume!(kubesite::validate::absolute_path(&mount).is_ok());
        let mut s = spec(Disk::Nfs);
        s.nfs_path = Some(path.clone());
        s.mount_path = Some(mount.clone());
        let Ok(v) = s.validate(&kubesite::spec::Origins::default()) else {
            return Ok(()); // refused by a cross-field rule: nothing to render
        };
        let docs = documents(&stream(&v));
        let pv = docs.iter().find(|d| kind(d) == "PersistentVolume").expect("pv");
        prop_assert_eq!(pv["spec"]["nfs"]["path"].as_str(), Some(path.as_str()));
        let dep = docs.iter().find(|d| kind(d) == "Deployment").expect("deployment");
        let mounts = dep["spec"]["template"]["spec"]["containers"][0]["volumeMounts"]
            .as_sequence().expect("mounts").clone();
        prop_assert!(mounts.iter().any(|m| m["mountPath"].as_str() == Some(mount.as_str())));
    }

    /// Any label the validators accept appears unchanged on every object.
    #[test]
    fn accepted_labels_read_back_unchanged(
        key in "([a-z0-9]{1,10}\\.){0,2}[a-z]{1,8}/[A-Za-z0-9][-A-Za-z0-9_.]{0,20}|[A-Za-z0-9][-A-Za-z0-9_.]{0,30}",
        value in "[-A-Za-z0-9_.]{0,63}",
    ) {
        prop_assume!(kubesite::validate::label_key(&key).is_ok());
        prop_assume!(kubesite::validate::label_value(&value).is_ok());
        let mut s = spec(Disk::Local);
        s.labels.insert(key.clone(), value.clone());
        let v = valid(&s);
        for doc in documents(&stream(&v)) {
            prop_assert_eq!(doc["metadata"]["labels"][key.as_str()].as_str(), Some(value.as_str()));
        }
    }
}
