/* kinechain — Vicon .vsk subject files to the subjects CSV (vsk.h). Parsed with libxml2
 * (DOM: a .vsk is ~60 KB). */
#include "kinechain/vsk.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "kinechain/atomic.h"
#include "kinechain/log.h"

void kc_vsk_clear(kc_vsk *v)
{
    if (!v)
        return;
    free(v->model);
    free(v->model_version);
    kc_attrs_clear(&v->params);
    kc_attrs_clear(&v->quantity);
    memset(v, 0, sizeof *v);
}

char *kc_vsk_subject_name(const char *path)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    size_t n = strlen(b);
    if (n > 4 && strcasecmp(b + n - 4, ".vsk") == 0)
        n -= 4;
    char *s = malloc(n + 1);
    if (s) {
        memcpy(s, b, n);
        s[n] = '\0';
    }
    return s;
}

static char *prop_dup(xmlNode *n, const char *name)
{
    xmlChar *p = xmlGetProp(n, (const xmlChar *)name);
    if (!p)
        return NULL;
    char *s = strdup((const char *)p);
    xmlFree(p);
    return s;
}

static bool named(const xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

/* Parse flags: NONET: never fetch a DTD or entity; entities are not substituted (no NOENT),
 * so a hostile file cannot pull in other files. NOERROR/NOWARNING: the library never
 * prints; the error is reported in one line. */
#define VSK_XML_FLAGS (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | \
                       XML_PARSE_NOBLANKS)

/* The parameters of a parsed document (doc may be NULL: a parse error). */
static int from_doc(xmlDoc *doc, const char *path, kc_vsk *out)
{
    if (!doc) {
        const xmlError *e = xmlGetLastError();
        char msg[200] = "not well-formed XML";
        if (e && e->message) {
            snprintf(msg, sizeof msg, "%s", e->message);
            msg[strcspn(msg, "\n")] = '\0';
        }
        KC_ERROR("cannot read \"%s\": not a Vicon subject file (line %d: %s)", path,
                 e ? e->line : 0, msg);
        return KC_EFORMAT;
    }
    int st = KC_OK;
    char *name = NULL, *value = NULL, *quant = NULL;
    xmlNode *root = xmlDocGetRootElement(doc);
    if (!root || !named(root, "KinematicModel")) {
        KC_ERROR("cannot read \"%s\": not a Vicon subject file (root element <%s>, expected "
                 "<KinematicModel>)", path, root ? (const char *)root->name : "none");
        st = KC_EFORMAT;
        goto done;
    }
    out->model = prop_dup(root, "MODEL");
    out->model_version = prop_dup(root, "VERSION");
    if ((!out->model && !(out->model = strdup(""))) ||
        (!out->model_version && !(out->model_version = strdup("")))) {
        st = KC_ENOMEM;
        goto done;
    }
    for (xmlNode *g = root->children; g && !st; g = g->next) {
        if (!named(g, "Parameters"))
            continue;
        for (xmlNode *p = g->children; p && !st; p = p->next) {
            if (!named(p, "StaticParameter"))
                continue;
            name = prop_dup(p, "NAME");
            value = prop_dup(p, "VALUE");
            quant = prop_dup(p, "QUANTITY");
            if (name && name[0] && value) {
                char *end;
                double x = strtod(value, &end);
                while (*end == ' ' || *end == '\t')
                    end++;
                if (end == value || *end || !isfinite(x)) {
                    KC_ERROR("cannot read \"%s\": StaticParameter %.80s has VALUE \"%.40s\", "
                             "not a finite number (line %ld)", path, name, value,
                             (long)xmlGetLineNo(p));
                    st = KC_EFORMAT;
                } else {
                    st = kc_attrs_set_f64(&out->params, name, x);
                    if (!st)
                        st = kc_attrs_set_str(&out->quantity, name, quant ? quant : "");
                }
            }
            free(name);
            free(value);
            free(quant);
            name = value = quant = NULL;
        }
    }
    if (!st && out->params.n == 0)
        kc_log(KC_LOG_WARNING, __func__, "\"%s\": no StaticParameter with a VALUE", path);
done:
    xmlFreeDoc(doc);
    if (st == KC_ENOMEM)
        KC_ERROR("cannot read \"%s\": out of memory", path);
    if (st)
        kc_vsk_clear(out);
    return st;
}

