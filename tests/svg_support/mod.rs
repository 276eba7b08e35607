//! Reading an SVG picture's structure (`hedgehog sim --format svg`) from its classes, as the
//! picture tests do: the call groups and counts of marked elements, no coordinates.
#![allow(dead_code)] // each test file uses its own subset

/// The text of each call's `<g class="call">` group, in order (its attributes first).
pub fn rows(svg: &str) -> Vec<&str> {
    svg.split(r#"<g class="call""#)
        .skip(1)
        .map(|g| &g[..g.find("</g>").expect("a closed group")])
        .collect()
}

/// How often `needle` occurs in `text`.
pub fn count(text: &str, needle: &str) -> usize {
    text.matches(needle).count()
}
