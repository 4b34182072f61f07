//! Real cameras through nokhwa (V4L2 on Linux, AVFoundation on macOS, Media
//! Foundation on Windows).
//!
//! How it works: the camera's modes are listed and one is chosen: the
//! requested size first, then the frame rate, then the layout, preferring
//! NV12 and YUYV (uploaded as they are and converted to RGB on the GPU) over
//! MJPEG (decoded on the CPU) and raw RGB. The negotiated mode is reported by
//! [`Source::describe`]. A camera that fails mid-stream is reopened by the
//! source thread; the picture keeps running on the last frame meanwhile.

use super::{sized, Pacing, Source, SourceError, SourceOptions};
use crate::frame::{Frame, FrameId, PixelFormat, YuvEncoding};
use nokhwa::pixel_format::RgbFormat;
use nokhwa::utils::{
    ApiBackend, CameraFormat, CameraIndex, FrameFormat, RequestedFormat, RequestedFormatType,
};
use nokhwa::Camera;
use std::time::Instant;

/// The cameras this machine has, as "INDEX: NAME" lines.
pub fn list() -> Result<Vec<(u32, String)>, String> {
    let cameras = nokhwa::query(ApiBackend::Auto).map_err(|e| e.to_string())?;
    Ok(cameras
        .iter()
        .map(|c| {
            let index = match c.index() {
                CameraIndex::Index(i) => *i,
                CameraIndex::String(_) => 0,
            };
            (index, c.human_name())
        })
        .collect())
}

/// Checks that camera `index` exists; the error lists what was found.
pub fn check_index(index: u32) -> Result<(), SourceError> {
    let cameras = list().map_err(|message| SourceError::Camera { index, message })?;
    if cameras.iter().any(|(i, _)| *i == index) {
        return Ok(());
    }
    let found = if cameras.is_empty() {
        "none".to_string()
    } else {
        cameras
            .iter()
            .map(|(i, n)| format!("{i}: {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    Err(SourceError::NoSuchCamera { index, found })
}

/// Preference of a layout: lower is better.
fn layout_rank(format: FrameFormat) -> u32 {
    match format {
        FrameFormat::NV12 => 0,
        FrameFormat::YUYV => 1,
        FrameFormat::MJPEG => 2,
        FrameFormat::RAWRGB | FrameFormat::RAWBGR => 3,
        FrameFormat::GRAY => 4,
    }
}

/// Picks the mode closest to the request: size, then rate, then layout.
pub fn choose_mode(
    modes: &[CameraFormat],
    width: u32,
    height: u32,
    fps: u32,
) -> Option<CameraFormat> {
    modes.iter().copied().min_by_key(|m| {
        let size_miss = m.width().abs_diff(width) + m.height().abs_diff(height);
        let rate_miss = m.frame_rate().abs_diff(fps);
        (size_miss, rate_miss, layout_rank(m.format()))
    })
}

pub struct CameraSource {
    index: u32,
    camera: Camera,
    mode: CameraFormat,
    next_id: u64,
}

fn camera_error(index: u32, e: impl ToString) -> SourceError {
    SourceError::Camera {
        index,
        message: e.to_string(),
    }
}

impl CameraSource {
    pub fn open(index: u32, options: &SourceOptions) -> Result<CameraSource, SourceError> {
        check_index(index)?;
        let any = RequestedFormat::new::<RgbFormat>(RequestedFormatType::None);
        let mut camera =
            Camera::new(CameraIndex::Index(index), any).map_err(|e| camera_error(index, e))?;
        let modes = camera
            .compatible_camera_formats()
            .map_err(|e| camera_error(index, e))?;
        let (w, h) = (options.size.width, options.size.height);
        let mode = choose_mode(&modes, w, h, options.fps.round() as u32)
            .ok_or_else(|| camera_error(index, "the camera offers no video modes"))?;
        camera
            .set_camera_requset(RequestedFormat::new::<RgbFormat>(
                RequestedFormatType::Exact(mode),
            ))
            .map_err(|e| camera_error(index, e))?;
        camera.open_stream().map_err(|e| camera_error(index, e))?;
        let mode = camera.camera_format();
        tracing::info!(index, %mode, "camera opened");
        Ok(CameraSource {
            index,
            camera,
            mode,
            next_id: 0,
        })
    }
}

impl Source for CameraSource {
    fn describe(&self) -> String {
        format!(
            "camera {}: {}x{} {} @ {} fps",
            self.index,
            self.mode.width(),
            self.mode.height(),
            self.mode.format(),
            self.mode.frame_rate()
        )
    }

    fn pacing(&self) -> Pacing {
        Pacing::Device {
            fps: f64::from(self.mode.frame_rate()),
        }
    }

    fn next_frame(&mut self, buffer: Vec<u8>) -> Result<Option<Frame>, SourceError> {
        let captured_buffer = self
            .camera
            .frame()
            .map_err(|e| camera_error(self.index, e))?;
        let captured = Instant::now();
        let (width, height) = (
            captured_buffer.resolution().width(),
            captured_buffer.resolution().height(),
        );
        let bytes = captured_buffer.buffer();
        let (format, data) = match captured_buffer.source_frame_format() {
            FrameFormat::NV12 => (PixelFormat::Nv12, copy_into(buffer, bytes)),
            FrameFormat::YUYV => (PixelFormat::Yuyv, copy_into(buffer, bytes)),
            FrameFormat::RAWRGB => (PixelFormat::Rgb8, copy_into(buffer, bytes)),
            FrameFormat::RAWBGR => (PixelFormat::Bgr8, copy_into(buffer, bytes)),
            FrameFormat::GRAY => (PixelFormat::Gray8, copy_into(buffer, bytes)),
            FrameFormat::MJPEG => {
                let decoded = image::load_from_memory_with_format(bytes, image::ImageFormat::Jpeg)
                    .map_err(|e| camera_error(self.index, format!("MJPEG frame: {e}")))?;
                (PixelFormat::Rgb8, decoded.into_rgb8().into_raw())
            }
        };
        let frame = Frame {
            id: FrameId(self.next_id),
            captured,
            width,
            height,
            format,
            // Studio range, BT.601 below 720 lines and BT.709 from 720 (the UVC convention).
            yuv: YuvEncoding::for_height(height),
            data,
        };
        if !frame.is_consistent() {
            return Err(camera_error(
                self.index,
                format!(
                    "frame of {} bytes does not fit {width}x{height} {format:?}",
                    frame.data.len()
                ),
            ));
        }
        self.next_id += 1;
        Ok(Some(frame))
    }
}

fn copy_into(buffer: Vec<u8>, bytes: &[u8]) -> Vec<u8> {
    let mut data = sized(buffer, bytes.len());
    data.copy_from_slice(bytes);
    data
}

#[cfg(test)]
mod tests {
    use super::*;
    use nokhwa::utils::Resolution;

    #[test]
    fn mode_choice_prefers_size_then_rate_then_yuv() {
        let m = |w, h, f, fps| CameraFormat::new(Resolution::new(w, h), f, fps);
        let modes = [
            m(1920, 1080, FrameFormat::MJPEG, 30),
            m(1920, 1080, FrameFormat::YUYV, 30),
            m(1920, 1080, FrameFormat::YUYV, 5),
            m(640, 480, FrameFormat::NV12, 30),
        ];
        assert_eq!(choose_mode(&modes, 1920, 1080, 30), Some(modes[1]));
        assert_eq!(choose_mode(&modes, 640, 480, 60), Some(modes[3]));
        assert_eq!(choose_mode(&[], 640, 480, 60), None);
    }
}
