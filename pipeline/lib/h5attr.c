/* kinechain — attributes of HDF5 objects (numbers, strings, lists of strings) and kc_attrs,
 * the in-memory sets of them that hold a group's free-form parameters (/subject, /model).
 *
 * Writing replaces an attribute of the same name. Numbers are stored little-endian (IEEE
 * f64, int64; int32 for the root's schema_version); reading converts to the native type and
 * accepts integer attributes where doubles are wanted. Strings are written variable-length
 * UTF-8; fixed-length ones, as other tools write them, are read as well.
 */
#include "kinechain/h5io.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>

#include "kinechain/log.h"
#include "h5io_internal.h"

/* ---- attributes ----------------------------------------------------------------------- */

/* One message naming the attribute, the object and the file; returns status. */
static int attr_fail(const kc_h5 *h, int status, const char *obj, const char *name,
                     const char *fmt, ...) KC_PRINTF(5, 6);
static int attr_fail(const kc_h5 *h, int status, const char *obj, const char *name,
                     const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    kc_log(KC_LOG_ERROR, "kc_h5", "cannot %s attribute %s of %s in \"%s\": %s",
           h->tmp ? "write" : "read", name, obj, h->path, msg);
    return status;
}

/* Open obj for attribute access (must exist). */
static hid_t open_obj(kc_h5 *h, const char *obj, const char *name, int *st)
{
    char err[200];
    if (!kc_h5_exists(h, obj)) {
        *st = attr_fail(h, KC_EMISSING, obj, name, "no object %s", obj);
        return H5I_INVALID_HID;
    }
    hid_t o = H5Oopen(h->fid, obj, H5P_DEFAULT);
    if (o < 0)
        *st = attr_fail(h, KC_EFORMAT, obj, name, "cannot open the object (%s)",
                        kc_h5_errmsg(err));
    return o;
}

/* Create (replacing) attribute name on obj with file type ftype and space; write mem. */
static int write_attr(kc_h5 *h, const char *obj, const char *name, hid_t ftype, hid_t mtype,
                      hid_t space, const void *buf)
{
    int st = KC_OK;
    char err[200];
    if (!h->tmp)
        return attr_fail(h, KC_EINVAL, obj, name, "file is open for reading");
    hid_t o = open_obj(h, obj, name, &st);
    if (o < 0)
        return st;
    if (H5Aexists(o, name) > 0)
        H5Adelete(o, name);
    hid_t a = H5Acreate2(o, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0) {
        st = attr_fail(h, KC_EHDF5, obj, name, "cannot create (%s)", kc_h5_errmsg(err));
    } else {
        if (buf && H5Awrite(a, mtype, buf) < 0)
            st = attr_fail(h, KC_EIO, obj, name, "write failed (%s)", kc_h5_errmsg(err));
        H5Aclose(a);
    }
    H5Oclose(o);
    return st;
}

int kc_h5_attr_set_str(kc_h5 *h, const char *obj, const char *name, const char *v)
{
    hid_t type = kc_h5_vlen_str_type(H5T_CSET_UTF8);
    hid_t space = H5Screate(H5S_SCALAR);
    const char *p = v ? v : "";
    int st = type < 0 || space < 0 ? KC_EHDF5 : write_attr(h, obj, name, type, type, space, &p);
    if (type >= 0)
        H5Tclose(type);
    if (space >= 0)
        H5Sclose(space);
    return st;
}

int kc_h5_attr_set_strv(kc_h5 *h, const char *obj, const char *name, size_t n,
                        const char *const *v)
{
    const char **p = calloc(n ? n : 1, sizeof *p);
    if (!p)
        return KC_ENOMEM;
    for (size_t i = 0; i < n; i++)
        p[i] = v[i] ? v[i] : "";
    hsize_t hd = n;
    hid_t type = kc_h5_vlen_str_type(H5T_CSET_UTF8);
    hid_t space = n ? H5Screate_simple(1, &hd, NULL) : H5Screate(H5S_NULL);
    int st = type < 0 || space < 0 ? KC_EHDF5
                                   : write_attr(h, obj, name, type, type, space, n ? p : NULL);
    if (type >= 0)
        H5Tclose(type);
    if (space >= 0)
        H5Sclose(space);
    free(p);
    return st;
}

int kc_h5_attr_set_f64(kc_h5 *h, const char *obj, const char *name, double v)
{
    hid_t space = H5Screate(H5S_SCALAR);
    int st = space < 0 ? KC_EHDF5
                       : write_attr(h, obj, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, space, &v);
    if (space >= 0)
        H5Sclose(space);
    return st;
}

