/* Qualisys Track Manager calibration exports (*.qca.txt, XML) — import, with libxml2.
 *
 * Layout: <calibration><cameras><camera serial= active= viewrotation=> with
 *   <fov_video left= top= right= bottom=/>   the image window in pixels (inclusive bounds);
 *   <transform x= y= z= r11= ... r33=/>      camera centre in the world, mm, and a rotation;
 *   <intrinsic focalLengthU/V centerPointU/V radialDistortion1..3 tangentalDistortion1..2/>.
 * Conventions, checked on Pose2Sim's demo (Calib.qca.txt against the Calib_qualisys.toml
 * Pose2Sim made from it, which reproduces its camera centres to 0.1 mm):
 *  - QTM's intrinsic values are in sensor sub-pixel units: 64 per pixel (focalLengthU /
 *    64 = fx in px; centerPointU / 64 - fov left = cx).
 *  - The matrix [r11 r12 r13; r21 r22 r23; r31 r32 r33] maps world to QTM's camera axes,
 *    whose y points up and z backwards (the camera looks along -z); OpenCV's camera has y down
 *    and z forwards, so R = diag(1, -1, -1)·[r_ij] and t = -R·centre.
 *  - Distortion: QTM's coefficients are divided by 64 as Pose2Sim does (its toml values are
 *    the ones its triangulation used); qca_dist_scale = 1 keeps QTM's numbers. Which one
 *    matches QTM's own lens model is not documented in the file; see docs/calibration.md.
 * Cameras with active="0" are imported with status "excluded". A non-zero viewrotation
 * (a sensor mounted rotated) is refused rather than guessed.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "calibio.h"
#include "kinechain/log.h"

#define QTM_SUBPIXEL 64.0

static xmlNode *child(xmlNode *n, const char *name)
{
    for (xmlNode *c = n ? n->children : NULL; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && !strcmp((const char *)c->name, name))
            return c;
    return NULL;
}

/* a numeric attribute; logs naming the file, the camera and the element */
static int num_attr(const char *path, const char *cam, xmlNode *n, const char *elem,
                    const char *attr, int required, double *out)
{
    if (!n) {
        if (!required)
            return KC_OK;
        KC_ERROR("\"%s\", camera \"%s\": no <%s> element", path, cam, elem);
        return KC_EMISSING;
    }
    xmlChar *s = xmlGetProp(n, (const xmlChar *)attr);
    if (!s) {
        if (!required)
            return KC_OK;
        KC_ERROR("\"%s\" line %ld, camera \"%s\": <%s> has no %s attribute", path,
                 xmlGetLineNo(n), cam, elem, attr);
        return KC_EMISSING;
    }
    char *end;
    errno = 0;
    double d = strtod((const char *)s, &end);
    int ok = end != (char *)s && *end == '\0' && errno != ERANGE && isfinite(d);
    if (!ok)
        KC_ERROR("\"%s\" line %ld, camera \"%s\": <%s %s=\"%s\"> is not a finite number", path,
                 xmlGetLineNo(n), cam, elem, attr, (const char *)s);
    xmlFree(s);
    if (!ok)
        return KC_ETYPE;
    *out = d;
    return KC_OK;
}

