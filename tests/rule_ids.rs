//! Every rule id the repository cites resolves in `docs/a6-rules.md`.
//!
//! Code, tests, scenarios and docs cite A6 rules as `R<n>` and hedgehog's decisions as `D<n>`
//! (upper case in prose, lower case at the end of test names: `…_r61_r66`). An id that no
//! document defines is a dangling reference, so this test scans `src/`, `tests/`, `benches/`,
//! `docs/`, `examples/`, `sims/` and `README.md` and fails, naming file and line, for any id the
//! rules page does not define. It also checks the page itself: R1…R84 and D1…D25 each defined
//! once, every file it links to present, and every item named after a link (`fn` name, type,
//! variant) spelled somewhere in that file — so a rename elsewhere cannot leave the page
//! pointing at nothing. Last, no file points to a document outside the repository, and every
//! relative link in the Markdown files resolves.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// The page that defines the ids, relative to the repository root.
const RULES_PAGE: &str = "docs/a6-rules.md";
/// What is scanned for citations.
const SCANNED: [&str; 7] = [
    "src",
    "tests",
    "benches",
    "docs",
    "examples",
    "sims",
    "README.md",
];
/// Text files that carry citations; generated output (svg, txt, snapshots) is not scanned.
const EXTENSIONS: [&str; 3] = ["rs", "md", "json"];
/// The ids gRFC A6's rules and hedgehog's decisions are numbered with.
const RULES: u32 = 84;
const DECISIONS: u32 = 25;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// An id as written: kind (`'R'` or `'D'`) and number. A part suffix (`R30b`) cites its rule.
type Id = (char, u32);

fn show((kind, n): Id) -> String {
    format!("{kind}{n}")
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Upper-case ids standing as words: `R61`, `D22`, `R30b`, the ends of `R24–R29`. Not the
/// `D2` inside `0xD2` or `#D2B48C`, nor the `R2` inside `SR2`.
fn prose_ids(line: &str) -> Vec<Id> {
    let chars: Vec<char> = line.chars().collect();
    let mut ids = Vec::new();
    for (i, &c) in chars.iter().enumerate() {
        if !(c == 'R' || c == 'D') || (i > 0 && is_word(chars[i - 1])) {
            continue;
        }
        let digits: String = chars[i + 1..]
            .iter()
            .take_while(|d| d.is_ascii_digit())
            .collect();
        if digits.is_empty() || digits.len() > 3 {
            continue;
        }
        let mut end = i + 1 + digits.len();
        if matches!(chars.get(end), Some('a' | 'b')) {
            end += 1;
        }
        if chars.get(end).is_some_and(|&c| is_word(c)) {
            continue;
        }
        if let Ok(n) = digits.parse() {
            ids.push((c, n));
        }
    }
    ids
}

/// Lower-case ids at the end of a function name: `fn overflow_commits_…_r61_r66()`.
fn test_name_ids(line: &str) -> Vec<Id> {
    let Some((_, rest)) = line.split_once("fn ") else {
        return Vec::new();
    };
    let name: String = rest.chars().take_while(|&c| is_word(c)).collect();
    name.split('_')
        .filter_map(|part| {
            let mut chars = part.chars();
            let kind = match chars.next()? {
                'r' => 'R',
                'd' => 'D',
                _ => return None,
            };
            let digits = chars.as_str();
            let is_number = !digits.is_empty()
                && digits.len() <= 3
                && digits.chars().all(|c| c.is_ascii_digit());
            if !is_number {
                return None;
            }
            Some((kind, digits.parse().ok()?))
        })
        .collect()
}

fn text_files(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_file() {
        if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| EXTENSIONS.contains(&e))
        {
            out.push(path.to_path_buf());
        }
        return;
    }
    let Ok(entries) = fs::read_dir(path) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') || name == "target" {
            continue;
        }
        text_files(&path, out);
    }
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The ids the rules page defines: the first cell of each table row, `| R12 |`.
fn defined(page: &str) -> Vec<Id> {
    page.lines()
        .filter_map(|line| {
            let cell = line.strip_prefix("| ")?.split(" |").next()?;
            match prose_ids(cell).as_slice() {
                [id] if show(*id) == cell => Some(*id),
                _ => None,
            }
        })
        .collect()
}

#[test]
fn the_rules_page_defines_every_a6_rule_and_decision_once() {
    let ids = defined(&read(&root().join(RULES_PAGE)));
    let unique: BTreeSet<Id> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "an id is defined twice");
    let expected: BTreeSet<Id> = (1..=RULES)
        .map(|n| ('R', n))
        .chain((1..=DECISIONS).map(|n| ('D', n)))
        .collect();
    let missing: Vec<String> = expected.difference(&unique).map(|id| show(*id)).collect();
    let extra: Vec<String> = unique.difference(&expected).map(|id| show(*id)).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{RULES_PAGE}: missing {missing:?}, unknown {extra:?}"
    );
}

#[test]
fn every_cited_id_is_defined_in_the_rules_page() {
    let defined: BTreeSet<Id> = defined(&read(&root().join(RULES_PAGE)))
        .into_iter()
        .collect();
    let mut files = Vec::new();
    for place in SCANNED {
        text_files(&root().join(place), &mut files);
    }
    files.sort();
    assert!(
        files.len() > 100,
        "the scan found only {} files",
        files.len()
    );
    let mut cited = 0;
    let mut dangling = Vec::new();
    for file in &files {
        let rel = file.strip_prefix(root()).unwrap_or(file).display();
        for (i, line) in read(file).lines().enumerate() {
            let mut ids = prose_ids(line);
            if file.extension().is_some_and(|e| e == "rs") {
                ids.extend(test_name_ids(line));
            }
            for id in ids {
                cited += 1;
                if !defined.contains(&id) {
                    dangling.push(format!(
                        "{rel}:{}: {} is not defined in {RULES_PAGE}",
                        i + 1,
                        show(id)
                    ));
                }
            }
        }
    }
    assert!(
        cited > 500,
        "only {cited} citations found: is the scan broken?"
    );
    assert!(dangling.is_empty(), "{}", dangling.join("\n"));
}