int kc_h5_attr_set_f64_array(kc_h5 *h, const char *obj, const char *name, int rank,
                             const size_t *dims, const double *v)
{
    if (rank < 1 || rank > KC_H5_MAX_RANK)
        return attr_fail(h, KC_EINVAL, obj, name, "rank %d out of range", rank);
    hsize_t hd[KC_H5_MAX_RANK];
    size_t nelem = 1;
    for (int i = 0; i < rank; i++) {
        hd[i] = dims[i];
        nelem *= dims[i];
    }
    hid_t space = nelem ? H5Screate_simple(rank, hd, NULL) : H5Screate(H5S_NULL);
    int st = space < 0 ? KC_EHDF5
                       : write_attr(h, obj, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, space,
                                    nelem ? v : NULL);
    if (space >= 0)
        H5Sclose(space);
    return st;
}

int kc_h5_attr_set_f64v(kc_h5 *h, const char *obj, const char *name, size_t n, const double *v)
{
    return kc_h5_attr_set_f64_array(h, obj, name, 1, &n, v);
}

int kc_h5_attr_set_i64(kc_h5 *h, const char *obj, const char *name, int64_t v)
{
    hid_t space = H5Screate(H5S_SCALAR);
    int st = space < 0 ? KC_EHDF5
                       : write_attr(h, obj, name, H5T_STD_I64LE, H5T_NATIVE_INT64, space, &v);
    if (space >= 0)
        H5Sclose(space);
    return st;
}

int kc_h5_attr_set_i32v(kc_h5 *h, const char *obj, const char *name, size_t n,
                        const int32_t *v)
{
    hsize_t hd = n;
    hid_t space = H5Screate_simple(1, &hd, NULL);
    int st = space < 0 ? KC_EHDF5
                       : write_attr(h, obj, name, H5T_STD_I32LE, H5T_NATIVE_INT32, space, v);
    if (space >= 0)
        H5Sclose(space);
    return st;
}

bool kc_h5_attr_exists(kc_h5 *h, const char *obj, const char *name)
{
    if (!kc_h5_exists(h, obj))
        return false;
    return H5Aexists_by_name(h->fid, obj, name, H5P_DEFAULT) > 0;
}

/* Open attribute name of obj for reading; gives its type class and element count. */
static hid_t open_attr(kc_h5 *h, const char *obj, const char *name, H5T_class_t *cls,
                       size_t *npoints, int *st)
{
    char err[200];
    *st = KC_OK;
    if (!kc_h5_exists(h, obj)) {
        *st = attr_fail(h, KC_EMISSING, obj, name, "no object %s", obj);
        return H5I_INVALID_HID;
    }
    if (H5Aexists_by_name(h->fid, obj, name, H5P_DEFAULT) <= 0) {
        *st = attr_fail(h, KC_EMISSING, obj, name, "no such attribute");
        return H5I_INVALID_HID;
    }
    hid_t a = H5Aopen_by_name(h->fid, obj, name, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0) {
        *st = attr_fail(h, KC_EFORMAT, obj, name, "cannot open (%s)", kc_h5_errmsg(err));
        return a;
    }
    hid_t type = H5Aget_type(a);
    hid_t space = H5Aget_space(a);
    hssize_t np = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
    if (type < 0 || np < 0) {
        *st = attr_fail(h, KC_EFORMAT, obj, name, "unreadable type or dataspace");
        if (type >= 0)
            H5Tclose(type);
        if (space >= 0)
            H5Sclose(space);
        H5Aclose(a);
        return H5I_INVALID_HID;
    }
    if (space >= 0 && H5Sget_simple_extent_type(space) == H5S_NULL)
        np = 0;
    *cls = H5Tget_class(type);
    *npoints = (size_t)np;
    H5Tclose(type);
    H5Sclose(space);
    return a;
}

static herr_t aread_all(hid_t a, hid_t mt, void *buf)
{
    return H5Aread(a, mt, buf);
}

/* Read all values of an attribute of string class. */
static int attr_strings(kc_h5 *h, hid_t a, const char *obj, const char *name, size_t n,
                        char ***out)
{
    char err[200];
    hid_t ftype = H5Aget_type(a);
    hid_t space = H5Aget_space(a);
    int st = kc_h5_read_string_values(a, ftype, space, n, aread_all, out);
    if (st == KC_EFORMAT)
        kc_h5_errmsg(err);
    H5Tclose(ftype);
    H5Sclose(space);
    if (st == KC_EFORMAT)
        return attr_fail(h, st, obj, name, "corrupt string (%s)", err);
    if (st)
        return attr_fail(h, st, obj, name, "out of memory");
    return KC_OK;
}

