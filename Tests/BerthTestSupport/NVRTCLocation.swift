import BerthCUDA
import Glibc

/// Where the tests find NVRTC: `BERTH_NVRTC_PATH`, the loader's search path, or the `nvidia-cuda-nvrtc-cu12`
/// wheel in a Python site-packages folder (where `.ci/run` installs it). Not finding it fails the kernel tests:
/// every CI run must compile every kernel.
public enum NVRTCLocation {
    static let wheelPatterns = [
        "/usr/local/lib/python3*/*-packages/nvidia/cuda_nvrtc/lib",
        "/usr/lib/python3*/*-packages/nvidia/cuda_nvrtc/lib",
        "/root/.local/lib/python3*/site-packages/nvidia/cuda_nvrtc/lib",
        "/root/.pyenv/versions/*/lib/python3*/site-packages/nvidia/cuda_nvrtc/lib",
    ]

    static let hint = "install it with `python3 -m pip install nvidia-cuda-nvrtc-cu12` or set BERTH_NVRTC_PATH to libnvrtc.so's folder"

    public static func open() throws -> NVRTC {
        if let configured = getenv("BERTH_NVRTC_PATH").map({ String(cString: $0) }), !configured.isEmpty {
            return try NVRTC(configuredPath: configured)
        }
        if let found = try? NVRTC() { return found }
        for folder in wheelFolders() {
            if let found = try? NVRTC(configuredPath: folder) { return found }
        }
        throw CUDAUnavailable(.libraryNotFound, "NVRTC not found: \(hint)")
    }

    private static func wheelFolders() -> [String] {
        var folders = [String]()
        if let home = getenv("HOME").map({ String(cString: $0) }) {
            folders += expand("\(home)/.local/lib/python3*/site-packages/nvidia/cuda_nvrtc/lib")
        }
        for pattern in wheelPatterns { folders += expand(pattern) }
        return folders
    }

    private static func expand(_ pattern: String) -> [String] {
        var matches = glob_t()
        defer { globfree(&matches) }
        guard glob(pattern, 0, nil, &matches) == 0 else { return [] }
        return (0..<Int(matches.gl_pathc)).compactMap { matches.gl_pathv[$0].map { String(cString: $0) } }
    }
}
