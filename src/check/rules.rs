//! The rules: what each one looks for, how bad it is, and the fix.
//!
//! Every fix is YAML to merge into the object as it stands: nested from the
//! object's root, with containers and volumes named, so it also works as a
//! strategic-merge patch (`kubectl patch --type strategic -p "$(cat fix.yaml)"`).

use std::collections::{HashMap, HashSet};

use super::load::{Node, Object};
use super::locate::Step::{self, Item, Key};
use crate::escape::{quoted, yaml_quoted};

/// Where Kubernetes mounts the service-account token in each container.
pub const TOKEN_PATH: &str = "/var/run/secrets/kubernetes.io/serviceaccount";

/// How bad a finding is; `--min-severity` compares them in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, clap::ValueEnum)]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 4] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// A rule. Its id (the kebab-case name) is stable: `--ignore`, the
/// `kubesite.io/ignore` annotation, JSON and SARIF use it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, clap::ValueEnum)]
pub enum Rule {
    TokenExposure,
    ServiceAccountAutomount,
    Privileged,
    HostNamespaces,
    HostPath,
    RunAsRoot,
    MissingRunAsNonRoot,
    PrivilegeEscalation,
    AddedCapabilities,
    CapabilitiesNotDropped,
    MissingSeccompProfile,
    NoResourceLimits,
    WritableRootFilesystem,
    DefaultNamespace,
    ImageLatest,
    MissingNetworkPolicy,
}

impl Rule {
    pub const ALL: [Rule; 16] = [
        Rule::TokenExposure,
        Rule::ServiceAccountAutomount,
        Rule::Privileged,
        Rule::HostNamespaces,
        Rule::HostPath,
        Rule::RunAsRoot,
        Rule::MissingRunAsNonRoot,
        Rule::PrivilegeEscalation,
        Rule::AddedCapabilities,
        Rule::CapabilitiesNotDropped,
        Rule::MissingSeccompProfile,
        Rule::NoResourceLimits,
        Rule::WritableRootFilesystem,
        Rule::DefaultNamespace,
        Rule::ImageLatest,
        Rule::MissingNetworkPolicy,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Rule::TokenExposure => "token-exposure",
            Rule::ServiceAccountAutomount => "service-account-automount",
            Rule::Privileged => "privileged",
            Rule::HostNamespaces => "host-namespaces",
            Rule::HostPath => "host-path",
            Rule::RunAsRoot => "run-as-root",
            Rule::MissingRunAsNonRoot => "missing-run-as-non-root",
            Rule::PrivilegeEscalation => "privilege-escalation",
            Rule::AddedCapabilities => "added-capabilities",
            Rule::CapabilitiesNotDropped => "capabilities-not-dropped",
            Rule::MissingSeccompProfile => "missing-seccomp-profile",
            Rule::WritableRootFilesystem => "writable-root-filesystem",
            Rule::NoResourceLimits => "no-resource-limits",
            Rule::DefaultNamespace => "default-namespace",
            Rule::ImageLatest => "image-latest",
            Rule::MissingNetworkPolicy => "missing-network-policy",
        }
    }

    pub fn from_id(id: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|r| r.id() == id)
    }

    pub fn severity(self) -> Severity {
        match self {
            Rule::Privileged => Severity::Critical,
            Rule::TokenExposure
            | Rule::HostNamespaces
            | Rule::HostPath
            | Rule::RunAsRoot
            | Rule::AddedCapabilities => Severity::High,
            Rule::ServiceAccountAutomount
            | Rule::MissingRunAsNonRoot
            | Rule::PrivilegeEscalation
            | Rule::CapabilitiesNotDropped
            | Rule::MissingSeccompProfile
            | Rule::ImageLatest
            | Rule::MissingNetworkPolicy => Severity::Medium,
            Rule::NoResourceLimits | Rule::WritableRootFilesystem | Rule::DefaultNamespace => {
                Severity::Low
            }
        }
    }

    /// One line: what the rule finds.
    pub fn title(self) -> &'static str {
        match self {
            Rule::TokenExposure => "A pod gets a Kubernetes API token it may not need",
            Rule::ServiceAccountAutomount => {
                "A ServiceAccount does not turn off token automounting"
            }
            Rule::Privileged => "A container runs privileged",
            Rule::HostNamespaces => "A pod shares the node's network, PID or IPC namespace",
            Rule::HostPath => "A pod mounts a path of the node (hostPath)",
            Rule::RunAsRoot => "A container runs as root (runAsUser: 0)",
            Rule::MissingRunAsNonRoot => "A container may run as root (runAsNonRoot is not true)",
            Rule::PrivilegeEscalation => "A container allows privilege escalation",
            Rule::AddedCapabilities => "A container adds Linux capabilities",
            Rule::CapabilitiesNotDropped => {
                "A container keeps the runtime's default capabilities (drop does not list ALL)"
            }
            Rule::MissingSeccompProfile => {
                "A container runs without a seccomp filter (no RuntimeDefault or Localhost profile)"
            }
            Rule::WritableRootFilesystem => "A container can write to its root filesystem",
            Rule::NoResourceLimits => "A container has no CPU or memory limit",
            Rule::DefaultNamespace => "An object is in the default namespace, or has none",
            Rule::ImageLatest => "An image has no tag, or the tag latest",
            Rule::MissingNetworkPolicy => "A namespace with workloads has no NetworkPolicy",
        }
    }

    /// Why it matters, in a few sentences.
    pub fn help(self) -> &'static str {
        match self {
            Rule::TokenExposure => {
                "Unless told not to, Kubernetes mounts a token for the pod's ServiceAccount into \
                 every container at /var/run/secrets/kubernetes.io/serviceaccount. Anyone who \
                 gets code running in the container (a vulnerable dependency, a path traversal) \
                 can then call the Kubernetes API as that account. Kubernetes decides it so: the \
                 pod's automountServiceAccountToken wins; if unset, the ServiceAccount's; if both \
                 are unset, the token is mounted. A container that already has a volume mounted \
                 at the token path gets no token. Projected serviceAccountToken volumes without \
                 an audience, and Secrets of type kubernetes.io/service-account-token, are API \
                 tokens too."
            }
            Rule::ServiceAccountAutomount => {
                "A ServiceAccount whose automountServiceAccountToken is not false hands its token \
                 to every pod that uses it and does not opt out itself. Setting it to false on \
                 the account is the second wall behind the pod's own setting."
            }
            Rule::Privileged => {
                "A privileged container has every capability and all of the node's devices: \
                 escaping to the node is trivial."
            }
            Rule::HostNamespaces => {
                "hostNetwork, hostPID and hostIPC put the pod in the node's namespaces: it can \
                 see and reach the node's processes, sockets and local-only services."
            }
            Rule::HostPath => {
                "A hostPath volume exposes the node's filesystem to the pod; a writable one (or \
                 the container runtime's socket) is a path to the node."
            }
            Rule::RunAsRoot => {
                "UID 0 in the container is root on the node's kernel; any escape starts as root."
            }
            Rule::MissingRunAsNonRoot => {
                "Without runAsNonRoot: true the image decides the user, and most images run as \
                 root. The Pod Security Standards 'restricted' profile requires it."
            }
            Rule::PrivilegeEscalation => {
                "Unless allowPrivilegeEscalation is false, a setuid binary in the container can \
                 gain privileges (no_new_privs is not set). 'restricted' requires false."
            }
            Rule::AddedCapabilities => {
                "Added capabilities (other than NET_BIND_SERVICE, which 'restricted' allows) give \
                 a container powers of root such as changing the network or loading modules."
            }
            Rule::CapabilitiesNotDropped => {
                "Container runtimes give every container a default set of capabilities, among \
                 them NET_RAW (forge packets, spoof other pods on the node's network) and CHOWN, \
                 SETUID and SETGID. A static site needs none of them; 'restricted' requires \
                 drop: [\"ALL\"] (NET_BIND_SERVICE may be added back)."
            }
            Rule::MissingSeccompProfile => {
                "Without a seccomp profile (or with Unconfined) a container may make every \
                 system call the kernel offers, including the rarely used ones most kernel \
                 exploits go through. RuntimeDefault blocks those and breaks almost nothing; \
                 'restricted' requires RuntimeDefault or Localhost, set on the pod or on each \
                 container."
            }
            Rule::WritableRootFilesystem => {
                "A writable root filesystem lets anyone who gets code running in the container \
                 change its programs and the site's files, or drop tools there. With \
                 readOnlyRootFilesystem: true the image stays as built; mount an emptyDir where \
                 the program must write (for nginx, /tmp and its cache folder)."
            }
            Rule::NoResourceLimits => {
                "Without CPU and memory limits one pod (or an attacker in it) can starve the \
                 node and every other pod on it."
            }
            Rule::DefaultNamespace => {
                "Objects without a namespace land in whatever namespace the kubectl context \
                 uses, usually default, where everything shares one set of permissions and \
                 network rules. One namespace per project keeps them apart."
            }
            Rule::ImageLatest => {
                "An image without a tag means :latest, which changes under you: a restart can \
                 run different code than was reviewed. Pin a version, ideally a digest."
            }
            Rule::MissingNetworkPolicy => {
                "Without a NetworkPolicy any pod in the cluster can connect to any open port of \
                 these pods, and they can connect anywhere. A default-deny policy plus explicit \
                 allows closes that. The rule looks at namespaces whose Namespace object is in \
                 the input."
            }
        }
    }
}

