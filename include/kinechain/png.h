/* kinechain — figures as PNG files: a cairo image surface written through libpng with
 * provenance in tEXt chunks (cairo_surface_write_to_png cannot add text chunks). Used by
 * kc-stats' plots and kc-calib's residual figure.
 */
#ifndef KINECHAIN_PNG_H
#define KINECHAIN_PNG_H

#include <stddef.h>
#include <cairo.h>
#include "kinechain/status.h"

/* One tEXt chunk: keyword 1-79 Latin-1 characters; text is written with bytes outside
 * printable ASCII replaced by '?' (tEXt is Latin-1, not UTF-8). */
typedef struct kc_png_text {
    const char *key;
    const char *text;
} kc_png_text;

/* Write an ARGB32 or RGB24 cairo image surface as an 8-bit RGB PNG through libpng, atomically,
 * with the given tEXt chunks (at most 64) and a pHYs chunk of dpi (> 0; 0 = none). Alpha is
 * composited on white. No tIME chunk: the same drawing gives the same bytes. KC_EINVAL for a
 * surface that is not such an image or a bad keyword; KC_EIO (logged with the path) when the
 * file cannot be written. */
int kc_png_write(cairo_surface_t *surface, const char *path, const kc_png_text *text,
                 size_t n_text, double dpi) KC_RESULT_USED;

/* Free cairo's and fontconfig's process-wide caches, once, at the end of a program that drew
 * text (otherwise a leak checker reports them); no cairo call may follow. */
void kc_cairo_release(void);

#endif
