#ifndef BERTH_BUILD_INFO_H
#define BERTH_BUILD_INFO_H

/// Berth's version, as Package.swift states it.
const char *berth_build_version(void);

/// The commit the binary was built from (12 hex digits, "-modified" when the work tree had changes), from git when
/// the package was built in a checkout, or from BERTH_COMMIT in the build's environment (the container build,
/// which has no .git); "unknown" otherwise.
const char *berth_build_commit(void);

#endif