/// What to change, in one line, and the YAML to merge into the object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    pub summary: String,
    pub yaml: String,
}

/// A rule's verdict on one object, before ignores and thresholds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawFinding {
    /// Index of the object in the slice given to [`evaluate`].
    pub object: usize,
    pub rule: Rule,
    pub message: String,
    pub fix: Fix,
    /// The path to the field it is about, from the object's root; for a
    /// finding on several containers, the first one's.
    pub at: Vec<Step>,
}

// ---------------------------------------------------------------------------
// The token decision, as Kubernetes' ServiceAccount admission plugin makes it.

/// What the input says about the pod's ServiceAccount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Account {
    /// Not in the input: its setting is unknown.
    Absent,
    /// In the input, with its `automountServiceAccountToken` (if set).
    Present(Option<bool>),
}

/// Why the token is mounted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Automount {
    /// The pod sets `automountServiceAccountToken: true`.
    Pod,
    /// The pod leaves it unset and the ServiceAccount sets it to true.
    Account,
    /// Neither sets it; Kubernetes defaults to true.
    Default,
    /// The pod leaves it unset and the ServiceAccount is not in the input.
    Unknown,
}

/// Whether Kubernetes turns automounting on for the pod: the pod's field
/// wins; if unset, the ServiceAccount's; if that is unset too, on. When the
/// ServiceAccount is not in the input it is taken as on (an account that
/// opts out is rare, and `default` never does unless someone changed it).
pub fn automount(pod: Option<bool>, account: Account) -> Option<Automount> {
    match (pod, account) {
        (Some(true), _) => Some(Automount::Pod),
        (Some(false), _) => None,
        (None, Account::Present(Some(true))) => Some(Automount::Account),
        (None, Account::Present(Some(false))) => None,
        (None, Account::Present(None)) => Some(Automount::Default),
        (None, Account::Absent) => Some(Automount::Unknown),
    }
}