static int read_camera(const char *path, xmlNode *n, size_t index, const kc_calibio_params *p,
                       kc_calib_camera *out)
{
    char name[KC_CAM_NAME_MAX + 16];
    xmlChar *s = xmlGetProp(n, (const xmlChar *)"serial");
    if (s) {
        snprintf(name, sizeof name, "%s", (const char *)s);
        xmlFree(s);
    } else {
        snprintf(name, sizeof name, "cam_%zu", index + 1);
    }
    int st;
    double active = 1, viewrot = 0;
    if ((st = num_attr(path, name, n, "camera", "active", 0, &active)) ||
        (st = num_attr(path, name, n, "camera", "viewrotation", 0, &viewrot)))
        return st;
    if (viewrot != 0) {
        KC_ERROR("\"%s\", camera \"%s\": viewrotation=\"%g\" (a rotated sensor) is not "
                 "supported", path, name, viewrot);
        return KC_EINVAL;
    }
    xmlNode *fov = child(n, "fov_video"), *tr = child(n, "transform"),
            *in = child(n, "intrinsic");
    double left, top, right, bottom;
    if ((st = num_attr(path, name, fov, "fov_video", "left", 1, &left)) ||
        (st = num_attr(path, name, fov, "fov_video", "top", 1, &top)) ||
        (st = num_attr(path, name, fov, "fov_video", "right", 1, &right)) ||
        (st = num_attr(path, name, fov, "fov_video", "bottom", 1, &bottom)))
        return st;
    double c[3], rq[9];
    static const char *const xyz[3] = {"x", "y", "z"};
    static const char *const rn[9] = {"r11", "r12", "r13", "r21", "r22", "r23",
                                      "r31", "r32", "r33"};
    for (int i = 0; i < 3; i++)
        if ((st = num_attr(path, name, tr, "transform", xyz[i], 1, &c[i])))
            return st;
    for (int i = 0; i < 9; i++)
        if ((st = num_attr(path, name, tr, "transform", rn[i], 1, &rq[i])))
            return st;
    double fu, fv, cu, cv, k[3] = {0, 0, 0}, tg[2] = {0, 0};
    if ((st = num_attr(path, name, in, "intrinsic", "focalLengthU", 1, &fu)) ||
        (st = num_attr(path, name, in, "intrinsic", "focalLengthV", 1, &fv)) ||
        (st = num_attr(path, name, in, "intrinsic", "centerPointU", 1, &cu)) ||
        (st = num_attr(path, name, in, "intrinsic", "centerPointV", 1, &cv)) ||
        (st = num_attr(path, name, in, "intrinsic", "radialDistortion1", 1, &k[0])) ||
        (st = num_attr(path, name, in, "intrinsic", "radialDistortion2", 1, &k[1])) ||
        (st = num_attr(path, name, in, "intrinsic", "radialDistortion3", 0, &k[2])) ||
        (st = num_attr(path, name, in, "intrinsic", "tangentalDistortion1", 1, &tg[0])) ||
        (st = num_attr(path, name, in, "intrinsic", "tangentalDistortion2", 1, &tg[1])))
        return st;
    double K[9] = {fu / QTM_SUBPIXEL, 0, cu / QTM_SUBPIXEL - left,
                   0, fv / QTM_SUBPIXEL, cv / QTM_SUBPIXEL - top,
                   0, 0, 1};
    double ds = p->qca_dist_scale;
    double dist[5] = {k[0] / ds, k[1] / ds, tg[0] / ds, tg[1] / ds, k[2] / ds};
    /* R = diag(1,-1,-1)·Rq: QTM camera (y up, z backwards) -> OpenCV camera */
    double R[9];
    for (int i = 0; i < 9; i++)
        R[i] = (i < 3 ? 1.0 : -1.0) * rq[i];
    double t[3];
    for (int i = 0; i < 3; i++)
        t[i] = -(R[3 * i] * c[0] + R[3 * i + 1] * c[1] + R[3 * i + 2] * c[2]);
    if ((st = kc_calibio_set_camera(&out->cam, path, name, K, dist, 5, R, t, right - left + 1,
                                    bottom - top + 1)))
        return st;
    out->excluded = active == 0;
    return KC_OK;
}

int kc_calibio_import_qca(const char *path, const kc_calibio_params *p, kc_calib **out)
{
    *out = NULL;
    char *text = NULL;
    size_t len = 0;
    kc_calib *c = NULL;
    xmlDoc *doc = NULL;
    int st = kc_calibio_slurp(path, &text, &len);
    if (st)
        return st;
    st = KC_EFORMAT;
    if (len > (size_t)1 << 30)
        goto fail;
    /* no network, no entity expansion, no error printing (we log ourselves) */
    doc = xmlReadMemory(text, (int)len, path, NULL,
                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc) {
        const xmlError *e = xmlGetLastError();
        char msg[200] = "not well-formed XML";
        if (e && e->message) {
            snprintf(msg, sizeof msg, "%s", e->message);
            size_t m = strlen(msg);
            while (m && (msg[m - 1] == '\n' || msg[m - 1] == ' '))
                msg[--m] = '\0';
        }
        KC_ERROR("\"%s\" line %d: not a Qualisys calibration (XML error: %s)", path,
                 e ? e->line : 0, msg);
        goto fail;
    }
    xmlNode *root = xmlDocGetRootElement(doc);
    if (!root || strcmp((const char *)root->name, "calibration")) {
        KC_ERROR("\"%s\": not a Qualisys calibration (the root element is <%s>, expected "
                 "<calibration>)", path, root ? (const char *)root->name : "");
        goto fail;
    }
    xmlNode *cams = child(root, "cameras");
    size_t n = 0;
    for (xmlNode *k = cams ? cams->children : NULL; k; k = k->next)
        n += k->type == XML_ELEMENT_NODE && !strcmp((const char *)k->name, "camera");
    if (n == 0) {
        KC_ERROR("\"%s\": no <cameras><camera> elements", path);
        st = KC_EMISSING;
        goto fail;
    }
    st = KC_ENOMEM;
    if (!(c = kc_calib_alloc(n)))
        goto fail;
    snprintf(c->method, sizeof c->method, "import:qca");
    size_t i = 0;
    for (xmlNode *k = cams->children; k; k = k->next) {
        if (k->type != XML_ELEMENT_NODE || strcmp((const char *)k->name, "camera"))
            continue;
        if ((st = read_camera(path, k, i, p, &c->cameras[i])))
            goto fail;
        if (kc_calib_find(c, c->cameras[i].cam.name) != (int)i) {  /* first match */
            KC_ERROR("\"%s\": camera \"%s\" appears twice", path, c->cameras[i].cam.name);
            st = KC_EINVAL;
            goto fail;
        }
        i++;
    }
    xmlFreeDoc(doc);
    free(text);
    *out = c;
    return KC_OK;
fail:
    xmlFreeDoc(doc);
    free(text);
    kc_calib_free(c);
    return st;
}
