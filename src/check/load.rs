//! Reading manifests: files, folders and stdin become Kubernetes objects that
//! remember where they start (file, document, line).
//!
//! A stream is split into documents on its `---` / `...` marker lines (YAML
//! forbids those at column 0 anywhere else, even inside block or quoted
//! scalars), so each object's line is known without a span-carrying parser;
//! each document is then parsed by `serde_yaml` into a [`Node`] under a node
//! budget, so an alias bomb is refused instead of expanded.

use std::borrow::Cow;
use std::cell::Cell;
use std::collections::HashSet;
use std::fmt;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};

use crate::escape::quoted;

/// The largest file (or stdin) `check` reads: 16 MiB. A `kubectl get all -A
/// -o yaml` of a large cluster is a few MiB; anything bigger is refused
/// rather than read into memory.
pub const MAX_FILE_BYTES: usize = 16 * 1024 * 1024;

/// The most YAML nodes one file may expand to: 3 million, and never more
/// than twice the file's size in bytes plus 100,000. Aliases are followed
/// (Kubernetes follows them too), but a few hundred bytes of nested aliases
/// cannot become millions of nodes. A 16 MiB manifest written by a tool has
/// well under 2 million.
pub const MAX_NODES: usize = 3_000_000;

/// The display name of standard input.
pub const STDIN_NAME: &str = "<stdin>";

/// One input: what to call it in messages, and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub name: String,
    pub text: String,
}

impl Source {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        Source {
            name: name.into(),
            text: text.into(),
        }
    }
}

/// A parsed YAML value. Mappings keep their order and have string keys.
/// Fields no rule reads (`status`, `data`, `metadata.managedFields`) are not
/// kept.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Key, Node)>),
}

static NULL: Node = Node::Null;

impl Node {
    /// The value under `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The value at a path of mapping keys.
    pub fn at(&self, path: &[&str]) -> Option<&Node> {
        path.iter().try_fold(self, |node, key| node.get(key))
    }

    /// Like [`Node::get`], but a missing value is `Null` (chains read well).
    pub fn field(&self, key: &str) -> &Node {
        self.get(key).unwrap_or(&NULL)
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Node::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Node::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Node::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// The items of a sequence; empty for anything else.
    pub fn items(&self) -> &[Node] {
        match self {
            Node::Seq(items) => items,
            _ => &[],
        }
    }

    /// The entries of a mapping; empty for anything else.
    pub fn entries(&self) -> &[(Key, Node)] {
        match self {
            Node::Map(entries) => entries,
            _ => &[],
        }
    }

    /// What the value is, for messages.
    pub fn describe(&self) -> &'static str {
        match self {
            Node::Null => "empty",
            Node::Bool(_) => "a boolean",
            Node::Int(_) | Node::Float(_) => "a number",
            Node::Str(_) => "a string",
            Node::Seq(_) => "a list",
            Node::Map(_) => "a mapping",
        }
    }
}

/// A Kubernetes object from the input, and where it starts.
#[derive(Debug, Clone)]
pub struct Object {
    /// Index of its [`Source`].
    pub source: usize,
    /// The YAML document it is in, counted from 1 as a YAML parser does (a
    /// leading `---` does not make an empty first document).
    pub document: usize,
    /// Its position in a `kind: List`, counted from 1.
    pub item: Option<usize>,
    /// The line it starts on, counted from 1.
    pub line: usize,
    pub api_version: String,
    pub kind: String,
    pub name: Option<String>,
    pub namespace: Option<String>,
    pub value: Node,
}

impl Object {
    /// `metadata.annotations[key]`, when it is a string.
    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.value.at(&["metadata", "annotations", key])?.as_str()
    }
}

/// Why an input could not be checked. Each names the file, and the line
/// where there is one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    #[error("{path}: cannot read: {message}")]
    Read { path: String, message: String },
    #[error(
        "{path}: larger than {} MiB; kubesite check refuses bigger inputs (split the stream into files)",
        MAX_FILE_BYTES / 1024 / 1024
    )]
    TooLarge { path: String },
    #[error(
        "{path}: about {estimate} YAML nodes, more than the {MAX_NODES} kubesite check reads from one file; split it"
    )]
    TooManyNodes { path: String, estimate: usize },
    #[error("{path}:{line}: not UTF-8 text; manifests must be UTF-8")]
    NotUtf8 { path: String, line: usize },
    #[error("{path}: no *.yaml or *.yml files in this folder")]
    EmptyFolder { path: String },
    #[error("{path}:{line}:{column} (document {document}): invalid YAML: {message}")]
    Yaml {
        path: String,
        line: usize,
        column: usize,
        document: usize,
        message: String,
    },
    #[error("{path}:{line} (document {document}{}): not a Kubernetes object: {reason}", item_suffix(*.item))]
    NotKubernetes {
        path: String,
        line: usize,
        document: usize,
        item: Option<usize>,
        reason: String,
    },
    #[error(
        "no Kubernetes objects in the input (was a `helm template` or `kubectl kustomize` before the pipe empty?)"
    )]
    NoObjects,
}

fn item_suffix(item: Option<usize>) -> String {
    item.map(|i| format!(", item {i}")).unwrap_or_default()
}

/// Every problem with the input, reported together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputErrors(pub Vec<InputError>);

impl fmt::Display for InputErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\nerror: ")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for InputErrors {}