/// Whether any container gets the token: automounting is on and at least
/// one container has no volume mounted at the token path (the admission
/// plugin leaves a container with such a mount alone, which is why an
/// `emptyDir` there masks the token).
pub fn token_exposed(pod: Option<bool>, account: Account, masked: &[bool]) -> bool {
    automount(pod, account).is_some() && masked.iter().any(|m| !m)
}

// ---------------------------------------------------------------------------
// Pods and containers.

/// The kinds whose objects carry a pod template, and the path to its spec.
pub fn pod_spec_path(kind: &str) -> Option<&'static [&'static str]> {
    match kind {
        "Pod" => Some(&["spec"]),
        "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "ReplicaSet"
        | "Job"
        | "ReplicationController" => Some(&["spec", "template", "spec"]),
        "CronJob" => Some(&["spec", "jobTemplate", "spec", "template", "spec"]),
        _ => None,
    }
}

struct Pod<'a> {
    spec: &'a Node,
    path: &'static [&'static str],
    containers: Vec<Container<'a>>,
}

struct Container<'a> {
    /// `initContainers` or `containers`.
    list: &'static str,
    /// Its place in that list, from 0.
    index: usize,
    name: &'a str,
    node: &'a Node,
}

impl Container<'_> {
    fn security(&self, key: &str) -> &Node {
        self.node.field("securityContext").field(key)
    }

    fn shown(&self) -> String {
        let name = quoted(self.name);
        if self.list == "initContainers" {
            format!("{name} (init)")
        } else {
            name
        }
    }
}

/// The path to a field of the pod spec.
fn pod_at(pod: &Pod<'_>, rest: &[Step]) -> Vec<Step> {
    pod.path
        .iter()
        .map(|&k| Key(k))
        .chain(rest.iter().copied())
        .collect()
}

/// The path to a field of a container.
fn container_at(pod: &Pod<'_>, c: &Container<'_>, rest: &[Step]) -> Vec<Step> {
    pod_at(pod, &[&[Key(c.list), Item(c.index)], rest].concat())
}

fn pod_of(object: &Object) -> Option<Pod<'_>> {
    let path = pod_spec_path(&object.kind)?;
    let spec = object.value.at(path)?;
    if !matches!(spec, Node::Map(_)) {
        return None;
    }
    let mut containers = Vec::new();
    for list in ["initContainers", "containers"] {
        for (index, node) in spec.field(list).items().iter().enumerate() {
            containers.push(Container {
                list,
                index,
                name: node.field("name").as_str().unwrap_or("<unnamed>"),
                node,
            });
        }
    }
    Some(Pod {
        spec,
        path,
        containers,
    })
}

impl Pod<'_> {
    fn pod_security(&self, key: &str) -> &Node {
        self.spec.field("securityContext").field(key)
    }

    /// The account the pod runs as (`serviceAccountName`, the deprecated
    /// `serviceAccount`, or `default`).
    fn account_name(&self) -> &str {
        ["serviceAccountName", "serviceAccount"]
            .iter()
            .find_map(|k| self.spec.field(k).as_str().filter(|s| !s.is_empty()))
            .unwrap_or("default")
    }

    fn mounts_of<'c>(&self, c: &'c Container<'_>) -> impl Iterator<Item = &'c Node> {
        c.node.field("volumeMounts").items().iter()
    }

    fn masked(&self, c: &Container<'_>) -> bool {
        self.mounts_of(c)
            .any(|m| m.field("mountPath").as_str() == Some(TOKEN_PATH))
    }

    /// The containers that mount the volume called `volume`.
    fn mounting(&self, volume: &str) -> Vec<&Container<'_>> {
        self.containers
            .iter()
            .filter(|c| {
                self.mounts_of(c)
                    .any(|m| m.field("name").as_str() == Some(volume))
            })
            .collect()
    }

    fn volumes(&self) -> impl Iterator<Item = (&str, &Node)> {
        self.spec
            .field("volumes")
            .items()
            .iter()
            .map(|v| (v.field("name").as_str().unwrap_or("<unnamed>"), v))
    }
}