int kc_vsk_read(const char *path, kc_vsk *out)
{
    memset(out, 0, sizeof *out);
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        KC_ERROR("cannot open \"%s\": %s", path, strerror(errno));
        return KC_EIO;
    }
    fclose(fp);
    return from_doc(xmlReadFile(path, NULL, VSK_XML_FLAGS), path, out);
}

int kc_vsk_parse(const char *data, size_t size, const char *name, kc_vsk *out)
{
    memset(out, 0, sizeof *out);
    if (size > 1u << 30) {
        KC_ERROR("cannot read \"%s\": %zu bytes is too large for a subject file", name, size);
        return KC_EFORMAT;
    }
    return from_doc(xmlReadMemory(data, (int)size, name, NULL, VSK_XML_FLAGS), name, out);
}

/* The value of a Vicon parameter, NAN when absent. */
static double param(const kc_vsk *v, const char *name)
{
    const kc_attr *a = kc_attrs_find(&v->params, name);
    return a && !a->str && a->n >= 1 ? a->v[0] : NAN;
}

int kc_vsk_write_subjects(const char *path, const char *subject, const kc_vsk *v)
{
    /* DESIGN.md column, Vicon name, factor (NAN: required), default when absent */
    static const struct {
        const char *col, *vicon;
        double factor;
        bool required;
        double absent;   /* written when absent (NAN: empty cell) */
    } cols[] = {
        {"mass_kg", "Bodymass", 1, true, NAN},
        {"height_mm", "Height", 1, false, NAN},
        {"leg_length_L_mm", "LeftLegLength", 1, true, NAN},
        {"leg_length_R_mm", "RightLegLength", 1, true, NAN},
        {"knee_width_L_mm", "LeftKneeWidth", 1, true, NAN},
        {"knee_width_R_mm", "RightKneeWidth", 1, true, NAN},
        {"ankle_width_L_mm", "LeftAnkleWidth", 1, true, NAN},
        {"ankle_width_R_mm", "RightAnkleWidth", 1, true, NAN},
        {"inter_asis_mm", "InterAsisDistance", 1, false, 0},
        {"asis_troc_L_mm", "LeftAsisTrocanterDistance", 1, false, 0},
        {"asis_troc_R_mm", "RightAsisTrocanterDistance", 1, false, 0},
        {"marker_diameter_mm", "MarkerDiameter", 1, false, NAN},
        /* Vicon stores angles in radians (see vsk.h) */
        {"tibial_torsion_L_deg", "LeftTibialTorsion", 57.295779513082321, false, NAN},
        {"tibial_torsion_R_deg", "RightTibialTorsion", 57.295779513082321, false, NAN},
        {"sole_delta_L_mm", "LeftSoleDelta", 1, false, NAN},
        {"sole_delta_R_mm", "RightSoleDelta", 1, false, NAN},
    };
    enum { NC = sizeof cols / sizeof cols[0] };
    for (size_t i = 0; i < NC; i++)
        if (cols[i].required && !isfinite(param(v, cols[i].vicon))) {
            KC_ERROR("cannot write subject \"%s\" to \"%s\": the subject file has no value of "
                     "%s", subject, path, cols[i].vicon);
            return KC_EINVAL;
        }
    if (!subject[0] || strpbrk(subject, ",\"\r\n")) {
        KC_ERROR("cannot write \"%s\": subject name \"%s\" is empty or holds a comma, quote "
                 "or line break", path, subject);
        return KC_EINVAL;
    }
    kc_atomic_file af;
    int st = kc_atomic_fopen(&af, path);
    if (st)
        return st;
    fprintf(af.fp, "subject,sex");
    for (size_t i = 0; i < NC; i++)
        fprintf(af.fp, ",%s", cols[i].col);
    fprintf(af.fp, "\n%s,", subject);
    for (size_t i = 0; i < NC; i++) {
        double x = param(v, cols[i].vicon);
        x = isfinite(x) ? x * cols[i].factor : cols[i].absent;
        if (isfinite(x))
            fprintf(af.fp, ",%.17g", x);
        else
            fputc(',', af.fp);
    }
    fputc('\n', af.fp);
    return kc_atomic_fclose(&af);
}
