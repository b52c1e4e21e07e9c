// C only because a C define can carry a string from Package.swift into the binary; Swift's -D flags cannot.
#include "berth_build_info.h"

const char *berth_build_version(void) { return BERTH_VERSION; }

const char *berth_build_commit(void) { return BERTH_COMMIT; }
