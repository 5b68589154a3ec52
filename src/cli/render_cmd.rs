//! `kaitsu render`: one page as a PNG with its boxes drawn.

use kaitsu::ParseOptions;
use kaitsu::render::{self, BoxKind, RenderOptions};
use std::path::PathBuf;
use std::process::ExitCode;

/// Boxes to draw, as the flag spells them.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(super) enum BoxesFlag {
    /// Every notice value, labelled by field.
    Values,
    /// Every layout cell.
    Cells,
    /// Every visible glyph.
    Glyphs,
}

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit status: 0 the image was written; 1 the page could not be rendered; \
2 usage errors (unreadable file, bad flags)."
)]
pub(super) struct RenderArgs {
    /// Page to render, from 1.
    #[arg(long, default_value_t = 1)]
    page: u32,
    /// Which boxes to draw.
    #[arg(long, value_enum, default_value = "values")]
    boxes: BoxesFlag,
    /// Pixels per PDF point (2 = 144 dpi).
    #[arg(long, default_value_t = render::DEFAULT_SCALE)]
    scale: f64,
    /// Draw secrets' boxes open instead of shaded.
    #[arg(long)]
    reveal_secrets: bool,
    /// Password for an encrypted PDF (also read from KAITSU_PASSWORD).
    #[arg(long = "password", value_name = "PW")]
    passwords: Vec<String>,
    /// Where to write the PNG.
    #[arg(short = 'o', long = "output", value_name = "PAGE.png")]
    output: PathBuf,
    /// A PDF.
    file: PathBuf,
}

pub(super) fn run(args: RenderArgs) -> ExitCode {
    let bytes = match std::fs::read(&args.file) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("kaitsu: cannot read {}: {e}", args.file.display());
            return ExitCode::from(2);
        }
    };
    let parse = ParseOptions {
        passwords: super::passwords(args.passwords),
        ..ParseOptions::default()
    };
    let options = RenderOptions {
        page: args.page,
        boxes: match args.boxes {
            BoxesFlag::Values => BoxKind::Values,
            BoxesFlag::Cells => BoxKind::Cells,
            BoxesFlag::Glyphs => BoxKind::Glyphs,
        },
        scale: args.scale,
        reveal: args.reveal_secrets,
    };
    let png = match render::render_png(&bytes, &parse, &options) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("kaitsu: {}: {e}", args.file.display());
            return ExitCode::from(1);
        }
    };
    if let Err(e) = std::fs::write(&args.output, png) {
        eprintln!("kaitsu: cannot write {}: {e}", args.output.display());
        return ExitCode::from(2);
    }
    ExitCode::SUCCESS
}
