import BerthCUDA
import Foundation

/// Builds `Tests/EmulatedCUDA/emulated_cuda.cpp` — a stand-in for libcuda.so.1 that runs Berth's real kernel
/// sources on the CPU — into a shared library, once per failure mode, with the toolchain's clang++. The GPU path's
/// host side is tested against it where no GPU is; see the C++ file for what it does and does not prove.
public enum EmulatedCUDADriver {
    /// A failure mode: the -D flags of the build.
    public enum Mode: String, Sendable, CaseIterable {
        case working
        case driverTooOld
        case noDevice
        case computeTooOld
        /// 256 KiB of device memory: the fixture forests (and the XGBoost forests' TreeSHAP paths) fit, tests loading
        /// several at once included; a batch's buffers do not.
        case memoryForTheModelOnly
        /// 1 KiB of device memory: not even a forest fits.
        case noMemory
        /// Every kernel launch fails.
        case launchRefused

        var defines: [String] {
            switch self {
            case .working: []
            case .driverTooOld: ["EMULATED_INIT_RESULT=35"]
            case .noDevice: ["EMULATED_INIT_RESULT=100", "EMULATED_DEVICE_COUNT=0"]
            case .computeTooOld: ["EMULATED_COMPUTE=10"]
            case .memoryForTheModelOnly: ["EMULATED_ALLOC_LIMIT=262144ULL"]
            case .noMemory: ["EMULATED_ALLOC_LIMIT=1024ULL"]
            case .launchRefused: ["EMULATED_REFUSE_LAUNCHES=1"]
            }
        }
    }

    /// Where the kernel sources and the built drivers go: the test process's own folder, removed when it exits.
    private static let folder = NSTemporaryDirectory() + "berth-emulated-cuda-\(getpid())"

    private static let built: [Mode: Result<String, BuildFailure>] = {
        var libraries = [Mode: Result<String, BuildFailure>]()
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: EmulatedCUDADriver.folder) }
        let kernels = [("BERTH_TREE_KERNEL", CUDAKernelSource.treeEnsemble), ("BERTH_TREE_SHAP_KERNEL", .treeSHAP),
                       ("BERTH_DOUBLE_FOREST_KERNEL", .doubleForest),
                       ("BERTH_OBLIVIOUS_FOREST_KERNEL", .obliviousForest), ("BERTH_DENSE_KERNEL", .denseLayer)].map { macro, source in
            let path = folder + "/\(source.name).cu"
            _ = FileManager.default.createFile(atPath: path, contents: Data(source.code.utf8))
            return "-D\(macro)=\"\(path)\""
        }
        for mode in Mode.allCases {
            libraries[mode] = build(mode, kernels: kernels, into: folder + "/libcuda-\(mode.rawValue).so")
        }
        return libraries
    }()

    struct BuildFailure: Error, CustomStringConvertible {
        let description: String
    }

    /// The path of the emulated driver for `mode`, for `CUDADriver(path:)`.
    public static func path(_ mode: Mode) throws -> String {
        try built[mode]!.get()
    }

    private static func build(_ mode: Mode, kernels: [String], into library: String) -> Result<String, BuildFailure> {
        var components = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        components.removeLast(2)
        let source = components.joined(separator: "/") + "/EmulatedCUDA/emulated_cuda.cpp"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["clang++", "-std=c++17", "-O1", "-shared", "-fPIC"] + kernels
            + mode.defines.map { "-D" + $0 } + ["-o", library, source]
        let errors = Pipe()
        process.standardError = errors
        do {
            try process.run()
        } catch {
            return .failure(BuildFailure(description: "clang++ cannot be started: \(error)"))
        }
        let output = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            return .failure(BuildFailure(description: "clang++ failed: \(String(decoding: output, as: UTF8.self))"))
        }
        return .success(library)
    }
}
