/// Finds the model files in a model directory, however SageMaker delivered them (docs/contract.md ART-1..7).
///
/// Accepts the extracted layout (files, possibly in sub-folders: `S3Prefix` uploads), a `model.tar.gz` or
/// `.tgz` (or plain `.tar`) inside the folder, and gzipped single files. Archives are unpacked in memory — the
/// model directory is read-only on SageMaker and nothing is ever written. Dot-files (including macOS `._*`
/// resource forks inside archives) are skipped. Symbolic links are followed only when they stay inside the
/// directory. Every limit in `ArtifactLimits` is enforced as bytes are produced, not after.
public struct ArtifactStore: Sendable {
    public let directory: String
    public let limits: ArtifactLimits

    public init(directory: String, limits: ArtifactLimits = ArtifactLimits()) {
        self.directory = directory
        self.limits = limits
    }

    /// What `open()` found: the model files, and what it skipped (for the startup log).
    public struct Contents: Sendable {
        public var files: [ModelFile]
        public var skipped: [String]

        /// The artifact's SHA-256 (`ArtifactDigest`), as lowercase hex.
        public var sha256: String { ArtifactDigest.sha256(of: files) }
    }

    public func open() throws(ArtifactError) -> Contents {
        guard let kind = FileSystem.kind(of: directory, followLinks: true) else { throw .directoryMissing(directory) }
        guard case .directory = kind, let root = FileSystem.realPath(directory) else { throw .notADirectory(directory) }
        var scan = Scan(root: root, limits: limits)
        try scan.walk(relative: "", depth: 0)
        guard !scan.contents.files.isEmpty else {
            throw .noModelFiles(directory: directory, ignored: scan.contents.skipped)
        }
        return scan.contents
    }

    private struct Scan {
        let root: String
        let limits: ArtifactLimits
        var contents = Contents(files: [], skipped: [])
        var totalBytes = 0
        var filesSeen = 0
        /// The real paths of the folders and files read so far, each with the name it was read by: links inside
        /// the directory may lead to one twice (or, for a folder, in a loop), and each is read once.
        var read: [String: String]

        init(root: String, limits: ArtifactLimits) {
            self.root = root
            self.limits = limits
            read = [root: "."]
        }

        var remainingBytes: Int { limits.maxTotalBytes - totalBytes }

        mutating func walk(relative: String, depth: Int) throws(ArtifactError) {
            let folder = relative.isEmpty ? root : root + "/" + relative
            for name in try FileSystem.list(folder) {
                let child = relative.isEmpty ? name : relative + "/" + name
                if name.hasPrefix(".") {
                    contents.skipped.append(child)
                    continue
                }
                filesSeen += 1
                guard filesSeen <= limits.maxFiles else { throw .tooManyFiles(directory: root, limit: limits.maxFiles) }
                let path = root + "/" + child
                var kind = FileSystem.kind(of: path, followLinks: false)
                if case .symbolicLink = kind {
                    guard let target = FileSystem.realPath(path), target == root || target.hasPrefix(root + "/") else {
                        contents.skipped.append(child + " (link leading outside the model directory)")
                        continue
                    }
                    kind = FileSystem.kind(of: target, followLinks: false)
                }
                switch kind {
                case .directory:
                    if depth + 1 > limits.maxDirectoryDepth {
                        contents.skipped.append(child + " (nested too deep)")
                    } else if isFirstRead(path, child) {
                        try walk(relative: child, depth: depth + 1)
                    }
                case .file:
                    guard isFirstRead(path, child) else { continue }
                    let bytes = try FileSystem.read(path, limit: remainingBytes)
                    try add(path: child, extractedPath: child, bytes: consume bytes, allowArchive: true)
                default:
                    contents.skipped.append(child + " (not a regular file)")
                }
            }
        }

        /// Whether the folder or file at `path` (`child` in the directory) is read for the first time; if not — a
        /// link leads to it again, or it is what an earlier link led to — it is skipped, and logged.
        mutating func isFirstRead(_ path: String, _ child: String) -> Bool {
            let real = FileSystem.realPath(path) ?? path
            if let first = read[real] {
                contents.skipped.append(child + " (the same as \(first), already read)")
                return false
            }
            read[real] = child
            return true
        }

