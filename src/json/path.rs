//! JSON paths as errors and warnings print them: `methodConfig[0].retryPolicy.maxAttempts`.
//!
//! One path builder for every JSON reader in the crate (the service config's validator and the
//! scenario's field readers), so a path means the same thing in every message a user reads.
//! Paths are built as strings (that is what users read and what the public error types carry)
//! but sorted by their parts, so `methodConfig[2]` comes before `methodConfig[10]` (D3 asks for
//! errors sorted by path, and a plain string sort would put 10 before 2).

/// The path of the whole document.
pub const ROOT: &str = "<root>";

/// `parent.key`, or `key` at the root.
pub fn key(parent: &str, key: &str) -> String {
    if parent == ROOT || parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

/// `parent[i]`.
pub fn index(parent: &str, i: usize) -> String {
    format!("{parent}[{i}]")
}

/// One step of a path, ordered so that sorting paths sorts the document top-down.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Part {
    /// `<root>`
    Root,
    /// An array index.
    Index(u64),
    /// An object key.
    Key(String),
}

/// The sort key of a path string.
pub(crate) fn sort_key(path: &str) -> Vec<Part> {
    if path == ROOT {
        return vec![Part::Root];
    }
    let mut parts = Vec::new();
    for segment in path.split('.') {
        let (name, mut rest) = match segment.find('[') {
            Some(i) => (&segment[..i], &segment[i..]),
            None => (segment, ""),
        };
        parts.push(Part::Key(name.to_string()));
        while let Some(stripped) = rest.strip_prefix('[') {
            let end = stripped.find(']').unwrap_or(stripped.len());
            let n = stripped[..end].parse().unwrap_or(u64::MAX);
            parts.push(Part::Index(n));
            rest = stripped.get(end + 1..).unwrap_or("");
        }
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_join_and_sort_numerically() {
        assert_eq!(key(ROOT, "methodConfig"), "methodConfig");
        assert_eq!(
            key(&index("methodConfig", 2), "name"),
            "methodConfig[2].name"
        );
        let mut paths = vec![
            "methodConfig[10].name",
            "methodConfig[2].timeout",
            ROOT,
            "methodConfig",
        ];
        paths.sort_by_key(|p| sort_key(p));
        assert_eq!(
            paths,
            [
                ROOT,
                "methodConfig",
                "methodConfig[2].timeout",
                "methodConfig[10].name"
            ]
        );
    }

    #[test]
    fn odd_keys_do_not_panic() {
        for p in ["a[", "a[x]", "[", "a]b", "..", "a[1][2].b", "é[3]"] {
            let _ = sort_key(p);
        }
    }
}
