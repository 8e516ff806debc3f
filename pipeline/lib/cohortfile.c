/* kinechain — cohort results (cohort.h5). */
#include "kinechain/cohortfile.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "h5io_internal.h"
#include "kinechain/log.h"

#define KC_KIND_COHORT "cohort"

kc_cohort *kc_cohort_alloc(void)
{
    return calloc(1, sizeof(kc_cohort));
}

static void curves_free(kc_curves *c)
{
    free(c->name);
    free(c->phase);
    free(c->channel);
    free(c->units);
    free(c->data);
    if (c->spill)
        fclose(c->spill);
    kc_table_free(c->index);
}

void kc_cohort_free(kc_cohort *c)
{
    if (!c)
        return;
    free(c->manifest);
    for (size_t i = 0; i < c->n_tables; i++)
        kc_table_free(c->tables[i]);
    kc_strv_free(c->table_names, c->n_tables);
    free(c->tables);
    for (size_t i = 0; i < c->n_curves; i++)
        curves_free(&c->curves[i]);
    free(c->curves);
    free(c);
}

int kc_cohort_add_table(kc_cohort *c, const char *name, kc_table *t)
{
    int st = KC_OK;
    if (!t || !kc_h5_valid_name(name) || kc_cohort_table(c, name)) {
        st = KC_EINVAL;
        goto fail;
    }
    char **names = realloc(c->table_names, (c->n_tables + 1) * sizeof *names);
    if (!names) {
        st = KC_ENOMEM;
        goto fail;
    }
    c->table_names = names;
    kc_table **tables = realloc(c->tables, (c->n_tables + 1) * sizeof *tables);
    if (!tables) {
        st = KC_ENOMEM;
        goto fail;
    }
    c->tables = tables;
    if (!(names[c->n_tables] = strdup(name))) {
        st = KC_ENOMEM;
        goto fail;
    }
    tables[c->n_tables++] = t;
    return KC_OK;
fail:
    kc_table_free(t);
    return st;
}

/* Append an ensemble slot named `name` owning `index` (and `spill` when given): the common part
 * of kc_cohort_add_curves and kc_cohort_add_curves_spilled. On failure the slot, the index and
 * the spill file are released and *out is NULL. */
static int curves_append(kc_cohort *c, const char *name, const char *phase, const char *channel,
                         const char *units, size_t n, size_t p, size_t k, FILE *spill,
                         kc_table *index, kc_curves **out)
{
    *out = NULL;
    kc_curves *arr = realloc(c->curves, (c->n_curves + 1) * sizeof *arr);
    if (!arr) {
        if (spill)
            fclose(spill);
        kc_table_free(index);
        return KC_ENOMEM;
    }
    c->curves = arr;
    kc_curves *cv = &arr[c->n_curves];
    memset(cv, 0, sizeof *cv);
    cv->spill = spill;
    cv->index = index;
    cv->name = strdup(name);
    cv->phase = strdup(phase ? phase : "");
    cv->channel = strdup(channel ? channel : "");
    cv->units = strdup(units ? units : "");
    if (!cv->name || !cv->phase || !cv->channel || !cv->units) {
        curves_free(cv);   /* closes spill, frees index */
        return KC_ENOMEM;
    }
    cv->n_curves = n;
    cv->n_points = p;
    cv->n_components = k;
    *out = cv;
    return KC_OK;
}

int kc_cohort_add_curves(kc_cohort *c, const char *name, const char *phase, const char *channel,
                         const char *units, size_t n, size_t p, size_t k, const double *data,
                         kc_table *index)
{
    size_t count = n * p * k;
    if (!kc_h5_valid_name(name) || kc_cohort_curves(c, name) || !index ||
        kc_table_nrows(index) != n || (count && !data) || (p && k && count / (p * k) != n)) {
        kc_table_free(index);
        return KC_EINVAL;
    }
    double *copy = kc_malloc_array(count, sizeof(double));
    if (!copy) {
        kc_table_free(index);
        return KC_ENOMEM;
    }
    if (count)
        memcpy(copy, data, count * sizeof(double));
    kc_curves *cv;
    int st = curves_append(c, name, phase, channel, units, n, p, k, NULL, index, &cv);
    if (st) {
        free(copy);
        return st;
    }
    cv->data = copy;
    c->n_curves++;
    return KC_OK;
}

