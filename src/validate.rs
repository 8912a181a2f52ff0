//! The grammar rules every value must satisfy before any template runs.
//!
//! Each function checks one value against one grammar and returns the rule it
//! breaks plus a valid example. The caller (spec.rs, the wizard) adds the
//! field name and the offending value, so every entry point shows the same
//! message.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why a value was refused: the rule it breaks and a value that would pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The rule, phrased to follow the value: "must be lower case (RFC 1123)".
    pub rule: String,
    /// A value that satisfies the rule, e.g. "blog.example.com".
    pub example: String,
}

/// The result of one check.
pub type Check = Result<(), Violation>;

/// Suffixes kubesite appends to the site name to name the objects it derives
/// from it (Secret, PVC, Redis, NetworkPolicies).
pub const DERIVED_SUFFIXES: &[&str] = &[
    "-tls",
    "-data",
    "-redis",
    "-redis-data",
    "-deny-all",
    "-allow-dns",
    "-allow-web",
    "-allow-redis",
];

/// The longest of [`DERIVED_SUFFIXES`], named in the length message.
const LONGEST_SUFFIX: &str = longest(DERIVED_SUFFIXES);

/// The longest site name whose derived names all stay within the 63
/// characters of a DNS label; adding a suffix above updates it.
pub const MAX_NAME_LEN: usize = LABEL_MAX - LONGEST_SUFFIX.len();

const LABEL_MAX: usize = 63;
const SUBDOMAIN_MAX: usize = 253;
const IMAGE_NAME_MAX: usize = 255;
const TAG_MAX: usize = 128;
const PATH_MAX: usize = 4096;
const REPLICAS_MAX: i64 = 1000;

const fn longest(items: &[&'static str]) -> &'static str {
    let mut best = "";
    let mut i = 0;
    while i < items.len() {
        if items[i].len() > best.len() {
            best = items[i];
        }
        i += 1;
    }
    best
}

// Each public check pairs a rule function (the verdict and the message) with
// a suggestion derived from the input. The suggestion is shown only when it
// passes the same rule, so an example can never be invalid itself.
fn refuse(
    rule: String,
    suggestion: Option<String>,
    passes: impl Fn(&str) -> bool,
    default: &str,
) -> Violation {
    let example = suggestion
        .filter(|s| !s.is_empty() && passes(s))
        .unwrap_or_else(|| default.to_owned());
    Violation { rule, example }
}

fn checked(
    v: &str,
    rule: fn(&str) -> Result<(), String>,
    suggest: fn(&str) -> Option<String>,
    default: &str,
) -> Check {
    rule(v).map_err(|r| refuse(r, suggest(v), |s| rule(s).is_ok(), default))
}

/// Characters that would break a line or a terminal: `char::is_control`
/// (which includes U+0085 NEXT LINE) plus the Unicode line and paragraph
/// separators.
fn is_control(c: char) -> bool {
    c.is_control() || c == '\u{2028}' || c == '\u{2029}'
}

fn has_space_or_control(v: &str) -> bool {
    v.chars().any(|c| c.is_whitespace() || is_control(c))
}

const NO_SPACE: &str = "must not contain spaces or control characters";

// ----- DNS names -----------------------------------------------------------

fn is_lower_alnum(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit()
}

/// The character rules shared by RFC 1123 labels; `what` names the standard.
fn label_chars(v: &str, what: &str) -> Result<(), String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || c == '-';
    if !v.chars().all(allowed) {
        return Err(format!(
            "must contain only lower-case letters, digits and '-' ({what})"
        ));
    }
    if v.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err("must be lower case (RFC 1123)".to_owned());
    }
    if !v.bytes().next().is_some_and(is_lower_alnum)
        || !v.bytes().last().is_some_and(is_lower_alnum)
    {
        return Err(format!(
            "must start and end with a letter or digit ({what})"
        ));
    }
    Ok(())
}

fn rule_dns1123_label(v: &str) -> Result<(), String> {
    if v.is_empty() {
        return Err("must not be empty (RFC 1123 label)".to_owned());
    }
    let n = v.chars().count();
    if n > LABEL_MAX {
        return Err(format!(
            "must be at most {LABEL_MAX} characters (RFC 1123 label), it has {n}"
        ));
    }
    label_chars(v, "RFC 1123 label")
}

fn rule_dns1123_subdomain(v: &str) -> Result<(), String> {
    if v.is_empty() {
        return Err("must not be empty (RFC 1123 subdomain)".to_owned());
    }
    let n = v.chars().count();
    if n > SUBDOMAIN_MAX {
        return Err(format!(
            "must be at most {SUBDOMAIN_MAX} characters (RFC 1123 subdomain), it has {n}"
        ));
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '.';
    if !v.chars().all(allowed) {
        return Err(
            "must contain only lower-case letters, digits, '-' and '.' (RFC 1123 subdomain)"
                .to_owned(),
        );
    }
    if v.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err("must be lower case (RFC 1123)".to_owned());
    }
    for label in v.split('.') {
        if label.is_empty() {
            return Err(
                "must not have empty labels: no leading, trailing or double dots (RFC 1123 subdomain)"
                    .to_owned(),
            );
        }
        let n = label.len();
        if n > LABEL_MAX {
            return Err(format!(
                "must have labels of at most {LABEL_MAX} characters between the dots (RFC 1123 subdomain), one has {n}"
            ));
        }
        let edges = [label.as_bytes()[0], label.as_bytes()[n - 1]];
        if !edges.into_iter().all(is_lower_alnum) {
            return Err(
                "must have labels that start and end with a letter or digit (RFC 1123 subdomain)"
                    .to_owned(),
            );
        }
    }
    Ok(())
}

/// Lower case, with '_', '.' and spaces turned into '-' and dashes trimmed:
/// "My_Blog" suggests "my-blog".
fn suggest_label(v: &str) -> Option<String> {
    let s: String = v
        .trim()
        .chars()
        .map(|c| match c {
            '_' | '.' | ' ' => '-',
            c => c.to_ascii_lowercase(),
        })
        .collect();
    Some(s.trim_matches('-').to_owned())
}

fn suggest_subdomain(v: &str) -> Option<String> {
    Some(v.trim().trim_matches('.').to_ascii_lowercase())
}

/// An RFC 1123 label: at most 63 lower-case letters, digits or '-',
/// starting and ending with a letter or digit.
pub fn dns1123_label(v: &str) -> Check {
    checked(v, rule_dns1123_label, suggest_label, "blog")
}

/// An RFC 1123 subdomain: at most 253 characters of dot-separated RFC 1123
/// labels.
pub fn dns1123_subdomain(v: &str) -> Check {
    checked(
        v,
        rule_dns1123_subdomain,
        suggest_subdomain,
        "blog.example.com",
    )
}

fn rule_site_name(v: &str) -> Result<(), String> {
    if v.is_empty() {
        return Err("must not be empty (RFC 1035 label)".to_owned());
    }
    let n = v.chars().count();
    if n > MAX_NAME_LEN {
        let longest = if LONGEST_SUFFIX == "-redis-data" {
            String::new()
        } else {
            format!(" and \"<name>{LONGEST_SUFFIX}\"")
        };
        return Err(format!(
            "must be at most {MAX_NAME_LEN} characters so that derived names like \
             \"<name>-redis-data\"{longest} stay valid labels of at most {LABEL_MAX} \
             characters (RFC 1123), it has {n}"
        ));
    }
    label_chars(v, "RFC 1035 label")?;
    if !v.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Err(
            "must start with a lower-case letter (RFC 1035 label), because the Service is named after the site"
                .to_owned(),
        );
    }
    Ok(())
}

/// The site name: an RFC 1035 label (the Service is named after it) short
/// enough that every `<name><suffix>` in [`DERIVED_SUFFIXES`] is a label too.
pub fn site_name(v: &str) -> Check {
    checked(v, rule_site_name, suggest_label, "blog")
}

fn rule_namespace(v: &str) -> Result<(), String> {
    rule_dns1123_label(v)?;
    if v == "default" {
        return Err(
            "must not be the shared default namespace: kubesite gives each site a namespace of its own"
                .to_owned(),
        );
    }
    if v.starts_with("kube-") {
        return Err(
            "must not start with \"kube-\", which is reserved for system namespaces: kubesite gives each site a namespace of its own"
                .to_owned(),
        );
    }
    Ok(())
}

fn suggest_namespace(v: &str) -> Option<String> {
    let s = suggest_label(v)?;
    Some(s.strip_prefix("kube-").map(str::to_owned).unwrap_or(s))
}

