//! Per-layer benchmarks on fixtures: PDF → glyphs, glyphs → layout,
//! layout → notice, notice → findings, and the whole parse.
//!
//! `cargo bench --bench layers`. For the comparison with pdftotext, run
//! `bench/compare.sh`.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::Path;

const FIXTURES: &[&str] = &[
    "rl_unijis_address_dns_hyphen",
    "calc_ipaex_address_dns",
    "chromium_noto_account_reading",
    "writer_noto_40users_repeat_footer",
];

fn load(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("fixtures/corpus/{name}.pdf"));
    std::fs::read(path).unwrap_or_default()
}

fn layers(c: &mut Criterion) {
    let limits = kaitsu::pdf::Limits::default();
    let policy = kaitsu::validate::Policy::default();
    let today = jiff::civil::date(2020, 1, 1);
    for name in FIXTURES {
        let bytes = load(name);
        let mut group = c.benchmark_group(*name);
        group.bench_function("pdf_to_glyphs", |b| {
            b.iter(|| {
                let doc = kaitsu::pdf::open(black_box(&bytes), &[]).ok();
                doc.map(|d| kaitsu::pdf::extract_pages(&d, &limits).map(|p| p.len()))
            })
        });
        let Some(pages) = kaitsu::pdf::open(&bytes, &[])
            .ok()
            .and_then(|d| kaitsu::pdf::extract_pages(&d, &limits).ok())
        else {
            continue;
        };
        group.bench_function("glyphs_to_layout", |b| {
            b.iter(|| {
                kaitsu::layout::Document::from_pages(black_box(&pages)).map(|d| d.pages.len())
            })
        });
        let Ok(layout) = kaitsu::layout::Document::from_pages(&pages) else {
            continue;
        };
        group.bench_function("layout_to_notice", |b| {
            b.iter(|| kaitsu::notice::parse(black_box(&layout)).map(|n| n.users.len()))
        });
        let Ok(notice) = kaitsu::notice::parse(&layout) else {
            continue;
        };
        group.bench_function("notice_to_findings", |b| {
            b.iter(|| kaitsu::validate::validate(black_box(&notice), &policy, today).len())
        });
        group.bench_function("whole_parse", |b| {
            b.iter(|| {
                kaitsu::parse_bytes(black_box(&bytes), &kaitsu::ParseOptions::default()).is_ok()
            })
        });
        group.finish();
    }
}

criterion_group!(benches, layers);
criterion_main!(benches);
