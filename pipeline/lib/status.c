/* kinechain — status codes: descriptions and the exit code each deserves. */
#include "kinechain/status.h"

const char *kc_strerror(int status)
{
    switch (status) {
    case KC_OK: return "success";
    case KC_EOF: return "end of records";
    case KC_ENOMEM: return "out of memory";
    case KC_EIO: return "input/output error";
    case KC_EFORMAT: return "not the expected format, or corrupt";
    case KC_EKIND: return "wrong file kind";
    case KC_EVERSION: return "unsupported schema version";
    case KC_EMISSING: return "required object missing";
    case KC_ESHAPE: return "wrong shape";
    case KC_ETYPE: return "wrong type";
    case KC_EINVAL: return "invalid argument or value";
    case KC_ENUMERIC: return "numerical failure";
    case KC_EHDF5: return "HDF5 library error";
    default: return "unknown error";
    }
}

/* Problems with what the user gave us (files that cannot be opened or read, wrong content,
 * bad values) are exit 2; failures of the work itself, memory and HDF5 internals are 3. */
int kc_exit_code(int status)
{
    switch (status) {
    case KC_OK:
        return KC_EXIT_OK;
    case KC_EIO:
    case KC_EFORMAT:
    case KC_EKIND:
    case KC_EVERSION:
    case KC_EMISSING:
    case KC_ESHAPE:
    case KC_ETYPE:
    case KC_EINVAL:
        return KC_EXIT_INPUT;
    default:
        return KC_EXIT_FAILED;
    }
}
