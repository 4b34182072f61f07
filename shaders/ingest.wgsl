// Ingest: decoding a frame's raw bytes, as the source delivered them.
//
// How it works: the frame's bytes are uploaded untouched into a storage
// buffer of u32 words. `decode_pixel` fetches one pixel's bytes and decodes
// the layout chosen by the FORMAT override (one specialised pipeline per
// layout, so the branch folds away) into normalised R'G'B'A. YUV is
// converted here, on the GPU, never on the CPU. CPU twin: Frame::pixel in
// src/frame.rs. Paired with src/gpu/ingest.rs; FORMAT numbers match
// PixelFormat::shader_code. Composed with grade.wgsl and pipeline.wgsl.

override FORMAT: u32 = 0u;

struct IngestParams {
    width: u32,
    height: u32,
    // 0: ITU-R BT.601-7, 1: ITU-R BT.709-6
    yuv_matrix: u32,
    // 0: limited (studio) range, 1: full range
    yuv_full_range: u32,
}

@group(0) @binding(0) var<storage, read> src: array<u32>;
@group(0) @binding(1) var<uniform> ingest: IngestParams;

fn byte_at(i: u32) -> u32 {
    return (src[i >> 2u] >> ((i & 3u) * 8u)) & 0xffu;
}

// 16-bit little-endian sample at an even byte offset.
fn u16_at(i: u32) -> u32 {
    return (src[i >> 2u] >> ((i & 2u) * 8u)) & 0xffffu;
}

fn unorm8(v: u32) -> f32 {
    return f32(v) / 255.0;
}

fn unorm16(v: u32) -> f32 {
    return f32(v) / 65535.0;
}

// Y'CbCr (8-bit codes) to R'G'B', ITU-R BT.601-7 table 2 / BT.709-6 item 3:
// R = Y + 2(1-Kr) Cr, B = Y + 2(1-Kb) Cb, G = (Y - Kr R - Kb B) / Kg.
fn yuv_to_rgb(y_code: u32, u_code: u32, v_code: u32) -> vec3<f32> {
    var y: f32;
    var cb: f32;
    var cr: f32;
    if ingest.yuv_full_range == 1u {
        y = f32(y_code) / 255.0;
        cb = (f32(u_code) - 128.0) / 255.0;
        cr = (f32(v_code) - 128.0) / 255.0;
    } else {
        y = (f32(y_code) - 16.0) / 219.0;
        cb = (f32(u_code) - 128.0) / 224.0;
        cr = (f32(v_code) - 128.0) / 224.0;
    }
    var kr = 0.299;
    var kb = 0.114;
    if ingest.yuv_matrix == 1u {
        kr = 0.2126;
        kb = 0.0722;
    }
    let r = y + 2.0 * (1.0 - kr) * cr;
    let b = y + 2.0 * (1.0 - kb) * cb;
    let g = (y - kr * r - kb * b) / (1.0 - kr - kb);
    return vec3<f32>(r, g, b);
}

fn decode_pixel(x: u32, y: u32) -> vec4<f32> {
    let p = y * ingest.width + x;
    switch FORMAT {
        // Rgb8
        case 0u: {
            let i = p * 3u;
            return vec4<f32>(unorm8(byte_at(i)), unorm8(byte_at(i + 1u)), unorm8(byte_at(i + 2u)), 1.0);
        }
        // Bgr8
        case 1u: {
            let i = p * 3u;
            return vec4<f32>(unorm8(byte_at(i + 2u)), unorm8(byte_at(i + 1u)), unorm8(byte_at(i)), 1.0);
        }
        // Rgba8
        case 2u: {
            return unpack4x8unorm(src[p]);
        }
        // Gray8
        case 3u: {
            let l = unorm8(byte_at(p));
            return vec4<f32>(l, l, l, 1.0);
        }
        // Rgb16
        case 4u: {
            let i = p * 6u;
            return vec4<f32>(unorm16(u16_at(i)), unorm16(u16_at(i + 2u)), unorm16(u16_at(i + 4u)), 1.0);
        }
        // Rgba16
        case 5u: {
            return vec4<f32>(unpack2x16unorm(src[p * 2u]), unpack2x16unorm(src[p * 2u + 1u]));
        }
        // RgbaF16
        case 6u: {
            return vec4<f32>(unpack2x16float(src[p * 2u]), unpack2x16float(src[p * 2u + 1u]));
        }
        // RgbaF32
        case 7u: {
            let i = p * 4u;
            return vec4<f32>(bitcast<f32>(src[i]), bitcast<f32>(src[i + 1u]), bitcast<f32>(src[i + 2u]), bitcast<f32>(src[i + 3u]));
        }
        // Yuyv: one word holds Y0 U Y1 V for a pixel pair.
        case 8u: {
            let word = src[p >> 1u];
            let y_code = select(word & 0xffu, (word >> 16u) & 0xffu, (x & 1u) == 1u);
            return vec4<f32>(yuv_to_rgb(y_code, (word >> 8u) & 0xffu, word >> 24u), 1.0);
        }
        // Nv12: Y plane, then interleaved U V at half resolution.
        default: {
            let chroma = ingest.width * ingest.height + (y >> 1u) * ingest.width + (x & ~1u);
            return vec4<f32>(yuv_to_rgb(byte_at(p), byte_at(chroma), byte_at(chroma + 1u)), 1.0);
        }
    }
}