/// A namespace of the site's own: an RFC 1123 label, neither `default` nor
/// a `kube-*` system namespace.
pub fn namespace(v: &str) -> Check {
    checked(v, rule_namespace, suggest_namespace, "blog")
}

// ----- host names and addresses --------------------------------------------

/// True when `v` is, or looks like, an IP address: a literal IPv4 or IPv6
/// address (bracketed or not, with or without a port), or a dotted name whose
/// last label is all digits (no top-level domain is numeric, and resolvers
/// read "1.2.3" or "999.1.1.1" as addresses, not names).
fn looks_like_ip(v: &str) -> bool {
    if v.parse::<IpAddr>().is_ok() || v.starts_with('[') || v.matches(':').count() >= 2 {
        return true;
    }
    let host = v.rsplit_once(':').map_or(v, |(h, _)| h);
    if host.parse::<Ipv4Addr>().is_ok() {
        return true;
    }
    let last = host.rsplit('.').next().unwrap_or("");
    !last.is_empty() && last.bytes().all(|b| b.is_ascii_digit())
}

fn rule_host(v: &str) -> Result<(), String> {
    if v.is_empty() {
        return Err("must not be empty".to_owned());
    }
    if has_space_or_control(v) {
        return Err(NO_SPACE.to_owned());
    }
    if v.contains("://") {
        return Err("must not include a scheme such as https://, only the host name".to_owned());
    }
    if v.contains('/') {
        return Err("must not include a path, only the host name".to_owned());
    }
    if looks_like_ip(v) {
        return Err("must be a host name, not an IP address".to_owned());
    }
    if v.contains(':') {
        return Err("must not include a port, only the host name".to_owned());
    }
    if v.len() > 1 && v.ends_with('.') {
        return Err("must not end with a dot".to_owned());
    }
    let rest = v.strip_prefix("*.").unwrap_or(v);
    if rest.contains('*') {
        return Err(
            "may use '*' only as the whole first label, as in *.example.com (wildcard host)"
                .to_owned(),
        );
    }
    let n = v.chars().count();
    if n > SUBDOMAIN_MAX {
        return Err(format!(
            "must be at most {SUBDOMAIN_MAX} characters (RFC 1123 subdomain), it has {n}"
        ));
    }
    rule_dns1123_subdomain(rest)
}

/// The host name hidden in a URL-ish value: "https://Blog.Example.com:443/x"
/// suggests "blog.example.com".
fn suggest_host(v: &str) -> Option<String> {
    let v = v.trim();
    let v = v.split_once("://").map_or(v, |(_, rest)| rest);
    let v = v.split('/').next().unwrap_or(v);
    let v = v.rsplit_once('@').map_or(v, |(_, host)| host);
    let v = v.split_once(':').map_or(v, |(host, _)| host);
    Some(v.trim_end_matches('.').to_ascii_lowercase())
}

/// A public host name: an RFC 1123 subdomain in lower case, optionally with
/// a leading `*.` wildcard label; no IP address, port, scheme, path or
/// trailing dot.
pub fn host(v: &str) -> Check {
    checked(v, rule_host, suggest_host, "blog.example.com")
}

fn rule_nfs_server(v: &str) -> Result<(), String> {
    if v.is_empty() {
        return Err("must not be empty".to_owned());
    }
    if has_space_or_control(v) {
        return Err(NO_SPACE.to_owned());
    }
    if v.parse::<IpAddr>().is_ok() {
        return Ok(());
    }
    if v.starts_with('[') {
        return Err("must be an IPv6 address without brackets, or a host name".to_owned());
    }
    if v.contains("://") {
        return Err("must not include a scheme, only the server's host name or address".to_owned());
    }
    if v.contains('/') {
        return Err("must not include a path: the export path is a setting of its own".to_owned());
    }
    if v.contains(':') {
        return Err(
            "must be a host name, an IPv4 address or an IPv6 address, without a port".to_owned(),
        );
    }
    rule_dns1123_subdomain(v)?;
    if looks_like_ip(v) {
        return Err("must be a valid IPv4 address or a host name".to_owned());
    }
    Ok(())
}

fn suggest_nfs_server(v: &str) -> Option<String> {
    let v = v.trim();
    if let Some(inner) = v.strip_prefix('[').and_then(|r| r.split_once(']')) {
        return Some(inner.0.to_owned());
    }
    suggest_host(v)
}

/// The NFS server: a host name (RFC 1123 subdomain) or an IPv4 or IPv6
/// address.
pub fn nfs_server(v: &str) -> Check {
    checked(v, rule_nfs_server, suggest_nfs_server, "nfs.example.com")
}

/// A StorageClass name: an RFC 1123 subdomain.
pub fn storage_class(v: &str) -> Check {
    checked(v, rule_dns1123_subdomain, suggest_subdomain, "standard")
}

// ----- container images ----------------------------------------------------

/// A parsed OCI / Docker image reference: `[registry/]path[:tag][@digest]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// The registry host with an optional port, e.g. "registry.example.com:5000".
    pub registry: Option<String>,
    /// The repository path, e.g. "team/blog".
    pub path: String,
    /// The tag, e.g. "1.0.0".
    pub tag: Option<String>,
    /// The digest with its algorithm, e.g. "sha256:0123...".
    pub digest: Option<String>,
}

impl ImageRef {
    /// True when a digest pins the image to exact bytes.
    pub fn is_pinned(&self) -> bool {
        self.digest.is_some()
    }

    /// True when the tag is missing or `latest`, whatever the digest; a
    /// caller warning about mutable tags checks [`ImageRef::is_pinned`] first.
    pub fn uses_latest_or_no_tag(&self) -> bool {
        self.tag.as_deref().is_none_or(|t| t == "latest")
    }
}

const IMAGE_EXAMPLE: &str = "registry.example.com/blog:1.0.0";
const OCI_REF: &str = "OCI distribution reference";

/// A refusal while parsing an image: the rule and an optional suggestion.
type ImageErr = (String, Option<String>);

fn image_err(rule: String) -> ImageErr {
    (rule, None)
}

/// `[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*`
fn is_path_component(c: &str) -> bool {
    let b = c.as_bytes();
    let mut i = 0;
    loop {
        let start = i;
        while i < b.len() && is_lower_alnum(b[i]) {
            i += 1;
        }
        if i == start {
            return false;
        }
        if i == b.len() {
            return true;
        }
        match b[i] {
            b'.' => i += 1,
            b'_' => {
                i += 1;
                if i < b.len() && b[i] == b'_' {
                    i += 1;
                }
            }
            b'-' => {
                while i < b.len() && b[i] == b'-' {
                    i += 1;
                }
            }
            _ => return false,
        }
    }
}

/// `[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]`
fn is_domain_component(c: &str) -> bool {
    let b = c.as_bytes();
    !b.is_empty()
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter().all(|&x| x.is_ascii_alphanumeric() || x == b'-')
}

/// `host[:port]` with host a domain name, an IPv4 address or `[IPv6]`.
fn check_registry(d: &str) -> Result<(), String> {
    let bad_host = || {
        format!(
            "must name the registry as a host name, an IPv4 address or a bracketed IPv6 address, \
             with an optional port ({OCI_REF})"
        )
    };
    let port = if let Some(rest) = d.strip_prefix('[') {
        let (inner, after) = rest.split_once(']').ok_or_else(bad_host)?;
        // Zones ("%eth0") and IPv4-mapped forms are excluded by the grammar.
        let hex = |c: char| c.is_ascii_hexdigit() || c == ':';
        if inner.is_empty() || !inner.chars().all(hex) || inner.parse::<Ipv6Addr>().is_err() {
            return Err(bad_host());
        }
        match after {
            "" => None,
            _ => Some(after.strip_prefix(':').ok_or_else(bad_host)?),
        }
    } else {
        let (host, port) = match d.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (d, None),
        };
        if !host.split('.').all(is_domain_component) {
            return Err(bad_host());
        }
        port
    };
    if let Some(p) = port {
        let in_range = p.len() <= 5
            && p.bytes().all(|b| b.is_ascii_digit())
            && p.parse::<u32>().is_ok_and(|n| (1..=65535).contains(&n));
        if !in_range {
            return Err(format!(
                "must give the registry port as a number from 1 to 65535 ({OCI_REF})"
            ));
        }
    }
    Ok(())
}

fn check_tag(t: &str) -> Result<(), String> {
    let n = t.chars().count();
    if n == 0 {
        return Err(format!("must not have an empty tag after ':' ({OCI_REF})"));
    }
    if n > TAG_MAX {
        return Err(format!(
            "must have a tag of at most {TAG_MAX} characters ({OCI_REF}), it has {n}"
        ));
    }
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    if !t.chars().all(|c| word(c) || c == '.' || c == '-') {
        return Err(format!(
            "must have a tag of only letters, digits, '_', '.' and '-' ({OCI_REF})"
        ));
    }
    if !t.starts_with(word) {
        return Err(format!(
            "must have a tag starting with a letter, digit or '_' ({OCI_REF})"
        ));
    }
    Ok(())
}