/// "container \"a\" runs" or "containers \"a\", \"b\" run".
fn says(containers: &[&Container<'_>], singular: &str, plural: &str) -> String {
    let verb = if containers.len() == 1 {
        singular
    } else {
        plural
    };
    format!("{} {verb}", phrase(containers))
}

fn phrase(containers: &[&Container<'_>]) -> String {
    let names: Vec<String> = containers.iter().map(|c| c.shown()).collect();
    let noun = if names.len() == 1 {
        "container"
    } else {
        "containers"
    };
    format!("{noun} {}", names.join(", "))
}

// ---------------------------------------------------------------------------
// Building fixes.

fn indent(out: &mut String, depth: usize) {
    for _ in 0..depth {
        out.push_str("  ");
    }
}

/// `body` nested under the keys of `path`.
fn nest(path: &[&str], body: &str) -> String {
    let mut out = String::new();
    for (depth, key) in path.iter().enumerate() {
        indent(&mut out, depth);
        out.push_str(key);
        out.push_str(":\n");
    }
    for line in body.lines() {
        indent(&mut out, path.len());
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// A fix for some containers: each gets its own body, under its name.
fn containers_fix(pod: &Pod<'_>, bodies: &[(&Container<'_>, String)]) -> String {
    fix_yaml(pod, None, bodies)
}

/// A fix for the pod spec itself (`pod_body`, if any) and for some
/// containers, each under its name, all nested under the pod spec's path.
fn fix_yaml(pod: &Pod<'_>, pod_body: Option<&str>, bodies: &[(&Container<'_>, String)]) -> String {
    let mut out = pod_body.unwrap_or_default().to_owned();
    for list in ["initContainers", "containers"] {
        let mine: Vec<_> = bodies.iter().filter(|(c, _)| c.list == list).collect();
        if mine.is_empty() {
            continue;
        }
        out.push_str(list);
        out.push_str(":\n");
        for (c, body) in mine {
            out.push_str("  - name: ");
            out.push_str(&yaml_quoted(c.name));
            out.push('\n');
            for line in body.lines() {
                out.push_str("    ");
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    nest(pod.path, &out)
}

/// The seccomp fix, for a pod's or a container's `securityContext`.
const SECCOMP_BODY: &str = "securityContext:\n  seccompProfile:\n    type: \"RuntimeDefault\"\n";

fn same_fix(pod: &Pod<'_>, containers: &[&Container<'_>], body: &str) -> String {
    let bodies: Vec<_> = containers.iter().map(|&c| (c, body.to_owned())).collect();
    containers_fix(pod, &bodies)
}

// ---------------------------------------------------------------------------
// The evaluation.

type ObjectKey<'a> = (Option<&'a str>, &'a str);

/// What the rules need to know about the whole input.
struct Index<'a> {
    accounts: HashMap<ObjectKey<'a>, Option<bool>>,
    token_secrets: HashSet<ObjectKey<'a>>,
    policies: HashSet<Option<&'a str>>,
    workloads: HashSet<Option<&'a str>>,
}

impl<'a> Index<'a> {
    fn new(objects: &'a [Object]) -> Self {
        let mut index = Index {
            accounts: HashMap::new(),
            token_secrets: HashSet::new(),
            policies: HashSet::new(),
            workloads: HashSet::new(),
        };
        for o in objects {
            let ns = o.namespace.as_deref();
            let name = o.name.as_deref().unwrap_or("");
            match o.kind.as_str() {
                "ServiceAccount" => {
                    index.accounts.insert(
                        (ns, name),
                        o.value.field("automountServiceAccountToken").as_bool(),
                    );
                }
                "Secret"
                    if o.value.field("type").as_str()
                        == Some("kubernetes.io/service-account-token") =>
                {
                    index.token_secrets.insert((ns, name));
                }
                "NetworkPolicy" => {
                    index.policies.insert(ns);
                }
                kind if pod_spec_path(kind).is_some() => {
                    index.workloads.insert(ns);
                }
                _ => {}
            }
        }
        index
    }
}

/// Kinds that live outside namespaces (the built-in ones, and a few common
/// add-ons'); every other kind is taken as namespaced.
const CLUSTER_SCOPED: &[&str] = &[
    "APIService",
    "CertificateSigningRequest",
    "ClusterIssuer",
    "ClusterRole",
    "ClusterRoleBinding",
    "ClusterTrustBundle",
    "ComponentStatus",
    "CSIDriver",
    "CSINode",
    "CustomResourceDefinition",
    "DeviceClass",
    "FlowSchema",
    "GatewayClass",
    "IngressClass",
    "IPAddress",
    "MutatingAdmissionPolicy",
    "MutatingAdmissionPolicyBinding",
    "MutatingWebhookConfiguration",
    "Namespace",
    "Node",
    "PersistentVolume",
    "PodSecurityPolicy",
    "PriorityClass",
    "PriorityLevelConfiguration",
    "RuntimeClass",
    "ServiceCIDR",
    "StorageClass",
    "StorageVersionMigration",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "ValidatingWebhookConfiguration",
    "VolumeAttachment",
    "VolumeAttributesClass",
];

/// Runs every rule on every object. Findings come in object order, then
/// by severity (worst first), then in rule order.
pub fn evaluate(objects: &[Object]) -> Vec<RawFinding> {
    let index = Index::new(objects);
    let mut out = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        let mut push = |rule, message, summary: &str, yaml, at| {
            out.push(RawFinding {
                object: i,
                rule,
                message,
                fix: Fix {
                    summary: summary.to_owned(),
                    yaml,
                },
                at,
            })
        };
        if let Some(pod) = pod_of(object) {
            pod_rules(object, &pod, &index, &mut push);
        }
        match object.kind.as_str() {
            "ServiceAccount" => account_rule(object, &mut push),
            "Namespace" => network_rule(object, &index, &mut push),
            _ => {}
        }
        namespace_rule(object, &mut push);
    }
    out.sort_by_key(|f| (f.object, std::cmp::Reverse(f.rule.severity()), f.rule));
    out
}

type Push<'p> = dyn FnMut(Rule, String, &str, String, Vec<Step>) + 'p;

fn pod_rules(object: &Object, pod: &Pod<'_>, index: &Index<'_>, push: &mut Push<'_>) {
    token_rules(object, pod, index, push);
    host_rules(pod, push);
    container_rules(pod, push);
}

