/* kinechain — HDF5 files of the kinechain schema: creation with reproducible bytes, checked
 * reading with one clear message per problem. This file: files, groups and other objects,
 * numeric and string datasets; attributes are in h5attr.c, tables in h5table.c, and what the
 * three share in h5io_internal.h.
 *
 * Reproducible bytes: object modification times are off everywhere (file creation plist for
 * the root group, group and dataset creation plists for the rest), the library version
 * bounds are fixed (v1.8 .. v1.10) so that a newer HDF5 does not pick newer object formats,
 * attribute creation order is not tracked, and every object is written in a fixed order.
 * With provenance disabled (created_at "", no command line) the same content gives the same
 * bytes.
 *
 * Errors: HDF5's automatic stack printing is turned off here as well as in kc_cli_init, so
 * that the library never prints; after a failed call we read the innermost message of the
 * HDF5 error stack (H5Ewalk2) to make our one-line message more precise.
 */
#include "kinechain/h5io.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <hdf5.h>

#include "kinechain/atomic.h"
#include "kinechain/log.h"
#include "kinechain/sha256.h"
#include "h5io_internal.h"

#define KC_CONTIGUOUS_MAX (1u << 20)   /* datasets below 1 MiB stay contiguous */
#define KC_CHUNK_TARGET (1u << 19)     /* 512 KiB chunks: inside the 64 KiB–1 MiB rule */

/* ---- small helpers -------------------------------------------------------------------- */

void *kc_malloc_array(size_t n, size_t size)
{
    if (size && n > ((size_t)-1) / size)
        return NULL;
    size_t bytes = n * size;
    return malloc(bytes ? bytes : 1);
}

char **kc_strv_dup(size_t n, char *const *s)
{
    char **d = calloc(n ? n : 1, sizeof *d);
    if (!d)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        d[i] = strdup(s[i] ? s[i] : "");
        if (!d[i]) {
            kc_strv_free(d, i);
            return NULL;
        }
    }
    return d;
}

void kc_strv_free(char **s, size_t n)
{
    if (!s)
        return;
    for (size_t i = 0; i < n; i++)
        free(s[i]);
    free(s);
}

char *kc_h5_join(char *buf, size_t n, const char *a, const char *b)
{
    size_t la = strlen(a);
    if (la && a[la - 1] == '/')
        snprintf(buf, n, "%s%s", a, b);
    else
        snprintf(buf, n, "%s/%s", a, b);
    return buf;
}

bool kc_h5_valid_name(const char *name)
{
    return name && *name && !strchr(name, '/') && strcmp(name, ".") != 0 &&
           strcmp(name, "..") != 0;
}

static herr_t err_walk(unsigned n, const H5E_error2_t *e, void *data)
{
    if (n == 0 && e->desc)
        snprintf((char *)data, 200, "%s", e->desc);
    return 0;
}

/* The innermost message of HDF5's current error stack ("" if none). Must be called right
 * after the failing call: the next API call clears the stack. */
const char *kc_h5_errmsg(char buf[200])
{
    buf[0] = '\0';
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, err_walk, buf);
    /* keep it on one line */
    for (char *p = buf; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    return buf;
}

int kc_h5_fail(const kc_h5 *h, int status, const char *obj, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const char *verb = h->tmp ? "write" : "read";
    if (obj)
        kc_log(KC_LOG_ERROR, "kc_h5", "cannot %s %s of \"%s\": %s", verb, obj, h->path, msg);
    else
        kc_log(KC_LOG_ERROR, "kc_h5", "cannot %s \"%s\": %s", verb, h->path, msg);
    return status;
}

hid_t kc_h5_vlen_str_type(H5T_cset_t cset)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t < 0)
        return t;
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, cset);
    return t;
}

const char *kc_h5_class_name(H5T_class_t c)
{
    switch (c) {
    case H5T_INTEGER: return "integers";
    case H5T_FLOAT: return "floating-point numbers";
    case H5T_STRING: return "strings";
    case H5T_COMPOUND: return "a compound type";
    case H5T_ENUM: return "an enumeration";
    case H5T_ARRAY: return "an array type";
    case H5T_VLEN: return "variable-length sequences";
    case H5T_OPAQUE: return "opaque data";
    case H5T_REFERENCE: return "references";
    case H5T_BITFIELD: return "bit fields";
    default: return "an unknown type";
    }
}

static hid_t mem_type(enum kc_h5_type type)
{
    switch (type) {
    case KC_H5_F64: return H5T_NATIVE_DOUBLE;
    case KC_H5_U8: return H5T_NATIVE_UINT8;
    case KC_H5_I32: return H5T_NATIVE_INT32;
    case KC_H5_I64: return H5T_NATIVE_INT64;
    }
    return H5T_NATIVE_DOUBLE;
}

static hid_t file_type(enum kc_h5_type type)
{
    switch (type) {
    case KC_H5_F64: return H5T_IEEE_F64LE;
    case KC_H5_U8: return H5T_STD_U8LE;
    case KC_H5_I32: return H5T_STD_I32LE;
    case KC_H5_I64: return H5T_STD_I64LE;
    }
    return H5T_IEEE_F64LE;
}

