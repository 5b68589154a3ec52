//! Prints a notice's layout text with secrets hidden by position:
//! `cargo run --example masked_text FILE`.
fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: masked_text FILE");
        return;
    };
    let bytes = std::fs::read(&path).unwrap_or_default();
    let Ok(doc) = kaitsu::layout_bytes(&bytes, &kaitsu::ParseOptions::default()) else {
        eprintln!("{path}: does not lay out");
        return;
    };
    let regions = kaitsu::notice::secret_regions(&doc).unwrap_or_default();
    print!("{}", doc.to_text_masked(&regions, "[REDACTED]"));
}
