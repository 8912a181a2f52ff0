//! The line of a field inside an object's text, so that a finding can point
//! at `privileged: true` rather than at the object's `apiVersion:` line.
//!
//! A line scanner, not a parser: the loader's YAML parser keeps no
//! positions, and findings are few, so each is located after the fact. It
//! follows block mappings and block sequences by indentation, and stops at
//! anything it cannot follow for certain (flow collections, block scalars,
//! aliases, complex keys, JSON); the answer is then the deepest step it did
//! find, or `None`. A wrong line would mislead more than a coarse one, so
//! every step must match exactly: a key at exactly the mapping's
//! indentation, the n-th `-` at exactly the sequence's.

/// One step of a path from an object's root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// A mapping key.
    Key(&'static str),
    /// A sequence item, counted from 0.
    Item(usize),
}

/// A line with content: its number (from 1), indentation and text after it.
/// The first line of a sequence item is seen as its content alone, indented
/// past the `- `, so that `- name: web` opens a mapping like any other.
#[derive(Debug, Clone, Copy)]
struct Entry<'t> {
    line: usize,
    indent: usize,
    text: &'t str,
}

fn is_marker(text: &str) -> bool {
    ["---", "..."].iter().any(|m| {
        text.strip_prefix(m)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t']))
    })
}

/// The lines of the object that starts on `first_line` (counted from 1),
/// up to the end of its document, without blank and comment lines.
fn entries(text: &str, first_line: usize) -> Vec<Entry<'_>> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate().skip(first_line.saturating_sub(1)) {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if i + 1 > first_line && is_marker(raw) {
            break;
        }
        let indent = raw.len() - raw.trim_start_matches(' ').len();
        let rest = &raw[indent..];
        if rest.trim().is_empty() || rest.starts_with('#') {
            continue;
        }
        out.push(Entry {
            line: i + 1,
            indent,
            text: rest,
        });
    }
    out
}

/// `- rest` as an entry of its own: `rest` indented past the dash. `None`
/// for a line that is not a sequence item, or a bare `-` (its content
/// starts on the next line).
fn item_content(e: Entry<'_>) -> Option<Option<Entry<'_>>> {
    let rest = e.text.strip_prefix('-')?;
    if rest.is_empty() || rest.starts_with('#') {
        return Some(None);
    }
    let spaces = rest.len() - rest.trim_start_matches(' ').len();
    if spaces == 0 {
        return None; // `-1`, `-foo`: a scalar, not an item
    }
    let text = &rest[spaces..];
    if text.starts_with('#') {
        return Some(None);
    }
    Some(Some(Entry {
        line: e.line,
        indent: e.indent + 1 + spaces,
        text,
    }))
}

/// The key a mapping line starts with, and the text after its `:`.
fn key_of(text: &str) -> Option<(&str, &str)> {
    let (key, after) = match text.as_bytes().first()? {
        q @ (b'"' | b'\'') => {
            let close = text[1..].find(*q as char)? + 1;
            let key = &text[1..close];
            if key.contains('\\') || text[close + 1..].starts_with(*q as char) {
                return None; // escapes: not worth following
            }
            let after = text[close + 1..]
                .trim_start_matches(' ')
                .strip_prefix(':')?;
            (key, after)
        }
        b'?' | b'{' | b'[' | b'-' | b'&' | b'*' | b'!' | b'|' | b'>' => return None,
        _ => {
            let colon = text
                .match_indices(':')
                .map(|(i, _)| i)
                .find(|&i| matches!(text.as_bytes().get(i + 1), None | Some(b' ' | b'\t')))?;
            (text[..colon].trim_end(), &text[colon + 1..])
        }
    };
    if !(after.is_empty() || after.starts_with([' ', '\t'])) {
        return None;
    }
    Some((key, after))
}

/// Whether the value after a key's `:` continues on the next lines: nothing
/// but anchors, tags and a comment is on the key's line.
fn value_below(after: &str) -> bool {
    for token in after.split_whitespace() {
        if token.starts_with('#') {
            return true;
        }
        if !token.starts_with(['&', '!']) {
            return false;
        }
    }
    true
}

/// The entries below `at` (the line of a key or item) that belong to it:
/// everything indented more than `indent`, and for a key also a block
/// sequence at the key's own indentation (`containers:` then `- name: web`).
fn children<'t>(region: &[Entry<'t>], at: usize, indent: usize, key: bool) -> Vec<Entry<'t>> {
    let mut out = Vec::new();
    let rest = &region[at + 1..];
    let mut sequence_here = false;
    for (i, e) in rest.iter().enumerate() {
        if e.indent > indent {
            out.push(*e);
            continue;
        }
        let dash = e.indent == indent && item_content(*e).is_some();
        if key && dash && (i == 0 || sequence_here) {
            sequence_here = true;
            out.push(*e);
            continue;
        }
        break;
    }
    out
}

