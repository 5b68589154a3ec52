//! Times every corpus input of a target and prints the slowest:
//! `cargo run --release --example slowest layout_notice corpus/layout_notice`.

use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let target = args.next().unwrap_or_default();
    let dir = args.next().unwrap_or_default();
    let mut times = Vec::new();
    for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        let data = std::fs::read(entry.path()).unwrap_or_default();
        let start = Instant::now();
        match target.as_str() {
            "layout_notice" => kaitsu_fuzz::harness::layout_notice(&data),
            "parse_bytes" => kaitsu_fuzz::harness::parse_bytes(&data),
            _ => return eprintln!("unknown target"),
        }
        times.push((start.elapsed(), entry.path()));
    }
    times.sort();
    for (t, p) in times.iter().rev().take(8) {
        println!("{:>10.3} ms  {}", t.as_secs_f64() * 1000.0, p.display());
    }
}
