//! Any text as a secondary's mask expression: parsing never panics or
//! recurses without bound, a refusal's one-line message stays short, and an
//! expression that parses prints as text that parses back to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use neurograde::grade::mask_expr::MaskExpr;

fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    match MaskExpr::parse(text) {
        Ok(expr) => {
            let printed = expr.to_string();
            let again = MaskExpr::parse(&printed).expect("a printed expression parses");
            assert_eq!(again, expr, "the text round trip of {printed}");
        }
        Err(e) => {
            // The excerpt (60 characters, up to 4 bytes each) and the message.
            assert!(e.to_string().len() < 600, "a long error: {e}");
        }
    }
});
