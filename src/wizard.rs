//! The `kubesite new` wizard: asks only what the flags and the spec file did
//! not answer, checks every answer with the same rule (and message) a flag
//! gets, shows a summary, and asks before anything is written.

use std::io;
use std::path::Path;

use dialoguer::theme::{ColorfulTheme, SimpleTheme, Theme};
use dialoguer::{Confirm, Input, Select};

use crate::run::Error;
use crate::spec::{self, Disk, Given, Origins, Problems, Route, SiteSpec, ValidSpec, defaults};

/// A prompt failed: Ctrl-C and Esc cancel, anything else is an I/O error.
fn cancelled(e: dialoguer::Error) -> Error {
    let dialoguer::Error::IO(e) = e;
    if e.kind() == io::ErrorKind::Interrupted {
        Error::Cancelled
    } else {
        Error::Stdout(e)
    }
}

/// Colours follow the terminal conventions: none with `NO_COLOR` set.
fn theme() -> Box<dyn Theme> {
    if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
        Box::new(SimpleTheme)
    } else {
        Box::new(ColorfulTheme::default())
    }
}

/// Puts the cursor back however the wizard ends.
struct RestoreCursor;

impl Drop for RestoreCursor {
    fn drop(&mut self) {
        let _ = console::Term::stderr().show_cursor();
    }
}

struct Wizard {
    theme: Box<dyn Theme>,
}

impl Wizard {
    /// A text answer, checked with the flag's rule; asks again until valid.
    fn text(&self, key: &'static str, prompt: &str, default: &str) -> Result<String, Error> {
        self.text_also(key, prompt, default, &|_| Ok(()))
    }

    /// Like `text`, with one more check after the flag's rule.
    fn text_also(
        &self,
        key: &'static str,
        prompt: &str,
        default: &str,
        also: &dyn Fn(&str) -> Result<(), String>,
    ) -> Result<String, Error> {
        Input::<String>::with_theme(self.theme.as_ref())
            .with_prompt(prompt)
            .default(default.to_owned())
            .validate_with(move |answer: &String| {
                spec::check_answer(key, answer).and_then(|()| also(answer))
            })
            .interact_text()
            .map_err(cancelled)
    }

    fn number(&self, key: &'static str, prompt: &str, default: i64) -> Result<i64, Error> {
        let answer = self.text(key, prompt, &default.to_string())?;
        // check_answer accepted it, so it parses.
        Ok(answer.trim().parse().unwrap_or(default))
    }

    fn yes(&self, prompt: &str, default: bool) -> Result<bool, Error> {
        Confirm::with_theme(self.theme.as_ref())
            .with_prompt(prompt)
            .default(default)
            .interact_opt()
            .map_err(cancelled)?
            .ok_or(Error::Cancelled)
    }

    fn route(&self) -> Result<Route, Error> {
        let choices = [
            (
                Route::Ingress,
                "ingress   an Ingress for your ingress controller, TLS via cert-manager",
            ),
            (
                Route::Gateway,
                "gateway   a Gateway API HTTPRoute on a shared Gateway (TLS at its listener)",
            ),
        ];
        let items: Vec<&str> = choices.iter().map(|(_, text)| *text).collect();
        let picked = Select::with_theme(self.theme.as_ref())
            .with_prompt("Route")
            .items(&items)
            .default(0)
            .interact_opt()
            .map_err(cancelled)?
            .ok_or(Error::Cancelled)?;
        Ok(choices[picked].0)
    }

    fn disk(&self, current: Disk) -> Result<Disk, Error> {
        let choices = [
            (
                Disk::Local,
                "local     simplest: one disk on one node, exactly one replica",
            ),
            (
                Disk::Nfs,
                "nfs       a shared NFS export: scales out, needs an NFS server",
            ),
            (
                Disk::Database,
                "database  stateless pods + a password-protected Redis (preferred)",
            ),
        ];
        let items: Vec<&str> = choices.iter().map(|(_, text)| *text).collect();
        let start = choices.iter().position(|(d, _)| *d == current).unwrap_or(0);
        let picked = Select::with_theme(self.theme.as_ref())
            .with_prompt("Disk type")
            .items(&items)
            .default(start)
            .interact_opt()
            .map_err(cancelled)?
            .ok_or(Error::Cancelled)?;
        Ok(choices[picked].0)
    }
}