/// Reads every PATH: a file, a folder (walked for `*.yaml` and `*.yml` in
/// sorted order, skipping names that start with a dot and not following
/// symbolic links to folders), or `-` for `stdin`. All read errors are
/// collected.
pub fn read_paths(paths: &[PathBuf], stdin: &mut dyn Read) -> Result<Vec<Source>, InputErrors> {
    let mut sources = Vec::new();
    let mut errors = Vec::new();
    let mut stdin_read = false;
    for path in paths {
        if path == Path::new("-") {
            if !stdin_read {
                stdin_read = true;
                match read_limited(stdin, STDIN_NAME) {
                    Ok(text) => sources.push(Source::new(STDIN_NAME, text)),
                    Err(e) => errors.push(e),
                }
            }
            continue;
        }
        let shown = path.display().to_string();
        match fs::metadata(path) {
            Ok(meta) if meta.is_dir() => {
                let mut files = Vec::new();
                if let Err(e) = walk(path, &mut files) {
                    errors.push(InputError::Read {
                        path: shown,
                        message: e.to_string(),
                    });
                    continue;
                }
                if files.is_empty() {
                    errors.push(InputError::EmptyFolder { path: shown });
                }
                for file in files {
                    match read_file(&file) {
                        Ok(s) => sources.push(s),
                        Err(e) => errors.push(e),
                    }
                }
            }
            Ok(_) => match read_file(path) {
                Ok(s) => sources.push(s),
                Err(e) => errors.push(e),
            },
            Err(e) => errors.push(InputError::Read {
                path: shown,
                message: e.to_string(),
            }),
        }
    }
    if errors.is_empty() {
        Ok(sources)
    } else {
        Err(InputErrors(errors))
    }
}

fn is_yaml(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".yaml") || lower.ends_with(".yml")
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
    let mut entries = fs::read_dir(dir)?.collect::<Result<Vec<_>, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        let kind = entry.file_type()?;
        if kind.is_dir() {
            walk(&path, out)?;
        } else if is_yaml(&name) && (kind.is_file() || (kind.is_symlink() && path.is_file())) {
            out.push(path);
        }
    }
    Ok(())
}

fn read_file(path: &Path) -> Result<Source, InputError> {
    let shown = path.display().to_string();
    let mut file = fs::File::open(path).map_err(|e| InputError::Read {
        path: shown.clone(),
        message: e.to_string(),
    })?;
    let text = read_limited(&mut file, &shown)?;
    Ok(Source::new(shown, text))
}

/// Reads at most [`MAX_FILE_BYTES`] and decodes UTF-8 (a leading byte-order
/// mark is dropped).
fn read_limited(reader: &mut dyn Read, shown: &str) -> Result<String, InputError> {
    let mut bytes = Vec::new();
    reader
        .take(MAX_FILE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| InputError::Read {
            path: shown.to_owned(),
            message: e.to_string(),
        })?;
    if bytes.len() > MAX_FILE_BYTES {
        return Err(InputError::TooLarge {
            path: shown.to_owned(),
        });
    }
    match String::from_utf8(bytes) {
        Ok(mut text) => {
            if text.starts_with('\u{FEFF}') {
                text.drain(..'\u{FEFF}'.len_utf8());
            }
            Ok(text)
        }
        Err(e) => {
            let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let line = 1 + valid.iter().filter(|&&b| b == b'\n').count();
            Err(InputError::NotUtf8 {
                path: shown.to_owned(),
                line,
            })
        }
    }
}

/// One YAML document of a stream: its number, the line its text starts on,
/// and its text (marker line included).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Chunk<'a> {
    document: usize,
    line: usize,
    text: &'a str,
}

fn is_marker(line: &str, marker: &str) -> bool {
    line.strip_prefix(marker)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t']))
}

fn is_blank_or_comment(line: &str) -> bool {
    let t = line.trim_start_matches([' ', '\t']);
    t.is_empty() || t.starts_with('#')
}

/// Splits a stream into documents on its `---` and `...` lines. Text before
/// the first marker is a document only if it holds more than comments;
/// directives (`%YAML`) between documents are dropped.
fn split_documents(text: &str) -> Vec<Chunk<'_>> {
    let mut chunks = Vec::new();
    let mut documents = 0;
    // (document, first line, start byte) of the open document.
    let mut open: Option<(usize, usize, usize)> = None;
    let mut offset = 0;
    for (i, raw) in text.split_inclusive('\n').enumerate() {
        let line = raw.trim_end_matches(['\n', '\r']);
        let start_marker = is_marker(line, "---");
        let end_marker = !start_marker && is_marker(line, "...");
        if start_marker || end_marker {
            if let Some((document, first, start)) = open.take() {
                chunks.push(Chunk {
                    document,
                    line: first,
                    text: &text[start..offset],
                });
            }
            if start_marker {
                documents += 1;
                open = Some((documents, i + 1, offset));
            }
        } else if open.is_none() && !is_blank_or_comment(line) && !line.starts_with('%') {
            documents += 1;
            open = Some((documents, i + 1, offset));
        }
        offset += raw.len();
    }
    if let Some((document, first, start)) = open {
        chunks.push(Chunk {
            document,
            line: first,
            text: &text[start..],
        });
    }
    chunks
}

/// The line where a document's content starts: past its marker (unless
/// content follows the marker on that line), blank lines and comments.
fn content_line(chunk: &Chunk<'_>) -> usize {
    for (i, line) in chunk.text.lines().enumerate() {
        let rest = if i == 0 && is_marker(line, "---") {
            &line[3..]
        } else {
            line
        };
        if !is_blank_or_comment(rest) {
            return chunk.line + i;
        }
    }
    chunk.line
}

