/* kinechain — tables (kc_table) as HDF5 groups: one 1-D dataset per column, named by the
 * column, and a "columns" attribute that gives their order. String columns are string
 * datasets ("" for a missing cell); numeric ones are f64 or int64 datasets with units.
 * Reading checks that every column is 1-D with the same number of rows and of a type a
 * table can hold; kc_h5_read_table_spec also checks the columns a reader requires.
 */
#include "kinechain/h5io.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>

#include "h5io_internal.h"
#include "table_internal.h"

/* ---- tables --------------------------------------------------------------------------- */

/* A generated table (kc_table_alloc_generated), block by block: every column dataset is
 * created with its final row count and the layout kc_h5_write gives a column of that size
 * (numbers contiguous under 1 MiB, else 512 KiB chunks with shuffle + deflate 4; NaN /
 * INT64_MIN fill; no timestamps), then each block of rows is written into all of them through
 * a hyperslab, so that memory holds one block (and HDF5's free lists are emptied after each
 * block).
 * String columns are fixed-length UTF-8, null-padded, as wide as their longest value (a first
 * pass over the rows finds it), not variable-length as elsewhere: HDF5 keeps every
 * variable-length string it writes in its global heap in memory until the file is closed,
 * which made kc-stats' peak grow by ~0.6 KB per trial (29.2 MB at 2,000 trials, 34.7 at
 * 10,000; with fixed-length columns, and one column dataset open at a time, 22.6 and 24.3).
 * kc_h5_read_table reads either kind.
 * A column with a value longer than FIXED_STR_MAX bytes (a pasted note in a manifest cell)
 * stays variable-length: fixed, every row would take that width on disk and in the buffer. */
enum { FIXED_STR_MAX = 1024 };
static int string_widths(const kc_table *t, kc_table *block, size_t *width)
{
    const int nc = kc_table_ncols(t);
    const size_t nr = kc_table_nrows(t);
    for (int c = 0; c < nc; c++)
        width[c] = 1;   /* HDF5 has no zero-length fixed string */
    for (size_t r = 0; r < nr; r += KC_TABLE_BLOCK) {
        size_t n = nr - r < KC_TABLE_BLOCK ? nr - r : KC_TABLE_BLOCK;
        int st = kc_table_rows(t, r, n, block);
        if (st)
            return st;
        for (int c = 0; c < nc; c++) {
            if (kc_table_col_type(t, c) != KC_COL_STR)
                continue;
            const char *const *v = kc_table_col_cdata(block, c);
            for (size_t i = 0; i < n; i++) {
                size_t l = v[i] ? strlen(v[i]) : 0;
                if (l > width[c])
                    width[c] = l;
            }
        }
    }
    return KC_OK;
}

