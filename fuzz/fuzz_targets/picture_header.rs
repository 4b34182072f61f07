//! Any bytes as a still picture (PNG, JPEG, TIFF, OpenEXR, by the first
//! byte): reading the header and decoding never panic, and a header that
//! claims more than the engine takes is refused before the picture is
//! allocated (libFuzzer's allocation limit turns such an allocation into a
//! failure). Decoding runs for small claimed sizes and for refused ones.
#![no_main]

use libfuzzer_sys::fuzz_target;
use neurograde::source::file::inspect;
use neurograde::source::still_file::load_still;

const EXTENSIONS: [&str; 4] = ["png", "jpg", "tif", "exr"];

fuzz_target!(|bytes: &[u8]| {
    let Some((&pick, picture)) = bytes.split_first() else {
        return;
    };
    let ext = EXTENSIONS[usize::from(pick) % EXTENSIONS.len()];
    let Ok(file) = tempfile::Builder::new()
        .suffix(&format!(".{ext}"))
        .tempfile()
    else {
        return;
    };
    if std::fs::write(file.path(), picture).is_err() {
        return;
    }
    let decode = match inspect(file.path()) {
        Ok(info) => u64::from(info.width) * u64::from(info.height) <= 1 << 20,
        Err(e) => e.to_string().contains("larger than the engine takes"),
    };
    if decode {
        if let Ok(still) = load_still(file.path()) {
            assert_eq!(
                still.data.len(),
                still.format.frame_bytes(still.width, still.height),
                "a decoded picture holds its size"
            );
        }
    }
});