/// Every `[text](target)` of a line whose target is a path, not a web address or an anchor.
fn file_links(line: &str) -> Vec<(usize, &str)> {
    let mut links = Vec::new();
    let mut from = 0;
    while let Some(at) = line[from..].find("](") {
        let start = from + at + 2;
        let Some(len) = line[start..].find(')') else {
            break;
        };
        let target = &line[start..start + len];
        if !target.starts_with("http") && !target.starts_with('#') {
            links.push((start, target));
        }
        from = start + len;
    }
    links
}

#[test]
fn every_file_and_item_the_rules_page_names_exists() {
    let page_path = root().join(RULES_PAGE);
    let base = page_path.parent().unwrap_or(root());
    let mut problems = Vec::new();
    let mut links = 0;
    for (i, line) in read(&page_path).lines().enumerate() {
        let at = |what: String| format!("{RULES_PAGE}:{}: {what}", i + 1);
        for cell in line.split(" | ") {
            // Items are the `code` spans after a link, up to the next link, in that file.
            let mut current: Option<(String, String)> = None;
            let mut rest = cell;
            loop {
                let next_link = file_links(rest).first().copied();
                let next_code = rest.find('`');
                match (next_link, next_code) {
                    (Some((start, target)), code) if code.is_none_or(|c| c > start) => {
                        links += 1;
                        let file = base.join(target);
                        current = match fs::read_to_string(&file) {
                            Ok(text) => Some((target.to_string(), text)),
                            Err(_) => {
                                problems.push(at(format!("{target} does not exist")));
                                None
                            }
                        };
                        rest = &rest[start + target.len()..];
                    }
                    (_, Some(open)) => {
                        let after = &rest[open + 1..];
                        let Some(close) = after.find('`') else { break };
                        let item = &after[..close];
                        rest = &after[close + 1..];
                        // Link text is a code span too (`[`src/x.rs`](../src/x.rs)`): skip it.
                        if rest.starts_with("](") {
                            continue;
                        }
                        if let Some((target, text)) = &current {
                            if let Some(name) = item_name(item) {
                                if !has_word(text, name) {
                                    problems.push(at(format!("{target} has no `{item}`")));
                                }
                            }
                        }
                    }
                    _ => break,
                }
            }
        }
    }
    assert!(
        links > 300,
        "only {links} links found: is the parser broken?"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Names of documents that live outside the repository, which nothing here may point to.
/// (Assembled with concat! so that this file does not name them itself.)
const OUTSIDE: [&str; 3] = [
    concat!("DESIGN", ".md"),
    concat!("A6-", "DIGEST"),
    concat!("the ", "digest"),
];

#[test]
fn docs_point_only_to_documents_in_the_repository() {
    let mut files = Vec::new();
    for place in SCANNED {
        text_files(&root().join(place), &mut files);
    }
    let mut problems = Vec::new();
    for file in &files {
        let rel = file.strip_prefix(root()).unwrap_or(file).display();
        let is_markdown = file.extension().is_some_and(|e| e == "md");
        for (i, line) in read(file).lines().enumerate() {
            for name in OUTSIDE {
                if line.contains(name) {
                    problems.push(format!("{rel}:{}: points to {name}", i + 1));
                }
            }
            let dir = file.parent().unwrap_or(root());
            for (_, target) in file_links(line).into_iter().filter(|_| is_markdown) {
                let path = target.split('#').next().unwrap_or(target);
                if !dir.join(path).exists() {
                    problems.push(format!("{rel}:{}: {target} does not exist", i + 1));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The name to look for: the last segment of `Type::item`, when the span is an identifier.
fn item_name(span: &str) -> Option<&str> {
    let last = span.rsplit("::").next()?;
    let ident = !last.is_empty()
        && last.chars().all(is_word)
        && span
            .split("::")
            .all(|s| !s.is_empty() && s.chars().all(is_word));
    ident.then_some(last)
}

fn has_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        !before.is_some_and(is_word) && !after.is_some_and(is_word)
    })
}

#[test]
fn the_scanner_finds_ids_as_the_repository_writes_them() {
    // Assembled with concat! so that this file does not itself cite the ids it tests.
    let line = concat!(
        "(",
        "R30b, R61; ",
        "R24",
        "–",
        "R29",
        ") colour 0xD2 #D2B48C SR2 R2D2"
    );
    assert_eq!(
        prose_ids(line),
        [('R', 30), ('R', 61), ('R', 24), ('R', 29)]
    );
    assert_eq!(prose_ids(concat!("see ", "R8", "5")), [('R', 85)]);
    let name = concat!("fn overflow_commits_to_one_", "r61_", "d22() {");
    assert_eq!(test_name_ids(name), [('R', 61), ('D', 22)]);
    assert!(test_name_ids("fn replays_byte_identically_rule_6() {").is_empty());
    assert!(test_name_ids("let r61 = 1;").is_empty());
    assert_eq!(
        defined(concat!(
            "| ",
            "R1",
            " | x |\n| ",
            "R30b",
            " | y |\n| 1 | z |"
        )),
        [('R', 1)]
    );
    assert_eq!(item_name("CallEngine::handle"), Some("handle"));
    assert_eq!(item_name("\"0s\""), None);
    assert!(has_word("fn handle(", "handle") && !has_word("fn handler(", "handle"));
}
