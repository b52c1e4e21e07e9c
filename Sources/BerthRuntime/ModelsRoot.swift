#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one folder a multi-model endpoint loads models from (`BERTH_MODELS_ROOT`, SageMaker's `/opt/ml/models`).
///
/// A load names a folder by URL; only folders inside the root, after every symbolic link is resolved, are
/// accepted, so `..`, absolute paths elsewhere and links that leave the root are refused.
public struct ModelsRoot: Sendable {
    public let path: String

    public init(_ path: String) {
        self.path = path
    }

    /// `url` with every link resolved, when it is a folder inside the root (or the root itself); nil otherwise.
    public func resolve(_ url: String) -> String? {
        guard let resolvedRoot = Self.realPath(path), let resolved = Self.realPath(url) else { return nil }
        guard resolved == resolvedRoot || resolved.hasPrefix(resolvedRoot == "/" ? "/" : resolvedRoot + "/") else { return nil }
        return resolved
    }

    private static func realPath(_ path: String) -> String? {
        guard let pointer = realpath(path, nil) else { return nil }
        defer { free(pointer) }
        return String(cString: pointer)
    }
}