static size_t type_size(enum kc_h5_type type)
{
    switch (type) {
    case KC_H5_F64: return 8;
    case KC_H5_U8: return 1;
    case KC_H5_I32: return 4;
    case KC_H5_I64: return 8;
    }
    return 8;
}

/* "[600,16,3]" */
void kc_h5_format_dims(char *buf, size_t n, int rank, const hsize_t *hd, const size_t *sd)
{
    size_t k = 0;
    k += (size_t)snprintf(buf + k, n - k, "[");
    for (int i = 0; i < rank && k < n; i++) {
        unsigned long long v = hd ? (unsigned long long)hd[i] : (unsigned long long)sd[i];
        if (!hd && v == 0)
            k += (size_t)snprintf(buf + k, n - k, "%s*", i ? "," : "");
        else
            k += (size_t)snprintf(buf + k, n - k, "%s%llu", i ? "," : "", v);
    }
    if (k < n)
        snprintf(buf + k, n - k, "]");
}

/* ---- lifetime ------------------------------------------------------------------------- */

static kc_h5 *h5_new(const char *path)
{
    kc_h5 *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->fid = H5I_INVALID_HID;
    h->path = strdup(path);
    if (!h->path) {
        free(h);
        return NULL;
    }
    return h;
}

static void h5_free(kc_h5 *h)
{
    if (!h)
        return;
    free(h->path);
    free(h->tmp);
    free(h);
}

static hid_t make_fapl(bool writing)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl < 0)
        return fapl;
    if (writing) {
        H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_V110);
        /* close every object with the file, so that a forgotten id cannot keep the
         * temporary open past the rename */
        H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG);
    }
#if H5_VERSION_GE(1, 10, 7)
    /* Lock, but carry on where the file system has no locks (NFS, Lustre). */
    H5Pset_file_locking(fapl, 1, 1);
#endif
    return fapl;
}

static void iso8601_now(char buf[32])
{
    time_t now = time(NULL);
    struct tm tm;
    if (gmtime_r(&now, &tm))
        strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
    else
        buf[0] = '\0';
}

char *kc_command_line(int argc, char *const *argv)
{
    size_t n = 1;
    for (int i = 0; i < argc; i++)
        n += 3 + 4 * strlen(argv[i] ? argv[i] : "");
    char *s = malloc(n);
    if (!s)
        return NULL;
    size_t k = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i] ? argv[i] : "";
        if (i)
            s[k++] = ' ';
        bool quote = !*a || strpbrk(a, " \t\n'\"\\$`*?[]{}()<>|&;#~!") != NULL;
        if (!quote) {
            memcpy(s + k, a, strlen(a));
            k += strlen(a);
            continue;
        }
        s[k++] = '\'';
        for (; *a; a++) {
            if (*a == '\'') {
                memcpy(s + k, "'\\''", 4);
                k += 4;
            } else {
                s[k++] = *a;
            }
        }
        s[k++] = '\'';
    }
    s[k] = '\0';
    return s;
}

int kc_h5_create(kc_h5 **out, const char *path, const char *kind, const kc_provenance *prov)
{
    int st = KC_OK;
    hid_t fcpl = H5I_INVALID_HID, fapl = H5I_INVALID_HID;
    char *cmd = NULL;
    kc_h5 *h = NULL;
    char err[200];

    *out = NULL;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    if (!path || !kind)
        return KC_EINVAL;
    h = h5_new(path);
    if (!h)
        return KC_ENOMEM;
    kc_atomic_sweep(path);
    h->tmp = kc_atomic_tmpname(path);
    if (!h->tmp) {
        h5_free(h);
        return KC_ENOMEM;
    }
    snprintf(h->kind, sizeof h->kind, "%s", kind);
    h->major = KC_SCHEMA_MAJOR;
    h->minor = KC_SCHEMA_MINOR;

    fcpl = H5Pcreate(H5P_FILE_CREATE);
    fapl = make_fapl(true);
    if (fcpl < 0 || fapl < 0) {
        st = KC_EHDF5;
        goto fail;
    }
    H5Pset_obj_track_times(fcpl, 0);   /* the root group */
    h->fid = H5Fcreate(h->tmp, H5F_ACC_TRUNC, fcpl, fapl);
    if (h->fid < 0) {
        kc_h5_errmsg(err);
        int e = errno;
        kc_log(KC_LOG_ERROR, __func__, "cannot create \"%s\": %s", h->tmp,
               e ? strerror(e) : err);
        st = KC_EIO;
        goto fail;
    }

    int32_t version[2] = {KC_SCHEMA_MAJOR, KC_SCHEMA_MINOR};
    const char *tool = prov && prov->tool ? prov->tool : "kinechain";
    char created_by[160];
    snprintf(created_by, sizeof created_by, "%s %s", tool, KC_VERSION);
    char created_at[32] = "";
    bool enabled = prov && prov->enabled;
    if (enabled)
        iso8601_now(created_at);
    if ((st = kc_h5_attr_set_str(h, "/", "schema", KC_SCHEMA_NAME)) ||
        (st = kc_h5_attr_set_i32v(h, "/", "schema_version", 2, version)) ||
        (st = kc_h5_attr_set_str(h, "/", "kind", kind)) ||
        (st = kc_h5_attr_set_str(h, "/", "created_by", created_by)) ||
        (st = kc_h5_attr_set_str(h, "/", "created_at", created_at)))
        goto fail;

    if (enabled) {
        if ((st = kc_h5_group(h, "/provenance")))
            goto fail;
        cmd = kc_command_line(prov->argc, prov->argv);
        if (!cmd) {
            st = KC_ENOMEM;
            goto fail;
        }
        if ((st = kc_h5_attr_set_str(h, "/provenance", "command_line", cmd)))
            goto fail;
        for (int i = 0; i < prov->n_inputs; i++) {
            char name[64], hex[65];
            if ((st = kc_sha256_file(prov->inputs[i], hex)))
                goto fail;
            snprintf(name, sizeof name, "input_%d_name", i);
            if ((st = kc_h5_attr_set_str(h, "/provenance", name, prov->inputs[i])))
                goto fail;
            snprintf(name, sizeof name, "input_%d_sha256", i);
            if ((st = kc_h5_attr_set_str(h, "/provenance", name, hex)))
                goto fail;
        }
    }
    H5Pclose(fcpl);
    H5Pclose(fapl);
    free(cmd);
    *out = h;
    return KC_OK;
fail:
    if (fcpl >= 0)
        H5Pclose(fcpl);
    if (fapl >= 0)
        H5Pclose(fapl);
    free(cmd);
    kc_h5_discard(h);
    return st;
}

