/// Why one input file of `berth predict` failed: it could not be read or written, or a record in it was refused.
struct BatchFileFailure: Error {
    let reason: String
}
