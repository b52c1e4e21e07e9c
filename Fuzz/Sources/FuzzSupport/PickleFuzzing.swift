import BerthFormats
import BerthPickle

/// Reads a pickle as data and asks every question a model reader may ask of each value, then takes it down
/// start-up's whole road (`fuzzModel`), so a hostile pickle can neither crash the lookups nor the reader.
public func fuzzPickle(_ input: FuzzInput) {
    let tree: PickleTree
    do {
        tree = try PickleTree.read(input.bytes, limits: PickleLimits(maxNodes: 1 << 16))
    } catch {
        requireShortMessage(error.description)
        return
    }
    precondition(tree.nodes.indices.contains(tree.root), "the root is not a node of the tree")
    _ = tree.classesFound()
    for index in tree.nodes.indices {
        _ = tree.className(of: index)
        _ = tree.text(at: index)
        _ = tree.number(at: index)
        _ = tree.integers(at: index)
        _ = tree.bytes(at: index)
        if let array = tree.ndarray(at: index) {
            _ = array.numbers()
            _ = array.strings(in: tree)
        }
    }
    fuzzModel(.pythonPickle, input)
}