static int write_generated(kc_h5 *h, const char *group, const kc_table *t)
{
    enum { CONTIGUOUS_MAX = 1 << 20, CHUNK_BYTES = 1 << 19 };
    const int nc = kc_table_ncols(t);
    const size_t nr = kc_table_nrows(t);
    hid_t fid = (hid_t)kc_h5_id(h);
    const size_t ncol = nc > 0 ? (size_t)nc : 1;
    hid_t *ds = malloc(ncol * sizeof *ds), *str = malloc(ncol * sizeof *str);
    size_t *width = malloc(ncol * sizeof *width), wmax = 1;
    hid_t space = H5I_INVALID_HID, mspace = H5I_INVALID_HID, lcpl = H5I_INVALID_HID;
    kc_table *block = kc_table_alloc_like(t);
    char *packed = NULL;
    char path[512], err[200];
    int st = KC_OK;
    if (!ds || !str || !width || !block) {
        free(ds);
        free(str);
        free(width);
        kc_table_free(block);
        return KC_ENOMEM;
    }
    for (int c = 0; c < nc; c++)
        ds[c] = str[c] = H5I_INVALID_HID;
    if ((st = string_widths(t, block, width)))
        goto done;
    for (int c = 0; c < nc; c++)
        if (kc_table_col_type(t, c) == KC_COL_STR && width[c] <= FIXED_STR_MAX &&
            width[c] > wmax)
            wmax = width[c];
    if (!(packed = kc_malloc_array(nr < KC_TABLE_BLOCK ? (nr ? nr : 1) : KC_TABLE_BLOCK, wmax))) {
        st = KC_ENOMEM;
        goto done;
    }
    hsize_t hd = nr;
    space = H5Screate_simple(1, &hd, NULL);
    lcpl = H5Pcreate(H5P_LINK_CREATE);
    if (space < 0 || lcpl < 0) {
        st = kc_h5_fail(h, KC_EHDF5, group, "cannot set up columns (%s)", kc_h5_errmsg(err));
        goto done;
    }
    for (int c = 0; c < nc; c++) {
        if (kc_table_col_type(t, c) != KC_COL_STR)
            continue;
        int bad;
        if (width[c] > FIXED_STR_MAX)
            bad = (str[c] = kc_h5_vlen_str_type(H5T_CSET_UTF8)) < 0;
        else
            bad = (str[c] = H5Tcopy(H5T_C_S1)) < 0 || H5Tset_size(str[c], width[c]) < 0 ||
                  H5Tset_strpad(str[c], H5T_STR_NULLPAD) < 0 ||
                  H5Tset_cset(str[c], H5T_CSET_UTF8) < 0;
        if (bad) {
            st = kc_h5_fail(h, KC_EHDF5, group, "cannot set up columns (%s)", kc_h5_errmsg(err));
            goto done;
        }
    }
    H5Pset_char_encoding(lcpl, H5T_CSET_UTF8);
    for (int c = 0; c < nc; c++) {
        enum kc_col_type ty = kc_table_col_type(t, c);
        hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
        if (dcpl < 0) {
            st = kc_h5_fail(h, KC_EHDF5, group, "cannot set up columns (%s)", kc_h5_errmsg(err));
            goto done;
        }
        H5Pset_obj_track_times(dcpl, 0);
        if (ty == KC_COL_F64) {
            double fill = NAN;
            H5Pset_fill_value(dcpl, H5T_NATIVE_DOUBLE, &fill);
        } else if (ty == KC_COL_I64) {
            int64_t fill = INT64_MIN;
            H5Pset_fill_value(dcpl, H5T_NATIVE_INT64, &fill);
        }
        if (ty != KC_COL_STR && nr * 8 >= CONTIGUOUS_MAX) {
            hsize_t chunk = CHUNK_BYTES / 8 < nr ? CHUNK_BYTES / 8 : nr;
            H5Pset_chunk(dcpl, 1, &chunk);
            H5Pset_shuffle(dcpl);
            H5Pset_deflate(dcpl, 4);
        } else if (ty != KC_COL_STR) {
            H5Pset_layout(dcpl, H5D_CONTIGUOUS);
        }
        kc_h5_join(path, sizeof path, group, kc_table_col_name(t, c));
        ds[c] = H5Dcreate2(fid, path,
                           ty == KC_COL_STR   ? str[c]
                           : ty == KC_COL_F64 ? H5T_IEEE_F64LE
                                              : H5T_STD_I64LE,
                           space, lcpl, dcpl, H5P_DEFAULT);
        H5Pclose(dcpl);
        if (ds[c] < 0) {
            st = kc_h5_fail(h, KC_EHDF5, path, "cannot create dataset (%s)", kc_h5_errmsg(err));
            goto done;
        }
        H5Dclose(ds[c]);
        ds[c] = H5I_INVALID_HID;
    }
    for (size_t r = 0; r < nr; r += KC_TABLE_BLOCK) {
        size_t n = nr - r < KC_TABLE_BLOCK ? nr - r : KC_TABLE_BLOCK;
        if ((st = kc_table_rows(t, r, n, block)))
            goto done;
        hsize_t start = r, count = n;
        if (mspace >= 0)
            H5Sclose(mspace);
        mspace = H5Screate_simple(1, &count, NULL);
        if (mspace < 0 || H5Sselect_hyperslab(space, H5S_SELECT_SET, &start, NULL, &count, NULL) < 0) {
            st = kc_h5_fail(h, KC_EHDF5, group, "cannot select rows (%s)", kc_h5_errmsg(err));
            goto done;
        }
        for (int c = 0; c < nc; c++) {
            enum kc_col_type ty = kc_table_col_type(t, c);
            hid_t mt = ty == KC_COL_STR   ? str[c]
                       : ty == KC_COL_F64 ? H5T_NATIVE_DOUBLE
                                          : H5T_NATIVE_INT64;
            const void *data = kc_table_col_cdata(block, c);
            if (ty == KC_COL_STR && width[c] <= FIXED_STR_MAX) {   /* null-padded to width */
                const char *const *v = data;
                memset(packed, 0, n * width[c]);
                for (size_t i = 0; i < n; i++)
                    if (v[i])
                        memcpy(packed + i * width[c], v[i], strlen(v[i]));
                data = packed;
            }
            /* one column open at a time: an open contiguous dataset keeps a sieve buffer of
             * up to 64 KiB, which over a trials table's hundreds of columns grew with rows */
            kc_h5_join(path, sizeof path, group, kc_table_col_name(t, c));
            if ((ds[c] = H5Dopen2(fid, path, H5P_DEFAULT)) < 0 ||
                H5Dwrite(ds[c], mt, mspace, space, H5P_DEFAULT, data) < 0) {
                st = kc_h5_fail(h, KC_EIO, path, "write failed (%s)", kc_h5_errmsg(err));
                goto done;
            }
            H5Dclose(ds[c]);
            ds[c] = H5I_INVALID_HID;
        }
        /* HDF5 keeps memory it freed on its free lists (by default up to 16 MiB of blocks):
         * emptied here, kc-stats' peak at 10,000 trials went from 36.5 to 33.9 MB */
        H5garbage_collect();
    }
    for (int c = 0; c < nc && !st; c++) {
        kc_h5_join(path, sizeof path, group, kc_table_col_name(t, c));
        const char *u = kc_table_units(t, c);
        if (kc_table_col_type(t, c) != KC_COL_STR)
            st = kc_h5_attr_set_str(h, path, "units", u ? u : "");
        if (!st)
            st = kc_h5_attr_set_str(h, path, "dims", "row");
    }
done:
    for (int c = 0; c < nc; c++)
        if (ds[c] >= 0)
            H5Dclose(ds[c]);
    if (mspace >= 0)
        H5Sclose(mspace);
    if (space >= 0)
        H5Sclose(space);
    if (lcpl >= 0)
        H5Pclose(lcpl);
    for (int c = 0; c < nc; c++)
        if (str[c] >= 0)
            H5Tclose(str[c]);
    free(ds);
    free(str);
    free(width);
    free(packed);
    kc_table_free(block);
    return st;
}