fn token_rules(object: &Object, pod: &Pod<'_>, index: &Index<'_>, push: &mut Push<'_>) {
    let ns = object.namespace.as_deref();
    let account_name = pod.account_name();
    let account = match index.accounts.get(&(ns, account_name)) {
        Some(setting) => Account::Present(*setting),
        None => Account::Absent,
    };
    let pod_field = pod.spec.field("automountServiceAccountToken").as_bool();
    if let Some(why) = automount(pod_field, account) {
        let exposed: Vec<&Container<'_>> =
            pod.containers.iter().filter(|c| !pod.masked(c)).collect();
        if !exposed.is_empty() {
            let sa = quoted(account_name);
            let because = match why {
                Automount::Pod => "the pod sets automountServiceAccountToken: true".to_owned(),
                Automount::Account => format!(
                    "ServiceAccount {sa} sets automountServiceAccountToken: true and the pod does not override it"
                ),
                Automount::Default => format!(
                    "neither the pod nor ServiceAccount {sa} sets automountServiceAccountToken: false, and Kubernetes defaults to true"
                ),
                Automount::Unknown => format!(
                    "the pod does not set automountServiceAccountToken: false and ServiceAccount {sa} is not in the input to say otherwise (the default is true)"
                ),
            };
            push(
                Rule::TokenExposure,
                format!(
                    "{} would get a Kubernetes API token at {TOKEN_PATH}: {because}",
                    phrase(&exposed)
                ),
                "turn automounting off in the pod; a pod that really calls the API should mount a projected token with an audience and a short expiry instead",
                nest(pod.path, "automountServiceAccountToken: false"),
                pod_at(pod, &[Key("automountServiceAccountToken")]),
            );
        }
    }
    for (vi, (name, volume)) in pod.volumes().enumerate() {
        let readers = pod.mounting(name);
        if readers.is_empty() {
            continue;
        }
        let projected = volume.field("projected").field("sources").items();
        for (si, source) in projected.iter().enumerate() {
            let token = source.field("serviceAccountToken");
            if !matches!(token, Node::Map(_)) {
                continue;
            }
            if token
                .field("audience")
                .as_str()
                .is_some_and(|a| !a.is_empty())
            {
                continue;
            }
            let path = token.field("path").as_str().unwrap_or("token");
            push(
                Rule::TokenExposure,
                format!(
                    "{} volume {}, a projected service-account token with no audience: a token for the Kubernetes API",
                    says(&readers, "mounts", "mount"),
                    quoted(name)
                ),
                "give the token the audience of the service that reads it (that service, not the API server, accepts it) and a short expiry, or remove the volume",
                nest(
                    pod.path,
                    &format!(
                        "volumes:\n  - name: {}\n    projected:\n      sources:\n        - serviceAccountToken:\n            path: {}\n            audience: \"<the service that reads it>\"\n            expirationSeconds: 600\n",
                        yaml_quoted(name),
                        yaml_quoted(path)
                    ),
                ),
                pod_at(
                    pod,
                    &[
                        Key("volumes"),
                        Item(vi),
                        Key("projected"),
                        Key("sources"),
                        Item(si),
                        Key("serviceAccountToken"),
                    ],
                ),
            );
        }
        if let Some(secret) = volume.field("secret").field("secretName").as_str()
            && index
                .token_secrets
                .contains(&(object.namespace.as_deref(), secret))
        {
            push(
                Rule::TokenExposure,
                format!(
                    "{} Secret {}, a long-lived service-account token (type kubernetes.io/service-account-token)",
                    says(&readers, "mounts", "mount"),
                    quoted(secret)
                ),
                "remove the volume (and the Secret); a pod that calls the API should use a projected token, which expires",
                nest(
                    pod.path,
                    &format!(
                        "volumes:\n  - name: {}\n    $patch: delete\n",
                        yaml_quoted(name)
                    ),
                ),
                pod_at(
                    pod,
                    &[Key("volumes"), Item(vi), Key("secret"), Key("secretName")],
                ),
            );
        }
    }
}

fn host_rules(pod: &Pod<'_>, push: &mut Push<'_>) {
    let shared: Vec<&str> = ["hostNetwork", "hostPID", "hostIPC"]
        .into_iter()
        .filter(|k| pod.spec.field(k).as_bool() == Some(true))
        .collect();
    if !shared.is_empty() {
        let body: String = shared.iter().map(|k| format!("{k}: false\n")).collect();
        push(
            Rule::HostNamespaces,
            format!(
                "the pod shares the node's namespaces: {} set to true",
                shared.join(", ")
            ),
            "run the pod in its own namespaces; expose ports through a Service instead of the host network",
            nest(pod.path, &body),
            pod_at(pod, &[Key(shared[0])]),
        );
    }
    let host: Vec<(usize, &str, &str)> = pod
        .volumes()
        .enumerate()
        .filter_map(|(i, (name, v))| {
            let hp = v.get("hostPath")?;
            Some((i, name, hp.field("path").as_str().unwrap_or("?")))
        })
        .collect();
    if !host.is_empty() {
        let shown: Vec<String> = host
            .iter()
            .map(|(_, n, p)| format!("{} ({})", quoted(n), quoted(p)))
            .collect();
        let mut body = String::from("volumes:\n");
        for (_, name, _) in &host {
            body.push_str(&format!(
                "  - name: {}\n    hostPath: null\n    emptyDir: {{}}\n",
                yaml_quoted(name)
            ));
        }
        push(
            Rule::HostPath,
            format!(
                "the pod mounts paths of the node: {} {}",
                if host.len() == 1 { "volume" } else { "volumes" },
                shown.join(", ")
            ),
            "use a PersistentVolumeClaim, a ConfigMap or an emptyDir instead of a node path; this swaps in an emptyDir",
            nest(pod.path, &body),
            pod_at(pod, &[Key("volumes"), Item(host[0].0), Key("hostPath")]),
        );
    }
}

/// Capabilities the `restricted` Pod Security profile allows to add.
const ALLOWED_CAPABILITIES: &[&str] = &["NET_BIND_SERVICE"];

fn capability_name(cap: &str) -> String {
    let upper = cap.to_ascii_uppercase();
    upper
        .strip_prefix("CAP_")
        .map(str::to_owned)
        .unwrap_or(upper)
}

