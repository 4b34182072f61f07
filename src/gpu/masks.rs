//! The analysis masks on the GPU: one RGBA8 texture, a mask a channel
//! (R face, G skin, B person, A depth; see `analysis::masks`), for the
//! secondary grades to read (`apply_secondaries` in shaders/grade.wgsl).
//!
//! How it works: [`MaskTexture::upload`] writes a [`MaskSet`] with one
//! `queue.write_texture`, re-creating the texture only when the analysis
//! picture's size changes. The render thread uploads when a new analysis
//! result arrives or tracked faces move.

use crate::analysis::masks::MaskSet;

pub const MASK_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8Unorm;

pub struct MaskTexture {
    texture: wgpu::Texture,
    /// Which channels the analysis made ([`MaskSet::present`]).
    present: [bool; 4],
}

impl MaskTexture {
    /// A 1 x 1 texture with no mask present: what the frame kernel reads
    /// when the run has no analysis.
    pub fn empty(device: &wgpu::Device, queue: &wgpu::Queue) -> MaskTexture {
        let mut slot = None;
        let mut none = MaskSet::empty(1, 1);
        none.present = [false; 4];
        MaskTexture::upload(&mut slot, device, queue, &none);
        slot.expect("upload creates the texture")
    }

    fn create(device: &wgpu::Device, width: u32, height: u32) -> MaskTexture {
        let texture = super::texture_2d(
            device,
            "analysis masks",
            (width, height),
            MASK_FORMAT,
            wgpu::TextureUsages::TEXTURE_BINDING
                | wgpu::TextureUsages::COPY_DST
                | wgpu::TextureUsages::COPY_SRC,
        );
        MaskTexture {
            texture,
            present: [false; 4],
        }
    }

    /// Writes `masks` into `slot`'s texture, creating or resizing it.
    pub fn upload(
        slot: &mut Option<MaskTexture>,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        masks: &MaskSet,
    ) {
        let size = wgpu::Extent3d {
            width: masks.width,
            height: masks.height,
            depth_or_array_layers: 1,
        };
        if slot.as_ref().is_none_or(|t| t.texture.size() != size) {
            *slot = Some(MaskTexture::create(device, masks.width, masks.height));
        }
        let slot = slot.as_mut().expect("created above");
        slot.present = masks.present;
        let texture = &slot.texture;
        queue.write_texture(
            wgpu::TexelCopyTextureInfo {
                texture,
                mip_level: 0,
                origin: wgpu::Origin3d::ZERO,
                aspect: wgpu::TextureAspect::All,
            },
            &masks.rgba,
            wgpu::TexelCopyBufferLayout {
                offset: 0,
                bytes_per_row: Some(masks.width * 4),
                rows_per_image: Some(masks.height),
            },
            size,
        );
    }

    pub fn texture(&self) -> &wgpu::Texture {
        &self.texture
    }

    pub fn view(&self) -> wgpu::TextureView {
        self.texture
            .create_view(&wgpu::TextureViewDescriptor::default())
    }

    pub fn present(&self) -> [bool; 4] {
        self.present
    }
}