/// Runs the wizard. Returns the validated spec, or `None` when the user
/// declines at the summary (nothing is written). `name_is_free` checks a
/// site name answer beyond its rule (the folder it would be written to).
pub fn ask(
    mut s: SiteSpec,
    origins: &Origins,
    suggested_name: &str,
    dir: Option<&Path>,
    name_is_free: &dyn Fn(&str) -> Result<(), String>,
) -> Result<Option<ValidSpec>, Error> {
    // A value refused as given is reported now, not after every question:
    // no answer could fix it.
    let refused = s.field_problems(origins);
    if !refused.is_empty() {
        return Err(Problems(refused).into());
    }
    let _restore = RestoreCursor;
    let w = Wizard { theme: theme() };
    if s.name.is_none() {
        s.name = Some(w.text_also("name", "Site name", suggested_name, name_is_free)?);
    }
    let name = s.name.clone().unwrap_or_default();
    if s.image.is_none() {
        s.image = Some(w.text("image", "Container image", &spec::default_image(&name))?);
    }
    if s.disk.is_none() {
        s.disk = Some(w.disk(defaults::DISK)?.into());
    }
    if s.host.is_none() {
        s.host = Some(w.text("host", "Host name", &spec::default_host(&name))?);
    }
    // A disk refused as given was reported above, so this one is valid.
    let disk = s
        .disk
        .as_ref()
        .and_then(Given::valid)
        .copied()
        .unwrap_or(defaults::DISK);
    if disk == Disk::Nfs {
        if s.nfs_server.is_none() {
            s.nfs_server = Some(w.text("nfs-server", "NFS server", "nfs.example.com")?);
        }
        if s.nfs_path.is_none() {
            s.nfs_path =
                Some(w.text("nfs-path", "NFS export path", &format!("/exports/{name}"))?);
        }
    }
    if disk != Disk::Local && s.replicas.is_none() {
        s.replicas = Some(w.number("replicas", "Replicas", 2)?.into());
    }
    if s.storage_size.is_none() {
        let prompt = if disk == Disk::Database {
            "Redis disk size"
        } else {
            "Disk size"
        };
        s.storage_size = Some(w.text("storage-size", prompt, defaults::STORAGE_SIZE)?);
    }
    if s.route.is_none() {
        s.route = Some(w.route()?.into());
    }
    let gateway = s.route == Some(Route::Gateway.into());
    if gateway {
        if s.gateway.is_none() {
            s.gateway = Some(w.text(
                "gateway",
                "Gateway (NAME/NAMESPACE)",
                &format!("{}/{}", defaults::GATEWAY_NAME, defaults::GATEWAY_NAMESPACE),
            )?);
        }
        // TLS is the Gateway listener's job: nothing to ask.
    } else if s.tls.is_none() {
        s.tls = Some(
            w.yes("HTTPS with a cert-manager certificate?", defaults::TLS)?
                .into(),
        );
    }
    if !gateway && s.tls == Some(true.into()) && s.cluster_issuer.is_none() {
        s.cluster_issuer = Some(w.text(
            "cluster-issuer",
            "cert-manager ClusterIssuer",
            defaults::CLUSTER_ISSUER,
        )?);
    }
    // Answers from a file or flags may still break a cross-field rule; that
    // is reported like `render` would, not asked again.
    let spec = s.validate(origins)?;
    let folder = dir.map_or_else(|| spec.name.clone(), |d| d.display().to_string());
    eprintln!("\n{}", summary(&spec, &folder));
    if w.yes(&format!("Write the repository to {folder}?"), true)? {
        Ok(Some(spec))
    } else {
        Ok(None)
    }
}

/// Every value, as the summary before confirmation shows it.
pub fn summary(spec: &ValidSpec, folder: &str) -> String {
    let mut rows = vec![
        ("folder", folder.to_owned()),
        ("name", spec.name.clone()),
        ("namespace", spec.namespace.clone()),
        ("image", spec.image.clone()),
        ("disk", spec.disk.as_str().to_owned()),
        ("host", spec.host.clone()),
        ("port", spec.port.to_string()),
        ("replicas", spec.replicas.to_string()),
        ("storage-size", spec.storage_size.clone()),
    ];
    if let (Some(server), Some(path)) = (&spec.nfs_server, &spec.nfs_path) {
        rows.push(("nfs", format!("{server}:{path}")));
    }
    rows.push(("route", spec.route.as_str().to_owned()));
    if let Some(g) = &spec.gateway {
        rows.push(("gateway", format!("{}/{}", g.name, g.namespace)));
    }
    if let Some(a) = &spec.autoscale {
        rows.push((
            "autoscale",
            format!("{}:{} pods at {}% CPU", a.min, a.max, a.cpu_percent),
        ));
    }
    rows.push((
        "tls",
        if spec.gateway.is_some() {
            "at the Gateway's listener".to_owned()
        } else if spec.tls {
            format!("on (ClusterIssuer {})", spec.cluster_issuer)
        } else {
            "off".to_owned()
        },
    ));
    let mut out = String::from("Summary:\n");
    for (key, value) in rows {
        out.push_str(&format!("  {key:<13} {}\n", crate::escape::quoted(&value)));
    }
    out
}
