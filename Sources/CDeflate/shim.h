// libdeflate, imported into Swift as the module CDeflate. Installed by `libdeflate-dev` (Debian/Ubuntu).
#include <libdeflate.h>