/// The lines where the items of an `items` list start, if they can be found:
/// kubectl's `-o yaml` layout (`items:` at column 0, then `- ` entries) or
/// pretty-printed JSON (`"items": [`, then one `{` line per item). `None`
/// for anything else; callers then use the document's line.
fn item_lines(chunk: &Chunk<'_>, count: usize) -> Option<Vec<usize>> {
    let indent_of = |l: &str| l.len() - l.trim_start_matches(' ').len();
    let mut lines = chunk.text.lines().enumerate();
    let (_, header) = lines.find(|(_, l)| {
        l.strip_prefix("items:").is_some_and(is_blank_or_comment)
            || l.trim_start().strip_prefix("\"items\":").map(str::trim) == Some("[")
    })?;
    let json = header.trim_start().starts_with('"');
    let outer = indent_of(header);
    let mut indent = None;
    let mut found = Vec::new();
    for (i, line) in lines {
        if line.trim().is_empty() || (!json && is_blank_or_comment(line)) {
            continue;
        }
        let spaces = indent_of(line);
        let rest = &line[spaces..];
        let is_item = if json {
            rest.starts_with('{') && spaces > outer
        } else {
            rest == "-" || rest.starts_with("- ")
        };
        match indent {
            None if is_item => indent = Some(spaces),
            None => return None,
            Some(n) if spaces == n && is_item => {}
            Some(n) if spaces > n => continue,
            Some(n) if json && spaces == n => continue,
            Some(_) => break,
        }
        found.push(chunk.line + i);
    }
    (found.len() == count).then_some(found)
}

/// Adds `offset` to every "line N" in a parser message (the message counts
/// lines from the start of the document, the user from the start of the
/// file).
fn shift_lines(message: &str, offset: usize) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(at) = rest.find("line ") {
        out.push_str(&rest[..at + 5]);
        rest = &rest[at + 5..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if let Ok(n) = rest[..digits].parse::<usize>() {
            out.push_str(&(n + offset).to_string());
            rest = &rest[digits..];
        }
    }
    out.push_str(rest);
    out
}

/// Below this much text, parsing on more than one thread does not pay.
const PARALLEL_BYTES: usize = 512 * 1024;

/// Parses every source into objects, in input order. Sources that fail are
/// reported together; kustomize's own files (`kustomization.yaml`) are
/// skipped. Large inputs are parsed on every core, in contiguous groups of
/// sources, so the result is the same as parsing them one by one.
pub fn parse_sources(sources: &[Source]) -> Result<Vec<Object>, InputErrors> {
    let total: usize = sources.iter().map(|s| s.text.len()).sum();
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(sources.len())
        .min(total / PARALLEL_BYTES + 1);
    let parts = if threads <= 1 {
        vec![parse_group(0, sources)]
    } else {
        let share = total.div_ceil(threads);
        let mut groups = Vec::new();
        let (mut start, mut bytes) = (0, 0);
        for (i, s) in sources.iter().enumerate() {
            bytes += s.text.len();
            if bytes >= share && groups.len() + 1 < threads {
                groups.push((start, &sources[start..=i]));
                (start, bytes) = (i + 1, 0);
            }
        }
        if start < sources.len() {
            groups.push((start, &sources[start..]));
        }
        std::thread::scope(|scope| {
            let handles: Vec<_> = groups
                .into_iter()
                .map(|(first, group)| scope.spawn(move || parse_group(first, group)))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                .collect()
        })
    };
    let mut objects = Vec::new();
    let mut errors = Vec::new();
    for (mut o, mut e) in parts {
        objects.append(&mut o);
        errors.append(&mut e);
    }
    if errors.is_empty() {
        Ok(objects)
    } else {
        Err(InputErrors(errors))
    }
}

/// Parses `sources`, the first of which has index `first`.
fn parse_group(first: usize, sources: &[Source]) -> (Vec<Object>, Vec<InputError>) {
    let mut objects = Vec::new();
    let mut errors = Vec::new();
    for (i, source) in sources.iter().enumerate() {
        if let Err(e) = parse_source(first + i, source, &mut objects) {
            errors.push(e);
        }
    }
    (objects, errors)
}

/// Parses one source, appending its objects; stops at its first error.
pub fn parse_source(
    index: usize,
    source: &Source,
    objects: &mut Vec<Object>,
) -> Result<(), InputError> {
    // The parser holds a document's events in memory before any node is
    // counted, so a file that is nothing but tiny nodes is refused before
    // parsing, by a count that runs ahead of the real one.
    let estimate = node_estimate(&source.text);
    if estimate > MAX_NODES {
        return Err(InputError::TooManyNodes {
            path: source.name.clone(),
            estimate,
        });
    }
    let budget = Cell::new(
        source
            .text
            .len()
            .saturating_mul(2)
            .saturating_add(100_000)
            .min(MAX_NODES),
    );
    for chunk in split_documents(&source.text) {
        if let Some(node) = parse_json(&chunk, &budget) {
            push_objects(index, source, &chunk, node, objects)?;
            continue;
        }
        if let Some((line, message)) = flow_too_costly(chunk.text) {
            return Err(InputError::Yaml {
                path: source.name.clone(),
                line: chunk.line + line - 1,
                column: 1,
                document: chunk.document,
                message,
            });
        }
        for document in serde_yaml::Deserializer::from_str(chunk.text) {
            let node = NodeSeed::root(&budget)
                .deserialize(document)
                .map_err(|e| yaml_error(&source.name, &chunk, &e))?;
            push_objects(index, source, &chunk, node, objects)?;
        }
    }
    Ok(())
}

/// Roughly how many nodes a YAML text holds: line breaks, `,`, `: `, `[`
/// and `{`. Block style has about one of those per node, flow style too
/// (`[1, {a: b}]`: 5 for 5 nodes); the parser's count stays within twice
/// this.
fn node_estimate(text: &str) -> usize {
    let bytes = text.as_bytes();
    let mut n = 0;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'\n' | b',' | b'[' | b'{' => n += 1,
            b':' if matches!(bytes.get(i + 1), Some(b' ' | b'\n' | b'\t') | None) => n += 1,
            _ => {}
        }
    }
    n
}