/// The pod's containers (init containers first) for which `keep` is true.
fn containers_where<'p, 'a>(
    pod: &'p Pod<'a>,
    keep: impl Fn(&Container<'a>) -> bool,
) -> Vec<&'p Container<'a>> {
    pod.containers.iter().filter(|c| keep(c)).collect()
}

fn container_rules(pod: &Pod<'_>, push: &mut Push<'_>) {
    let cs: Vec<&Container<'_>> = pod.containers.iter().collect();
    // A container's setting, else the pod's (Kubernetes' precedence).
    let effective = |c: &Container<'_>, key: &str| -> Option<Node> {
        [c.security(key), pod.pod_security(key)]
            .into_iter()
            .find(|n| **n != Node::Null)
            .cloned()
    };

    let privileged = containers_where(pod, |c| c.security("privileged").as_bool() == Some(true));
    if !privileged.is_empty() {
        push(
            Rule::Privileged,
            format!(
                "{} privileged: every capability and every device of the node",
                says(&privileged, "runs", "run")
            ),
            "turn privileged off; add only the one capability the program needs, if any",
            same_fix(pod, &privileged, "securityContext:\n  privileged: false\n"),
            container_at(
                pod,
                privileged[0],
                &[Key("securityContext"), Key("privileged")],
            ),
        );
    }

    let root = containers_where(pod, |c| {
        effective(c, "runAsUser").and_then(|n| n.as_i64()) == Some(0)
    });
    if !root.is_empty() {
        push(
            Rule::RunAsRoot,
            format!("{} as root (runAsUser: 0)", says(&root, "runs", "run")),
            "run as an unprivileged user; the image must work as that user (e.g. an unprivileged nginx)",
            same_fix(
                pod,
                &root,
                "securityContext:\n  runAsNonRoot: true\n  runAsUser: 10001\n",
            ),
            if *root[0].security("runAsUser") == Node::Null {
                pod_at(pod, &[Key("securityContext"), Key("runAsUser")])
            } else {
                container_at(pod, root[0], &[Key("securityContext"), Key("runAsUser")])
            },
        );
    }

    let maybe_root = containers_where(pod, |c| {
        !root.iter().any(|r| std::ptr::eq(*r, c))
            && effective(c, "runAsNonRoot").and_then(|n| n.as_bool()) != Some(true)
    });
    if !maybe_root.is_empty() {
        let bodies: Vec<_> = maybe_root
            .iter()
            .map(|&c| {
                let body = if effective(c, "runAsUser").is_some() {
                    "securityContext:\n  runAsNonRoot: true\n".to_owned()
                } else {
                    "securityContext:\n  runAsNonRoot: true\n  runAsUser: 10001\n".to_owned()
                };
                (c, body)
            })
            .collect();
        push(
            Rule::MissingRunAsNonRoot,
            format!(
                "{} may run as root: runAsNonRoot is not true in the container or the pod, so the image's USER decides",
                phrase(&maybe_root)
            ),
            "require a non-root user; with a numeric runAsUser the kubelet can check it",
            containers_fix(pod, &bodies),
            container_at(
                pod,
                maybe_root[0],
                &[Key("securityContext"), Key("runAsNonRoot")],
            ),
        );
    }

    let escalating = containers_where(pod, |c| {
        c.security("allowPrivilegeEscalation").as_bool() != Some(false)
    });
    if !escalating.is_empty() {
        push(
            Rule::PrivilegeEscalation,
            format!(
                "{} privilege escalation: allowPrivilegeEscalation is not false, so setuid programs can gain privileges",
                says(&escalating, "allows", "allow")
            ),
            "set allowPrivilegeEscalation to false",
            same_fix(
                pod,
                &escalating,
                "securityContext:\n  allowPrivilegeEscalation: false\n",
            ),
            container_at(
                pod,
                escalating[0],
                &[Key("securityContext"), Key("allowPrivilegeEscalation")],
            ),
        );
    }

    let keeping = containers_where(pod, |c| {
        !c.security("capabilities")
            .field("drop")
            .items()
            .iter()
            .any(|n| n.as_str() == Some("ALL"))
    });
    if !keeping.is_empty() {
        push(
            Rule::CapabilitiesNotDropped,
            format!(
                "{} the runtime's default capabilities (NET_RAW among them): capabilities.drop does not list \"ALL\"",
                says(&keeping, "keeps", "keep")
            ),
            "drop every capability (keep whatever the container adds back on purpose)",
            same_fix(
                pod,
                &keeping,
                "securityContext:\n  capabilities:\n    drop:\n      - \"ALL\"\n",
            ),
            container_at(
                pod,
                keeping[0],
                &[Key("securityContext"), Key("capabilities"), Key("drop")],
            ),
        );
    }

    // The container's seccomp profile, else the pod's (Kubernetes' precedence).
    let profile = |c: &Container<'_>| -> Option<String> {
        effective(c, "seccompProfile").and_then(|n| n.field("type").as_str().map(str::to_owned))
    };
    let unfiltered = containers_where(pod, |c| {
        !matches!(profile(c).as_deref(), Some("RuntimeDefault" | "Localhost"))
    });
    if !unfiltered.is_empty() {
        let shown: Vec<String> = unfiltered
            .iter()
            .map(|c| match profile(c) {
                Some(kind) => format!("{} (type {})", c.shown(), quoted(&kind)),
                None => c.shown(),
            })
            .collect();
        let noun = if unfiltered.len() == 1 {
            "container"
        } else {
            "containers"
        };
        // Containers that set their own (bad) profile need it changed there;
        // the others inherit from the pod, which is where the fix goes.
        let own: Vec<_> = unfiltered
            .iter()
            .copied()
            .filter(|c| *c.security("seccompProfile") != Node::Null)
            .collect();
        let inherits = unfiltered.len() > own.len();
        let bodies: Vec<_> = own.iter().map(|&c| (c, SECCOMP_BODY.to_owned())).collect();
        push(
            Rule::MissingSeccompProfile,
            format!(
                "{noun} {} {} without a seccomp filter: no RuntimeDefault or Localhost profile in the container or the pod",
                shown.join(", "),
                if unfiltered.len() == 1 { "runs" } else { "run" }
            ),
            "use the container runtime's default seccomp profile",
            fix_yaml(pod, inherits.then_some(SECCOMP_BODY), &bodies),
            {
                let rest = [Key("securityContext"), Key("seccompProfile"), Key("type")];
                match own.first() {
                    Some(c) => container_at(pod, c, &rest),
                    None => pod_at(pod, &rest),
                }
            },
        );
    }

    let mut added = Vec::new();
    let mut added_bodies = Vec::new();
    let mut added_names = Vec::new();
    for &c in &cs {
        let caps = c.security("capabilities").field("add").items();
        let names: Vec<String> = caps
            .iter()
            .map(|n| n.as_str().map_or_else(|| "?".to_owned(), capability_name))
            .collect();
        let bad: Vec<&String> = names
            .iter()
            .filter(|n| !ALLOWED_CAPABILITIES.contains(&n.as_str()))
            .collect();
        if bad.is_empty() {
            continue;
        }
        added.push(c);
        added_names.extend(bad.iter().map(|s| (*s).clone()));
        let keep: Vec<String> = names
            .iter()
            .filter(|n| ALLOWED_CAPABILITIES.contains(&n.as_str()))
            .map(|n| format!("      - {}\n", yaml_quoted(n)))
            .collect();
        let add = if keep.is_empty() {
            "    add: []\n".to_owned()
        } else {
            format!("    add:\n{}", keep.concat())
        };
        added_bodies.push((
            c,
            format!("securityContext:\n  capabilities:\n{add}    drop:\n      - \"ALL\"\n"),
        ));
    }
    if !added.is_empty() {
        added_names.sort();
        added_names.dedup();
        push(
            Rule::AddedCapabilities,
            format!(
                "{} capabilities {}",
                says(&added, "adds", "add"),
                added_names.join(", ")
            ),
            "drop every capability; only NET_BIND_SERVICE may be added back",
            containers_fix(pod, &added_bodies),
            container_at(
                pod,
                added[0],
                &[Key("securityContext"), Key("capabilities"), Key("add")],
            ),
        );
    }

    let writable = containers_where(pod, |c| {
        c.security("readOnlyRootFilesystem").as_bool() != Some(true)
    });
    if !writable.is_empty() {
        push(
            Rule::WritableRootFilesystem,
            format!(
                "{} write to {} root filesystem: readOnlyRootFilesystem is not true",
                says(&writable, "can", "can"),
                if writable.len() == 1 { "its" } else { "their" }
            ),
            "make the root filesystem read-only; mount an emptyDir where the program must write (e.g. /tmp)",
            same_fix(
                pod,
                &writable,
                "securityContext:\n  readOnlyRootFilesystem: true\n",
            ),
            container_at(
                pod,
                writable[0],
                &[Key("securityContext"), Key("readOnlyRootFilesystem")],
            ),
        );
    }

    let mut unlimited = Vec::new();
    let mut limit_bodies = Vec::new();
    let mut missing_kinds = HashSet::new();
    for &c in &cs {
        let limits = c.node.field("resources").field("limits");
        let missing: Vec<(&str, &str)> = [("cpu", "\"500m\""), ("memory", "\"256Mi\"")]
            .into_iter()
            .filter(|(k, _)| *limits.field(k) == Node::Null)
            .collect();
        if missing.is_empty() {
            continue;
        }
        unlimited.push(c);
        missing_kinds.extend(missing.iter().map(|(k, _)| *k));
        let body: String = missing
            .iter()
            .map(|(k, v)| format!("    {k}: {v}\n"))
            .collect();
        limit_bodies.push((c, format!("resources:\n  limits:\n{body}")));
    }
    if !unlimited.is_empty() {
        let what = match (
            missing_kinds.contains("cpu"),
            missing_kinds.contains("memory"),
        ) {
            (true, true) => "a CPU or memory limit",
            (true, false) => "a CPU limit",
            _ => "a memory limit",
        };
        push(
            Rule::NoResourceLimits,
            format!("{} {what}", says(&unlimited, "lacks", "lack")),
            "set limits that fit the workload; these values are a starting point",
            containers_fix(pod, &limit_bodies),
            container_at(pod, unlimited[0], &[Key("resources"), Key("limits")]),
        );
    }

    let mut floating = Vec::new();
    let mut image_bodies = Vec::new();
    let mut shown = Vec::new();
    for &c in &cs {
        let Some(image) = c.node.field("image").as_str() else {
            continue;
        };
        if let Some(problem) = image_problem(image) {
            floating.push(c);
            shown.push(format!("{} ({problem})", quoted(image)));
            let repo = image.strip_suffix(":latest").unwrap_or(image);
            image_bodies.push((
                c,
                format!("image: {}\n", yaml_quoted(&format!("{repo}:<version>"))),
            ));
        }
    }
    if !floating.is_empty() {
        push(
            Rule::ImageLatest,
            format!("{} {}", says(&floating, "uses", "use"), shown.join(", ")),
            "pin the version that was tested, ideally also its digest (name:1.2.3@sha256:...)",
            containers_fix(pod, &image_bodies),
            container_at(pod, floating[0], &[Key("image")]),
        );
    }
}