/// `sha256:` + 64 or `sha512:` + 128 lower-case hex digits.
fn check_digest(d: &str) -> Result<(), ImageErr> {
    let (algorithm, hex) = d.split_once(':').unwrap_or((d, ""));
    let want = match algorithm {
        "sha256" => 64,
        "sha512" => 128,
        _ => {
            return Err(image_err(
                "must have a digest starting with sha256: or sha512: (OCI image spec)".to_owned(),
            ));
        }
    };
    let n = hex.chars().count();
    if n != want {
        return Err(image_err(format!(
            "must have a {algorithm} digest of exactly {want} hex digits (OCI image spec), it has {n}"
        )));
    }
    if !hex
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        let lower = hex
            .bytes()
            .all(|b| b.is_ascii_hexdigit())
            .then(|| format!("{algorithm}:{}", hex.to_ascii_lowercase()));
        return Err((
            "must have a digest of lower-case hex digits (OCI image spec)".to_owned(),
            lower,
        ));
    }
    Ok(())
}

fn rebuild(registry: Option<&str>, path: &str, tag: Option<&str>, digest: Option<&str>) -> String {
    let mut s = String::new();
    if let Some(r) = registry {
        s.push_str(r);
        s.push('/');
    }
    s.push_str(path);
    if let Some(t) = tag {
        s.push(':');
        s.push_str(t);
    }
    if let Some(d) = digest {
        s.push('@');
        s.push_str(d);
    }
    s
}

fn parse_image(v: &str) -> Result<ImageRef, ImageErr> {
    if v.is_empty() {
        return Err(image_err("must not be empty".to_owned()));
    }
    if has_space_or_control(v) {
        return Err((NO_SPACE.to_owned(), Some(v.trim().to_owned())));
    }
    if let Some((_, rest)) = v.split_once("://") {
        return Err((
            format!("must not include a scheme such as https:// ({OCI_REF})"),
            Some(rest.to_owned()),
        ));
    }

    // Nothing before '@' may contain '@', so the first one starts the digest.
    let (name_tag, digest) = match v.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (v, None),
    };
    // A ':' after the last '/' starts the tag; an earlier one is a port.
    let (name, tag) = match name_tag.rsplit_once(':') {
        Some((n, t)) if !t.contains('/') => (n, Some(t)),
        _ => (name_tag, None),
    };
    if name.is_empty() {
        return Err(image_err(format!(
            "must start with a repository name ({OCI_REF})"
        )));
    }
    if let Some(t) = tag {
        check_tag(t).map_err(image_err)?;
    }
    if let Some(d) = digest {
        check_digest(d)
            .map_err(|(rule, lower)| (rule, lower.map(|l| rebuild(None, name, tag, Some(&l)))))?;
    }
    let n = name.chars().count();
    if n > IMAGE_NAME_MAX {
        return Err(image_err(format!(
            "must have a name of at most {IMAGE_NAME_MAX} characters before the tag ({OCI_REF}), it has {n}"
        )));
    }

    // The first component names a registry only when it cannot be a path:
    // it holds a '.' or a ':', or is "localhost" (Docker's rule).
    let (registry, path) = match name.split_once('/') {
        Some((first, rest))
            if first.contains('.') || first.contains(':') || first == "localhost" =>
        {
            (Some(first), rest)
        }
        _ => (None, name),
    };
    if let Some(r) = registry {
        check_registry(r).map_err(image_err)?;
    }
    for component in path.split('/') {
        if component.is_empty() {
            return Err(image_err(format!(
                "must not have an empty path component, as in a//b or a trailing '/' ({OCI_REF})"
            )));
        }
        if !is_path_component(component) {
            let lower = component.to_ascii_lowercase();
            if lower != component && is_path_component(&lower) {
                let suggestion = rebuild(registry, &path.to_ascii_lowercase(), tag, digest);
                return Err((
                    format!("must have a lower-case repository path ({OCI_REF})"),
                    Some(suggestion),
                ));
            }
            return Err(image_err(format!(
                "must have path components of lower-case letters and digits, separated by \
                 '.', '_', '__' or dashes ({OCI_REF})"
            )));
        }
    }
    Ok(ImageRef {
        registry: registry.map(str::to_owned),
        path: path.to_owned(),
        tag: tag.map(str::to_owned),
        digest: digest.map(str::to_owned),
    })
}

/// A container image reference, `[registry[:port]/]path[:tag][@digest]`, by
/// the grammar of github.com/distribution/reference.
pub fn image(v: &str) -> Result<ImageRef, Violation> {
    parse_image(v).map_err(|(rule, s)| refuse(rule, s, |s| parse_image(s).is_ok(), IMAGE_EXAMPLE))
}

// ----- quantities, paths, numbers ------------------------------------------

const BINARY_SI: &[&str] = &["Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];
const DECIMAL_SI: &[&str] = &["n", "u", "m", "", "k", "M", "G", "T", "P", "E"];

/// A decimal exponent such as "e3", "E-2" or "e+6".
fn is_exponent(s: &str) -> bool {
    let Some(rest) = s.strip_prefix(['e', 'E']) else {
        return false;
    };
    let digits = rest.strip_prefix(['+', '-']).unwrap_or(rest);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) && rest.parse::<i32>().is_ok()
}

fn rule_quantity(v: &str) -> Result<(), String> {
    if v.is_empty() {
        return Err("must not be empty (Kubernetes quantity)".to_owned());
    }
    let (negative, unsigned) = match v.as_bytes()[0] {
        b'-' => (true, &v[1..]),
        b'+' => (false, &v[1..]),
        _ => (false, v),
    };
    let number_len = unsigned
        .bytes()
        .take_while(|b| b.is_ascii_digit() || *b == b'.')
        .count();
    let (number, suffix) = unsigned.split_at(number_len);
    let well_formed =
        number.matches('.').count() <= 1 && number.bytes().any(|b| b.is_ascii_digit());
    if !well_formed {
        return Err(
            "must be a number followed by an optional unit, such as 1Gi or 500Mi (Kubernetes quantity)"
                .to_owned(),
        );
    }
    if !(BINARY_SI.contains(&suffix) || DECIMAL_SI.contains(&suffix) || is_exponent(suffix)) {
        return Err(
            "must end in a unit Ki, Mi, Gi, Ti, Pi or Ei, or n, u, m, k, M, G, T, P or E, \
             or an exponent such as e3 (Kubernetes quantity)"
                .to_owned(),
        );
    }
    if negative || !number.bytes().any(|b| (b'1'..=b'9').contains(&b)) {
        return Err("must be greater than zero".to_owned());
    }
    Ok(())
}

/// "1gb", "1GB" or "1g" suggest "1Gi": the binary unit people usually mean.
fn suggest_quantity(v: &str) -> Option<String> {
    let v = v.trim();
    let split = v.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
    let (number, unit) = v.split_at(split);
    let first = unit.chars().next()?.to_ascii_uppercase();
    let fixed = match first {
        'K' | 'M' | 'G' | 'T' | 'P' | 'E' => format!("{first}i"),
        _ => return None,
    };
    Some(format!("{number}{fixed}"))
}

/// A strictly positive Kubernetes resource quantity, such as "1Gi".
pub fn quantity(v: &str) -> Check {
    checked(v, rule_quantity, suggest_quantity, "1Gi")
}

fn rule_absolute_path(v: &str) -> Result<(), String> {
    if !v.starts_with('/') {
        return Err("must be an absolute path starting with '/'".to_owned());
    }
    if v.chars().any(is_control) {
        return Err("must not contain control characters or line breaks".to_owned());
    }
    if v.len() > PATH_MAX {
        return Err(format!(
            "must be at most {PATH_MAX} bytes (PATH_MAX), it has {}",
            v.len()
        ));
    }
    if v.split('/').any(|c| c == "..") {
        return Err("must not contain a '..' component".to_owned());
    }
    Ok(())
}

fn suggest_absolute_path(v: &str) -> Option<String> {
    let v = v.trim();
    if v.is_empty() {
        return None;
    }
    Some(if v.starts_with('/') {
        v.to_owned()
    } else {
        format!("/{v}")
    })
}

/// An absolute path in a container: starts with '/', no ".." component, no
/// control characters, at most 4096 bytes.
pub fn absolute_path(v: &str) -> Check {
    checked(v, rule_absolute_path, suggest_absolute_path, "/data")
}