int kc_h5_write_table(kc_h5 *h, const char *group, const kc_table *t)
{
    int st;
    char path[512];
    int nc = kc_table_ncols(t);
    size_t nr = kc_table_nrows(t);
    if ((st = kc_h5_group(h, group)))
        return st;
    const char **names = calloc(nc > 0 ? (size_t)nc : 1, sizeof *names);
    if (!names)
        return KC_ENOMEM;
    for (int c = 0; c < nc; c++) {
        names[c] = kc_table_col_name(t, c);
        if (!kc_h5_valid_name(names[c])) {
            st = kc_h5_fail(h, KC_EINVAL, group, "invalid column name \"%s\"",
                            names[c] ? names[c] : "(null)");
            free(names);
            return st;
        }
    }
    st = kc_h5_attr_set_strv(h, group, "columns", (size_t)nc, names);
    free(names);
    if (!st && kc_table_is_generated(t))
        return write_generated(h, group, t);
    for (int c = 0; c < nc && !st; c++) {
        kc_h5_join(path, sizeof path, group, kc_table_col_name(t, c));
        const void *data = kc_table_col_cdata(t, c);
        switch (kc_table_col_type(t, c)) {
        case KC_COL_STR:
            if (!(st = kc_h5_write_strings(h, path, nr, (const char *const *)data)))
                st = kc_h5_attr_set_str(h, path, "dims", "row");
            break;
        case KC_COL_F64:
        case KC_COL_I64: {
            const char *u = kc_table_units(t, c);
            enum kc_h5_type ty = kc_table_col_type(t, c) == KC_COL_F64 ? KC_H5_F64 : KC_H5_I64;
            st = kc_h5_write(h, path, ty, 1, &nr, data, u ? u : "", "row");
            break;
        }
        }
    }
    return st;
}

