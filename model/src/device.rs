//! `--device auto|cpu|cuda[:N]`.

use hiclstm::error::{Error, Result};
use tch::Device;

/// The libtorch device of a `--device` choice: `auto` picks the first GPU when there is one; a
/// GPU that is not there is refused.
pub fn resolve(d: hiclstm::device::Device) -> Result<Device> {
    use hiclstm::device::Device as Choice;
    let n_gpu = tch::Cuda::device_count();
    match d {
        Choice::Auto => Ok(if tch::Cuda::is_available() { Device::Cuda(0) } else { Device::Cpu }),
        Choice::Cpu => Ok(Device::Cpu),
        Choice::Cuda(idx) => {
            if n_gpu <= 0 {
                return Err(Error::InvalidArgument(format!("--device {d}: no CUDA device is available here (use --device cpu or auto)")));
            }
            if idx as i64 >= n_gpu {
                return Err(Error::InvalidArgument(format!("--device {d}: only {n_gpu} CUDA device(s) available")));
            }
            Ok(Device::Cuda(idx))
        }
    }
}

/// The device as logs name it: `cpu` or `cuda:N`.
pub fn name(d: Device) -> String {
    match d {
        Device::Cpu => "cpu".into(),
        Device::Cuda(i) => format!("cuda:{i}"),
        other => format!("{other:?}"),
    }
}

/// libtorch intra-op threads: `n`, or all cores for 0.
pub fn set_threads(n: usize) {
    let n = if n == 0 { std::thread::available_parallelism().map(|x| x.get()).unwrap_or(1) } else { n };
    tch::set_num_threads(n as i32);
}

/// `--device`, shared by the model binaries.
#[derive(Debug, Clone, clap::Args)]
pub struct DeviceArgs {
    /// auto, cpu, cuda or cuda:N.
    #[arg(long, default_value = "auto")]
    pub device: hiclstm::device::Device,
}

impl DeviceArgs {
    /// Applies the common flags (logging, thread pools, libtorch threads) and resolves the device.
    pub fn setup(&self, common: &hiclstm::cli::Common) -> Result<Device> {
        common.apply()?;
        set_threads(common.effective_threads());
        resolve(self.device)
    }
}
