import BerthArtifacts

/// The one folder a multi-model endpoint loads models from (`BERTH_MODELS_ROOT`, SageMaker's `/opt/ml/models`).
///
/// A load names a folder by URL; only folders inside the root, after every symbolic link is resolved, are
/// accepted, so `..`, absolute paths elsewhere and links that leave the root are refused.
public struct ModelsRoot: Sendable {
    public let path: String

    public init(_ path: String) {
        self.path = path
    }

    /// What a load's `url` names.
    public enum Resolution: Sendable, Equatable {
        /// A folder inside the root (or the root itself), every link resolved.
        case folder(String)
        /// Nothing, at a path inside the root (a path outside it is `outside`, whether or not it exists).
        case missing
        /// A file (or anything else that is not a folder) inside the root.
        case notAFolder
        /// Outside the root, after every link is resolved.
        case outside
    }

    /// What `url` names, every link resolved. A path that does not resolve is `missing` only when the deepest folder
    /// on it that does exists resolves inside the root, so the answer never tells whether something outside the
    /// root exists (a link inside the root to a folder elsewhere is outside, whatever lies below it).
    public func resolve(_ url: String) -> Resolution {
        guard let resolvedRoot = FileSystem.realPath(path) else { return .outside }
        let prefix = resolvedRoot == "/" ? "/" : resolvedRoot + "/"
        func isInside(_ resolved: String) -> Bool { resolved == resolvedRoot || resolved.hasPrefix(prefix) }
        guard let resolved = FileSystem.realPath(url) else {
            var ancestor = Substring(url)
            while let slash = ancestor.lastIndex(of: "/") {
                ancestor = ancestor[..<slash]
                if let existing = FileSystem.realPath(ancestor.isEmpty ? "/" : String(ancestor)) {
                    return isInside(existing) && !url.split(separator: "/").contains("..") ? .missing : .outside
                }
            }
            return .outside
        }
        guard isInside(resolved) else { return .outside }
        guard case .directory? = FileSystem.kind(of: resolved, followLinks: true) else { return .notAFolder }
        return .folder(resolved)
    }

}
