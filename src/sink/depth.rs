//! `--depth`: the bits a channel of a written file carries, shared by the
//! still and video writers (`still.rs`, `video.rs`) and the file sink that
//! chooses between them.

/// Bits a channel of the written file (`--depth`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    /// As the input: its real depth (8-bit stays 8, 10-bit and deeper
    /// stay deep, float stays float where the file type takes it).
    Auto,
    Eight,
    /// 10-bit (DPX; video codecs' high-bit depth).
    Ten,
    Sixteen,
    Half,
    Float,
}

impl std::str::FromStr for Depth {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "auto" => Ok(Depth::Auto),
            "8" => Ok(Depth::Eight),
            "10" => Ok(Depth::Ten),
            "16" => Ok(Depth::Sixteen),
            "half" => Ok(Depth::Half),
            "float" => Ok(Depth::Float),
            _ => Err(format!(
                "depth `{s}`: expected auto, 8, 10, 16, half or float"
            )),
        }
    }
}

impl std::fmt::Display for Depth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Depth::Auto => "auto",
            Depth::Eight => "8",
            Depth::Ten => "10",
            Depth::Sixteen => "16",
            Depth::Half => "half",
            Depth::Float => "float",
        })
    }
}
