//! Showing untrusted values in messages without letting them fool the reader.

/// Characters that reorder or hide text on a terminal: bidi overrides,
/// zero-width characters and the byte-order mark. `escape_debug` keeps some
/// of them, so they are escaped explicitly.
fn is_deceptive(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2069}'
            | '\u{FEFF}'
            | '\u{0085}'
            | '\u{2028}'
            | '\u{2029}'
    )
}

/// How many characters of a value a message shows before eliding the rest.
const SHOWN: usize = 60;

/// A value quoted and escaped for an error message: control, invisible and
/// bidi characters become `\u{..}` escapes, and long values are shortened
/// with their length stated.
pub fn quoted(value: &str) -> String {
    let count = value.chars().count();
    let mut out = String::with_capacity(value.len().min(SHOWN * 2) + 2);
    out.push('"');
    for c in value.chars().take(SHOWN) {
        if is_deceptive(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.extend(c.escape_debug());
        }
    }
    out.push('"');
    if count > SHOWN {
        out.push_str(&format!("... ({count} characters)"));
    }
    out
}

/// Longest message shown whole; a longer one (a parser quoting a huge
/// value) keeps its start and its end, where the line and column are.
const MESSAGE_MAX: usize = 1000;

/// A message that embeds untrusted text (a parser's error quoting a key or
/// a value), made safe to print: control, invisible and bidi characters
/// become `\u{..}` escapes, so a spec file cannot move the cursor, colour
/// or reorder the terminal, and a very long message loses its middle.
pub fn safe_message(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    for c in message.chars() {
        if c.is_control() || is_deceptive(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    let count = out.chars().count();
    if count <= MESSAGE_MAX {
        return out;
    }
    let head: String = out.chars().take(MESSAGE_MAX / 2).collect();
    let tail: String = out.chars().skip(count - MESSAGE_MAX / 4).collect();
    format!(
        "{head} ... ({} characters left out) ... {tail}",
        count - head.chars().count() - tail.chars().count()
    )
}

/// A string as a YAML double-quoted scalar that reads back as exactly the
/// input. It is JSON's escaping plus escapes for everything YAML treats as
/// non-printable or as a line break (DEL, C1 controls, U+2028/U+2029,
/// surrogates cannot occur in a Rust string), so no value can end the scalar
/// or be folded by a YAML 1.1 reader.
pub fn yaml_quoted(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() || is_deceptive(c) || c == '\u{FFFE}' || c == '\u{FFFF}' => {
                let n = c as u32;
                if n <= 0xFFFF {
                    out.push_str(&format!("\\u{n:04X}"));
                } else {
                    out.push_str(&format!("\\U{n:08X}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_quoting_escapes_controls_and_bidi() {
        assert_eq!(quoted("a\nb"), r#""a\nb""#);
        assert_eq!(quoted("x\u{202E}y"), r#""x\u{202e}y""#);
        assert_eq!(quoted("say \"hi\""), r#""say \"hi\"""#);
    }

    #[test]
    fn message_quoting_shortens_long_values() {
        let long = "a".repeat(10_000);
        let shown = quoted(&long);
        assert!(shown.len() < 100, "{shown}");
        assert!(shown.ends_with("(10000 characters)"));
    }

    #[test]
    fn messages_escape_terminal_controls_and_keep_their_end() {
        assert_eq!(
            safe_message("unknown field `\u{1b}[31mx\u{202e}`"),
            r"unknown field `\u{1b}[31mx\u{202e}`"
        );
        let long = format!(
            "invalid type: string \"{}\" at line 3 column 7",
            "a".repeat(10_000)
        );
        let shown = safe_message(&long);
        assert!(shown.len() < 1100, "{shown}");
        assert!(shown.ends_with("at line 3 column 7"), "{shown}");
    }

    #[test]
    fn yaml_quoting_round_trips_hostile_strings() {
        for s in [
            "plain",
            "a: b",
            "- x",
            "#c",
            "{[&*!|>'\"%@`",
            "---\n...",
            "tab\there",
            "nul\0",
            "\u{85}\u{2028}\u{2029}\u{7f}\u{9f}",
            "yes",
            "012",
            "~",
            "null",
            "😀\u{10FFFF}",
            "back\\slash",
            "{{ x }} {% y %}",
        ] {
            let doc = format!("v: {}\n", yaml_quoted(s));
            let parsed: std::collections::BTreeMap<String, String> =
                serde_yaml::from_str(&doc).unwrap_or_else(|e| panic!("{doc:?}: {e}"));
            assert_eq!(parsed["v"], s, "{doc:?}");
        }
    }
}
