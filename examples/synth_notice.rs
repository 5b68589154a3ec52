//! Writes a synthetic notice with N users over as many pages as needed:
//! `cargo run --release --example synth_notice N OUT.pdf`.
//!
//! For the scaling benchmark (bench/compare.sh): it needs no tool but
//! kaitsu's own dependencies. The font is a non-embedded CID font on
//! `UniJIS-UCS2-H`, as reportlab writes them, so the text is UTF-16BE.

use lopdf::{Document, Object, Stream, dictionary};

const USERS_PER_PAGE: usize = 40;

fn utf16(s: &str) -> Object {
    let bytes: Vec<u8> = s.encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
    Object::String(bytes, lopdf::StringFormat::Hexadecimal)
}

fn text(ops: &mut String, x: f64, y: f64, size: f64, s: &str) {
    let hex: String = s
        .encode_utf16()
        .flat_map(|u| u.to_be_bytes())
        .map(|b| format!("{b:02x}"))
        .collect();
    ops.push_str(&format!(
        "BT /F1 {size} Tf 1 0 0 1 {x} {y} Tm <{hex}> Tj ET\n"
    ));
}

fn main() {
    let mut args = std::env::args().skip(1);
    let users: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(100);
    let out = args.next().unwrap_or_else(|| "synth.pdf".into());
    let _ = utf16;
    let mut doc = Document::with_version("1.7");
    let pages_id = doc.new_object_id();
    let font = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type0", "BaseFont" => "HeiseiKakuGo-W5",
        "Encoding" => "UniJIS-UCS2-H",
        "DescendantFonts" => vec![Object::Dictionary(dictionary! {
            "Type" => "Font", "Subtype" => "CIDFontType0", "BaseFont" => "HeiseiKakuGo-W5",
            "CIDSystemInfo" => dictionary! { "Registry" => Object::string_literal("Adobe"), "Ordering" => Object::string_literal("Japan1"), "Supplement" => 2 },
            "DW" => 1000,
            "W" => vec![Object::Integer(1), Object::Array((0..95).map(|_| Object::Integer(500)).collect())],
        })],
    });
    let resources = doc.add_object(dictionary! { "Font" => dictionary! { "F1" => font } });
    let domain = "synthetic-hoken.co.jp";
    let mut kids = Vec::new();
    let page_count = users.div_ceil(USERS_PER_PAGE).max(1);
    for p in 0..page_count {
        let mut ops = String::new();
        let mut y = 800.0;
        if p == 0 {
            let head = [
                ("開通のご案内", "N2400000001"),
                ("ご利用開始日", "2024/4/1"),
                ("ご契約者名", "株式会社合成保険"),
                ("お客さま番号", "N2400000001"),
                (
                    "ご利用サービス名",
                    "損保クラウドサービスMicrosoft365(パッケージ ハイブリッドプラン)",
                ),
                ("ご利用製品名", "Microsoft 365 Business Basic"),
                ("ご利用ID数", &format!("{users} ID")),
                ("ドメイン名", domain),
                ("ログイン先URL", "https://www.auth.iij.jp/console/"),
            ];
            for (label, value) in head {
                text(&mut ops, 40.0, y, 10.0, label);
                text(&mut ops, 200.0, y, 10.0, value);
                y -= 16.0;
            }
            text(&mut ops, 40.0, y, 10.0, "■メールアドレス情報");
            y -= 16.0;
        }
        for (x, h) in [
            (40.0, "No."),
            (70.0, "ユーザー名"),
            (160.0, "ユーザーID"),
            (380.0, "パスワード(*1)"),
            (500.0, "注文内容"),
        ] {
            text(&mut ops, x, y, 9.0, h);
        }
        y -= 14.0;
        for i in p * USERS_PER_PAGE..((p + 1) * USERS_PER_PAGE).min(users) {
            let no = i + 1;
            text(&mut ops, 40.0, y, 9.0, &no.to_string());
            text(&mut ops, 70.0, y, 9.0, &format!("利用者 {no}"));
            text(&mut ops, 160.0, y, 9.0, &format!("user{no}@{domain}"));
            text(&mut ops, 380.0, y, 9.0, &format!("Pw{no:06}#aB"));
            text(&mut ops, 500.0, y, 9.0, "追加");
            y -= 14.0;
        }
        if p + 1 == page_count {
            text(
                &mut ops,
                40.0,
                y - 10.0,
                9.0,
                "(※1) 仮パスワードの有効期限は、2024年6月30日までとなっております。",
            );
        }
        let content = doc.add_object(Stream::new(dictionary! {}, ops.into_bytes()));
        let page = doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages_id, "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
            "Contents" => content, "Resources" => resources,
        });
        kids.push(Object::Reference(page));
    }
    let count = kids.len() as i64;
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    if let Err(e) = doc.save(&out) {
        eprintln!("cannot write {out}: {e}");
        std::process::exit(1);
    }
}