/// The line of the deepest step of `path` found in the object whose text
/// starts on `first_line` of `text`: the field itself if it is there, else
/// the nearest enclosing field that is. `in_list` says the object is an item
/// of a `kind: List` and its first line starts with `-`. `None` when not
/// even the first step is found, or the text is not block YAML.
pub fn field_line(text: &str, first_line: usize, in_list: bool, path: &[Step]) -> Option<usize> {
    let mut region = entries(text, first_line);
    let first = *region.first()?;
    if first.line != first_line || is_marker(first.text) {
        return None;
    }
    if in_list {
        let content = item_content(first)?;
        let mut own = children(&region, 0, first.indent, false);
        if let Some(c) = content {
            own.insert(0, c);
        }
        region = own;
    }
    let mut found = None;
    for step in path {
        let Some(head) = region.first().copied() else {
            break;
        };
        let indent = head.indent;
        match *step {
            Step::Key(want) => {
                let hit = region.iter().enumerate().find_map(|(i, e)| {
                    if e.indent != indent {
                        return None;
                    }
                    let (key, after) = key_of(e.text)?;
                    (key == want).then_some((i, e.line, after))
                });
                let Some((i, line, after)) = hit else {
                    break;
                };
                found = Some(line);
                if !value_below(after) {
                    break;
                }
                region = children(&region, i, indent, true);
            }
            Step::Item(n) => {
                let items: Vec<usize> = region
                    .iter()
                    .enumerate()
                    .filter(|(_, e)| e.indent == indent && item_content(**e).is_some())
                    .map(|(i, _)| i)
                    .collect();
                if items.first() != Some(&0) {
                    break; // not a block sequence
                }
                let Some(&i) = items.get(n) else {
                    break;
                };
                let e = region[i];
                found = Some(e.line);
                let mut own = children(&region, i, indent, false);
                if let Some(content) = item_content(e).flatten() {
                    own.insert(0, content);
                }
                region = own;
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::Step::{Item, Key};
    use super::*;

    const DEPLOYMENT: &str = "\
# a comment before
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
      - name: sidecar
        image: \"busybox\"
      - name: web
        command: |
          securityContext:
            privileged: true
        securityContext:   # the real one
          privileged: true
---
apiVersion: v1
kind: Service
status: {}
";

    fn line(path: &[Step]) -> Option<usize> {
        field_line(DEPLOYMENT, 2, false, path)
    }

    const WEB: [Step; 6] = [
        Key("spec"),
        Key("template"),
        Key("spec"),
        Key("containers"),
        Item(1),
        Key("securityContext"),
    ];

    #[test]
    fn follows_keys_and_items_past_block_scalars_that_look_like_keys() {
        assert_eq!(line(&[Key("metadata"), Key("name")]), Some(5));
        assert_eq!(line(&WEB[..5]), Some(12));
        assert_eq!(line(&WEB), Some(16));
        let mut privileged = WEB.to_vec();
        privileged.push(Key("privileged"));
        assert_eq!(line(&privileged), Some(17));
        let image = [&WEB[..4], &[Item(0), Key("image")]].concat();
        assert_eq!(line(&image), Some(11));
    }

    #[test]
    fn a_missing_field_gives_its_nearest_enclosing_field() {
        let mut missing = WEB[..5].to_vec();
        missing.push(Key("resources"));
        assert_eq!(line(&missing), Some(12), "the container's line");
        let beyond = [&WEB[..4], &[Item(2)]].concat();
        assert_eq!(line(&beyond), Some(9), "only two containers");
        assert_eq!(line(&[]), None);
    }

    #[test]
    fn stops_at_the_end_of_the_document() {
        // The Service after `---` has a status; the Deployment has none.
        assert_eq!(line(&[Key("status")]), None);
        assert_eq!(
            field_line(DEPLOYMENT, 19, false, &[Key("status")]),
            Some(21)
        );
        assert_eq!(
            field_line(DEPLOYMENT, 2, false, &[Key("spec"), Key("ports")]),
            Some(6)
        );
    }

    #[test]
    fn does_not_descend_into_flow_collections_aliases_or_json() {
        let flow = "spec:\n  securityContext: {privileged: true}\n";
        let path = [Key("spec"), Key("securityContext"), Key("privileged")];
        assert_eq!(field_line(flow, 1, false, &path), Some(2));
        let alias = "spec:\n  securityContext: *shared\n  x:\n    privileged: true\n";
        assert_eq!(field_line(alias, 1, false, &path), Some(2));
        let anchored = "spec:\n  securityContext: &shared # note\n    privileged: true\n";
        assert_eq!(field_line(anchored, 1, false, &path), Some(3));
        let json = "{\n  \"spec\": {\n    \"securityContext\": {}\n  }\n}\n";
        assert_eq!(field_line(json, 1, false, &path), None);
    }

    #[test]
    fn reads_quoted_keys_and_keys_with_colons() {
        let text = "metadata:\n  labels:\n    app.kubernetes.io/name: web\n  \"annotations\":\n    'a:b': c\n";
        assert_eq!(
            field_line(
                text,
                1,
                false,
                &[Key("metadata"), Key("annotations"), Key("a:b")]
            ),
            Some(5)
        );
        assert_eq!(
            field_line(
                text,
                1,
                false,
                &[
                    Key("metadata"),
                    Key("labels"),
                    Key("app.kubernetes.io/name")
                ]
            ),
            Some(3)
        );
    }

    #[test]
    fn follows_an_item_of_a_list_and_nested_items() {
        let list = "\
apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: Pod
    spec:
      containers:
        -   name: a
            args:
              - - x
                - y
  - kind: Pod
    spec: {}
";
        let args = [Key("spec"), Key("containers"), Item(0), Key("args")];
        assert_eq!(field_line(list, 4, true, &args), Some(9));
        let y = [&args[..], &[Item(0), Item(1)]].concat();
        assert_eq!(field_line(list, 4, true, &y), Some(11));
        // The first item's lines end where the second item starts.
        assert_eq!(field_line(list, 4, true, &[Key("kind")]), Some(5));
        assert_eq!(
            field_line(list, 12, true, &[Key("spec"), Key("containers")]),
            Some(13)
        );
        // An item whose first line is not `-`: not followed.
        assert_eq!(field_line(list, 5, true, &[Key("spec")]), None);
    }
}