/// A TCP port, 1 to 65535.
pub fn port(v: i64) -> Check {
    if (1..=65535).contains(&v) {
        return Ok(());
    }
    Err(Violation {
        rule: "must be a TCP port from 1 to 65535".to_owned(),
        example: "8080".to_owned(),
    })
}

/// A replica count, 1 to 1000.
pub fn replicas(v: i64) -> Check {
    let rule = if v < 1 {
        "must be at least 1: a site with no pods serves nothing".to_owned()
    } else if v > REPLICAS_MAX {
        format!(
            "must be at most {REPLICAS_MAX}: a larger count is almost certainly a typo \
             and would ask the cluster to schedule that many pods"
        )
    } else {
        return Ok(());
    };
    Err(Violation {
        rule,
        example: "2".to_owned(),
    })
}

// ----- labels ----------------------------------------------------------------

/// `[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?`
fn is_qualified_name_part(v: &str) -> bool {
    let b = v.as_bytes();
    !b.is_empty()
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter()
            .all(|&x| x.is_ascii_alphanumeric() || matches!(x, b'-' | b'_' | b'.'))
}

const NAME_CHARSET: &str =
    "letters, digits, '-', '_' and '.', starting and ending with a letter or digit";

fn rule_label_key(v: &str) -> Result<(), String> {
    if v.is_empty() {
        return Err("must not be empty (Kubernetes label key)".to_owned());
    }
    let (prefix, name) = match v.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, v),
    };
    if name.contains('/') {
        return Err(
            "must contain at most one '/', between an optional prefix and the name (Kubernetes label key)"
                .to_owned(),
        );
    }
    if let Some(p) = prefix {
        if p.is_empty() {
            return Err("must have a prefix before '/' (Kubernetes label key)".to_owned());
        }
        rule_dns1123_subdomain(p).map_err(|rule| format!("prefix {rule}"))?;
        if p == "app.kubernetes.io" {
            return Err(
                "must not use the app.kubernetes.io/ prefix: kubesite sets those recommended labels itself"
                    .to_owned(),
            );
        }
        let kubernetes = ["kubernetes.io", "k8s.io"]
            .iter()
            .any(|k| p == *k || p.strip_suffix(k).is_some_and(|s| s.ends_with('.')));
        if kubernetes {
            return Err(
                "must not use a kubernetes.io/ or k8s.io/ prefix: those are reserved for Kubernetes"
                    .to_owned(),
            );
        }
    }
    let n = name.chars().count();
    if n > LABEL_MAX {
        return Err(format!(
            "must have a name part of at most {LABEL_MAX} characters (Kubernetes label key), it has {n}"
        ));
    }
    if !is_qualified_name_part(name) {
        return Err(format!(
            "must have a name part of {NAME_CHARSET} (Kubernetes label key)"
        ));
    }
    Ok(())
}

/// A label key: a Kubernetes qualified name, `[prefix/]name`, with the
/// `app.kubernetes.io/` prefix left to kubesite and the `kubernetes.io/` and
/// `k8s.io/` prefixes left to Kubernetes.
pub fn label_key(v: &str) -> Check {
    checked(v, rule_label_key, |_| None, "team")
}

fn rule_label_value(v: &str) -> Result<(), String> {
    if v.is_empty() {
        return Ok(());
    }
    let n = v.chars().count();
    if n > LABEL_MAX {
        return Err(format!(
            "must be at most {LABEL_MAX} characters (Kubernetes label value), it has {n}"
        ));
    }
    if !is_qualified_name_part(v) {
        return Err(format!(
            "must be empty or consist of {NAME_CHARSET} (Kubernetes label value)"
        ));
    }
    Ok(())
}

