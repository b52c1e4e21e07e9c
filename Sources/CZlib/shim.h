// zlib, imported into Swift as the module CZlib. Installed by `zlib1g-dev` (Debian/Ubuntu).
#include <zlib.h>