int kc_cohort_add_curves_spilled(kc_cohort *c, const char *name, const char *phase,
                                 const char *channel, const char *units, size_t n, size_t p,
                                 size_t k, FILE *spill, kc_table *index)
{
    if (!spill || !kc_h5_valid_name(name) || kc_cohort_curves(c, name) || !index ||
        kc_table_nrows(index) != n) {
        if (spill)
            fclose(spill);
        kc_table_free(index);
        return KC_EINVAL;
    }
    kc_curves *cv;
    int st = curves_append(c, name, phase, channel, units, n, p, k, spill, index, &cv);
    if (st)
        return st;
    c->n_curves++;
    return KC_OK;
}

int kc_curves_read(const kc_curves *cv, size_t first, size_t count, double *buf)
{
    size_t m = cv->n_points * cv->n_components;
    if (first > cv->n_curves || count > cv->n_curves - first)
        return KC_EINVAL;
    if (count == 0)
        return KC_OK;
    if (cv->data) {
        memcpy(buf, cv->data + first * m, count * m * sizeof *buf);
        return KC_OK;
    }
    if (!cv->spill || fseeko(cv->spill, (off_t)(first * m * sizeof *buf), SEEK_SET) != 0 ||
        fread(buf, sizeof *buf, count * m, cv->spill) != count * m) {
        KC_ERROR("curves \"%s\": cannot read curves %zu..%zu back from the temporary file",
                 cv->name, first, first + count - 1);
        return KC_EIO;
    }
    return KC_OK;
}

/* Write spilled curves as /curves/<name>/data [N,P,K], block by block through a hyperslab, with
 * the layout kc_h5_write gives an array of that size (contiguous under 1 MiB, else 512 KiB
 * chunks along N with shuffle + deflate 4; fill NaN; no timestamps) and its units/dims
 * attributes. */