int kc_h5_attr_get_str(kc_h5 *h, const char *obj, const char *name, char **v)
{
    H5T_class_t cls;
    size_t np;
    int st;
    *v = NULL;
    hid_t a = open_attr(h, obj, name, &cls, &np, &st);
    if (a < 0)
        return st;
    if (cls != H5T_STRING)
        st = attr_fail(h, KC_ETYPE, obj, name, "expected a string, found %s",
                       kc_h5_class_name(cls));
    else if (np != 1)
        st = attr_fail(h, KC_ESHAPE, obj, name, "expected one string, found %zu", np);
    else {
        char **s = NULL;
        if ((st = attr_strings(h, a, obj, name, 1, &s)) == KC_OK) {
            *v = s[0];
            free(s);
        }
    }
    H5Aclose(a);
    return st;
}

static int attr_get_f64_n(kc_h5 *h, const char *obj, const char *name, size_t n, double *v,
                          bool exact)
{
    H5T_class_t cls;
    size_t np;
    int st;
    char err[200];
    hid_t a = open_attr(h, obj, name, &cls, &np, &st);
    if (a < 0)
        return st;
    if (cls != H5T_FLOAT && cls != H5T_INTEGER)
        st = attr_fail(h, KC_ETYPE, obj, name, "expected numbers, found %s", kc_h5_class_name(cls));
    else if (np != n || (!exact && np == 0))
        st = attr_fail(h, KC_ESHAPE, obj, name, "expected %zu number%s, found %zu", n,
                       n == 1 ? "" : "s", np);
    else if (n > 0 && H5Aread(a, H5T_NATIVE_DOUBLE, v) < 0)
        st = attr_fail(h, KC_EFORMAT, obj, name, "corrupt value (%s)", kc_h5_errmsg(err));
    H5Aclose(a);
    return st;
}

int kc_h5_attr_get_f64(kc_h5 *h, const char *obj, const char *name, double *v)
{
    return attr_get_f64_n(h, obj, name, 1, v, true);
}

int kc_h5_attr_get_f64v(kc_h5 *h, const char *obj, const char *name, size_t n, double *v)
{
    return attr_get_f64_n(h, obj, name, n, v, true);
}

int kc_h5_attr_get_i64(kc_h5 *h, const char *obj, const char *name, int64_t *v)
{
    H5T_class_t cls;
    size_t np;
    int st;
    char err[200];
    hid_t a = open_attr(h, obj, name, &cls, &np, &st);
    if (a < 0)
        return st;
    if (cls != H5T_INTEGER)
        st = attr_fail(h, KC_ETYPE, obj, name, "expected an integer, found %s",
                       kc_h5_class_name(cls));
    else if (np != 1)
        st = attr_fail(h, KC_ESHAPE, obj, name, "expected one integer, found %zu", np);
    else if (H5Aread(a, H5T_NATIVE_INT64, v) < 0)
        st = attr_fail(h, KC_EFORMAT, obj, name, "corrupt value (%s)", kc_h5_errmsg(err));
    H5Aclose(a);
    return st;
}

int kc_h5_attr_get_strv(kc_h5 *h, const char *obj, const char *name, size_t *n, char ***v)
{
    H5T_class_t cls;
    size_t np;
    int st;
    *v = NULL;
    hid_t a = open_attr(h, obj, name, &cls, &np, &st);
    if (a < 0)
        return st;
    if (cls != H5T_STRING)
        st = attr_fail(h, KC_ETYPE, obj, name, "expected strings, found %s", kc_h5_class_name(cls));
    else if (*n && np != *n)
        st = attr_fail(h, KC_ESHAPE, obj, name, "expected %zu strings, found %zu", *n, np);
    else if ((st = attr_strings(h, a, obj, name, np, v)) == KC_OK)
        *n = np;
    H5Aclose(a);
    return st;
}

static herr_t attr_list_cb(hid_t o, const char *name, const H5A_info_t *info, void *data)
{
    (void)o;
    (void)info;
    return kc_h5_name_list_add(data, name);
}

int kc_h5_attr_list(kc_h5 *h, const char *obj, size_t *n, char ***names)
{
    int st = KC_OK;
    char err[200];
    *n = 0;
    *names = NULL;
    hid_t o = open_obj(h, obj, "*", &st);
    if (o < 0)
        return st;
    kc_h5_name_list l = {0, 0, NULL, KC_OK};
    hsize_t idx = 0;
    if (H5Aiterate2(o, H5_INDEX_NAME, H5_ITER_INC, &idx, attr_list_cb, &l) < 0 && !l.status)
        l.status = attr_fail(h, KC_EFORMAT, obj, "*", "cannot list attributes (%s)",
                             kc_h5_errmsg(err));
    H5Oclose(o);
    return kc_h5_name_list_finish(&l, n, names);
}

/* ---- attribute sets ------------------------------------------------------------------- */