int kc_h5_commit(kc_h5 *h)
{
    if (!h)
        return KC_EINVAL;
    if (!h->tmp) {   /* opened for reading: nothing to commit */
        kc_h5_close(h);
        return KC_EINVAL;
    }
    int st = KC_OK;
    char err[200];
    if (H5Fclose(h->fid) < 0) {
        kc_h5_errmsg(err);
        kc_log(KC_LOG_ERROR, __func__, "cannot write \"%s\": closing the file failed (%s)",
               h->path, err);
        unlink(h->tmp);
        st = KC_EIO;
    } else {
        st = kc_atomic_commit(h->tmp, h->path);
    }
    h->fid = H5I_INVALID_HID;
    h5_free(h);
    return st;
}

void kc_h5_discard(kc_h5 *h)
{
    if (!h)
        return;
    if (h->fid >= 0)
        H5Fclose(h->fid);
    if (h->tmp)
        unlink(h->tmp);
    h5_free(h);
}

int kc_h5_open(kc_h5 **out, const char *path, const char *kind)
{
    int st = KC_OK;
    hid_t fapl = H5I_INVALID_HID;
    char *schema = NULL, *fkind = NULL;
    kc_h5 *h = NULL;
    char err[200];

    *out = NULL;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    struct stat sb;
    if (stat(path, &sb) != 0) {
        kc_log(KC_LOG_ERROR, __func__, "cannot open \"%s\": %s", path, strerror(errno));
        return KC_EIO;
    }
    if (S_ISDIR(sb.st_mode)) {
        kc_log(KC_LOG_ERROR, __func__, "cannot open \"%s\": it is a folder", path);
        return KC_EIO;
    }
    if (access(path, R_OK) != 0) {
        kc_log(KC_LOG_ERROR, __func__, "cannot open \"%s\": %s", path, strerror(errno));
        return KC_EIO;
    }
    htri_t is = H5Fis_hdf5(path);
    if (is <= 0) {
        kc_log(KC_LOG_ERROR, __func__, "cannot open \"%s\": not an HDF5 file", path);
        return KC_EFORMAT;
    }
    h = h5_new(path);
    if (!h)
        return KC_ENOMEM;
    fapl = make_fapl(false);
    h->fid = H5Fopen(path, H5F_ACC_RDONLY, fapl);
    if (h->fid < 0) {
        kc_h5_errmsg(err);
        if (strstr(err, "unable to lock file")) {   /* being written elsewhere */
            kc_log(KC_LOG_ERROR, __func__, "cannot open \"%s\": the file is locked (%s)", path,
                   err);
            st = KC_EIO;
        } else {
            kc_log(KC_LOG_ERROR, __func__,
                   "cannot open \"%s\": corrupt or truncated HDF5 file%s%s%s", path,
                   *err ? " (" : "", err, *err ? ")" : "");
            st = KC_EFORMAT;
        }
        goto fail;
    }

    /* The schema checks report "not a kinechain file" rather than a missing attribute. */
    if (!kc_h5_attr_exists(h, "/", "schema")) {
        kc_log(KC_LOG_ERROR, __func__,
               "cannot open \"%s\": not a kinechain file (no root attribute \"schema\")", path);
        st = KC_EFORMAT;
        goto fail;
    }
    if ((st = kc_h5_attr_get_str(h, "/", "schema", &schema)))
        goto fail;
    if (strcmp(schema, KC_SCHEMA_NAME) != 0) {
        kc_log(KC_LOG_ERROR, __func__, "cannot open \"%s\": schema \"%s\", expected \"%s\"",
               path, schema, KC_SCHEMA_NAME);
        st = KC_EFORMAT;
        goto fail;
    }
    double version[2];
    if ((st = kc_h5_attr_get_f64v(h, "/", "schema_version", 2, version)))
        goto fail;
    if (!(version[0] >= 0 && version[0] < 1e6 && version[1] >= 0 && version[1] < 1e6)) {
        kc_log(KC_LOG_ERROR, __func__, "cannot open \"%s\": invalid schema_version", path);
        st = KC_EFORMAT;
        goto fail;
    }
    h->major = (int)version[0];
    h->minor = (int)version[1];
    if (h->major != KC_SCHEMA_MAJOR) {
        kc_log(KC_LOG_ERROR, __func__,
               "cannot open \"%s\": schema version %d.%d is not supported (expected %d.x)", path,
               h->major, h->minor, KC_SCHEMA_MAJOR);
        st = KC_EVERSION;
        goto fail;
    }
    if ((st = kc_h5_attr_get_str(h, "/", "kind", &fkind)))
        goto fail;
    snprintf(h->kind, sizeof h->kind, "%s", fkind);
    if (kind && strcmp(kind, fkind) != 0) {
        kc_log(KC_LOG_ERROR, __func__, "cannot open \"%s\": a file of kind \"%s\", expected \"%s\"",
               path, fkind, kind);
        st = KC_EKIND;
        goto fail;
    }
    if (h->minor > KC_SCHEMA_MINOR)
        kc_log(KC_LOG_INFO, __func__,
               "\"%s\" has schema version %d.%d (newer than %d.%d): unknown objects are ignored",
               path, h->major, h->minor, KC_SCHEMA_MAJOR, KC_SCHEMA_MINOR);
    H5Pclose(fapl);
    free(schema);
    free(fkind);
    *out = h;
    return KC_OK;
fail:
    if (fapl >= 0)
        H5Pclose(fapl);
    free(schema);
    free(fkind);
    kc_h5_close(h);
    return st;
}

