//! How look files spell values: three numbers for a colour (a fourth is
//! a mistake to report, not to drop) and the serde helpers that leave
//! defaults unwritten. Shared by every section of a look.

use serde::Deserialize;

/// Exactly three numbers (r, g, b): a fourth is a mistake to report, not
/// to drop.
pub(crate) fn rgb<'de, D: serde::Deserializer<'de>>(d: D) -> Result<[f32; 3], D::Error> {
    let values = Vec::<f32>::deserialize(d)?;
    <[f32; 3]>::try_from(values.as_slice()).map_err(|_| {
        serde::de::Error::custom(format!(
            "expected 3 numbers (r, g, b), got {}",
            values.len()
        ))
    })
}

pub(crate) fn is_true(v: &bool) -> bool {
    *v
}

pub(crate) fn is_false(v: &bool) -> bool {
    !*v
}