/// A label value: empty, or at most 63 characters of a qualified name.
pub fn label_value(v: &str) -> Check {
    checked(v, rule_label_value, |v| Some(v.trim().to_owned()), "web")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// An input and its verdict: `Ok(())`, or `Err` with a part of the rule.
    type Case = (String, Result<(), &'static str>);

    fn ok(v: impl Into<String>) -> Case {
        (v.into(), Ok(()))
    }

    fn bad(v: impl Into<String>, rule: &'static str) -> Case {
        (v.into(), Err(rule))
    }

    fn a(n: usize) -> String {
        "a".repeat(n)
    }

    /// Runs a table and reports every mismatch at once. A refused value's
    /// example must pass the same check.
    fn run(check: impl Fn(&str) -> Check, cases: &[Case]) {
        let mut failures = Vec::new();
        for (input, want) in cases {
            let got = check(input);
            match (want, &got) {
                (Ok(()), Ok(())) => {}
                (Err(part), Err(v)) if v.rule.contains(part) => {
                    if let Err(e) = check(&v.example) {
                        failures.push(format!("{input:?}: example {:?} fails: {e:?}", v.example));
                    }
                }
                _ => failures.push(format!("{input:?}: want {want:?}, got {got:?}")),
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn max_name_len_leaves_room_for_the_longest_suffix() {
        assert_eq!(LONGEST_SUFFIX, "-allow-redis");
        assert_eq!(MAX_NAME_LEN, 51);
        let name = a(MAX_NAME_LEN);
        site_name(&name).unwrap();
        for suffix in DERIVED_SUFFIXES {
            dns1123_label(&format!("{name}{suffix}")).unwrap();
        }
        assert!(dns1123_label(&format!("{}{LONGEST_SUFFIX}", a(MAX_NAME_LEN + 1))).is_err());
    }

    #[test]
    fn dns1123_label_accepts_rfc1123_labels_only() {
        run(
            dns1123_label,
            &[
                ok("blog"),
                ok("a"),
                ok("0"),
                ok("123"),
                ok("my-blog"),
                ok("a--b"),
                ok(a(63)),
                bad(
                    a(64),
                    "must be at most 63 characters (RFC 1123 label), it has 64",
                ),
                bad(a(10_000), "it has 10000"),
                bad("", "must not be empty"),
                bad("Blog", "must be lower case (RFC 1123)"),
                bad("-blog", "must start and end with a letter or digit"),
                bad("blog-", "must start and end with a letter or digit"),
                bad("-", "must start and end"),
                bad("my_blog", "only lower-case letters, digits and '-'"),
                bad("blog.example", "only lower-case letters"),
                bad("blög", "only lower-case letters"),
                bad("blog\n", "only lower-case letters"),
                bad("blog\0", "only lower-case letters"),
                bad(" blog", "only lower-case letters"),
            ],
        );
    }

    #[test]
    fn refused_label_suggests_a_cleaned_up_value() {
        assert_eq!(dns1123_label("My_Blog").unwrap_err().example, "my-blog");
        assert_eq!(dns1123_label("-blog-").unwrap_err().example, "blog");
        assert_eq!(dns1123_label("").unwrap_err().example, "blog");
    }

    #[test]
    fn dns1123_subdomain_accepts_dotted_labels_up_to_253() {
        let max = format!(
            "{}.{}.{}.{}",
            a(63),
            "b".repeat(63),
            "c".repeat(63),
            "d".repeat(61)
        );
        assert_eq!(max.len(), 253);
        let over = format!("{max}d");
        run(
            dns1123_subdomain,
            &[
                ok("example.com"),
                ok("a"),
                ok("a.b.c"),
                ok("0.example"),
                ok(format!("{}.com", a(63))),
                ok(max),
                bad(
                    over,
                    "must be at most 253 characters (RFC 1123 subdomain), it has 254",
                ),
                bad(format!("{}.com", a(64)), "labels of at most 63 characters"),
                bad("", "must not be empty"),
                bad("Example.com", "must be lower case (RFC 1123)"),
                bad("example.com.", "empty labels"),
                bad(".example.com", "empty labels"),
                bad("a..b", "empty labels"),
                bad("-a.com", "start and end with a letter or digit"),
                bad("a-.com", "start and end with a letter or digit"),
                bad("a_b.com", "only lower-case letters, digits, '-' and '.'"),
                bad("*.example.com", "only lower-case letters"),
            ],
        );
    }

    #[test]
    fn site_name_is_an_rfc1035_label_short_enough_for_derived_names() {
        run(
            site_name,
            &[
                ok("blog"),
                ok("a"),
                ok("my-blog-2"),
                ok(a(MAX_NAME_LEN)),
                bad(a(MAX_NAME_LEN + 1), "\"<name>-redis-data\""),
                bad(
                    a(MAX_NAME_LEN + 1),
                    "stay valid labels of at most 63 characters",
                ),
                bad(a(MAX_NAME_LEN + 1), "it has 52"),
                bad(a(10_000), "it has 10000"),
                bad(
                    "1blog",
                    "must start with a lower-case letter (RFC 1035 label)",
                ),
                bad("0", "must start with a lower-case letter"),
                bad("Blog", "must be lower case"),
                bad("-blog", "start and end"),
                bad("blog-", "start and end"),
                bad("my_blog", "only lower-case letters"),
                bad("", "must not be empty"),
            ],
        );
    }

    #[test]
    fn namespace_is_a_label_of_the_sites_own() {
        run(
            namespace,
            &[
                ok("blog"),
                ok("kube"),
                ok("kubesite"),
                ok("my-kube-ns"),
                ok("defaults"),
                ok(a(63)),
                bad("default", "shared default namespace"),
                bad("kube-system", "must not start with \"kube-\""),
                bad("kube-blog", "reserved for system namespaces"),
                bad("Blog", "lower case"),
                bad("", "must not be empty"),
                bad(a(64), "at most 63 characters"),
            ],
        );
        assert_eq!(namespace("kube-blog").unwrap_err().example, "blog");
    }

    #[test]
    fn host_accepts_lower_case_public_names_and_first_label_wildcards() {
        let max = format!(
            "{}.{}.{}.{}",
            a(63),
            "b".repeat(63),
            "c".repeat(63),
            "d".repeat(61)
        );
        let wildcard_max = format!("*.{}", &max[2..]);
        run(
            host,
            &[
                ok("blog.example.com"),
                ok("example.com"),
                ok("*.example.com"),
                ok("*.com"),
                ok("a-b.example.com"),
                ok("xn--n3h.com"),
                ok("localhost"),
                ok("3com.com"),
                ok(format!("{}.com", a(63))),
                ok(max.clone()),
                ok(wildcard_max.clone()),
                bad(format!("{max}d"), "at most 253 characters"),
                bad(format!("{wildcard_max}d"), "at most 253 characters"),
                bad(format!("{}.com", a(64)), "labels of at most 63"),
                bad("Blog.Example.com", "must be lower case (RFC 1123)"),
                bad("https://blog.example.com", "must not include a scheme"),
                bad("http://x", "must not include a scheme"),
                bad("blog.example.com:8080", "must not include a port"),
                bad("x:8080", "must not include a port"),
                bad("blog.example.com/path", "must not include a path"),
                bad("1.2.3.4", "must be a host name, not an IP address"),
                bad("1.2.3.4:80", "not an IP address"),
                bad("999.1.1.1", "not an IP address"),
                bad("::1", "not an IP address"),
                bad("[::1]", "not an IP address"),
                bad("[::1]:443", "not an IP address"),
                bad("2001:db8::1", "not an IP address"),
                bad("fe80::1%eth0", "not an IP address"),
                bad("blog.example.com.", "must not end with a dot"),
                bad("a.*.example.com", "'*' only as the whole first label"),
                bad("*", "'*' only as the whole first label"),
                bad("*example.com", "'*' only as the whole first label"),
                bad("*.*.example.com", "'*' only as the whole first label"),
                bad("*.", "must not end with a dot"),
                bad("", "must not be empty"),
                bad(".", "empty labels"),
                bad("blog..example.com", "empty labels"),
                bad(".example.com", "empty labels"),
                bad("-blog.example.com", "start and end with a letter or digit"),
                bad("blog-.example.com", "start and end with a letter or digit"),
                bad("blog_x.example.com", "only lower-case letters"),
                bad("user@example.com", "only lower-case letters"),
                bad("blög.example.com", "only lower-case letters"),
                bad(
                    "blog example.com",
                    "must not contain spaces or control characters",
                ),
                bad("blog.example.com\n", "control characters"),
                bad("blog.example.com\u{2028}", "control characters"),
                bad(a(10_000), "it has 10000"),
            ],
        );
    }

    #[test]
    fn host_with_port_is_rejected() {
        let v = host("blog.example.com:8443").unwrap_err();
        assert_eq!(v.rule, "must not include a port, only the host name");
        assert_eq!(v.example, "blog.example.com");
    }

    #[test]
    fn upper_case_host_suggests_the_lower_case_value() {
        let v = host("Blog.Example.com").unwrap_err();
        assert_eq!(v.rule, "must be lower case (RFC 1123)");
        assert_eq!(v.example, "blog.example.com");
        let v = host("https://Blog.Example.com:443/about").unwrap_err();
        assert_eq!(v.example, "blog.example.com");
        assert_eq!(host("1.2.3.4").unwrap_err().example, "blog.example.com");
    }

    /// Expected (registry, path, tag, digest), or a part of the rule.
    type ImageCase = (
        String,
        Result<(Option<&'static str>, String, Option<String>, Option<String>), &'static str>,
    );

    fn img(
        v: impl Into<String>,
        registry: Option<&'static str>,
        path: impl Into<String>,
        tag: Option<&str>,
        digest: Option<&str>,
    ) -> ImageCase {
        let parts = (
            registry,
            path.into(),
            tag.map(str::to_owned),
            digest.map(str::to_owned),
        );
        (v.into(), Ok(parts))
    }

    fn img_bad(v: impl Into<String>, rule: &'static str) -> ImageCase {
        (v.into(), Err(rule))
    }

    const SHA256_F: &str =
        "sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";
    const SHA256_B: &str =
        "sha256:be178c0543eb17f5f3043021c9e5fcf30285e557a4fc309cce97ff9ca6182912";

    fn sha512_f() -> String {
        format!("sha512:{}", "f".repeat(128))
    }

    /// Cases ported from github.com/distribution/reference: every case of
    /// `TestReferenceParse`, plus the name cases of `TestFullNameRegexp`, the
    /// reference cases of `TestReferenceRegexp` and the domain cases of
    /// `TestDomainRegexp` (as "<domain>/repo"). Where kubesite differs:
    /// - the registry is the first component only when it has a '.' or ':' or
    ///   is "localhost" (Docker's rule, what a kubelet pulls), so
    ///   "foo/foo_bar.com:8080" has no registry where upstream's regexp says
    ///   "foo";
    /// - "Uppercase/lowercase:tag", upstream's FIXME, is refused;
    /// - ports above 65535 and malformed bracketed IPv6 ("[fd00123123123]"),
    ///   which upstream's regexp matches and leaves to later checks, are
    ///   refused here.
    fn upstream_image_cases() -> Vec<ImageCase> {
        let f = Some(SHA256_F);
        let long = format!("{}a", "a/".repeat(127));
        vec![
            // TestReferenceParse
            img("test_com", None, "test_com", None, None),
            img("test.com:tag", None, "test.com", Some("tag"), None),
            img("test.com:5000", None, "test.com", Some("5000"), None),
            img(
                "test.com/repo:tag",
                Some("test.com"),
                "repo",
                Some("tag"),
                None,
            ),
            img("test:5000/repo", Some("test:5000"), "repo", None, None),
            img(
                "test:5000/repo:tag",
                Some("test:5000"),
                "repo",
                Some("tag"),
                None,
            ),
            img(
                format!("test:5000/repo@{SHA256_F}"),
                Some("test:5000"),
                "repo",
                None,
                f,
            ),
            img(
                format!("test:5000/repo:tag@{SHA256_F}"),
                Some("test:5000"),
                "repo",
                Some("tag"),
                f,
            ),
            img_bad("", "must not be empty"),
            img_bad(":justtag", "must start with a repository name"),
            img_bad(format!("@{SHA256_F}"), "must start with a repository name"),
            img_bad(
                "repo@sha256:ffffffffffffffffffffffffffffffffff",
                "exactly 64 hex digits",
            ),
            img_bad(
                "validname@invaliddigest:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
                "sha256: or sha512:",
            ),
            img_bad("Uppercase:tag", "lower-case repository path"),
            img_bad("Uppercase/lowercase:tag", "lower-case repository path"),
            img_bad(
                "test:5000/Uppercase/lowercase:tag",
                "lower-case repository path",
            ),
            img(
                "lowercase:Uppercase",
                None,
                "lowercase",
                Some("Uppercase"),
                None,
            ),
            img_bad(
                format!("{}a:tag", "a/".repeat(128)),
                "at most 255 characters",
            ),
            img(
                format!("{long}:tag-puts-this-over-max"),
                None,
                long,
                Some("tag-puts-this-over-max"),
                None,
            ),
            img_bad("aa/asdf$$^/aa", "path components of lower-case letters"),
            img(
                "sub-dom1.foo.com/bar/baz/quux",
                Some("sub-dom1.foo.com"),
                "bar/baz/quux",
                None,
                None,
            ),
            img(
                "sub-dom1.foo.com/bar/baz/quux:some-long-tag",
                Some("sub-dom1.foo.com"),
                "bar/baz/quux",
                Some("some-long-tag"),
                None,
            ),
            img(
                "b.gcr.io/test.example.com/my-app:test.example.com",
                Some("b.gcr.io"),
                "test.example.com/my-app",
                Some("test.example.com"),
                None,
            ),
            img(
                "xn--n3h.com/myimage:xn--n3h.com",
                Some("xn--n3h.com"),
                "myimage",
                Some("xn--n3h.com"),
                None,
            ),
            img(
                format!("xn--7o8h.com/myimage:xn--7o8h.com@{}", sha512_f()),
                Some("xn--7o8h.com"),
                "myimage",
                Some("xn--7o8h.com"),
                Some(&sha512_f()),
            ),
            img("foo_bar.com:8080", None, "foo_bar.com", Some("8080"), None),
            img(
                "foo/foo_bar.com:8080",
                None,
                "foo/foo_bar.com",
                Some("8080"),
                None,
            ),
            img("192.168.1.1", None, "192.168.1.1", None, None),
            img("192.168.1.1:tag", None, "192.168.1.1", Some("tag"), None),
            img("192.168.1.1:5000", None, "192.168.1.1", Some("5000"), None),
            img("192.168.1.1/repo", Some("192.168.1.1"), "repo", None, None),
            img(
                "192.168.1.1:5000/repo",
                Some("192.168.1.1:5000"),
                "repo",
                None,
                None,
            ),
            img(
                "192.168.1.1:5000/repo:5050",
                Some("192.168.1.1:5000"),
                "repo",
                Some("5050"),
                None,
            ),
            img_bad("[2001:db8::1]", "tag of only letters"),
            img_bad("[2001:db8::1]:5000", "path components"),
            img_bad("[2001:db8::1]:tag", "path components"),
            img(
                "[2001:db8::1]/repo",
                Some("[2001:db8::1]"),
                "repo",
                None,
                None,
            ),
            img(
                "[2001:db8:1:2:3:4:5:6]/repo:tag",
                Some("[2001:db8:1:2:3:4:5:6]"),
                "repo",
                Some("tag"),
                None,
            ),
            img(
                "[2001:db8::1]:5000/repo",
                Some("[2001:db8::1]:5000"),
                "repo",
                None,
                None,
            ),
            img(
                "[2001:db8::1]:5000/repo:tag",
                Some("[2001:db8::1]:5000"),
                "repo",
                Some("tag"),
                None,
            ),
            img(
                format!("[2001:db8::1]:5000/repo@{SHA256_F}"),
                Some("[2001:db8::1]:5000"),
                "repo",
                None,
                f,
            ),
            img(
                format!("[2001:db8::1]:5000/repo:tag@{SHA256_F}"),
                Some("[2001:db8::1]:5000"),
                "repo",
                Some("tag"),
                f,
            ),
            img(
                "[2001:db8::]:5000/repo",
                Some("[2001:db8::]:5000"),
                "repo",
                None,
                None,
            ),
            img("[::1]:5000/repo", Some("[::1]:5000"), "repo", None, None),
            img_bad("[fe80::1%eth0]:5000/repo", "must name the registry"),
            img_bad("[fe80::1%@invalidzone]:5000/repo", "tag of only letters"),
            // TestFullNameRegexp
            img("short", None, "short", None, None),
            img("simple/name", None, "simple/name", None, None),
            img("library/ubuntu", None, "library/ubuntu", None, None),
            img(
                "docker/stevvooe/app",
                None,
                "docker/stevvooe/app",
                None,
                None,
            ),
            img("a/a/a/a", None, "a/a/a/a", None, None),
            img_bad("a/a/a/a/", "empty path component"),
            img_bad("a//a/a", "empty path component"),
            img("foo.com", None, "foo.com", None, None),
            img_bad("foo.com/", "empty path component"),
            img("foo.com:8080/bar", Some("foo.com:8080"), "bar", None, None),
            img_bad("foo.com:http/bar", "registry port"),
            img(
                "localhost:8080/bar",
                Some("localhost:8080"),
                "bar",
                None,
                None,
            ),
            img_bad("a^a", "path components"),
            img_bad("asdf$$^/aa", "path components"),
            img("aa-a/a", None, "aa-a/a", None, None),
            img_bad("a-/a/a/a", "path components"),
            img_bad("foo.com/a-/a/a", "path components"),
            img_bad("-foo/bar", "path components"),
            img_bad("foo/bar-", "path components"),
            img_bad("foo-/bar", "path components"),
            img_bad("foo/-bar", "path components"),
            img_bad("_foo/bar", "path components"),
            img("foo_bar", None, "foo_bar", None, None),
            img_bad("foo_bar.com:8080/app", "must name the registry"),
            img("foo.com/foo_bar", Some("foo.com"), "foo_bar", None, None),
            img_bad("____/____", "path components"),
            img_bad("_docker/_docker", "path components"),
            img_bad("docker_/docker_", "path components"),
            img(
                "example.com/xn--7o8h.com/myimage",
                Some("example.com"),
                "xn--7o8h.com/myimage",
                None,
                None,
            ),
            img(
                "example.com/some_separator__underscore/myimage",
                Some("example.com"),
                "some_separator__underscore/myimage",
                None,
                None,
            ),
            img_bad("example.com/__underscore/myimage", "path components"),
            img_bad("example.com/..dots/myimage", "path components"),
            img_bad("example.com/.dots/myimage", "path components"),
            img_bad("example.com/nodouble..dots/myimage", "path components"),
            img_bad("docker./docker", "must name the registry"),
            img_bad(".docker/docker", "must name the registry"),
            img_bad("docker-/docker", "path components"),
            img_bad("-docker/docker", "path components"),
            img_bad("do..cker/docker", "must name the registry"),
            img_bad("do__cker:8080/docker", "must name the registry"),
            img("do__cker/docker", None, "do__cker/docker", None, None),
            img(
                "registry.io/foo/project--id.module--name.ver---sion--name",
                Some("registry.io"),
                "foo/project--id.module--name.ver---sion--name",
                None,
                None,
            ),
            img("Asdf.com/foo/bar", Some("Asdf.com"), "foo/bar", None, None),
            img_bad("Foo/FarB", "lower-case repository path"),
            // TestReferenceRegexp
            img(
                "registry.com:8080/myapp:tag",
                Some("registry.com:8080"),
                "myapp",
                Some("tag"),
                None,
            ),
            img(
                format!("registry.com:8080/myapp@{SHA256_B}"),
                Some("registry.com:8080"),
                "myapp",
                None,
                Some(SHA256_B),
            ),
            img(
                format!("registry.com:8080/myapp:tag2@{SHA256_B}"),
                Some("registry.com:8080"),
                "myapp",
                Some("tag2"),
                Some(SHA256_B),
            ),
            img_bad(
                "registry.com:8080/myapp@sha256:badbadbadbad",
                "exactly 64 hex digits",
            ),
            img_bad("registry.com:8080/myapp:invalid~tag", "tag of only letters"),
            img_bad("bad_hostname.com:8080/myapp:tag", "must name the registry"),
            img(
                format!("localhost:8080@{SHA256_B}"),
                None,
                "localhost",
                Some("8080"),
                Some(SHA256_B),
            ),
            img(
                format!("localhost:8080/name@{SHA256_B}"),
                Some("localhost:8080"),
                "name",
                None,
                Some(SHA256_B),
            ),
            img_bad(format!("localhost:http/name@{SHA256_B}"), "registry port"),
            img(
                format!("localhost@{SHA256_B}"),
                None,
                "localhost",
                None,
                Some(SHA256_B),
            ),
            img_bad("registry.com:8080/myapp@bad", "sha256: or sha512:"),
            img_bad("registry.com:8080/myapp@2bad", "sha256: or sha512:"),
            // TestDomainRegexp, as "<domain>/repo"
            img(
                "test.com:10304/repo",
                Some("test.com:10304"),
                "repo",
                None,
                None,
            ),
            img_bad("test.com:http/repo", "registry port"),
            img("localhost/repo", Some("localhost"), "repo", None, None),
            img("a.b/repo", Some("a.b"), "repo", None, None),
            img("ab.cd.com/repo", Some("ab.cd.com"), "repo", None, None),
            img("a-b.com/repo", Some("a-b.com"), "repo", None, None),
            img_bad("-ab.com/repo", "must name the registry"),
            img_bad("ab-.com/repo", "must name the registry"),
            img("ab.c-om/repo", Some("ab.c-om"), "repo", None, None),
            img_bad("ab.-com/repo", "must name the registry"),
            img_bad("ab.com-/repo", "must name the registry"),
            img("0101.com/repo", Some("0101.com"), "repo", None, None),
            img("001a.com/repo", Some("001a.com"), "repo", None, None),
            img(
                "b.gbc.io:443/repo",
                Some("b.gbc.io:443"),
                "repo",
                None,
                None,
            ),
            img("Asdf.com/repo", Some("Asdf.com"), "repo", None, None),
            img_bad("192.168.1.1:75050/repo", "registry port"),
            img_bad("[fd00:1:2::3]:75050/repo", "registry port"),
            img_bad("[fd00:1:2::3]75050/repo", "must name the registry"),
            img_bad("[fd00:1:2::3]::75050/repo", "registry port"),
            img_bad("[fd00:1:2::3%eth0]:75050/repo", "must name the registry"),
            img_bad("[fd00123123123]:5000/repo", "must name the registry"),
            img(
                "[2001:0db8:85a3:0000:0000:8a2e:0370:7334]:5000/repo",
                Some("[2001:0db8:85a3:0000:0000:8a2e:0370:7334]:5000"),
                "repo",
                None,
                None,
            ),
            img_bad("fd00:1:2::3:75050/repo", "registry port"),
        ]
    }

    fn kubesite_image_cases() -> Vec<ImageCase> {
        let tag128 = format!("_{}", "t".repeat(127));
        let tag129 = format!("{tag128}t");
        let path255 = a(255);
        vec![
            img("nginx", None, "nginx", None, None),
            img("nginx:latest", None, "nginx", Some("latest"), None),
            img(
                "registry.example.com/blog:1.0.0",
                Some("registry.example.com"),
                "blog",
                Some("1.0.0"),
                None,
            ),
            img(
                "registry.example.com:5000/team/blog:1.0",
                Some("registry.example.com:5000"),
                "team/blog",
                Some("1.0"),
                None,
            ),
            img(
                "registry.example.com:65535/blog",
                Some("registry.example.com:65535"),
                "blog",
                None,
                None,
            ),
            img_bad("registry.example.com:65536/blog", "registry port"),
            img_bad("registry.example.com:0/blog", "registry port"),
            img_bad("registry.example.com:/blog", "registry port"),
            img(
                "localhost:5000/blog:dev",
                Some("localhost:5000"),
                "blog",
                Some("dev"),
                None,
            ),
            img(
                "ghcr.io/team/blog@".to_owned() + SHA256_B,
                Some("ghcr.io"),
                "team/blog",
                None,
                Some(SHA256_B),
            ),
            img(format!("blog:{tag128}"), None, "blog", Some(&tag128), None),
            img_bad(format!("blog:{tag129}"), "at most 128 characters"),
            img_bad("blog:.hidden", "tag starting with a letter, digit or '_'"),
            img_bad("blog:-rc1", "tag starting with"),
            img_bad("blog:", "empty tag"),
            img_bad("blog:1.0/x", "registry port"),
            img_bad("blog@", "sha256: or sha512:"),
            img_bad("blog@sha256:", "exactly 64 hex digits"),
            img_bad(
                format!(
                    "blog@{}",
                    SHA256_B.to_uppercase().replace("SHA256", "sha256")
                ),
                "lower-case hex",
            ),
            img_bad(
                format!("blog@{SHA256_B}0"),
                "exactly 64 hex digits (OCI image spec), it has 65",
            ),
            img_bad(
                format!("blog@sha512:{}", "f".repeat(64)),
                "exactly 128 hex digits",
            ),
            img_bad(format!("blog@sha256:{}", "g".repeat(64)), "lower-case hex"),
            img_bad(format!("blog@md5:{}", "f".repeat(32)), "sha256: or sha512:"),
            img_bad(
                format!("blog@{SHA256_B}@{SHA256_B}"),
                "exactly 64 hex digits",
            ),
            img(path255.clone(), None, path255, None, None),
            img_bad(a(256), "at most 255 characters"),
            img_bad(a(10_000), "it has 10000"),
            img_bad(
                "https://registry.example.com/blog:1.0",
                "must not include a scheme",
            ),
            img_bad("docker://blog", "must not include a scheme"),
            img_bad("blog ", "must not contain spaces"),
            img_bad("blog\n", "control characters"),
            img_bad("blog:1.0\0", "control characters"),
            img_bad("blög", "path components"),
            img_bad("blog:1.0\u{2028}", "control characters"),
            img_bad(
                "Registry.Example.com/Blog:1.0",
                "lower-case repository path",
            ),
            img_bad("blog/", "empty path component"),
            img_bad("/blog", "empty path component"),
        ]
    }

    #[test]
    fn image_follows_the_distribution_reference_grammar() {
        let mut failures = Vec::new();
        for (input, want) in upstream_image_cases()
            .into_iter()
            .chain(kubesite_image_cases())
        {
            let got = image(&input);
            match (&want, &got) {
                (Ok((registry, path, tag, digest)), Ok(r)) => {
                    let expected = ImageRef {
                        registry: registry.map(str::to_owned),
                        path: path.clone(),
                        tag: tag.clone(),
                        digest: digest.clone(),
                    };
                    if r != &expected {
                        failures.push(format!("{input:?}: want {expected:?}, got {r:?}"));
                    }
                }
                (Err(part), Err(v)) if v.rule.contains(part) => {
                    if let Err(e) = image(&v.example) {
                        failures.push(format!("{input:?}: example {:?} fails: {e:?}", v.example));
                    }
                }
                _ => failures.push(format!("{input:?}: want {want:?}, got {got:?}")),
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn refused_image_suggests_the_nearest_valid_reference() {
        let v = image("Registry.Example.com/Team/Blog:V1").unwrap_err();
        assert_eq!(v.example, "Registry.Example.com/team/blog:V1");
        let v = image("https://registry.example.com/blog:1.0").unwrap_err();
        assert_eq!(v.example, "registry.example.com/blog:1.0");
        let upper = format!("blog@sha256:{}", "A".repeat(64));
        assert_eq!(
            image(&upper).unwrap_err().example,
            format!("blog@sha256:{}", "a".repeat(64))
        );
        assert_eq!(
            image("").unwrap_err().example,
            "registry.example.com/blog:1.0.0"
        );
    }

    #[test]
    fn pinned_and_latest_images_are_recognised() {
        let pinned = image(&format!("registry.example.com/blog@{SHA256_B}")).unwrap();
        assert!(pinned.is_pinned());
        assert!(pinned.uses_latest_or_no_tag());
        let both = image(&format!("blog:1.0.0@{SHA256_B}")).unwrap();
        assert!(both.is_pinned() && !both.uses_latest_or_no_tag());
        for v in ["blog", "blog:latest", "localhost:5000/blog"] {
            let r = image(v).unwrap();
            assert!(!r.is_pinned() && r.uses_latest_or_no_tag(), "{v}");
        }
        for v in ["blog:1.0.0", "blog:Latest", "blog:latest-alpine"] {
            assert!(!image(v).unwrap().uses_latest_or_no_tag(), "{v}");
        }
    }

    #[test]
    fn quantity_is_a_positive_kubernetes_quantity() {
        run(
            quantity,
            &[
                ok("1Gi"),
                ok("500Mi"),
                ok("1"),
                ok("1.5Gi"),
                ok("0.5"),
                ok(".5"),
                ok("1."),
                ok("+1Gi"),
                ok("100m"),
                ok("1n"),
                ok("1u"),
                ok("1k"),
                ok("1M"),
                ok("1G"),
                ok("1T"),
                ok("1P"),
                ok("1E"),
                ok("2Ki"),
                ok("2Ti"),
                ok("2Pi"),
                ok("2Ei"),
                ok("1e3"),
                ok("1E3"),
                ok("1e-3"),
                ok("1e+3"),
                ok("0.001Gi"),
                bad("", "must not be empty"),
                bad("0", "must be greater than zero"),
                bad("0Gi", "greater than zero"),
                bad("0.0", "greater than zero"),
                bad("0e3", "greater than zero"),
                bad("-1Gi", "greater than zero"),
                bad("-0", "greater than zero"),
                bad("1K", "must end in a unit"),
                bad("1GB", "must end in a unit"),
                bad("1gi", "must end in a unit"),
                bad("1 Gi", "must end in a unit"),
                bad("1e", "must end in a unit"),
                bad("1e3.5", "must end in a unit"),
                bad("1Gi1", "must end in a unit"),
                bad("1e99999999999", "must end in a unit"),
                bad("Gi", "must be a number"),
                bad(".", "must be a number"),
                bad("1.2.3", "must be a number"),
                bad("+", "must be a number"),
                bad("--1", "must be a number"),
                bad("１Gi", "must be a number"),
                bad("1Gi\n", "must end in a unit"),
            ],
        );
        assert_eq!(quantity("10GB").unwrap_err().example, "10Gi");
        assert_eq!(quantity("512mi").unwrap_err().example, "512Mi");
    }

    #[test]
    fn storage_class_is_a_subdomain() {
        run(
            storage_class,
            &[
                ok("standard"),
                ok("fast-ssd"),
                ok("gp3.csi.aws.com"),
                bad("Standard", "must be lower case"),
                bad("fast_ssd", "only lower-case letters"),
                bad("", "must not be empty"),
                bad(a(254), "at most 253 characters"),
            ],
        );
        assert_eq!(storage_class("").unwrap_err().example, "standard");
    }

    #[test]
    fn nfs_server_is_a_host_name_or_an_ip_address() {
        run(
            nfs_server,
            &[
                ok("nfs.example.com"),
                ok("nfs"),
                ok("10.0.0.5"),
                ok("2001:db8::1"),
                ok("::1"),
                bad("[2001:db8::1]", "without brackets"),
                bad("nfs.example.com:2049", "without a port"),
                bad("nfs.example.com:/export", "must not include a path"),
                bad("nfs://nfs.example.com", "must not include a scheme"),
                bad("10.0.0.256", "must be a valid IPv4 address or a host name"),
                bad("1.2.3", "valid IPv4 address"),
                bad("NFS.example.com", "must be lower case"),
                bad("nfs .example.com", "spaces"),
                bad("nfs.example.com.", "empty labels"),
                bad("", "must not be empty"),
            ],
        );
        assert_eq!(
            nfs_server("[2001:db8::1]").unwrap_err().example,
            "2001:db8::1"
        );
    }

    #[test]
    fn absolute_path_starts_with_slash_and_never_climbs() {
        run(
            absolute_path,
            &[
                ok("/"),
                ok("/data"),
                ok("/usr/share/nginx/html"),
                ok("/a/./b"),
                ok("/a//b"),
                ok("/..a"),
                ok("/a.."),
                ok("/data/ünïcode"),
                ok("/with space"),
                ok(format!("/{}", a(4095))),
                bad(
                    format!("/{}", a(4096)),
                    "at most 4096 bytes (PATH_MAX), it has 4097",
                ),
                bad("", "starting with '/'"),
                bad("data", "starting with '/'"),
                bad("./data", "starting with '/'"),
                bad("~/data", "starting with '/'"),
                bad("/a/../b", "'..'"),
                bad("/..", "'..'"),
                bad("/a/..", "'..'"),
                bad("/a\nb", "control characters"),
                bad("/a\0b", "control characters"),
                bad("/a\tb", "control characters"),
                bad("/a\u{85}b", "control characters"),
                bad("/a\u{2028}b", "control characters"),
                bad("/a\u{2029}b", "control characters"),
            ],
        );
        assert_eq!(absolute_path("data").unwrap_err().example, "/data");
    }

    #[test]
    fn port_and_replicas_stay_in_range() {
        for (v, want) in [
            (1, true),
            (80, true),
            (8080, true),
            (65535, true),
            (0, false),
            (65536, false),
            (-1, false),
            (i64::MIN, false),
            (i64::MAX, false),
        ] {
            assert_eq!(port(v).is_ok(), want, "port {v}");
        }
        assert!(port(0).unwrap_err().rule.contains("from 1 to 65535"));
        for (v, want) in [
            (1, Ok(())),
            (2, Ok(())),
            (1000, Ok(())),
            (0, Err("at least 1")),
            (-5, Err("at least 1")),
            (
                1001,
                Err("at most 1000: a larger count is almost certainly a typo"),
            ),
            (i64::MAX, Err("at most 1000")),
            (i64::MIN, Err("at least 1")),
        ] {
            match (want, replicas(v)) {
                (Ok(()), Ok(())) => {}
                (Err(part), Err(e)) => assert!(e.rule.contains(part), "replicas {v}: {e:?}"),
                (want, got) => panic!("replicas {v}: want {want:?}, got {got:?}"),
            }
        }
    }

    #[test]
    fn label_key_is_a_qualified_name_outside_reserved_prefixes() {
        run(
            label_key,
            &[
                ok("team"),
                ok("Team"),
                ok("a"),
                ok("my.team_x-y"),
                ok("example.com/team"),
                ok(a(63)),
                ok(format!("example.com/{}", a(63))),
                ok("mykubernetes.io/x"),
                ok("kubernetes.io.example.com/x"),
                bad(a(64), "name part of at most 63 characters"),
                bad("", "must not be empty"),
                bad(
                    "app.kubernetes.io/name",
                    "kubesite sets those recommended labels itself",
                ),
                bad("kubernetes.io/hostname", "reserved for Kubernetes"),
                bad("k8s.io/x", "reserved for Kubernetes"),
                bad("node.kubernetes.io/x", "reserved for Kubernetes"),
                bad("x.k8s.io/y", "reserved for Kubernetes"),
                bad("/team", "must have a prefix before '/'"),
                bad("a/b/c", "at most one '/'"),
                bad("Example.com/team", "prefix must be lower case"),
                bad("a_b.c/d", "prefix must contain only"),
                bad(format!("{}/x", a(254)), "prefix must be at most 253"),
                bad("-team", "name part of letters"),
                bad("team-", "name part of letters"),
                bad("team!", "name part of letters"),
                bad("te am", "name part of letters"),
                bad("example.com/", "name part of letters"),
                bad("téam", "name part of letters"),
            ],
        );
    }

    #[test]
    fn label_value_is_empty_or_a_short_name() {
        run(
            label_value,
            &[
                ok(""),
                ok("web"),
                ok("Web_1.x-y"),
                ok(a(63)),
                bad(
                    a(64),
                    "at most 63 characters (Kubernetes label value), it has 64",
                ),
                bad("-web", "must be empty or consist of letters"),
                bad("web-", "must be empty or consist of"),
                bad("we b", "must be empty or consist of"),
                bad("web\n", "must be empty or consist of"),
                bad("wéb", "must be empty or consist of"),
                bad("a/b", "must be empty or consist of"),
            ],
        );
        assert_eq!(label_value(" web ").unwrap_err().example, "web");
    }

    type Validator = fn(&str) -> Check;

    fn string_checks() -> Vec<(&'static str, Validator)> {
        vec![
            ("dns1123_label", dns1123_label),
            ("dns1123_subdomain", dns1123_subdomain),
            ("site_name", site_name),
            ("namespace", namespace),
            ("host", host),
            ("image", |v| image(v).map(|_| ())),
            ("quantity", quantity),
            ("storage_class", storage_class),
            ("nfs_server", nfs_server),
            ("absolute_path", absolute_path),
            ("label_key", label_key),
            ("label_value", label_value),
        ]
    }

    /// Arbitrary strings, plus strings made mostly of the characters the
    /// grammars care about so that the accepting paths are reached too.
    fn inputs() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "[a-zA-Z0-9.:/@_*+\\-\\[\\]]{0,80}",
            "[a-z0-9.\\-]{0,70}",
            "/[a-z./\\x00\\n\\t\\x{85}\\x{2028}\\x{2029}]{0,30}",
            "[a-z0-9.:/@\\x00\\n\\r\\x{85}\\x{2028}é ]{0,40}",
            "[+\\-]?[0-9.]{0,6}(Ki|Mi|Gi|[numkMGTPE]|[eE][+\\-]?[0-9]{0,3}|)",
        ]
    }

    proptest! {
        #[test]
        fn no_validator_panics_and_none_accepts_control_characters(v in inputs()) {
            for (name, check) in string_checks() {
                if check(&v).is_ok() {
                    prop_assert!(!v.chars().any(is_control), "{name} accepted {v:?}");
                }
            }
        }

        #[test]
        fn every_example_passes_its_own_validator(v in inputs()) {
            for (name, check) in string_checks() {
                if let Err(e) = check(&v) {
                    prop_assert!(check(&e.example).is_ok(), "{name}({v:?}) suggests {:?}", e.example);
                    prop_assert!(!e.rule.is_empty() && !e.rule.ends_with('.'), "{name}: {:?}", e.rule);
                    if v.chars().count() >= 8 {
                        prop_assert!(!e.rule.contains(v.as_str()), "{name} repeats the value: {:?}", e.rule);
                    }
                }
            }
        }

        #[test]
        fn numeric_validators_never_panic(n in any::<i64>()) {
            let _ = port(n);
            let _ = replicas(n);
        }
    }
}