/// A document that is JSON (`kubectl get -o json`), parsed as JSON: much
/// faster than YAML's flow style, and without its cost per nesting level.
/// `None` when it is not JSON; it is then parsed as YAML (which reports
/// any error).
fn parse_json(chunk: &Chunk<'_>, budget: &Cell<usize>) -> Option<Node> {
    let text = chunk.text.trim_start();
    let text = text.strip_prefix("---").unwrap_or(text).trim_start();
    if !text.starts_with(['{', '[']) {
        return None;
    }
    let before = budget.get();
    let mut de = serde_json::Deserializer::from_str(text);
    match NodeSeed::root(budget)
        .deserialize(&mut de)
        .and_then(|node| de.end().map(|()| node))
    {
        Ok(node) => Some(node),
        Err(_) => {
            budget.set(before);
            None
        }
    }
}

/// How deep flow collections (`[`, `{`) may nest in a YAML document. The
/// parser refuses more than 128 levels anyway; the margin is for brackets
/// inside strings, which this count cannot tell apart.
const MAX_FLOW_DEPTH: usize = 256;

/// The most flow-nesting work a YAML document may ask for: the sum, over
/// its bytes, of the flow depth there. libyaml rescans every open flow level
/// at each token, so its time grows with depth times length (a 2 MB list
/// 120 levels deep took seconds; 100,000 levels, minutes). Real manifests
/// stay far below (block style has no flow levels; JSON is parsed as JSON).
const MAX_FLOW_WORK: usize = 50_000_000;

const FLOW_TOO_LONG: &str = "flow collections ('[', '{') too long at this depth: the YAML parser's time grows with depth times length; write the document in block style or as JSON";

/// Why a YAML document's flow collections would make the parser slow, with
/// the line (in the document) where the limit is crossed. One linear pass;
/// it never under-counts (brackets in strings count too, except on comment
/// lines).
fn flow_too_costly(text: &str) -> Option<(usize, String)> {
    let mut depth = 0usize;
    let mut work = 0usize;
    for (i, line) in text.split('\n').enumerate() {
        if line.trim_start().starts_with('#') {
            continue;
        }
        for b in line.bytes() {
            match b {
                b'[' | b'{' => {
                    depth += 1;
                    if depth > MAX_FLOW_DEPTH {
                        return Some((
                            i + 1,
                            format!("'[' and '{{' nest more than {MAX_FLOW_DEPTH} deep"),
                        ));
                    }
                }
                b']' | b'}' => depth = depth.saturating_sub(1),
                _ => {}
            }
            work += depth;
        }
        if work > MAX_FLOW_WORK {
            return Some((i + 1, FLOW_TOO_LONG.to_owned()));
        }
    }
    None
}

fn yaml_error(path: &str, chunk: &Chunk<'_>, e: &serde_yaml::Error) -> InputError {
    let offset = chunk.line - 1;
    let (line, column) = match e.location() {
        Some(l) => (l.line() + offset, l.column()),
        None => (chunk.line, 1),
    };
    let mut message = crate::escape::safe_message(&e.to_string());
    if let Some(l) = e.location() {
        let at = format!(" at line {} column {}", l.line(), l.column());
        if let Some(pos) = message.find(&at) {
            message.replace_range(pos..pos + at.len(), "");
        }
    }
    let mut message = shift_lines(&message, offset);
    if chunk.text.contains("{{") {
        message.push_str(
            "; this looks like a Helm chart template: check the output of `helm template` instead",
        );
    }
    InputError::Yaml {
        path: path.to_owned(),
        line,
        column,
        document: chunk.document,
        message,
    }
}

/// The API group of kustomize's own configuration files, which are not
/// cluster objects.
const KUSTOMIZE_GROUP: &str = "kustomize.config.k8s.io/";

fn push_objects(
    index: usize,
    source: &Source,
    chunk: &Chunk<'_>,
    node: Node,
    objects: &mut Vec<Object>,
) -> Result<(), InputError> {
    if node == Node::Null {
        return Ok(());
    }
    let line = content_line(chunk);
    let not_kubernetes = |item, line, reason| InputError::NotKubernetes {
        path: source.name.clone(),
        line,
        document: chunk.document,
        item,
        reason,
    };
    let (api_version, kind) = identify(&node).map_err(|r| not_kubernetes(None, line, r))?;
    if api_version.starts_with(KUSTOMIZE_GROUP) {
        return Ok(());
    }
    let is_list = kind == "List" || (kind.ends_with("List") && node.get("items").is_some());
    if !is_list {
        objects.push(object(index, chunk, None, line, api_version, kind, node));
        return Ok(());
    }
    let Node::Map(entries) = node else {
        unreachable!("identify accepts only mappings")
    };
    let items = match entries.into_iter().find(|(k, _)| k == "items") {
        Some((_, Node::Seq(items))) => items,
        Some((_, Node::Null)) | None => Vec::new(),
        Some((_, other)) => {
            return Err(not_kubernetes(
                None,
                line,
                format!("a {kind} whose items is {}, not a list", other.describe()),
            ));
        }
    };
    let lines = item_lines(chunk, items.len());
    for (i, item) in items.into_iter().enumerate() {
        let item_line = lines.as_ref().map_or(line, |l| l[i]);
        let (api_version, kind) =
            identify(&item).map_err(|r| not_kubernetes(Some(i + 1), item_line, r))?;
        if api_version.starts_with(KUSTOMIZE_GROUP) {
            continue;
        }
        objects.push(object(
            index,
            chunk,
            Some(i + 1),
            item_line,
            api_version,
            kind,
            item,
        ));
    }
    Ok(())
}

fn object(
    source: usize,
    chunk: &Chunk<'_>,
    item: Option<usize>,
    line: usize,
    api_version: String,
    kind: String,
    value: Node,
) -> Object {
    let meta = value.field("metadata");
    let text = |key| meta.field(key).as_str().map(str::to_owned);
    Object {
        source,
        document: chunk.document,
        item,
        line,
        api_version,
        kind,
        name: text("name"),
        namespace: text("namespace"),
        value,
    }
}

