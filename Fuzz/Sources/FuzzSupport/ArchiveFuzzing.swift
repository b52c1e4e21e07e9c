import BerthArtifacts

/// The bound every inflation runs under in the fuzz targets: large enough for real seeds, small enough that a
/// gzip bomb is found quickly.
let inflationLimit = 1 << 20

/// Inflates a gzip stream under a bound and, when it holds a tar archive, reads its entries — what `ArtifactStore`
/// does with `model.tar.gz`.
public func fuzzGzip(_ input: FuzzInput) {
    do {
        let inflated = try GzipInflater.inflate(input.bytes, limit: inflationLimit)
        precondition(inflated.count <= inflationLimit, "inflated past the limit")
        if TarReader.looksLikeTar(inflated) { fuzzTar(inflated) }
    } catch {
        if case .corrupt(let reason) = error { requireShortMessage(reason) }
    }
    requireLibrariesAgree(input.bytes)
}

/// Whenever libdeflate inflates a gzip file, zlib gives the same bytes, or refuses it for one of the few encodings no
/// compressor writes that libdeflate is known to decode (`GzipInflater.inflateWholeMembers`): nothing else.
func requireLibrariesAgree(_ bytes: [UInt8]) {
    guard GzipInflater.isGzip(bytes) else { return }
    let bound = inflationLimit + 1
    let capacity = GzipInflater.initialSize(of: bytes, bound: bound)
    guard let whole = try? GzipInflater.inflateWholeMembers(bytes, capacity: capacity, limit: inflationLimit) else { return }
    do throws(GzipInflater.Failure) {
        let streamed = try GzipInflater.inflateStreaming(bytes, capacity: capacity, limit: inflationLimit, bound: bound)
        precondition(whole == streamed, "libdeflate and zlib disagree")
    } catch {
        guard case .corrupt(let reason) = error, encodingsOnlyLibdeflateDecodes.contains(reason) else {
            preconditionFailure("libdeflate inflated what zlib refuses for another reason: \(error)")
        }
    }
}

/// zlib's messages for the encodings libdeflate decodes and zlib refuses: reserved length and distance codes, too
/// many or inconsistent code lengths, a code-length repeat past the end, incomplete codes.
let encodingsOnlyLibdeflateDecodes: Set<String> = [
    "invalid literal/length code", "invalid distance code", "too many length or distance symbols",
    "invalid code lengths set", "invalid bit length repeat", "invalid literal/lengths set", "invalid distances set",
]

/// Reads a tar archive's entries and checks the paths it lets through stay inside the archive.
public func fuzzTar(_ archive: [UInt8]) {
    do {
        let entries = try TarReader.entries(of: archive, maxEntries: 1_000)
        precondition(entries.count <= 1_000, "more entries than allowed")
        for entry in entries {
            precondition(!entry.path.hasPrefix("/") && !entry.path.split(separator: "/").contains(".."), "unsafe path let through: \(entry.path)")
            precondition(entry.bytes.count <= archive.count, "an entry larger than its archive")
        }
    } catch {
        switch error {
        case .corrupt(let reason): requireShortMessage(reason)
        case .unsafe(let entry, let reason): requireShortMessage(entry + reason)
        case .tooManyEntries: break
        }
    }
}
