/// Berth's version, and with the commit the binary was built from, what `berth --version` and `berth inspect`
/// print.
enum BerthVersion {
    static let number = "0.1.0"

    /// "berth 0.1.0 (commit 92a2260c1f3e)".
    static var description: String { "berth \(number) (commit \(berthBuildCommit))" }
}