/// `apiVersion` and `kind`, or why the value is not a Kubernetes object.
fn identify(node: &Node) -> Result<(String, String), String> {
    let Node::Map(entries) = node else {
        return Err(format!(
            "{}, where a mapping with apiVersion and kind was expected",
            node.describe()
        ));
    };
    let text = |key| node.field(key).as_str().filter(|s| !s.is_empty());
    match (text("apiVersion"), text("kind")) {
        (Some(a), Some(k)) => Ok((a.to_owned(), k.to_owned())),
        (a, k) => {
            let missing = match (a, k) {
                (None, None) => "apiVersion and kind",
                (None, _) => "apiVersion",
                _ => "kind",
            };
            let mut keys: Vec<String> = entries.iter().take(5).map(|(k, _)| quoted(k)).collect();
            if entries.len() > 5 {
                keys.push("...".into());
            }
            Err(format!(
                "no {missing} (string) among its keys [{}]; is this a Helm values file or a chart template? Pipe `helm template` instead",
                keys.join(", ")
            ))
        }
    }
}

/// Field names common in Kubernetes objects (sorted: binary search). A key
/// among them is not allocated again for every object, which is most of
/// the allocations a manifest would otherwise cost.
const KNOWN_KEYS: &[&str] = &[
    "accessModes",
    "add",
    "affinity",
    "allowPrivilegeEscalation",
    "annotations",
    "apiVersion",
    "app",
    "app.kubernetes.io/component",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/managed-by",
    "app.kubernetes.io/name",
    "app.kubernetes.io/part-of",
    "app.kubernetes.io/version",
    "args",
    "audience",
    "automountServiceAccountToken",
    "backend",
    "backoffLimit",
    "capabilities",
    "claimName",
    "clusterIP",
    "command",
    "concurrencyPolicy",
    "configMap",
    "configMapKeyRef",
    "containerPort",
    "containers",
    "cpu",
    "creationTimestamp",
    "defaultMode",
    "dnsPolicy",
    "drop",
    "effect",
    "egress",
    "emptyDir",
    "enableServiceLinks",
    "env",
    "envFrom",
    "exec",
    "expirationSeconds",
    "failureThreshold",
    "fieldPath",
    "fieldRef",
    "from",
    "fsGroup",
    "generation",
    "helm.sh/chart",
    "host",
    "hostIPC",
    "hostNetwork",
    "hostPID",
    "hostPath",
    "hosts",
    "http",
    "httpGet",
    "image",
    "imagePullPolicy",
    "imagePullSecrets",
    "ingress",
    "initContainers",
    "initialDelaySeconds",
    "items",
    "jobTemplate",
    "key",
    "kind",
    "labels",
    "limits",
    "livenessProbe",
    "matchExpressions",
    "matchLabels",
    "maxSurge",
    "maxUnavailable",
    "memory",
    "metadata",
    "mountPath",
    "name",
    "namespace",
    "namespaceSelector",
    "nodeSelector",
    "number",
    "operator",
    "ownerReferences",
    "path",
    "pathType",
    "paths",
    "periodSeconds",
    "persistentVolumeClaim",
    "podSelector",
    "policyTypes",
    "port",
    "ports",
    "priorityClassName",
    "privileged",
    "projected",
    "protocol",
    "readOnly",
    "readOnlyRootFilesystem",
    "readinessProbe",
    "replicas",
    "requests",
    "resourceVersion",
    "resources",
    "restartPolicy",
    "revisionHistoryLimit",
    "rollingUpdate",
    "rules",
    "runAsGroup",
    "runAsNonRoot",
    "runAsUser",
    "schedule",
    "schedulerName",
    "seccompProfile",
    "secret",
    "secretKeyRef",
    "secretName",
    "securityContext",
    "selector",
    "service",
    "serviceAccount",
    "serviceAccountName",
    "serviceAccountToken",
    "serviceName",
    "sizeLimit",
    "sources",
    "spec",
    "startupProbe",
    "storage",
    "storageClassName",
    "strategy",
    "subPath",
    "successThreshold",
    "targetPort",
    "tcpSocket",
    "template",
    "terminationGracePeriodSeconds",
    "terminationMessagePath",
    "terminationMessagePolicy",
    "timeoutSeconds",
    "tls",
    "to",
    "tolerations",
    "type",
    "uid",
    "updateStrategy",
    "value",
    "valueFrom",
    "values",
    "volumeClaimTemplates",
    "volumeMounts",
    "volumes",
    "workingDir",
];

/// A mapping key.
pub type Key = Cow<'static, str>;

fn intern(key: &str) -> Key {
    match KNOWN_KEYS.binary_search(&key) {
        Ok(i) => Cow::Borrowed(KNOWN_KEYS[i]),
        Err(_) => Cow::Owned(key.to_owned()),
    }
}

/// Top-level fields no rule reads; they are walked (aliases in them still
/// spend the budget) but not kept: `status` and `metadata.managedFields`
/// are most of what `kubectl get -o yaml` prints.
const SKIPPED_AT_ROOT: &[&str] = &["binaryData", "data", "status", "stringData"];

/// Where in an object a value is, as far as pruning cares.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    /// An object: the document, or an item of its `items`.
    Root,
    /// The `items` of a document.
    Items,
    Metadata,
    Other,
}

/// Spends one unit of the shared node budget.
fn spend<E: de::Error>(budget: &Cell<usize>) -> Result<(), E> {
    match budget.get().checked_sub(1) {
        Some(left) => {
            budget.set(left);
            Ok(())
        }
        None => Err(E::custom(format_args!(
            "this file expands to too many YAML nodes (at most twice its size plus 100000, and {MAX_NODES} in all); are aliases (*name) multiplying it?"
        ))),
    }
}

/// Deserializes a [`Node`], spending one unit of a shared budget per node.
#[derive(Clone, Copy)]
struct NodeSeed<'b> {
    budget: &'b Cell<usize>,
    role: Role,
}

