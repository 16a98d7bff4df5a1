//! Rule documentation is the rule's own doc comment: the text a developer
//! reads in the source is the text `podmortem explain` prints.

/// Extracts the leading `//!` block of a module's source as Markdown.
pub fn module_doc(source: &str) -> String {
    let mut out = String::new();
    for line in source.lines() {
        let Some(text) = line.strip_prefix("//!") else { break };
        out.push_str(text.strip_prefix(' ').unwrap_or(text));
        out.push('\n');
    }
    out.trim().to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn keeps_the_module_doc_only() {
        let src = "//! ## What it detects\n//! Things.\n//!\n//! ## Fix\nuse x;\n//! not this\n";
        assert_eq!(super::module_doc(src), "## What it detects\nThings.\n\n## Fix");
    }
}