int kc_h5_read_table(kc_h5 *h, const char *group, const char *const *required, kc_table **out)
{
    int st = KC_OK;
    size_t nc = 0;
    char **cols = NULL;
    enum kc_col_type *types = NULL;
    kc_table *t = NULL;
    char path[512];
    *out = NULL;

    if (!kc_h5_exists(h, group))
        return kc_h5_fail(h, KC_EMISSING, group, "no such table");
    if (!kc_h5_is_group(h, group))
        return kc_h5_fail(h, KC_ETYPE, group, "expected a table (a group), found a dataset");
    /* nc == 0: any number of names */
    if ((st = kc_h5_attr_get_strv(h, group, "columns", &nc, &cols)))
        return st;
    for (size_t r = 0; required && required[r]; r++) {
        size_t c = 0;
        while (c < nc && strcmp(cols[c], required[r]) != 0)
            c++;
        if (c == nc) {
            st = kc_h5_fail(h, KC_EMISSING, group, "no column \"%s\"", required[r]);
            goto fail;
        }
    }
    types = calloc(nc ? nc : 1, sizeof *types);
    if (!types) {
        st = KC_ENOMEM;
        goto fail;
    }
    size_t nrows = 0;
    for (size_t c = 0; c < nc; c++) {
        hid_t ds;
        int rank;
        hsize_t hd[KC_H5_MAX_RANK];
        H5T_class_t cls;
        if (!kc_h5_valid_name(cols[c])) {
            st = kc_h5_fail(h, KC_EFORMAT, group, "invalid column name \"%s\"", cols[c]);
            goto fail;
        }
        kc_h5_join(path, sizeof path, group, cols[c]);
        if ((st = kc_h5_open_dataset(h, path, &ds, &rank, hd, &cls)))
            goto fail;
        H5Dclose(ds);
        if (rank != 1) {
            char found[160];
            kc_h5_format_dims(found, sizeof found, rank, hd, NULL);
            st = kc_h5_fail(h, KC_ESHAPE, path, "expected a 1-D column, found %s", found);
            goto fail;
        }
        if (c > 0 && (size_t)hd[0] != nrows) {
            st = kc_h5_fail(h, KC_ESHAPE, path, "expected %zu rows like column \"%s\", found %llu",
                            nrows, cols[0], (unsigned long long)hd[0]);
            goto fail;
        }
        nrows = (size_t)hd[0];
        if (cls == H5T_STRING)
            types[c] = KC_COL_STR;
        else if (cls == H5T_FLOAT)
            types[c] = KC_COL_F64;
        else if (cls == H5T_INTEGER)
            types[c] = KC_COL_I64;
        else {
            st = kc_h5_fail(h, KC_ETYPE, path, "expected strings or numbers, found %s",
                            kc_h5_class_name(cls));
            goto fail;
        }
    }
    t = kc_table_alloc((int)nc, (const char *const *)cols, types);
    if (!t || kc_table_resize(t, nrows)) {
        st = KC_ENOMEM;
        goto fail;
    }
    for (size_t c = 0; c < nc; c++) {
        kc_h5_join(path, sizeof path, group, cols[c]);
        if (types[c] == KC_COL_STR) {
            size_t n = nrows;
            char **s = NULL;
            if ((st = kc_h5_read_strings(h, path, &n, &s)))
                goto fail;
            for (size_t r = 0; r < n; r++) {
                if (s[r][0])
                    kc_table_take_str(t, r, (int)c, s[r]);
                else
                    free(s[r]);
            }
            free(s);
        } else {
            size_t d = nrows;
            void *v = NULL;
            enum kc_h5_type ty = types[c] == KC_COL_F64 ? KC_H5_F64 : KC_H5_I64;
            if ((st = kc_h5_read(h, path, ty, 1, &d, &v)))
                goto fail;
            if (nrows)
                memcpy(kc_table_col_data(t, (int)c), v, nrows * 8);
            free(v);
            if (kc_h5_attr_exists(h, path, "units")) {
                char *u = NULL;
                if ((st = kc_h5_attr_get_str(h, path, "units", &u)))
                    goto fail;
                st = *u ? kc_table_set_units(t, (int)c, u) : KC_OK;
                free(u);
                if (st)
                    goto fail;
            }
        }
    }
    *out = t;
    t = NULL;
fail:
    kc_table_free(t);
    free(types);
    kc_strv_free(cols, nc);
    return st;
}

int kc_h5_read_table_spec(kc_h5 *h, const char *group, size_t n, const kc_colspec *spec,
                          kc_table **out)
{
    kc_table *t = NULL;
    *out = NULL;
    const char **req = calloc(n + 1, sizeof *req);
    if (!req)
        return KC_ENOMEM;
    for (size_t i = 0; i < n; i++)
        req[i] = spec[i].name;
    int st = kc_h5_read_table(h, group, req, &t);
    free(req);
    if (st)
        return st;
    static const char *const tname[] = {"strings", "floating-point numbers", "integers"};
    for (size_t i = 0; i < n; i++) {
        int c = kc_table_find(t, spec[i].name);
        enum kc_col_type ty = kc_table_col_type(t, c);
        bool ok = spec[i].type == KC_COL_NUMBER ? ty != KC_COL_STR : ty == spec[i].type;
        if (!ok) {
            char path[512];
            kc_h5_join(path, sizeof path, group, spec[i].name);
            kc_table_free(t);
            return kc_h5_fail(h, KC_ETYPE, path, "expected %s, found %s",
                              spec[i].type == KC_COL_NUMBER ? "numbers" : tname[spec[i].type],
                              tname[ty]);
        }
    }
    *out = t;
    return KC_OK;
}

kc_table *kc_table_from_spec(size_t n, const kc_colspec *spec)
{
    const char **names = calloc(n ? n : 1, sizeof *names);
    enum kc_col_type *types = calloc(n ? n : 1, sizeof *types);
    kc_table *t = NULL;
    if (names && types) {
        for (size_t i = 0; i < n; i++) {
            names[i] = spec[i].name;
            types[i] = spec[i].type == KC_COL_NUMBER ? KC_COL_F64 : spec[i].type;
        }
        t = kc_table_alloc((int)n, names, types);
    }
    free(names);
    free(types);
    return t;
}
