//! The predefined CMaps notices use, as code → CID tables made at build
//! time (see `build.rs`).
//!
//! hayro-cmap keeps all its predefined CMaps in one brotli stream, so
//! parsing `UniJIS-UCS2-H` decompressed every CMap: about 7 ms, 60 % of a
//! one-file run of a notice with a non-embedded CID font. The horizontal
//! Japanese CMaps reportlab and office software name are precomputed instead;
//! any other predefined CMap still comes from hayro-cmap, when a font names
//! it.

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
        let runs = match len {
            1 => self.one,
            2 => self.two,
            _ => return None,
        };
        let i = runs.partition_point(|&(_, hi, _)| hi < code);
        let &(lo, hi, cid) = runs.get(i)?;
        (lo..=hi).contains(&code).then(|| cid + (code - lo))
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
            for code in [0xD840_DC00u32, 0x0030_0030, 0x8140_8140] {
                assert_eq!(table.lookup(code, 4), cmap.lookup_cid_code(code, 4));
            }
        }
    }
}
