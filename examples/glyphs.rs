//! Prints every glyph of a PDF with its box: `cargo run --example glyphs FILE [PAGE]`.

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: glyphs FILE [PAGE]");
        return;
    };
    let page_filter: Option<u32> = args.next().and_then(|p| p.parse().ok());
    let bytes = std::fs::read(&path).unwrap_or_default();
    let doc = match kaitsu::pdf::open(&bytes, &[]) {
        Ok(d) => d,
        Err(e) => return eprintln!("{e}"),
    };
    let pages = match kaitsu::pdf::extract_pages(&doc, &kaitsu::pdf::Limits::default()) {
        Ok(p) => p,
        Err(e) => return eprintln!("{e}"),
    };
    for page in pages {
        if page_filter.is_some_and(|p| p != page.number) {
            continue;
        }
        println!(
            "page {} {}x{} images {:?}",
            page.number, page.width, page.height, page.images
        );
        for g in &page.glyphs {
            println!(
                "{:>8.2} {:>8.2} {:>8.2} {:>8.2} size {:>5.2} {:?} {:?} {}",
                g.bbox.x0, g.bbox.x1, g.origin.1, g.bbox.y0, g.size, g.text, g.hidden, g.font
            );
        }
    }
}
