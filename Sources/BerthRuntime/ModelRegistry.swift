
/// The models a multi-model endpoint holds, their memory, and which to unload to make room (docs/contract.md §14).
///
/// A load is reserved first (so a second load of the same name is a 409 at once), runs without the lock, and is
/// committed once the model is compiled and its bytes are known: least-recently-invoked models are then unloaded
/// until it fits the budget, or it is refused (507) when it could not fit even alone. Every operation takes the
/// lock for a few dictionary steps only, so invocations of loaded models never wait for a load.
public final class ModelRegistry: Sendable {
    /// One loaded model.
    public struct Entry: Sendable {
        public let name: String
        public let url: String
        public let model: ServedModel
        public let bytes: Int
        /// `X-Amzn-SageMaker-Target-Model` of the load request: the human-readable name logs use (MME-7).
        public let targetModel: String?
        fileprivate(set) var lastUse: UInt64
    }

    /// Why a registry operation cannot be done.
    public enum Refusal: Error, Equatable, Sendable {
        case alreadyLoaded
        case tooLarge(bytes: Int, budget: Int)
    }

    private struct State {
        var models = [String: Entry]()
        var loading = Set<String>()
        var usedBytes = 0
        var clock: UInt64 = 0
    }

    public let budgetBytes: Int
    private let state = LockedState(State())

    public init(budgetBytes: Int) {
        self.budgetBytes = budgetBytes
    }

    /// Reserves `name` for a load; a name already loaded or loading is refused.
    public func reserve(_ name: String) throws(Refusal) {
        try state.withLock { state throws(Refusal) in
            guard state.models[name] == nil, !state.loading.contains(name) else { throw .alreadyLoaded }
            state.loading.insert(name)
        }
    }

    /// Gives up a reservation whose load failed.
    public func cancel(_ name: String) {
        _ = state.withLock { $0.loading.remove(name) }
    }

    /// Registers a loaded model, unloading the least recently used ones until it fits; returns those unloaded.
    public func commit(name: String, url: String, targetModel: String?, model: ServedModel) throws(Refusal) -> [Entry] {
        let bytes = model.residentBytes
        return try state.withLock { state throws(Refusal) -> [Entry] in
            state.loading.remove(name)
            guard bytes <= budgetBytes else { throw .tooLarge(bytes: bytes, budget: budgetBytes) }
            var evicted = [Entry]()
            while state.usedBytes + bytes > budgetBytes, let oldest = state.models.values.min(by: { $0.lastUse < $1.lastUse }) {
                state.models[oldest.name] = nil
                state.usedBytes -= oldest.bytes
                evicted.append(oldest)
            }
            state.clock += 1
            state.models[name] = Entry(name: name, url: url, model: model, bytes: bytes, targetModel: targetModel, lastUse: state.clock)
            state.usedBytes += bytes
            return evicted
        }
    }

    /// The model called `name`, marked as just used; nil when it is not loaded.
    public func use(_ name: String) -> ServedModel? {
        state.withLock { state in
            guard state.models[name] != nil else { return nil }
            state.clock += 1
            state.models[name]!.lastUse = state.clock
            return state.models[name]!.model
        }
    }

    /// Whether `name` is being loaded now (reserved, not yet committed).
    public func isLoading(_ name: String) -> Bool {
        state.withLock { $0.loading.contains(name) }
    }

    public func entry(_ name: String) -> Entry? {
        state.withLock { $0.models[name] }
    }

    /// Unloads `name`; the registry drops its reference before returning (requests still running keep theirs).
    public func unload(_ name: String) -> Entry? {
        state.withLock { state in
            guard let entry = state.models.removeValue(forKey: name) else { return nil }
            state.usedBytes -= entry.bytes
            return entry
        }
    }

    /// Up to `limit` models in name order after `lastName` (from the first when nil), and whether more follow.
    public func page(after lastName: String?, limit: Int) -> (entries: [Entry], more: Bool) {
        let following = state.withLock { state in
            state.models.values.filter { lastName == nil || $0.name > lastName! }.sorted { $0.name < $1.name }
        }
        return (Array(following.prefix(max(0, limit))), following.count > limit)
    }

    public var usedBytes: Int { state.withLock { $0.usedBytes } }

    /// How many models are loaded.
    public var count: Int { state.withLock { $0.models.count } }
}
