import Foundation
import PackagePlugin

/// Writes the commit the `berth` executable is built from into a generated source file before every build, so
/// `berth --version` names it: from git in a checkout ("-modified" when tracked files changed), else from the
/// BERTH_COMMIT environment variable (the container build copies no .git), else "unknown".
///
/// A prebuild command rather than a value computed in Package.swift: SwiftPM caches the evaluated manifest and
/// would keep reporting the commit it was first evaluated at.
@main
struct BerthBuildInfo: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let output = context.pluginWorkDirectoryURL.appending(path: "BuildCommit.swift")
        // The file is replaced only when its text changes, so an unchanged commit recompiles nothing.
        let script = """
            if commit=$(git -C "$1" rev-parse --short=12 HEAD 2>/dev/null); then
              git -C "$1" diff --quiet HEAD -- 2>/dev/null || commit="$commit-modified"
            else
              commit=$(printf '%s' "${BERTH_COMMIT:-unknown}" | tr -cd 'A-Za-z0-9-' | cut -c1-40)
            fi
            printf '/// The commit this binary was built from (written by the BerthBuildInfo plugin).\\nlet berthBuildCommit = "%s"\\n' \\
              "${commit:-unknown}" > "$2.new"
            if cmp -s "$2.new" "$2"; then rm "$2.new"; else mv "$2.new" "$2"; fi
            """
        return [.prebuildCommand(displayName: "Recording the commit berth is built from",
                                 executable: URL(fileURLWithPath: "/bin/sh"),
                                 arguments: ["-c", script, "sh", context.package.directoryURL.path, output.path],
                                 environment: ProcessInfo.processInfo.environment.filter { $0.key == "BERTH_COMMIT" },
                                 outputFilesDirectory: context.pluginWorkDirectoryURL)]
    }
}