        /// Adds a file, unpacking it first when it is gzip, zlib (joblib's compressed files) or tar; `extractedPath`
        /// is its path in the unpacked artifact.
        mutating func add(path: String, extractedPath: String, bytes: consuming [UInt8], allowArchive: Bool) throws(ArtifactError) {
            if GzipInflater.isGzip(bytes) || GzipInflater.isZlib(bytes) {
                let inflated: [UInt8]
                do {
                    inflated = try GzipInflater.inflate(bytes, limit: remainingBytes)
                } catch {
                    switch error {
                    case .limitExceeded: throw .inflationLimitExceeded(path: path, limit: limits.maxTotalBytes)
                    case .corrupt(let reason): throw .corruptGzip(path: path, reason: reason)
                    }
                }
                if allowArchive && TarReader.looksLikeTar(inflated) {
                    try addArchive(path: path, bytes: consume inflated)
                } else {
                    try addFile(path: Self.strippingGzipSuffix(path), extractedPath: Self.strippingGzipSuffix(extractedPath), bytes: inflated)
                }
            } else if allowArchive && TarReader.looksLikeTar(bytes) {
                try addArchive(path: path, bytes: consume bytes)
            } else {
                try addFile(path: path, extractedPath: extractedPath, bytes: bytes)
            }
        }

        mutating func addArchive(path: String, bytes: consuming [UInt8]) throws(ArtifactError) {
            let entries: [TarReader.Entry]
            do {
                entries = try TarReader.entries(of: consume bytes, maxEntries: limits.maxFiles - filesSeen)
            } catch {
                switch error {
                case .corrupt(let reason): throw .corruptTar(path: path, reason: reason)
                case .unsafe(let entry, let reason): throw .unsafeTarEntry(archive: path, entry: entry, reason: reason)
                case .tooManyEntries: throw .tooManyFiles(directory: path, limit: limits.maxFiles)
                }
            }
            filesSeen += entries.count
            for entry in entries {
                let name = entry.path.split(separator: "/").last.map(String.init) ?? entry.path
                if name.hasPrefix(".") || entry.path.split(separator: "/").contains(where: { $0.hasPrefix(".") }) {
                    contents.skipped.append(path + ":" + entry.path)
                    continue
                }
                // A gzipped member is inflated; an archive inside an archive is not unpacked again.
                try add(path: path + ":" + entry.path, extractedPath: entry.path, bytes: entry.bytes, allowArchive: false)
            }
        }

        mutating func addFile(path: String, extractedPath: String, bytes: [UInt8]) throws(ArtifactError) {
            guard bytes.count <= remainingBytes else { throw .inflationLimitExceeded(path: path, limit: limits.maxTotalBytes) }
            totalBytes += bytes.count
            contents.files.append(ModelFile(path: path, extractedPath: extractedPath, bytes: bytes))
        }

        static func strippingGzipSuffix(_ path: String) -> String {
            for suffix in [".gz", ".gzip"] where path.hasSuffix(suffix) && path.count > suffix.count {
                return String(path.dropLast(suffix.count))
            }
            return path
        }
    }
}

extension ArtifactStore.Contents {
    /// Looks up another file of the artifact by a path relative to `path`'s folder — how an ONNX model names its
    /// external data. Only plain relative paths inside the artifact resolve: `..`, absolute paths and
    /// backslashes find nothing.
    public func sibling(of path: String) -> @Sendable (String) -> [UInt8]? {
        let folder = path.split(separator: "/").dropLast().joined(separator: "/")
        let files = self.files
        return { relative in
            let parts = relative.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }
            guard !relative.hasPrefix("/"), !relative.contains("\\"), !parts.contains(".."), !parts.isEmpty else { return nil }
            let target = (folder.isEmpty ? "" : folder + "/") + parts.joined(separator: "/")
            return files.first { $0.path == target }?.bytes
        }
    }
}
