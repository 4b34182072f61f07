//! Adapter selection and device creation.
//!
//! How it works: every adapter of the enabled backends (`WGPU_BACKEND`
//! narrows them, e.g. `vulkan`) is listed. `WGPU_ADAPTER_NAME` picks one by a
//! case-insensitive part of its name; otherwise the best kind wins: discrete
//! GPU, then integrated, virtual, and the CPU (lavapipe) last, Vulkan before
//! GL among equals. Limits are raised to what the adapter offers so 4K float
//! frames fit in one storage buffer.

use super::GpuError;
use serde::Serialize;

/// What the engine runs on, for logs and `--stats-json`.
#[derive(Debug, Clone, Serialize)]
pub struct AdapterSummary {
    pub name: String,
    pub backend: String,
    pub device_type: String,
    pub driver: String,
}

/// The instance, adapter, device and queue the render thread owns.
pub struct GpuContext {
    pub instance: wgpu::Instance,
    pub adapter: wgpu::Adapter,
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
    pub summary: AdapterSummary,
    /// The device's memory is the host's (a CPU rasteriser such as lavapipe)
    /// and buffers may be both mapped and bound as storage, so readback can
    /// map the kernel's output directly instead of copying it first.
    pub direct_readback: bool,
    /// The adapter is a CPU rasteriser (Mesa's lavapipe).
    pub is_cpu: bool,
}

impl GpuContext {
    /// Opens the best adapter for headless work (file / null sinks, tests).
    pub fn headless() -> Result<GpuContext, GpuError> {
        match GpuContext::open(new_instance(), None) {
            // GL is probed only when nothing else is there: its EGL probe
            // prints errors of its own on machines without a display.
            Err(GpuError::NoAdapter) if std::env::var_os("WGPU_BACKEND").is_none() => {
                let mut descriptor =
                    wgpu::InstanceDescriptor::new_without_display_handle_from_env();
                descriptor.backends = wgpu::Backends::GL;
                GpuContext::open(wgpu::Instance::new(descriptor), None)
            }
            result => result,
        }
    }

    /// Opens the best adapter able to draw to `surface` (when given).
    pub fn open(
        instance: wgpu::Instance,
        surface: Option<&wgpu::Surface<'_>>,
    ) -> Result<GpuContext, GpuError> {
        let adapter = choose_adapter(&instance, surface)?;
        let info = adapter.get_info();
        let summary = AdapterSummary {
            name: info.name.clone(),
            backend: format!("{:?}", info.backend),
            device_type: format!("{:?}", info.device_type),
            driver: format!("{} {}", info.driver, info.driver_info)
                .trim()
                .to_string(),
        };
        let offered = adapter.limits();
        let required_limits = wgpu::Limits {
            max_buffer_size: offered.max_buffer_size,
            max_storage_buffer_binding_size: offered.max_storage_buffer_binding_size,
            max_texture_dimension_2d: offered.max_texture_dimension_2d,
            ..wgpu::Limits::default()
        };
        let direct_readback = info.device_type == wgpu::DeviceType::Cpu
            && adapter
                .features()
                .contains(wgpu::Features::MAPPABLE_PRIMARY_BUFFERS);
        let required_features = if direct_readback {
            wgpu::Features::MAPPABLE_PRIMARY_BUFFERS
        } else {
            wgpu::Features::empty()
        };
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("neurograde"),
            required_features,
            required_limits,
            ..Default::default()
        }))
        .map_err(|e| GpuError::Device {
            adapter: summary.name.clone(),
            message: e.to_string(),
        })?;
        tracing::info!(adapter = %summary.name, backend = %summary.backend, kind = %summary.device_type, "GPU ready");
        Ok(GpuContext {
            instance,
            adapter,
            device,
            queue,
            summary,
            direct_readback,
            is_cpu: info.device_type == wgpu::DeviceType::Cpu,
        })
    }

    /// Checks that a picture of this size fits this device.
    pub fn check_size(&self, width: u32, height: u32, bytes: u64) -> Result<(), GpuError> {
        let limits = self.device.limits();
        let max_buffer = limits
            .max_storage_buffer_binding_size
            .min(limits.max_buffer_size);
        if width > limits.max_texture_dimension_2d
            || height > limits.max_texture_dimension_2d
            || bytes > max_buffer
        {
            return Err(GpuError::TooLarge {
                width,
                height,
                max_side: limits.max_texture_dimension_2d,
                max_buffer,
            });
        }
        Ok(())
    }
}

/// A wgpu instance honouring `WGPU_BACKEND` and the other wgpu variables;
/// without `WGPU_BACKEND`, Vulkan, Metal and DX12 only (see `headless`).
pub fn new_instance() -> wgpu::Instance {
    let mut descriptor = wgpu::InstanceDescriptor::new_without_display_handle_from_env();
    if std::env::var_os("WGPU_BACKEND").is_none() {
        descriptor.backends = wgpu::Backends::PRIMARY;
    }
    wgpu::Instance::new(descriptor)
}

fn kind_rank(device_type: wgpu::DeviceType) -> u32 {
    match device_type {
        wgpu::DeviceType::DiscreteGpu => 0,
        wgpu::DeviceType::IntegratedGpu => 1,
        wgpu::DeviceType::VirtualGpu => 2,
        wgpu::DeviceType::Cpu => 3,
        wgpu::DeviceType::Other => 4,
    }
}

fn backend_rank(backend: wgpu::Backend) -> u32 {
    match backend {
        wgpu::Backend::Vulkan | wgpu::Backend::Metal | wgpu::Backend::Dx12 => 0,
        _ => 1,
    }
}

fn choose_adapter(
    instance: &wgpu::Instance,
    surface: Option<&wgpu::Surface<'_>>,
) -> Result<wgpu::Adapter, GpuError> {
    let list = |backends| -> Vec<wgpu::Adapter> {
        pollster::block_on(instance.enumerate_adapters(backends))
            .into_iter()
            .filter(|a| surface.is_none_or(|s| a.is_surface_supported(s)))
            .collect()
    };
    let mut adapters = list(wgpu::Backends::all());
    if let Ok(wanted) = std::env::var("WGPU_ADAPTER_NAME") {
        let needle = wanted.to_lowercase();
        let found: Vec<String> = adapters
            .iter()
            .map(|a| format!("{} ({:?})", a.get_info().name, a.get_info().backend))
            .collect();
        return adapters
            .into_iter()
            .find(|a| a.get_info().name.to_lowercase().contains(&needle))
            .ok_or(GpuError::AdapterNotFound {
                wanted,
                found: if found.is_empty() {
                    "none".into()
                } else {
                    found.join(", ")
                },
            });
    }
    adapters.sort_by_key(|a| {
        let info = a.get_info();
        (kind_rank(info.device_type), backend_rank(info.backend))
    });
    adapters.into_iter().next().ok_or(GpuError::NoAdapter)
}
