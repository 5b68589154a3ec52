//! Parses files N times in a loop, for profilers:
//! `cargo run --release --example profile_parse N FILE...`.

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(100);
    let files: Vec<Vec<u8>> = args.map(|f| std::fs::read(f).unwrap_or_default()).collect();
    let mut ok = 0;
    for _ in 0..n {
        for bytes in &files {
            ok += usize::from(kaitsu::parse_bytes(bytes, &kaitsu::ParseOptions::default()).is_ok());
        }
    }
    println!("{ok} parsed");
}