impl<'b> NodeSeed<'b> {
    fn root(budget: &'b Cell<usize>) -> Self {
        NodeSeed {
            budget,
            role: Role::Root,
        }
    }

    fn child(self, role: Role) -> Self {
        NodeSeed { role, ..self }
    }

    fn leaf<E: de::Error>(self, node: Node) -> Result<Node, E> {
        spend(self.budget)?;
        Ok(node)
    }
}

impl<'de> DeserializeSeed<'de> for NodeSeed<'_> {
    type Value = Node;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for NodeSeed<'_> {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a YAML value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Node, E> {
        self.leaf(Node::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node, E> {
        self.leaf(Node::Int(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node, E> {
        self.leaf(i64::try_from(v).map_or(Node::Float(v as f64), Node::Int))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
        self.leaf(Node::Float(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Node, E> {
        self.leaf(Node::Str(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Node, E> {
        self.leaf(Node::Str(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
        self.leaf(Node::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Node, E> {
        self.leaf(Node::Null)
    }

    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        self.deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        spend(self.budget)?;
        let item_role = if self.role == Role::Items {
            Role::Root
        } else {
            Role::Other
        };
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(item) = seq.next_element_seed(self.child(item_role))? {
            items.push(item);
        }
        Ok(Node::Seq(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        spend(self.budget)?;
        let mut entries: Vec<(Key, Node)> = Vec::with_capacity(4);
        let mut seen: Option<HashSet<Key>> = None;
        let mut merges = Vec::new();
        while let Some(key) = map.next_key_seed(KeySeed {
            budget: self.budget,
        })? {
            let role = match (self.role, key.as_ref()) {
                (Role::Root, "items") => Role::Items,
                (Role::Root, "metadata") => Role::Metadata,
                (Role::Root, k) if SKIPPED_AT_ROOT.contains(&k) => {
                    map.next_value_seed(Skip {
                        budget: self.budget,
                    })?;
                    continue;
                }
                (Role::Metadata, "managedFields") => {
                    map.next_value_seed(Skip {
                        budget: self.budget,
                    })?;
                    continue;
                }
                _ => Role::Other,
            };
            let value = map.next_value_seed(self.child(role))?;
            if key == "<<" {
                merges.push(value);
                continue;
            }
            let duplicate = match &mut seen {
                Some(set) => !set.insert(key.clone()),
                None => entries.iter().any(|(k, _)| *k == key),
            };
            if duplicate {
                return Err(de::Error::custom(format_args!(
                    "duplicate key {}; tools disagree on which value wins, so kubesite check refuses to guess",
                    quoted(&key)
                )));
            }
            if seen.is_none() && entries.len() >= 16 {
                let mut set: HashSet<Key> = entries.iter().map(|(k, _)| k.clone()).collect();
                set.insert(key.clone());
                seen = Some(set);
            }
            entries.push((key, value));
        }
        for merge in merges {
            // YAML merge keys: explicit keys win, then earlier merged mappings.
            let sources = match merge {
                Node::Map(m) => vec![Node::Map(m)],
                Node::Seq(items) => items,
                other => {
                    return Err(de::Error::custom(format_args!(
                        "a << merge key needs a mapping or a list of mappings, not {}",
                        other.describe()
                    )));
                }
            };
            for source in sources {
                let Node::Map(merged) = source else {
                    return Err(de::Error::custom(
                        "a << merge key needs a mapping or a list of mappings",
                    ));
                };
                for (k, v) in merged {
                    if !entries.iter().any(|(e, _)| *e == k) {
                        entries.push((k, v));
                    }
                }
            }
        }
        Ok(Node::Map(entries))
    }

    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<Node, A::Error> {
        // A value with a custom tag (`!thing value`): the tag is dropped.
        use de::VariantAccess;
        let (_tag, variant): (String, _) = data.variant()?;
        variant.newtype_variant_seed(self)
    }
}

/// Deserializes a mapping key: a scalar, as text.
struct KeySeed<'b> {
    budget: &'b Cell<usize>,
}

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = Key;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Key, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_> {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a mapping key")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
        spend(self.budget)?;
        Ok(intern(v))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Key, E> {
        self.visit_str(if v { "true" } else { "false" })
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Key, E> {
        self.visit_str(&v.to_string())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Key, E> {
        self.visit_str(&v.to_string())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Key, E> {
        self.visit_str(&v.to_string())
    }

    fn visit_unit<E: de::Error>(self) -> Result<Key, E> {
        self.visit_str("null")
    }

    fn visit_none<E: de::Error>(self) -> Result<Key, E> {
        self.visit_str("null")
    }

    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Key, D::Error> {
        self.deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<Key, A::Error> {
        Err(complex_key())
    }

    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<Key, A::Error> {
        Err(complex_key())
    }

    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<Key, A::Error> {
        use de::VariantAccess;
        let (_tag, variant): (String, _) = data.variant()?;
        variant.newtype_variant_seed(self)
    }
}

fn complex_key<E: de::Error>() -> E {
    E::custom("a mapping key is itself a list or mapping; Kubernetes objects have string keys")
}

/// Walks a value without keeping it, spending the budget per node.
#[derive(Clone, Copy)]
struct Skip<'b> {
    budget: &'b Cell<usize>,
}

impl<'de> DeserializeSeed<'de> for Skip<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Skip<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a YAML value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        spend(self.budget)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        spend(self.budget)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        spend(self.budget)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        spend(self.budget)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        spend(self.budget)
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        spend(self.budget)
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        spend(self.budget)
    }

    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        self.deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        spend(self.budget)?;
        while seq.next_element_seed(self)?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        spend(self.budget)?;
        while map.next_key_seed(self)?.is_some() {
            map.next_value_seed(self)?;
        }
        Ok(())
    }

    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<(), A::Error> {
        use de::VariantAccess;
        let (_tag, variant): (String, _) = data.variant()?;
        variant.newtype_variant_seed(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<Object>, InputError> {
        let mut objects = Vec::new();
        parse_source(0, &Source::new("t.yaml", text), &mut objects)?;
        Ok(objects)
    }

    fn positions(text: &str) -> Vec<(usize, Option<usize>, usize)> {
        parse(text)
            .expect("parses")
            .iter()
            .map(|o| (o.document, o.item, o.line))
            .collect()
    }

    const CM: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n";

    #[test]
    fn documents_and_lines_are_counted_as_a_yaml_parser_does() {
        // Leading marker: no empty first document.
        assert_eq!(
            positions(&format!("---\n{CM}---\n{CM}")),
            [(1, None, 2), (2, None, 7)]
        );
        // No leading marker; comments and blank lines skipped for the line.
        assert_eq!(
            positions(&format!("# top\n\n{CM}---\n# c\n\n{CM}")),
            [(1, None, 3), (2, None, 10)]
        );
        // Empty documents still count, as in `yq`'s document index.
        assert_eq!(
            positions(&format!("{CM}---\n---\n{CM}")),
            [(1, None, 1), (3, None, 7)]
        );
        // Content on the marker line; `...` ends a document; CRLF.
        assert_eq!(
            positions(
                "--- {apiVersion: v1, kind: Secret}\n...\r\n%YAML 1.2\r\n---\r\napiVersion: v1\r\nkind: Secret\r\n"
            ),
            [(1, None, 1), (2, None, 5)]
        );
    }

    #[test]
    fn list_items_get_their_own_lines() {
        let list = "apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: ServiceAccount\n  metadata:\n    name: a\n- apiVersion: v1\n  kind: Secret\n  data:\n    k: |\n      - not an item\nkind: List\nmetadata: {}\n";
        assert_eq!(positions(list), [(1, Some(1), 3), (1, Some(2), 7)]);
        let indented = "kind: List\napiVersion: v1\nitems:\n  - apiVersion: v1\n    kind: A\n  - apiVersion: v1\n    kind: B\n";
        assert_eq!(positions(indented), [(1, Some(1), 4), (1, Some(2), 6)]);
        let json = "{\n    \"apiVersion\": \"v1\",\n    \"items\": [\n        {\n            \"apiVersion\": \"v1\",\n            \"kind\": \"A\"\n        },\n        {\n            \"apiVersion\": \"v1\",\n            \"kind\": \"B\"\n        }\n    ],\n    \"kind\": \"List\"\n}\n";
        assert_eq!(positions(json), [(1, Some(1), 4), (1, Some(2), 8)]);
        // Flow style: every item at the document's line.
        let flow = "{\"kind\": \"List\", \"apiVersion\": \"v1\", \"items\": [{\"kind\": \"A\", \"apiVersion\": \"v1\"}]}";
        assert_eq!(positions(flow), [(1, Some(1), 1)]);
    }

    #[test]
    fn markers_inside_values_are_not_split_points() {
        let text = "apiVersion: v1\nkind: ConfigMap\ndata:\n  a: |\n    ---\n    x\n  b: \"---\"\n";
        assert_eq!(positions(text), [(1, None, 1)]);
    }

    #[test]
    fn errors_name_the_file_line_and_document() {
        let text = format!("{CM}---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: [unclosed\n");
        let e = parse(&text).unwrap_err();
        let InputError::Yaml {
            line,
            document,
            message,
            ..
        } = &e
        else {
            panic!("{e:?}")
        };
        assert_eq!(*document, 2);
        assert!(*line >= 9, "{e}");
        assert!(
            !message.contains("line 4"),
            "lines are shifted to the file: {e}"
        );
        assert!(e.to_string().starts_with("t.yaml:"), "{e}");
    }

    #[test]
    fn non_kubernetes_yaml_is_refused_with_its_keys() {
        let e = parse("replicaCount: 1\nimage:\n  repository: nginx\n").unwrap_err();
        let text = e.to_string();
        assert!(text.contains("not a Kubernetes object"), "{text}");
        assert!(text.contains("\"replicaCount\""), "{text}");
        let e = parse("just a string\n").unwrap_err();
        assert!(e.to_string().contains("a string"), "{e}");
        let e = parse(&format!("{CM}---\n- a\n- b\n")).unwrap_err();
        assert!(e.to_string().contains("t.yaml:6 (document 2)"), "{e}");
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut bomb = String::from(
            "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
        );
        let names = ["b", "c", "d", "e", "f", "g", "h", "i"];
        let mut prev = "a";
        for name in names {
            bomb.push_str(&format!(
                "{name}: &{name} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
            ));
            prev = name;
        }
        let start = std::time::Instant::now();
        let e = parse(&format!("apiVersion: v1\nkind: ConfigMap\n{bomb}")).unwrap_err();
        assert!(
            e.to_string().contains("too many YAML nodes")
                || e.to_string().contains("repetition limit"),
            "{e}"
        );
        assert!(start.elapsed().as_secs() < 5);
    }

    #[test]
    fn anchors_and_merge_keys_are_followed() {
        let text = "apiVersion: v1\nkind: Pod\nx: &sc {runAsNonRoot: true, runAsUser: 1}\nspec:\n  securityContext:\n    <<: *sc\n    runAsUser: 2\n";
        let o = &parse(text).unwrap()[0];
        let sc = o.value.at(&["spec", "securityContext"]).unwrap();
        assert_eq!(sc.field("runAsNonRoot").as_bool(), Some(true));
        assert_eq!(sc.field("runAsUser").as_i64(), Some(2));
    }

    #[test]
    fn duplicate_keys_are_refused() {
        let e = parse("apiVersion: v1\nkind: Pod\nspec:\n  automountServiceAccountToken: false\n  automountServiceAccountToken: true\n").unwrap_err();
        assert!(
            e.to_string()
                .contains("duplicate key \"automountServiceAccountToken\""),
            "{e}"
        );
        let many: String = (0..40).map(|i| format!("    k{i}: v\n")).collect();
        let e = parse(&format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels:\n{many}    k3: again\n"
        ))
        .unwrap_err();
        assert!(e.to_string().contains("duplicate key \"k3\""), "{e}");
    }

    #[test]
    fn known_keys_are_sorted_for_binary_search() {
        assert!(KNOWN_KEYS.windows(2).all(|w| w[0] < w[1]));
        assert!(matches!(intern("spec"), Cow::Borrowed("spec")));
        assert!(matches!(intern("x-custom"), Cow::Owned(_)));
    }

    #[test]
    fn unread_fields_are_pruned_but_still_budgeted() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  managedFields: [{manager: kubectl}]\ndata: {k: v}\nstatus: {phase: x}\n";
        let o = &parse(text).unwrap()[0];
        assert_eq!(o.value.get("data"), None);
        assert_eq!(o.value.get("status"), None);
        assert_eq!(o.value.at(&["metadata", "managedFields"]), None);
        assert_eq!(o.name.as_deref(), Some("a"));
        let bomb = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/check/errors/alias-bomb.yaml"
        ))
        .unwrap();
        let e = parse(&bomb).unwrap_err();
        assert!(e.to_string().contains("too many YAML nodes"), "{e}");
    }

    #[test]
    fn json_documents_are_parsed_as_json() {
        let text = "{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": [{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": \"p\"}, \"status\": {}}]}\n";
        let objects = parse(text).unwrap();
        assert_eq!(objects.len(), 1);
        assert_eq!(objects[0].name.as_deref(), Some("p"));
        assert_eq!(objects[0].value.get("status"), None, "pruned as in YAML");
        // Flow-style YAML that is not JSON still parses, as YAML.
        assert_eq!(parse("{apiVersion: v1, kind: Pod}\n").unwrap().len(), 1);
        // JSON's duplicate keys are refused too (by YAML, which reports the line).
        let e =
            parse("{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"kind\": \"Pod\"}").unwrap_err();
        assert!(e.to_string().contains("duplicate key"), "{e}");
    }

    #[test]
    fn deep_or_long_flow_nesting_is_refused_quickly() {
        let start = std::time::Instant::now();
        for text in [
            format!(
                "apiVersion: v1\nkind: A\nx: {}{}\n",
                "[".repeat(100_000),
                "]".repeat(100_000)
            ),
            format!("apiVersion: v1\nkind: A\nx:\n{}", "  [\n".repeat(100_000)),
            format!(
                "apiVersion: v1\nkind: A\nx: {}{}a{}\n",
                "[".repeat(120),
                "a, ".repeat(500_000),
                "]".repeat(120)
            ),
        ] {
            let e = parse(&text).unwrap_err();
            assert!(e.to_string().contains("'['"), "{e}");
        }
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
        // Brackets on comment lines do not count; ordinary flow style passes.
        let fine = format!(
            "# {}\napiVersion: v1\nkind: A\nx: {{a: [1, 2], b: {{c: d}}}}\n",
            "[".repeat(1000)
        );
        assert_eq!(parse(&fine).unwrap().len(), 1);
    }

    #[test]
    fn files_of_tiny_nodes_are_refused_before_parsing() {
        let start = std::time::Instant::now();
        for text in [
            format!(
                "apiVersion: v1\nkind: A\nx: [{}a]\n",
                "a,".repeat(MAX_NODES)
            ),
            format!("apiVersion: v1\nkind: A\nx:\n{}", "- a\n".repeat(MAX_NODES)),
            format!(
                "apiVersion: v1\nkind: A\nx:\n{}",
                "- {a: b}\n".repeat(MAX_NODES / 2 + 10)
            ),
        ] {
            assert!(text.len() <= MAX_FILE_BYTES);
            let e = parse(&text).unwrap_err();
            assert!(matches!(e, InputError::TooManyNodes { .. }), "{e}");
        }
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
        // The estimate is within a factor of two of what the parser produces.
        let text = "a: 1\nb: [1, 2, {c: d}]\ne:\n  - f\n  - g: h\n";
        let budget = Cell::new(usize::MAX);
        NodeSeed::root(&budget)
            .deserialize(serde_yaml::Deserializer::from_str(text))
            .unwrap();
        let nodes = usize::MAX - budget.get();
        assert!(
            node_estimate(text) * 2 >= nodes,
            "{} vs {nodes}",
            node_estimate(text)
        );
    }

    #[test]
    fn kustomize_files_are_skipped() {
        assert!(positions("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [a.yaml]\n").is_empty());
    }

    #[test]
    fn oversized_and_non_utf8_input_is_refused() {
        let big = vec![b' '; MAX_FILE_BYTES + 1];
        let e = read_limited(&mut big.as_slice(), "big").unwrap_err();
        assert!(matches!(e, InputError::TooLarge { .. }), "{e}");
        let e = read_limited(&mut &b"a: 1\nb: \xff\n"[..], "bin").unwrap_err();
        assert_eq!(
            e,
            InputError::NotUtf8 {
                path: "bin".into(),
                line: 2
            }
        );
        let ok = read_limited(&mut "\u{FEFF}a: 1\n".as_bytes(), "bom").unwrap();
        assert_eq!(ok, "a: 1\n");
    }

    #[test]
    fn shifted_lines_keep_the_rest_of_the_message() {
        assert_eq!(
            shift_lines("x at line 2 column 3, while parsing at line 1 column 1", 10),
            "x at line 12 column 3, while parsing at line 11 column 1"
        );
        assert_eq!(shift_lines("pipeline x", 3), "pipeline x");
    }
}
