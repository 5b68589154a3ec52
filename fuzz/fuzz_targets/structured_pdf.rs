#![no_main]

use libfuzzer_sys::fuzz_target;

// The input is read by `arbitrary` as a document description
// (fuzz/src/structured.rs), written out as a well-formed PDF.
fuzz_target!(|doc: kaitsu_fuzz::structured::Doc| kaitsu_fuzz::structured::run(&doc));