void kc_h5_close(kc_h5 *h)
{
    if (!h)
        return;
    if (h->tmp) {   /* being written: closing without commit discards */
        kc_h5_discard(h);
        return;
    }
    if (h->fid >= 0)
        H5Fclose(h->fid);
    h5_free(h);
}

const char *kc_h5_path(const kc_h5 *h) { return h->path; }
const char *kc_h5_kind(const kc_h5 *h) { return h->kind; }
int kc_h5_minor(const kc_h5 *h) { return h->minor; }
int64_t kc_h5_id(const kc_h5 *h) { return (int64_t)h->fid; }

/* ---- objects -------------------------------------------------------------------------- */

bool kc_h5_exists(kc_h5 *h, const char *path)
{
    if (!path || !*path)
        return false;
    if (strcmp(path, "/") == 0)
        return true;
    /* H5Lexists fails when an intermediate group is missing: test each prefix. */
    size_t n = strlen(path);
    char *p = malloc(n + 1);
    if (!p)
        return false;
    memcpy(p, path, n + 1);
    bool ok = true;
    for (size_t i = 1; i <= n && ok; i++) {
        if (p[i] != '/' && p[i] != '\0')
            continue;
        char c = p[i];
        p[i] = '\0';
        ok = H5Lexists(h->fid, p, H5P_DEFAULT) > 0 &&
             H5Oexists_by_name(h->fid, p, H5P_DEFAULT) > 0;
        p[i] = c;
    }
    free(p);
    return ok;
}

static H5O_type_t obj_type(kc_h5 *h, const char *path)
{
    H5O_info_t info;
    if (H5Oget_info_by_name2(h->fid, path, &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0)
        return H5O_TYPE_UNKNOWN;
    return info.type;
}

bool kc_h5_is_group(kc_h5 *h, const char *path)
{
    return kc_h5_exists(h, path) && obj_type(h, path) == H5O_TYPE_GROUP;
}

static hid_t make_lcpl(void)
{
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    if (lcpl >= 0)
        H5Pset_char_encoding(lcpl, H5T_CSET_UTF8);
    return lcpl;
}

int kc_h5_group(kc_h5 *h, const char *path)
{
    if (!path || path[0] != '/')
        return kc_h5_fail(h, KC_EINVAL, path ? path : "(null)", "not an absolute path");
    if (strcmp(path, "/") == 0)
        return KC_OK;
    int st = KC_OK;
    char err[200];
    size_t n = strlen(path);
    char *p = malloc(n + 1);
    hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE);
    hid_t lcpl = make_lcpl();
    if (!p || gcpl < 0 || lcpl < 0) {
        st = KC_ENOMEM;
        goto done;
    }
    H5Pset_obj_track_times(gcpl, 0);
    memcpy(p, path, n + 1);
    /* Create the parents one by one, each with our creation plist (HDF5's own
     * intermediate-group creation would not apply it). */
    for (size_t i = 1; i <= n; i++) {
        if (p[i] != '/' && p[i] != '\0')
            continue;
        char c = p[i];
        p[i] = '\0';
        if (i > 1 && p[i - 1] == '/') {   /* "a//b" */
            p[i] = c;
            continue;
        }
        if (kc_h5_exists(h, p)) {
            if (obj_type(h, p) != H5O_TYPE_GROUP) {
                st = kc_h5_fail(h, KC_EINVAL, p, "exists and is not a group");
                goto done;
            }
        } else {
            hid_t g = H5Gcreate2(h->fid, p, lcpl, gcpl, H5P_DEFAULT);
            if (g < 0) {
                st = kc_h5_fail(h, KC_EHDF5, p, "cannot create group (%s)", kc_h5_errmsg(err));
                goto done;
            }
            H5Gclose(g);
        }
        p[i] = c;
    }
done:
    if (gcpl >= 0)
        H5Pclose(gcpl);
    if (lcpl >= 0)
        H5Pclose(lcpl);
    free(p);
    return st;
}

