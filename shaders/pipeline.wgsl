// The frame kernel: decode -> grade -> store, in one compute pass.
//
// How it works: each invocation calls decode_pixel (ingest.wgsl), then
// grade_pixel (grade.wgsl), and stores the result once. `to_buffer` packs
// straight into the readback buffer in the sink's layout (OUT_FORMAT
// override: 8-bit, 16-bit, half or float RGBA), four pixels an invocation;
// `to_texture` writes the rgba16float working texture that the window draws
// from. `to_buffer_words` and `to_texture_words` are the same for 8-bit RGB
// whose rows start on a word, through the table route alone (below). One
// pass means the picture crosses memory once.
//
// 8-bit RGB (the common live case) takes a faster route: the per-channel
// part of the grade (grade_channels) at the 256 possible codes is a table,
// made on the CPU when the look changes (reference::channel_table: 768
// evaluations a look), and each pixel reads its three values from it, then
// mixes channels (grade_mix); on the baked path (bake.wgsl) the table gives
// each code's place on the look's lattice. On a CPU rasteriser (lavapipe) transcendental
// maths per pixel is most of the cost. (The table used to be baked by a
// small GPU pass: lavapipe compiles a small shader again for every new
// value of the uniforms it can fold in and keeps every variant, so each
// look change cost ~100 KB for good; tests/memory.rs holds memory flat.)
// Quantisation is WGSL's pack*unorm rounding, mirrored in
// src/grade/reference.rs. Defocus and skin smoothing (filters.wgsl) happen
// on the decoded pixel before the grade. Paired with src/gpu/pipeline.rs;
// composed after ingest.wgsl, grade.wgsl, filters.wgsl and bake.wgsl.

override OUT_FORMAT: u32 = 0u;

@group(0) @binding(3) var<storage, read_write> packed: array<u32>;
@group(0) @binding(4) var working: texture_storage_2d<rgba16float, write>;
// grade_channels at the 256 8-bit levels: a 256 x 1 RGBA32F texture (texel
// = code). A texture, not a storage buffer: on a CPU rasteriser a storage
// buffer read at a per-pixel index is a gather lane by lane, and these
// three reads a pixel were most of the 8-bit route's cost (1080p demo look
// on lavapipe: 36 -> 20 ms a frame). Not a uniform buffer either: bound as
// a fifth one, Mesa 22.3's lavapipe aborted ("stack smashing detected") on
// 16-bit and float frames under an OpenColorIO rendering
// (tests/operators.rs grades every shipped look on deep frames).
@group(0) @binding(6) var channel_lut: texture_2d<f32>;

// The graded value of 8-bit codes: exact, since the table holds the
// per-channel part evaluated at exactly these codes.
// On the baked path (bake.wgsl) the table holds the codes' lattice
// positions instead, the shaper at the 256 codes.
fn graded_codes(codes: vec3<u32>, x: u32, y: u32) -> vec4<f32> {
    let c = vec3<f32>(
        textureLoad(channel_lut, vec2<u32>(codes.r, 0u), 0).x,
        textureLoad(channel_lut, vec2<u32>(codes.g, 0u), 0).y,
        textureLoad(channel_lut, vec2<u32>(codes.b, 0u), 0).z,
    );
    let guide = vec3<f32>(codes) / 255.0;
    if BAKED != 0u {
        return vec4<f32>(baked_grade(c, pixel_uv(x, y), guide), 1.0);
    }
    return vec4<f32>(grade_mix_at(c, pixel_uv(x, y), guide), 1.0);
}

// Whether a filter changes the pixel before the grade (skin smoothing or
// defocus): its codes are then no longer the table's.
fn filtered(codes: vec3<u32>, x: u32, y: u32) -> bool {
    let uv = pixel_uv(x, y);
    let soft = SOFTEN == 1u && soften_amount(uv, vec3<f32>(codes) / 255.0) > 0.0;
    return soft || (ATMOSPHERE == 1u && atmosphere_at(uv).y > 0.0);
}

// The pixel centre over the picture, 0..1 (where the masks are sampled).
fn pixel_uv(x: u32, y: u32) -> vec2<f32> {
    return (vec2<f32>(f32(x), f32(y)) + 0.5) / vec2<f32>(f32(ingest.width), f32(ingest.height));
}

fn graded_pixel(x: u32, y: u32) -> vec4<f32> {
    var c = decode_pixel(x, y);
    let uv = pixel_uv(x, y);
    let guide = c.rgb;
    if ATMOSPHERE == 1u {
        let amount = atmosphere_at(uv).y;
        if amount > 0.0 {
            c = vec4<f32>(defocused(x, y, amount), c.a);
        }
    }
    if SOFTEN == 1u {
        let amount = soften_amount(uv, guide);
        if amount > 0.0 {
            c = vec4<f32>(softened(c.rgb, x, y, amount), c.a);
        }
    }
    return vec4<f32>(look_pixel(c.rgb, uv, guide), c.a);
}

fn store_packed(p: u32, c: vec4<f32>) {
    switch OUT_FORMAT {
        // Rgba8
        case 0u: {
            packed[p] = pack4x8unorm(c);
        }
        // Rgba16
        case 1u: {
            packed[p * 2u] = pack2x16unorm(c.rg);
            packed[p * 2u + 1u] = pack2x16unorm(c.ba);
        }
        // RgbaF16
        case 2u: {
            packed[p * 2u] = pack2x16float(c.rg);
            packed[p * 2u + 1u] = pack2x16float(c.ba);
        }
        // RgbaF32
        default: {
            packed[p * 4u] = bitcast<u32>(c.r);
            packed[p * 4u + 1u] = bitcast<u32>(c.g);
            packed[p * 4u + 2u] = bitcast<u32>(c.b);
            packed[p * 4u + 3u] = bitcast<u32>(c.a);
        }
    }
}

