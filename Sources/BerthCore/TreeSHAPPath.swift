/// The path of features a row's TreeSHAP recursion has split on so far, with the polynomial weights of the subsets
/// they can form: the data structure of exact path-dependent TreeSHAP (Lundberg, Erion and Lee, "Consistent
/// Individualized Feature Attribution for Tree Ensembles", 2018, Algorithm 2: EXTEND, UNWIND and the unwound sum).
///
/// Each recursion level works on its own copy of the path, laid out one after another in one scratch buffer (a
/// tree of depth `d` needs `(d + 2)(d + 3) / 2` elements), so a row allocates nothing while it is explained.
struct TreeSHAPPath {
    /// One feature on the path: the fraction of the training cover that flows through the path's branches for it
    /// (`zero`: as if the feature were unknown) and whether the row itself takes them (`one`: 1 or 0), with the
    /// weight of the subsets of the given size.
    struct Element {
        var feature: Int32
        var zero: Double
        var one: Double
        var weight: Double
    }

    /// The scratch elements a tree of `depth` split levels needs.
    static func scratchCount(depth: Int) -> Int { (depth + 2) * (depth + 3) / 2 }

    /// Adds `feature` at position `depth` (the path then holds `depth + 1` elements) and updates the weights.
    @inline(__always)
    static func extend(_ path: UnsafeMutablePointer<Element>, depth: Int, zero: Double, one: Double, feature: Int32) {
        path[depth] = Element(feature: feature, zero: zero, one: one, weight: depth == 0 ? 1 : 0)
        let size = Double(depth + 1)
        var index = depth - 1
        while index >= 0 {
            path[index + 1].weight += one * path[index].weight * Double(index + 1) / size
            path[index].weight = zero * path[index].weight * Double(depth - index) / size
            index -= 1
        }
    }

    /// Removes element `position` from a path of `depth + 1` elements, undoing its `extend`.
    @inline(__always)
    static func unwind(_ path: UnsafeMutablePointer<Element>, depth: Int, position: Int) {
        let one = path[position].one, zero = path[position].zero
        let size = Double(depth + 1)
        var next = path[depth].weight
        var index = depth - 1
        while index >= 0 {
            if one != 0 {
                let kept = path[index].weight
                path[index].weight = next * size / (Double(index + 1) * one)
                next = kept - path[index].weight * zero * Double(depth - index) / size
            } else {
                path[index].weight = path[index].weight * size / (zero * Double(depth - index))
            }
            index -= 1
        }
        for moved in position ..< depth {
            path[moved].feature = path[moved + 1].feature
            path[moved].zero = path[moved + 1].zero
            path[moved].one = path[moved + 1].one
        }
    }

    /// The total weight the path would have without element `position`, without changing it: what a leaf's value is
    /// multiplied by for that element's feature. `inverses[k]` is `1 / k`, so the loop multiplies where the algorithm
    /// divides (this runs depth times at every leaf of every tree, for every row).
    @inline(__always)
    static func unwoundSum(_ path: UnsafePointer<Element>, depth: Int, position: Int, inverses: UnsafePointer<Double>) -> Double {
        let one = path[position].one, zero = path[position].zero
        let size = Double(depth + 1), inverseSize = inverses[depth + 1]
        var next = path[depth].weight, total = 0.0
        var index = depth - 1
        if one != 0 {
            let scale = size / one
            while index >= 0 {
                let part = next * scale * inverses[index + 1]
                total += part
                next = path[index].weight - part * zero * Double(depth - index) * inverseSize
                index -= 1
            }
        } else if zero != 0 {
            let scale = size / zero
            while index >= 0 {
                total += path[index].weight * scale * inverses[depth - index]
                index -= 1
            }
        }
        return total
    }

    /// `1 / k` for `k` in `0 ... count - 1` (`inverses[0]` unused), for `unwoundSum`.
    static func inverses(count: Int) -> [Double] {
        (0..<count).map { $0 == 0 ? 0 : 1 / Double($0) }
    }
}

/// A forest TreeSHAP walks: nodes by reference, each a leaf with a value or a split that sends a row one way, with
/// every node's training cover. The XGBoost, LightGBM and CatBoost (oblivious) kernels each provide one over their
/// forests, so all explain with the same recursion (`TreeSHAPPath.addContributions`).
protocol TreeSHAPForest: Sendable {
    associatedtype Row
    /// The leaf's value, or nil for a split.
    func leafValue(_ node: Int32) -> Double?
    /// The training cover of a node (hessian sum, row count or leaf weight).
    func cover(_ node: Int32) -> Double
    /// A split's feature and its children, the one `row` takes first.
    func split(_ node: Int32, row: Row) -> (feature: Int32, hot: Int32, cold: Int32)
}

extension TreeSHAPPath {
    /// Adds one tree's contributions for `row` to `phi` (one value per feature), starting at `root`; `path` is
    /// scratch of `scratchCount(depth:)` elements for the tree's depth.
    @inline(__always)
    static func addContributions<Forest: TreeSHAPForest>(_ forest: Forest, root: Int32, row: Forest.Row,
                                                          path: UnsafeMutablePointer<Element>, inverses: UnsafePointer<Double>,
                                                          phi: UnsafeMutablePointer<Double>) {
        recurse(forest, node: root, row: row, parentPath: path, parentDepth: 0, zero: 1, one: 1, feature: -1, inverses: inverses, phi: phi)
    }

    /// One node of one row's walk: its path is the parent's, copied just past it, extended by the split that led here.
    private static func recurse<Forest: TreeSHAPForest>(_ forest: Forest, node: Int32, row: Forest.Row,
                                                         parentPath: UnsafeMutablePointer<Element>, parentDepth: Int,
                                                         zero: Double, one: Double, feature: Int32, inverses: UnsafePointer<Double>,
                                                         phi: UnsafeMutablePointer<Double>) {
        let path = parentPath + parentDepth + 1
        path.update(from: parentPath, count: parentDepth + 1)
        var depth = parentDepth
        extend(path, depth: depth, zero: zero, one: one, feature: feature)
        if let value = forest.leafValue(node) {
            if depth > 0 {
                for position in 1...depth {
                    let element = path[position]
                    let weight = unwoundSum(path, depth: depth, position: position, inverses: inverses)
                    phi[Int(element.feature)] += weight * (element.one - element.zero) * value
                }
            }
            return
        }
        let (split, hot, cold) = forest.split(node, row: row)
        let cover = forest.cover(node)
        var incomingZero = 1.0, incomingOne = 1.0
        // A feature split on again higher up: undo that split so this one decides for both.
        var position = 0
        while position <= depth && path[position].feature != split { position += 1 }
        if position <= depth {
            incomingZero = path[position].zero
            incomingOne = path[position].one
            unwind(path, depth: depth, position: position)
            depth -= 1
        }
        // A child no training row reached (CatBoost leaves of weight 0) that the row does not take either adds
        // nothing, and its path of zero fractions could not be unwound: it is not walked.
        let hotZero = cover != 0 ? forest.cover(hot) / cover * incomingZero : 0
        let coldZero = cover != 0 ? forest.cover(cold) / cover * incomingZero : 0
        if hotZero != 0 || incomingOne != 0 {
            recurse(forest, node: hot, row: row, parentPath: path, parentDepth: depth + 1, zero: hotZero,
                    one: incomingOne, feature: split, inverses: inverses, phi: phi)
        }
        if coldZero != 0 {
            recurse(forest, node: cold, row: row, parentPath: path, parentDepth: depth + 1, zero: coldZero,
                    one: 0, feature: split, inverses: inverses, phi: phi)
        }
    }
}