/* Create path's parent groups. */
static int make_parents(kc_h5 *h, const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash || slash == path)
        return KC_OK;
    size_t n = (size_t)(slash - path);
    char *parent = malloc(n + 1);
    if (!parent)
        return KC_ENOMEM;
    memcpy(parent, path, n);
    parent[n] = '\0';
    int st = kc_h5_group(h, parent);
    free(parent);
    return st;
}

static int name_list_push(kc_h5_name_list *l, const char *name)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        char **p = realloc(l->names, cap * sizeof *p);
        if (!p)
            return KC_ENOMEM;
        l->names = p;
        l->cap = cap;
    }
    if (!(l->names[l->n] = strdup(name)))
        return KC_ENOMEM;
    l->n++;
    return KC_OK;
}

herr_t kc_h5_name_list_add(kc_h5_name_list *l, const char *name)
{
    l->status = name_list_push(l, name);
    return l->status ? -1 : 0;
}

/* H5Literate callback of kc_h5_list: one member name into the kc_h5_name_list data. */
static herr_t list_cb(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    (void)g;
    (void)info;
    return kc_h5_name_list_add(data, name);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int kc_h5_name_list_finish(kc_h5_name_list *l, size_t *n, char ***names)
{
    if (l->status) {
        kc_strv_free(l->names, l->n);
        return l->status;
    }
    if (l->n)
        qsort(l->names, l->n, sizeof *l->names, cmp_str);
    *n = l->n;
    *names = l->names ? l->names : calloc(1, sizeof(char *));
    if (!*names)
        return KC_ENOMEM;
    return KC_OK;
}

int kc_h5_list(kc_h5 *h, const char *group, size_t *n, char ***names)
{
    *n = 0;
    *names = NULL;
    char err[200];
    if (!kc_h5_exists(h, group))
        return kc_h5_fail(h, KC_EMISSING, group, "no such group");
    if (obj_type(h, group) != H5O_TYPE_GROUP)
        return kc_h5_fail(h, KC_ETYPE, group, "expected a group, found a dataset");
    hid_t g = H5Gopen2(h->fid, group, H5P_DEFAULT);
    if (g < 0)
        return kc_h5_fail(h, KC_EFORMAT, group, "cannot open group (%s)", kc_h5_errmsg(err));
    kc_h5_name_list l = {0, 0, NULL, KC_OK};
    hsize_t idx = 0;
    herr_t rc = H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, &idx, list_cb, &l);
    if (rc < 0 && l.status == KC_OK)
        l.status = kc_h5_fail(h, KC_EFORMAT, group, "cannot list members (%s)",
                              kc_h5_errmsg(err));
    H5Gclose(g);
    return kc_h5_name_list_finish(&l, n, names);
}

/* ---- datasets ------------------------------------------------------------------------- */

/* Chunk shape for a large array: whole trailing dimensions, split along the first dimension
 * whose trailing block fits the target (so chunks follow frames for [F,...] arrays and
 * camera-then-frames for [C,F,...] ones). */
static void chunk_dims(int rank, const hsize_t *dims, size_t esize, hsize_t *chunk)
{
    size_t tail = esize;
    for (int i = rank - 1; i >= 0; i--)
        tail *= (size_t)dims[i];
    for (int i = 0; i < rank; i++) {
        tail /= (size_t)dims[i];   /* bytes of one index of dimension i */
        if (tail <= KC_CHUNK_TARGET) {
            hsize_t c = (hsize_t)(KC_CHUNK_TARGET / tail);
            chunk[i] = c < dims[i] ? c : dims[i];
            if (chunk[i] < 1)
                chunk[i] = 1;
            for (int j = i + 1; j < rank; j++)
                chunk[j] = dims[j];
            return;
        }
        chunk[i] = 1;
    }
}

