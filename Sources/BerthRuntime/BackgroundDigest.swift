import BerthArtifacts
import Dispatch

/// The artifact's SHA-256, computed on a Dispatch thread while the model is read and compiled (or known already).
///
/// Without `BERTH_EXPECT_SHA256` the digest is only reported (the ready line, `/models`, the metrics' model
/// info), so nothing needs to wait for it: hashing the reference model's 3.6 MB took 6 % of a load on the loading
/// thread. With a pin, `ModelLoader` hashes first and parses nothing that fails the pin.
///
/// The hashing runs on a queue of its own, not on Dispatch's global queue: the load itself runs on that queue
/// (`offCooperativePool`), and with a load waiting on every one of its threads (several models of a multi-model
/// endpoint at once, on a 2-core machine) a hash queued behind them waited seconds for Dispatch to add a thread.
/// A queue of its own is served by Dispatch's overcommitting threads, which start one at once. (Foundation's
/// `Thread` would too, but starting one made the process 9 MiB larger for good.)
final class BackgroundDigest: Sendable {
    private let digest = LockedState<String?>(nil)
    private let done = DispatchGroup()

    /// Starts hashing `files` at once, unless their digest is `known` already (checked against a pin).
    init(of files: [ModelFile], known: String?) {
        if let known {
            digest.withLock { $0 = known }
            return
        }
        done.enter()
        DispatchQueue(label: "berth.artifact-digest").async { [digest, done] in
            let value = ArtifactDigest.sha256(of: files)
            digest.withLock { $0 = value }
            done.leave()
        }
    }

    /// The digest, once the hashing thread has finished.
    var value: String {
        done.wait()
        return digest.withLock { $0 ?? "" }
    }
}