/// Why an image reference floats: no tag, or `latest`. A digest pins it.
pub fn image_problem(image: &str) -> Option<&'static str> {
    if image.contains('@') {
        return None;
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.split_once(':') {
        None => Some("no tag"),
        Some((_, "latest")) => Some("tag latest"),
        Some(_) => None,
    }
}

fn account_rule(object: &Object, push: &mut Push<'_>) {
    let setting = object.value.field("automountServiceAccountToken").as_bool();
    if setting == Some(false) {
        return;
    }
    let name = quoted(object.name.as_deref().unwrap_or(""));
    let message = match setting {
        Some(true) => format!(
            "ServiceAccount {name} sets automountServiceAccountToken: true: every pod using it gets its token unless the pod opts out"
        ),
        _ => format!(
            "ServiceAccount {name} does not set automountServiceAccountToken: false, so every pod using it gets its token unless the pod opts out"
        ),
    };
    push(
        Rule::ServiceAccountAutomount,
        message,
        "turn automounting off on the account too, so a pod that forgets its own setting gets no token",
        "automountServiceAccountToken: false\n".to_owned(),
        vec![Key("automountServiceAccountToken")],
    );
}

fn network_rule(object: &Object, index: &Index<'_>, push: &mut Push<'_>) {
    let Some(name) = object.name.as_deref() else {
        return;
    };
    if !index.workloads.contains(&Some(name)) || index.policies.contains(&Some(name)) {
        return;
    }
    push(
        Rule::MissingNetworkPolicy,
        format!(
            "namespace {} has workloads but no NetworkPolicy in the input: any pod in the cluster can reach them, and they can reach anything",
            quoted(name)
        ),
        "add a default-deny policy (a new object), then allow only the traffic each workload needs",
        format!(
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: \"default-deny\"\n  namespace: {}\nspec:\n  podSelector: {{}}\n  policyTypes:\n    - \"Ingress\"\n    - \"Egress\"\n",
            yaml_quoted(name)
        ),
        Vec::new(),
    );
}