static int write_spilled(kc_h5 *h, const char *path, const kc_curves *cv)
{
    enum { BLOCK = 256 };
    const size_t m = cv->n_points * cv->n_components;
    hsize_t hd[3] = {cv->n_curves, cv->n_points, cv->n_components};
    hid_t space = H5I_INVALID_HID, dcpl = H5I_INVALID_HID, ds = H5I_INVALID_HID;
    hid_t mspace = H5I_INVALID_HID, lcpl = H5I_INVALID_HID;
    double *buf = kc_malloc_array(BLOCK * m + 1, sizeof *buf);
    char err[200];
    int st = KC_OK;
    if (!buf)
        return KC_ENOMEM;
    space = H5Screate_simple(3, hd, NULL);
    dcpl = H5Pcreate(H5P_DATASET_CREATE);
    lcpl = H5Pcreate(H5P_LINK_CREATE);
    if (space < 0 || dcpl < 0 || lcpl < 0) {
        st = kc_h5_fail(h, KC_EHDF5, path, "cannot set up dataset (%s)", kc_h5_errmsg(err));
        goto done;
    }
    H5Pset_obj_track_times(dcpl, 0);
    H5Pset_char_encoding(lcpl, H5T_CSET_UTF8);
    double fill = NAN;
    H5Pset_fill_value(dcpl, H5T_NATIVE_DOUBLE, &fill);
    if (cv->n_curves * m * sizeof(double) >= (1u << 20)) {
        size_t rows = (1u << 19) / (m * sizeof(double));
        hsize_t chunk[3] = {rows < 1 ? 1 : rows < cv->n_curves ? rows : cv->n_curves,
                            cv->n_points, cv->n_components};
        H5Pset_chunk(dcpl, 3, chunk);
        H5Pset_shuffle(dcpl);
        H5Pset_deflate(dcpl, 4);
    } else {
        H5Pset_layout(dcpl, H5D_CONTIGUOUS);
    }
    ds = H5Dcreate2((hid_t)kc_h5_id(h), path, H5T_IEEE_F64LE, space, lcpl, dcpl, H5P_DEFAULT);
    if (ds < 0) {
        st = kc_h5_fail(h, KC_EHDF5, path, "cannot create dataset (%s)", kc_h5_errmsg(err));
        goto done;
    }
    for (size_t i = 0; i < cv->n_curves; i += BLOCK) {
        size_t cnt = cv->n_curves - i < BLOCK ? cv->n_curves - i : BLOCK;
        if ((st = kc_curves_read(cv, i, cnt, buf)))
            goto done;
        hsize_t start[3] = {i, 0, 0}, count[3] = {cnt, cv->n_points, cv->n_components};
        if (mspace >= 0)
            H5Sclose(mspace);
        mspace = H5Screate_simple(3, count, NULL);
        if (mspace < 0 ||
            H5Sselect_hyperslab(space, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
            H5Dwrite(ds, H5T_NATIVE_DOUBLE, mspace, space, H5P_DEFAULT, buf) < 0) {
            st = kc_h5_fail(h, KC_EIO, path, "write failed (%s)", kc_h5_errmsg(err));
            goto done;
        }
    }
    H5Dclose(ds);
    ds = H5I_INVALID_HID;
    if ((st = kc_h5_attr_set_str(h, path, "units", cv->units)) ||
        (st = kc_h5_attr_set_str(h, path, "dims", "curve,point,component")))
        goto done;
done:
    if (ds >= 0)
        H5Dclose(ds);
    if (mspace >= 0)
        H5Sclose(mspace);
    if (space >= 0)
        H5Sclose(space);
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (lcpl >= 0)
        H5Pclose(lcpl);
    free(buf);
    return st;
}

const kc_table *kc_cohort_table(const kc_cohort *c, const char *name)
{
    for (size_t i = 0; c && name && i < c->n_tables; i++)
        if (strcmp(c->table_names[i], name) == 0)
            return c->tables[i];
    return NULL;
}

const kc_curves *kc_cohort_curves(const kc_cohort *c, const char *name)
{
    for (size_t i = 0; c && name && i < c->n_curves; i++)
        if (strcmp(c->curves[i].name, name) == 0)
            return &c->curves[i];
    return NULL;
}

int kc_cohort_write(const char *path, const kc_cohort *c, const kc_provenance *prov)
{
    kc_h5 *h = NULL;
    char g[512], p[1024];
    int st = kc_h5_create(&h, path, KC_KIND_COHORT, prov);
    if (st)
        return st;
    if (c->manifest && (st = kc_h5_attr_set_str(h, "/", "manifest", c->manifest)))
        goto fail;
    if ((st = kc_h5_group(h, "/tables")) || (st = kc_h5_group(h, "/curves")))
        goto fail;
    for (size_t i = 0; i < c->n_tables; i++) {
        kc_h5_join(g, sizeof g, "/tables", c->table_names[i]);
        if ((st = kc_h5_write_table(h, g, c->tables[i])))
            goto fail;
    }
    for (size_t i = 0; i < c->n_curves; i++) {
        const kc_curves *cv = &c->curves[i];
        size_t dims[3] = {cv->n_curves, cv->n_points, cv->n_components};
        if (kc_table_nrows(cv->index) != cv->n_curves) {
            st = kc_h5_fail(h, KC_EINVAL, "/curves", "\"%s\": index has %zu rows for %zu curves",
                            cv->name, kc_table_nrows(cv->index), cv->n_curves);
            goto fail;
        }
        kc_h5_join(g, sizeof g, "/curves", cv->name);
        kc_h5_join(p, sizeof p, g, "data");
        if (cv->data || cv->n_curves == 0)
            st = kc_h5_write(h, p, KC_H5_F64, 3, dims, cv->data, cv->units,
                             "curve,point,component");
        else if (!(st = kc_h5_group(h, g)))
            st = write_spilled(h, p, cv);
        if (st ||
            (st = kc_h5_write_table(h, kc_h5_join(p, sizeof p, g, "index"), cv->index)) ||
            (st = kc_h5_attr_set_str(h, g, "phase", cv->phase)) ||
            (st = kc_h5_attr_set_str(h, g, "channel", cv->channel)))
            goto fail;
    }
    return kc_h5_commit(h);
fail:
    kc_h5_discard(h);
    return st;
}

int kc_cohort_read(const char *path, kc_cohort **out)
{
    kc_h5 *h = NULL;
    kc_cohort *c = NULL;
    size_t nm = 0;
    char **members = NULL;
    char g[512], p[1024];
    *out = NULL;
    int st = kc_h5_open(&h, path, KC_KIND_COHORT);
    if (st)
        return st;
    if (!(c = kc_cohort_alloc())) {
        st = KC_ENOMEM;
        goto fail;
    }
    if (kc_h5_attr_exists(h, "/", "manifest") &&
        (st = kc_h5_attr_get_str(h, "/", "manifest", &c->manifest)))
        goto fail;
    if (!kc_h5_is_group(h, "/tables") || !kc_h5_is_group(h, "/curves")) {
        st = kc_h5_fail(h, KC_EMISSING, kc_h5_is_group(h, "/tables") ? "/curves" : "/tables",
                        "no such group");
        goto fail;
    }
    if ((st = kc_h5_list(h, "/tables", &nm, &members)))
        goto fail;
    for (size_t i = 0; i < nm; i++) {
        kc_table *t = NULL;
        kc_h5_join(g, sizeof g, "/tables", members[i]);
        if (!kc_h5_is_group(h, g))
            continue;
        if ((st = kc_h5_read_table(h, g, NULL, &t)) || (st = kc_cohort_add_table(c, members[i], t)))
            goto fail;
    }
    kc_strv_free(members, nm);
    members = NULL;
    nm = 0;
    if ((st = kc_h5_list(h, "/curves", &nm, &members)))
        goto fail;
    for (size_t i = 0; i < nm; i++) {
        kc_h5_join(g, sizeof g, "/curves", members[i]);
        if (!kc_h5_is_group(h, g))
            continue;
        size_t dims[3] = {0, 0, 0};
        void *v = NULL;
        kc_table *index = NULL;
        char *phase = NULL, *channel = NULL, *units = NULL;
        kc_h5_join(p, sizeof p, g, "data");
        if ((st = kc_h5_read_shaped(h, p, KC_H5_F64, 3, dims, "[N,P,K]", &v)))
            goto fail;
        if ((kc_h5_attr_exists(h, p, "units") && (st = kc_h5_attr_get_str(h, p, "units", &units))) ||
            (st = kc_h5_attr_get_str(h, g, "phase", &phase)) ||
            (st = kc_h5_attr_get_str(h, g, "channel", &channel)) ||
            (st = kc_h5_read_table(h, kc_h5_join(p, sizeof p, g, "index"), NULL, &index))) {
            free(v);
            free(units);
            free(phase);
            free(channel);
            kc_table_free(index);
            goto fail;
        }
        if (kc_table_nrows(index) != dims[0]) {
            st = kc_h5_fail(h, KC_ESHAPE, p, "%zu rows, expected %zu (the curves in data)",
                            kc_table_nrows(index), dims[0]);
            kc_table_free(index);
        } else {
            st = kc_cohort_add_curves(c, members[i], phase, channel, units, dims[0], dims[1],
                                      dims[2], v, index);
        }
        free(v);
        free(units);
        free(phase);
        free(channel);
        if (st)
            goto fail;
    }
    kc_strv_free(members, nm);
    kc_h5_close(h);
    *out = c;
    return KC_OK;
fail:
    kc_strv_free(members, nm);
    kc_cohort_free(c);
    kc_h5_close(h);
    return st;
}