static kc_attr *attrs_slot(kc_attrs *a, const char *name, int *st)
{
    *st = KC_OK;
    if (!name || !*name) {
        *st = KC_EINVAL;
        return NULL;
    }
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->items[i].name, name) == 0) {
            free(a->items[i].str);
            free(a->items[i].v);
            a->items[i].str = NULL;
            a->items[i].v = NULL;
            a->items[i].n = 0;
            return &a->items[i];
        }
    kc_attr *p = realloc(a->items, (a->n + 1) * sizeof *p);
    if (!p) {
        *st = KC_ENOMEM;
        return NULL;
    }
    a->items = p;
    kc_attr *s = &a->items[a->n];
    memset(s, 0, sizeof *s);
    if (!(s->name = strdup(name))) {
        *st = KC_ENOMEM;
        return NULL;
    }
    a->n++;
    return s;
}

int kc_attrs_set_str(kc_attrs *a, const char *name, const char *v)
{
    int st;
    kc_attr *s = attrs_slot(a, name, &st);
    if (!s)
        return st;
    if (!(s->str = strdup(v ? v : "")))
        return KC_ENOMEM;
    return KC_OK;
}

int kc_attrs_set_f64v(kc_attrs *a, const char *name, size_t n, const double *v)
{
    if (n == 0)
        return KC_EINVAL;
    int st;
    kc_attr *s = attrs_slot(a, name, &st);
    if (!s)
        return st;
    if (!(s->v = kc_malloc_array(n, sizeof *s->v)))
        return KC_ENOMEM;
    memcpy(s->v, v, n * sizeof *v);
    s->n = n;
    return KC_OK;
}

int kc_attrs_set_f64(kc_attrs *a, const char *name, double v)
{
    return kc_attrs_set_f64v(a, name, 1, &v);
}

const kc_attr *kc_attrs_find(const kc_attrs *a, const char *name)
{
    if (!a || !name)
        return NULL;
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->items[i].name, name) == 0)
            return &a->items[i];
    return NULL;
}

void kc_attrs_clear(kc_attrs *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->n; i++) {
        free(a->items[i].name);
        free(a->items[i].str);
        free(a->items[i].v);
    }
    free(a->items);
    a->items = NULL;
    a->n = 0;
}

int kc_attrs_copy(kc_attrs *dst, const kc_attrs *src)
{
    kc_attrs_clear(dst);
    for (size_t i = 0; src && i < src->n; i++) {
        const kc_attr *s = &src->items[i];
        int st = s->str ? kc_attrs_set_str(dst, s->name, s->str)
                        : kc_attrs_set_f64v(dst, s->name, s->n, s->v);
        if (st) {
            kc_attrs_clear(dst);
            return st;
        }
    }
    return KC_OK;
}

int kc_h5_write_attrs(kc_h5 *h, const char *obj, const kc_attrs *a)
{
    int st = KC_OK;
    if (!kc_h5_exists(h, obj) && (st = kc_h5_group(h, obj)))
        return st;
    for (size_t i = 0; a && i < a->n && !st; i++) {
        const kc_attr *s = &a->items[i];
        if (s->str)
            st = kc_h5_attr_set_str(h, obj, s->name, s->str);
        else if (s->n == 1)
            st = kc_h5_attr_set_f64(h, obj, s->name, s->v[0]);
        else
            st = kc_h5_attr_set_f64v(h, obj, s->name, s->n, s->v);
    }
    return st;
}

int kc_h5_read_attrs(kc_h5 *h, const char *obj, kc_attrs *a)
{
    size_t n = 0;
    char **names = NULL;
    kc_attrs_clear(a);
    int st = kc_h5_attr_list(h, obj, &n, &names);
    for (size_t i = 0; i < n && !st; i++) {
        H5T_class_t cls;
        size_t np;
        hid_t at = open_attr(h, obj, names[i], &cls, &np, &st);
        if (at < 0)
            break;
        H5Aclose(at);
        if (cls == H5T_STRING && np == 1) {
            char *v = NULL;
            if ((st = kc_h5_attr_get_str(h, obj, names[i], &v)) == KC_OK)
                st = kc_attrs_set_str(a, names[i], v);
            free(v);
        } else if ((cls == H5T_FLOAT || cls == H5T_INTEGER) && np >= 1) {
            double *v = kc_malloc_array(np, sizeof *v);
            if (!v) {
                st = KC_ENOMEM;
                break;
            }
            if ((st = kc_h5_attr_get_f64v(h, obj, names[i], np, v)) == KC_OK)
                st = kc_attrs_set_f64v(a, names[i], np, v);
            free(v);
        } /* else: a type this version does not know; ignored */
    }
    kc_strv_free(names, n);
    if (st)
        kc_attrs_clear(a);
    return st;
}