// Four 3-byte RGB pixels that start on a word boundary are exactly three
// words, `w`: pixel `i`'s codes (with a constant `i`, a few shifts).
fn codes_in_words(w: vec3<u32>, i: u32) -> vec3<u32> {
    return vec3<u32>(byte_in_words(w, i * 3u), byte_in_words(w, i * 3u + 1u), byte_in_words(w, i * 3u + 2u));
}

// The three words that hold 3-byte RGB pixels p..p+3 (p a multiple of
// four, so they start on a word boundary).
fn words_from(p: u32) -> vec3<u32> {
    let w = p * 3u / 4u;
    return vec3<u32>(src[w], src[w + 1u], src[w + 2u]);
}

fn byte_in_words(w: vec3<u32>, k: u32) -> u32 {
    let word = select(select(w.z, w.y, k < 8u), w.x, k < 4u);
    return (word >> ((k & 3u) * 8u)) & 0xffu;
}

// One invocation per four horizontally adjacent pixels (fewer, wider
// invocations: on a CPU rasteriser the per-invocation cost matters).
@compute @workgroup_size(16, 8)
fn to_buffer(@builtin(global_invocation_id) id: vec3<u32>) {
    let x = id.x * 4u;
    let y = id.y;
    if x >= ingest.width || y >= ingest.height {
        return;
    }
    let p = y * ingest.width + x;
    // 3-byte RGB: the four pixels' codes, for the table route.
    var codes: array<vec3<u32>, 4>;
    if FORMAT == 0u {
        if x + 3u < ingest.width && (p & 3u) == 0u {
            // (A row of a picture whose width is not a multiple of 4
            // starts inside a word: those rows go byte by byte.)
            let words = words_from(p);
            for (var i = 0u; i < 4u; i++) {
                codes[i] = codes_in_words(words, i);
            }
        } else {
            for (var i = 0u; i < 4u && x + i < ingest.width; i++) {
                let b = (p + i) * 3u;
                codes[i] = vec3<u32>(byte_at(b), byte_at(b + 1u), byte_at(b + 2u));
            }
        }
    }
    if FORMAT == 0u && SOFTEN == 0u && ATMOSPHERE == 0u && x + 3u < ingest.width {
        // No filter: four table lookups, straight.
        store_packed(p, graded_codes(codes[0], x, y));
        store_packed(p + 1u, graded_codes(codes[1], x + 1u, y));
        store_packed(p + 2u, graded_codes(codes[2], x + 2u, y));
        store_packed(p + 3u, graded_codes(codes[3], x + 3u, y));
        return;
    }
    // One call site of the whole grade: it is inlined once, not once per
    // pixel (lavapipe's compile time grows with every copy).
    for (var i = 0u; i < 4u && x + i < ingest.width; i++) {
        if FORMAT == 0u && !filtered(codes[i], x + i, y) {
            store_packed(p + i, graded_codes(codes[i], x + i, y));
        } else {
            store_packed(p + i, graded_pixel(x + i, y));
        }
    }
}

// The table route alone, for 3-byte RGB whose width is a multiple of four
// (every row starts on a word, so every invocation's four pixels are
// exactly three words) and no filter before the grade; FramePipeline
// picks it (and to_texture_words for the window). Their own entry points,
// so that the compiled kernel holds nothing else. On a CPU rasteriser that
// matters twice: lavapipe runs both sides of a branch (masked), so a
// fallback that no pixel takes costs as much as if every pixel took it
// (1080p foundation look: 33 -> 13 ms a frame); and it inlines every
// function an entry point calls before it folds constant branches away, so
// an unused route still costs compile time (first frame 1.2 -> 0.4 s).
@compute @workgroup_size(16, 8)
fn to_buffer_words(@builtin(global_invocation_id) id: vec3<u32>) {
    let x = id.x * 4u;
    let y = id.y;
    if x >= ingest.width || y >= ingest.height {
        return;
    }
    let p = y * ingest.width + x;
    let words = words_from(p);
    store_packed(p, graded_codes(codes_in_words(words, 0u), x, y));
    store_packed(p + 1u, graded_codes(codes_in_words(words, 1u), x + 1u, y));
    store_packed(p + 2u, graded_codes(codes_in_words(words, 2u), x + 2u, y));
    store_packed(p + 3u, graded_codes(codes_in_words(words, 3u), x + 3u, y));
}

@compute @workgroup_size(16, 8)
fn to_texture_words(@builtin(global_invocation_id) id: vec3<u32>) {
    let x = id.x * 4u;
    let y = id.y;
    if x >= ingest.width || y >= ingest.height {
        return;
    }
    let words = words_from(y * ingest.width + x);
    for (var i = 0u; i < 4u; i++) {
        textureStore(working, vec2<u32>(x + i, y), graded_codes(codes_in_words(words, i), x + i, y));
    }
}

@compute @workgroup_size(16, 8)
fn to_texture(@builtin(global_invocation_id) id: vec3<u32>) {
    if id.x >= ingest.width || id.y >= ingest.height {
        return;
    }
    textureStore(working, vec2<u32>(id.x, id.y), graded_pixel(id.x, id.y));
}