fn namespace_rule(object: &Object, push: &mut Push<'_>) {
    if CLUSTER_SCOPED.contains(&object.kind.as_str()) {
        return;
    }
    let message = match object.namespace.as_deref() {
        Some("default") => "the object is in the default namespace".to_owned(),
        None | Some("") => {
            "the object has no namespace: it lands in the kubectl context's namespace, usually default".to_owned()
        }
        Some(_) => return,
    };
    let labels = object.value.at(&["metadata", "labels"]);
    let suggestion = [
        "app.kubernetes.io/part-of",
        "app.kubernetes.io/instance",
        "app.kubernetes.io/name",
    ]
    .iter()
    .find_map(|k| labels.and_then(|l| l.field(k).as_str()))
    .or(object.name.as_deref())
    .unwrap_or("my-app");
    push(
        Rule::DefaultNamespace,
        message,
        "give each project its own namespace (kubectl create namespace, or a Namespace object)",
        format!("metadata:\n  namespace: {}\n", yaml_quoted(suggestion)),
        vec![Key("metadata"), Key("namespace")],
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_match_clap_names() {
        use clap::ValueEnum;
        for rule in Rule::ALL {
            assert_eq!(Rule::from_id(rule.id()), Some(rule));
            let value = rule.to_possible_value().expect("has a name");
            assert_eq!(value.get_name(), rule.id());
        }
        assert_eq!(Rule::value_variants().len(), Rule::ALL.len());
    }

    /// The decision table: pod field x ServiceAccount x mask.
    #[test]
    fn token_decision_table() {
        use Account::*;
        let pods = [Some(true), Some(false), None];
        let accounts = [
            Present(Some(true)),
            Present(Some(false)),
            Present(None),
            Absent,
        ];
        // (pod, account) -> is automounting on?
        let on = |pod: Option<bool>, account: Account| match (pod, account) {
            (Some(p), _) => p,
            (None, Present(Some(a))) => a,
            (None, Present(None)) | (None, Absent) => true,
        };
        let mut rows = 0;
        for pod in pods {
            for account in accounts {
                for masked in [false, true] {
                    let expected = on(pod, account) && !masked;
                    assert_eq!(
                        token_exposed(pod, account, &[masked]),
                        expected,
                        "pod {pod:?}, account {account:?}, masked {masked}"
                    );
                    rows += 1;
                }
            }
        }
        assert_eq!(rows, 24);
        // The reasons the message gives.
        assert_eq!(automount(None, Absent), Some(Automount::Unknown));
        assert_eq!(automount(None, Present(None)), Some(Automount::Default));
        assert_eq!(
            automount(None, Present(Some(true))),
            Some(Automount::Account)
        );
        assert_eq!(
            automount(Some(true), Present(Some(false))),
            Some(Automount::Pod)
        );
        // One unmasked container is enough.
        assert!(token_exposed(None, Absent, &[true, false]));
        assert!(!token_exposed(None, Absent, &[true, true]));
    }

    #[test]
    fn images_float_without_a_tag_or_with_latest() {
        for (image, problem) in [
            ("nginx", Some("no tag")),
            ("nginx:latest", Some("tag latest")),
            ("registry:5000/team/app", Some("no tag")),
            ("registry:5000/team/app:latest", Some("tag latest")),
            ("registry:5000/team/app:1.2", None),
            ("nginx:1.27", None),
            ("nginx@sha256:abc", None),
            ("nginx:latest@sha256:abc", None),
        ] {
            assert_eq!(image_problem(image), problem, "{image}");
        }
    }

    #[test]
    fn fixes_nest_under_the_pod_spec_and_name_containers() {
        let body = "securityContext:\n  privileged: false\n";
        assert_eq!(
            nest(&["spec", "template", "spec"], "a: 1\n"),
            "spec:\n  template:\n    spec:\n      a: 1\n"
        );
        let node = Node::Null;
        let pod = Pod {
            spec: &node,
            path: &["spec"],
            containers: vec![
                Container {
                    list: "initContainers",
                    index: 0,
                    name: "init",
                    node: &node,
                },
                Container {
                    list: "containers",
                    index: 0,
                    name: "web",
                    node: &node,
                },
            ],
        };
        let all: Vec<_> = pod.containers.iter().collect();
        assert_eq!(
            same_fix(&pod, &all, body),
            "spec:\n  initContainers:\n    - name: \"init\"\n      securityContext:\n        privileged: false\n  containers:\n    - name: \"web\"\n      securityContext:\n        privileged: false\n"
        );
    }

    #[test]
    fn capability_names_are_normalised() {
        assert_eq!(capability_name("cap_net_admin"), "NET_ADMIN");
        assert_eq!(capability_name("NET_BIND_SERVICE"), "NET_BIND_SERVICE");
    }
}
