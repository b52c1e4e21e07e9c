extension Duration {
    /// The duration in seconds, as a `Double`: what timings are compared and printed in.
    public var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) * 1e-18
    }
}
