//! The predefined CMaps notices use, as code → CID tables made at build
//! time (see `build.rs`).
//!
//! hayro-cmap keeps all its predefined CMaps in one brotli stream, so
//! parsing `UniJIS-UCS2-H` decompressed every CMap: about 7 ms, 60 % of a
//! one-file run of a notice with a non-embedded CID font. The horizontal
//! Japanese CMaps reportlab and office software name are precomputed instead;
//! any other predefined CMap still comes from hayro-cmap, when a font names
//! it.

use std::sync::OnceLock;

/// Code → CID for one- and two-byte codes: sorted, disjoint runs of
/// (first code, last code, CID of the first code), CIDs going up by one.
#[derive(Debug)]
pub struct CodeTable {
    one: &'static [(u32, u32, u32)],
    two: &'static [(u32, u32, u32)],
}

impl CodeTable {
    /// The CID of a code of `len` bytes, as hayro-cmap's
    /// `CMap::lookup_cid_code` gives it.
    pub fn lookup(&self, code: u32, len: u8) -> Option<u32> {
        let (runs, i) = match len {
            1 => (self.one, self.one.partition_point(|&(_, hi, _)| hi < code)),
            2 => (self.two, self.two_byte_run(code)),
            _ => return None,
        };
        let &(lo, hi, cid) = runs.get(i)?;
        (lo..=hi).contains(&code).then(|| cid + (code - lo))
    }
}

impl CodeTable {
    /// Where `code` would go among the two-byte runs (the partition point
    /// of `hi < code`), searched only among the runs its first byte can
    /// reach: a notice's every glyph asks, and the whole table takes
    /// thirteen steps.
    fn two_byte_run(&self, code: u32) -> usize {
        let whole = || self.two.partition_point(|&(_, hi, _)| hi < code);
        let Some(starts) = self.first_byte_starts() else {
            return whole();
        };
        let byte = usize::try_from(code >> 8).unwrap_or(usize::MAX);
        match (starts.get(byte), starts.get(byte + 1)) {
            (Some(&from), Some(&to)) => {
                let (from, to) = (usize::from(from), usize::from(to));
                // The partition point lies in `from..=to` (see
                // `first_byte_starts`).
                match self.two.get(from..to) {
                    Some(runs) => from + runs.partition_point(|&(_, hi, _)| hi < code),
                    None => whole(),
                }
            }
            _ => whole(),
        }
    }

    /// For each first byte `b`, the partition point of `hi < b << 8`, and
    /// the table's length last: every code of first byte `b` has its
    /// partition point between entries `b` and `b + 1` (the runs are
    /// sorted and disjoint). Made once per process for each table.
    fn first_byte_starts(&self) -> Option<&'static [u16; 257]> {
        static CELLS: [OnceLock<Option<[u16; 257]>>; 4] = [const { OnceLock::new() }; 4];
        let at = [
            &UNIJIS_UCS2_H,
            &UNIJIS_UCS2_HW_H,
            &N90MS_RKSJ_H,
            &N90MSP_RKSJ_H,
        ]
        .iter()
        .position(|t| std::ptr::eq(*t, self))?;
        CELLS
            .get(at)?
            .get_or_init(|| {
                let mut starts = [0u16; 257];
                for (byte, start) in starts.iter_mut().enumerate() {
                    let first = u32::try_from(byte).ok()? << 8;
                    *start =
                        u16::try_from(self.two.partition_point(|&(_, hi, _)| hi < first)).ok()?;
                }
                Some(starts)
            })
            .as_ref()
    }
}

include!(concat!(env!("OUT_DIR"), "/bundled_cmaps.rs"));

/// The precomputed table of a predefined CMap, by its name.
pub fn table(name: &[u8]) -> Option<&'static CodeTable> {
    match name {
        b"UniJIS-UCS2-H" => Some(&UNIJIS_UCS2_H),
        b"UniJIS-UCS2-HW-H" => Some(&UNIJIS_UCS2_HW_H),
        b"90ms-RKSJ-H" => Some(&N90MS_RKSJ_H),
        b"90msp-RKSJ-H" => Some(&N90MSP_RKSJ_H),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hayro_cmap::{CMap, CMapName};

    /// Every one- and two-byte code (and a sample of longer ones) gets the
    /// CID hayro-cmap gives it.
    #[test]
    fn tables_agree_with_hayro_cmap_for_every_code() {
        for (name, cmap_name) in [
            (&b"UniJIS-UCS2-H"[..], CMapName::UniJisUcs2H),
            (b"UniJIS-UCS2-HW-H", CMapName::UniJisUcs2HwH),
            (b"90ms-RKSJ-H", CMapName::N90msRksjH),
            (b"90msp-RKSJ-H", CMapName::N90mspRksjH),
        ] {
            let bytes = hayro_cmap::load_embedded(cmap_name).unwrap();
            let cmap = CMap::parse(bytes, hayro_cmap::load_embedded).unwrap();
            let table = table(name).unwrap();
            let mut mapped = 0;
            for (len, end) in [(1u8, 0x100u32), (2, 0x1_0000)] {
                for code in 0..end {
                    let want = cmap.lookup_cid_code(code, len);
                    assert_eq!(table.lookup(code, len), want, "{name:?} {code:#x}/{len}");
                    mapped += usize::from(want.is_some());
                }
            }
            assert!(mapped > 7000, "{name:?}: only {mapped} codes mapped");
            assert!(table.first_byte_starts().is_some(), "{name:?} indexed");
            for code in 0..0x1_0000u32 {
                let whole = table.two.partition_point(|&(_, hi, _)| hi < code);
                assert_eq!(table.two_byte_run(code), whole, "{name:?} {code:#x}");
            }
            for code in [0xD840_DC00u32, 0x0030_0030, 0x8140_8140] {
                assert_eq!(table.lookup(code, 4), cmap.lookup_cid_code(code, 4));
            }
        }
    }
}