int kc_h5_write(kc_h5 *h, const char *path, enum kc_h5_type type, int rank, const size_t *dims,
                const void *data, const char *units, const char *dims_names)
{
    int st = KC_OK;
    hid_t space = H5I_INVALID_HID, dcpl = H5I_INVALID_HID, lcpl = H5I_INVALID_HID;
    hid_t ds = H5I_INVALID_HID;
    char err[200];

    if (!h->tmp)
        return kc_h5_fail(h, KC_EINVAL, path, "file is open for reading");
    if (rank < 1 || rank > KC_H5_MAX_RANK || !path || path[0] != '/')
        return kc_h5_fail(h, KC_EINVAL, path ? path : "(null)", "invalid rank or path");
    hsize_t hd[KC_H5_MAX_RANK];
    size_t nelem = 1;
    for (int i = 0; i < rank; i++) {
        hd[i] = dims[i];
        nelem *= dims[i];
    }
    if (nelem > 0 && !data)
        return kc_h5_fail(h, KC_EINVAL, path, "no data");
    if ((st = make_parents(h, path)))
        return st;
    if (kc_h5_exists(h, path))
        return kc_h5_fail(h, KC_EINVAL, path, "already exists");

    space = H5Screate_simple(rank, hd, NULL);
    dcpl = H5Pcreate(H5P_DATASET_CREATE);
    lcpl = make_lcpl();
    if (space < 0 || dcpl < 0 || lcpl < 0) {
        st = kc_h5_fail(h, KC_EHDF5, path, "cannot set up dataset (%s)", kc_h5_errmsg(err));
        goto done;
    }
    H5Pset_obj_track_times(dcpl, 0);
    switch (type) {
    case KC_H5_F64: {
        double fill = NAN;
        H5Pset_fill_value(dcpl, H5T_NATIVE_DOUBLE, &fill);
        break;
    }
    case KC_H5_U8: {
        uint8_t fill = 255;
        H5Pset_fill_value(dcpl, H5T_NATIVE_UINT8, &fill);
        break;
    }
    case KC_H5_I32: {
        int32_t fill = INT32_MIN;
        H5Pset_fill_value(dcpl, H5T_NATIVE_INT32, &fill);
        break;
    }
    case KC_H5_I64: {
        int64_t fill = INT64_MIN;
        H5Pset_fill_value(dcpl, H5T_NATIVE_INT64, &fill);
        break;
    }
    }
    if (nelem * type_size(type) >= KC_CONTIGUOUS_MAX) {
        hsize_t chunk[KC_H5_MAX_RANK];
        chunk_dims(rank, hd, type_size(type), chunk);
        H5Pset_chunk(dcpl, rank, chunk);
        H5Pset_shuffle(dcpl);
        H5Pset_deflate(dcpl, 4);
    } else {
        H5Pset_layout(dcpl, H5D_CONTIGUOUS);
    }
    ds = H5Dcreate2(h->fid, path, file_type(type), space, lcpl, dcpl, H5P_DEFAULT);
    if (ds < 0) {
        st = kc_h5_fail(h, KC_EHDF5, path, "cannot create dataset (%s)", kc_h5_errmsg(err));
        goto done;
    }
    if (nelem > 0 && H5Dwrite(ds, mem_type(type), H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) {
        st = kc_h5_fail(h, KC_EIO, path, "write failed (%s)", kc_h5_errmsg(err));
        goto done;
    }
    H5Dclose(ds);
    ds = H5I_INVALID_HID;
    if ((st = kc_h5_attr_set_str(h, path, "units", units ? units : "")))
        goto done;
    if ((st = kc_h5_attr_set_str(h, path, "dims", dims_names ? dims_names : "")))
        goto done;
done:
    if (ds >= 0)
        H5Dclose(ds);
    if (space >= 0)
        H5Sclose(space);
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (lcpl >= 0)
        H5Pclose(lcpl);
    return st;
}

int kc_h5_open_dataset(kc_h5 *h, const char *path, hid_t *ds, int *rank, hsize_t *hd,
                       H5T_class_t *cls)
{
    char err[200];
    *ds = H5I_INVALID_HID;
    if (!kc_h5_exists(h, path))
        return kc_h5_fail(h, KC_EMISSING, path, "no such dataset");
    if (obj_type(h, path) != H5O_TYPE_DATASET)
        return kc_h5_fail(h, KC_ETYPE, path, "expected a dataset, found a group");
    hid_t d = H5Dopen2(h->fid, path, H5P_DEFAULT);
    if (d < 0)
        return kc_h5_fail(h, KC_EFORMAT, path, "cannot open dataset (%s)", kc_h5_errmsg(err));
    hid_t space = H5Dget_space(d);
    hid_t type = H5Dget_type(d);
    int r = space >= 0 ? H5Sget_simple_extent_ndims(space) : -1;
    if (r < 0 || r > KC_H5_MAX_RANK || type < 0) {
        if (space >= 0)
            H5Sclose(space);
        if (type >= 0)
            H5Tclose(type);
        H5Dclose(d);
        return kc_h5_fail(h, KC_EFORMAT, path, "unreadable dataspace or type");
    }
    H5Sget_simple_extent_dims(space, hd, NULL);
    *cls = H5Tget_class(type);
    *rank = r;
    H5Sclose(space);
    H5Tclose(type);
    *ds = d;
    return KC_OK;
}

int kc_h5_shape(kc_h5 *h, const char *path, int *rank, size_t dims[8])
{
    hid_t ds;
    hsize_t hd[KC_H5_MAX_RANK];
    H5T_class_t cls;
    int st = kc_h5_open_dataset(h, path, &ds, rank, hd, &cls);
    if (st)
        return st;
    for (int i = 0; i < *rank; i++)
        dims[i] = (size_t)hd[i];
    H5Dclose(ds);
    return KC_OK;
}

int kc_h5_read_shaped(kc_h5 *h, const char *path, enum kc_h5_type type, int rank,
                      size_t *dims, const char *shape, void **data)
{
    hid_t ds = H5I_INVALID_HID;
    int frank = 0, st;
    hsize_t hd[KC_H5_MAX_RANK];
    H5T_class_t cls;
    char err[200];
    *data = NULL;

    if (rank < 1 || rank > KC_H5_MAX_RANK)
        return KC_EINVAL;
    if ((st = kc_h5_open_dataset(h, path, &ds, &frank, hd, &cls)))
        return st;
    bool ok = frank == rank;
    for (int i = 0; ok && i < rank; i++)
        if (dims[i] != 0 && dims[i] != (size_t)hd[i])
            ok = false;
    if (!ok) {
        char want[400], found[160], nums[160];
        kc_h5_format_dims(found, sizeof found, frank, hd, NULL);
        kc_h5_format_dims(nums, sizeof nums, rank, NULL, dims);
        /* Spell the sizes out only when a named dimension ("M") has a required size. */
        bool any_fixed = false;
        const char *tok = shape ? shape + (shape[0] == '[') : NULL;
        for (int i = 0; tok && i < rank; i++) {
            size_t len = strcspn(tok, ",]");
            bool literal = len > 0 && strspn(tok, "0123456789") == len;
            any_fixed |= dims[i] != 0 && !literal;
            tok += len;
            if (*tok != ',')
                break;
            tok++;
        }
        if (shape && any_fixed)
            snprintf(want, sizeof want, "%s = %s", shape, nums);
        else
            snprintf(want, sizeof want, "%s", shape ? shape : nums);
        H5Dclose(ds);
        return kc_h5_fail(h, KC_ESHAPE, path, "expected %s, found %s", want, found);
    }
    bool float_ok = type == KC_H5_F64;
    if ((float_ok && cls != H5T_FLOAT) || (!float_ok && cls != H5T_INTEGER)) {
        H5Dclose(ds);
        return kc_h5_fail(h, KC_ETYPE, path, "expected %s, found %s",
                          float_ok ? "floating-point numbers" : "integers", kc_h5_class_name(cls));
    }
    size_t nelem = 1;
    for (int i = 0; i < rank; i++) {
        if (hd[i] && nelem > ((size_t)-1) / 16 / (size_t)hd[i]) {
            H5Dclose(ds);
            return kc_h5_fail(h, KC_EFORMAT, path, "dimensions too large");
        }
        nelem *= (size_t)hd[i];
    }
    void *buf = kc_malloc_array(nelem, type_size(type));
    if (!buf) {
        H5Dclose(ds);
        return kc_h5_fail(h, KC_ENOMEM, path, "out of memory for %zu elements", nelem);
    }
    if (nelem > 0 && H5Dread(ds, mem_type(type), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
        kc_h5_errmsg(err);
        free(buf);
        H5Dclose(ds);
        return kc_h5_fail(h, KC_EFORMAT, path, "corrupt data%s%s%s", *err ? " (" : "", err,
                          *err ? ")" : "");
    }
    H5Dclose(ds);
    for (int i = 0; i < rank; i++)
        dims[i] = (size_t)hd[i];
    *data = buf;
    return KC_OK;
}

int kc_h5_read(kc_h5 *h, const char *path, enum kc_h5_type type, int rank, size_t *dims,
               void **data)
{
    return kc_h5_read_shaped(h, path, type, rank, dims, NULL, data);
}

/* ---- string datasets ------------------------------------------------------------------ */

int kc_h5_write_strings(kc_h5 *h, const char *path, size_t n, const char *const *s)
{
    int st = KC_OK;
    hid_t space = H5I_INVALID_HID, dcpl = H5I_INVALID_HID, lcpl = H5I_INVALID_HID;
    hid_t type = H5I_INVALID_HID, ds = H5I_INVALID_HID;
    const char **v = NULL;
    char err[200];

    if (!h->tmp)
        return kc_h5_fail(h, KC_EINVAL, path, "file is open for reading");
    if ((st = make_parents(h, path)))
        return st;
    if (kc_h5_exists(h, path))
        return kc_h5_fail(h, KC_EINVAL, path, "already exists");
    /* NULL entries are written as "" (HDF5 would store a null string). */
    v = calloc(n ? n : 1, sizeof *v);
    if (!v)
        return KC_ENOMEM;
    for (size_t i = 0; i < n; i++)
        v[i] = s[i] ? s[i] : "";
    hsize_t hd = n;
    space = H5Screate_simple(1, &hd, NULL);
    dcpl = H5Pcreate(H5P_DATASET_CREATE);
    lcpl = make_lcpl();
    type = kc_h5_vlen_str_type(H5T_CSET_UTF8);
    if (space < 0 || dcpl < 0 || lcpl < 0 || type < 0) {
        st = kc_h5_fail(h, KC_EHDF5, path, "cannot set up dataset (%s)", kc_h5_errmsg(err));
        goto done;
    }
    H5Pset_obj_track_times(dcpl, 0);
    ds = H5Dcreate2(h->fid, path, type, space, lcpl, dcpl, H5P_DEFAULT);
    if (ds < 0) {
        st = kc_h5_fail(h, KC_EHDF5, path, "cannot create dataset (%s)", kc_h5_errmsg(err));
        goto done;
    }
    if (n > 0 && H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0)
        st = kc_h5_fail(h, KC_EIO, path, "write failed (%s)", kc_h5_errmsg(err));
done:
    if (ds >= 0)
        H5Dclose(ds);
    if (type >= 0)
        H5Tclose(type);
    if (space >= 0)
        H5Sclose(space);
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (lcpl >= 0)
        H5Pclose(lcpl);
    free(v);
    return st;
}

static herr_t dread_all(hid_t ds, hid_t mt, void *buf)
{
    return H5Dread(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
}

int kc_h5_read_string_values(hid_t obj, hid_t ftype, hid_t space, size_t n, kc_h5_read_fn rd,
                             char ***out)
{
    int st = KC_OK;
    char **res = calloc(n ? n : 1, sizeof *res);
    if (!res)
        return KC_ENOMEM;
    if (n == 0) {
        *out = res;
        return KC_OK;
    }
    htri_t is_var = H5Tis_variable_str(ftype);
    if (is_var < 0) {
        free(res);
        return KC_EFORMAT;
    }
    if (is_var) {
        hid_t mt = kc_h5_vlen_str_type(H5Tget_cset(ftype));
        char **raw = calloc(n, sizeof *raw);
        if (mt < 0 || !raw) {
            if (mt >= 0)
                H5Tclose(mt);
            free(raw);
            free(res);
            return KC_ENOMEM;
        }
        if (rd(obj, mt, raw) < 0) {
            st = KC_EFORMAT;
        } else {
            for (size_t i = 0; i < n && !st; i++)
                if (!(res[i] = strdup(raw[i] ? raw[i] : "")))
                    st = KC_ENOMEM;
            H5Dvlen_reclaim(mt, space, H5P_DEFAULT, raw);
        }
        H5Tclose(mt);
        free(raw);
    } else {
        size_t sz = H5Tget_size(ftype);
        H5T_str_t pad = H5Tget_strpad(ftype);
        hid_t mt = H5Tcopy(ftype);
        char *raw = sz ? kc_malloc_array(n, sz) : NULL;
        if (mt < 0 || !raw) {
            if (mt >= 0)
                H5Tclose(mt);
            free(raw);
            free(res);
            return sz ? KC_ENOMEM : KC_EFORMAT;
        }
        if (rd(obj, mt, raw) < 0) {
            st = KC_EFORMAT;
        } else {
            for (size_t i = 0; i < n && !st; i++) {
                const char *p = raw + i * sz;
                size_t len = 0;
                while (len < sz && p[len])
                    len++;
                if (pad == H5T_STR_SPACEPAD)
                    while (len > 0 && p[len - 1] == ' ')
                        len--;
                if (!(res[i] = malloc(len + 1)))
                    st = KC_ENOMEM;
                else {
                    memcpy(res[i], p, len);
                    res[i][len] = '\0';
                }
            }
        }
        H5Tclose(mt);
        free(raw);
    }
    if (st) {
        kc_strv_free(res, n);
        return st;
    }
    *out = res;
    return KC_OK;
}

int kc_h5_read_strings(kc_h5 *h, const char *path, size_t *n, char ***s)
{
    hid_t ds = H5I_INVALID_HID;
    int rank = 0, st;
    hsize_t hd[KC_H5_MAX_RANK];
    H5T_class_t cls;
    char err[200];
    *s = NULL;
    if ((st = kc_h5_open_dataset(h, path, &ds, &rank, hd, &cls)))
        return st;
    if (rank != 1) {
        char found[160];
        kc_h5_format_dims(found, sizeof found, rank, hd, NULL);
        H5Dclose(ds);
        if (*n)
            return kc_h5_fail(h, KC_ESHAPE, path, "expected [%zu], found %s", *n, found);
        return kc_h5_fail(h, KC_ESHAPE, path, "expected a 1-D list of strings, found %s", found);
    }
    if (*n && *n != (size_t)hd[0]) {
        H5Dclose(ds);
        return kc_h5_fail(h, KC_ESHAPE, path, "expected [%zu], found [%llu]", *n,
                          (unsigned long long)hd[0]);
    }
    if (cls != H5T_STRING) {
        H5Dclose(ds);
        return kc_h5_fail(h, KC_ETYPE, path, "expected strings, found %s", kc_h5_class_name(cls));
    }
    hid_t ftype = H5Dget_type(ds);
    hid_t space = H5Dget_space(ds);
    char **res = NULL;
    st = kc_h5_read_string_values(ds, ftype, space, (size_t)hd[0], dread_all, &res);
    if (st == KC_EFORMAT)
        kc_h5_errmsg(err);
    H5Tclose(ftype);
    H5Sclose(space);
    H5Dclose(ds);
    if (st == KC_EFORMAT)
        return kc_h5_fail(h, st, path, "corrupt strings%s%s%s", *err ? " (" : "", err,
                          *err ? ")" : "");
    if (st)
        return kc_h5_fail(h, st, path, "out of memory");
    *n = (size_t)hd[0];
    *s = res;
    return KC_OK;
}
