/* kinechain — logging. The library never prints: it reports through kc_log, whose sink the
 * tools set. The default sink writes "PROGRAM: message" lines to stderr ("PROGRAM: warning:
 * message" for warnings; at KC_LOG_DEBUG the function name is shown too).
 */
#ifndef KINECHAIN_LOG_H
#define KINECHAIN_LOG_H

#include <stdarg.h>
#include "kinechain/status.h"

enum kc_log_level {
    KC_LOG_QUIET = -1,   /* as a level for kc_log_init only: show nothing (--quiet) */
    KC_LOG_ERROR = 0,    /* why an operation failed: always shown unless --quiet */
    KC_LOG_WARNING = 1,  /* a result may be questionable */
    KC_LOG_INFO = 2,     /* progress and summaries (--verbose) */
    KC_LOG_DEBUG = 3,    /* details for developers (--verbose twice) */
};

/* Set the program name used as prefix ("kc-synth") and the most detailed level shown.
 * Not thread-safe: call once from main before any parallel region. */
void kc_log_init(const char *program, enum kc_log_level level);
enum kc_log_level kc_log_get_level(void);
const char *kc_log_program(void);

/* Log a message. func is __func__, shown at KC_LOG_DEBUG only. Messages name the object,
 * the file and the cause, e.g. cannot read /position of "s01/dvj_2.traj.h5": expected [F,M,3].
 * Safe to call from several threads (each message is one fprintf). */
void kc_log(enum kc_log_level level, const char *func, const char *fmt, ...) KC_PRINTF(3, 4);
void kc_vlog(enum kc_log_level level, const char *func, const char *fmt, va_list ap) KC_PRINTF(3, 0);

/* Number of KC_LOG_ERROR messages emitted so far, shown or not (lets a tool avoid a second
 * message). */
unsigned kc_log_error_count(void);

/* Replace the default sink (NULL restores it). The sink receives the formatted message
 * without the program prefix or newline, only for levels that are shown. Tests use it to
 * capture messages; a GUI could use it to show them. Set it before any parallel region. */
typedef void (*kc_log_sink)(enum kc_log_level level, const char *func, const char *msg,
                            void *data);
void kc_log_set_sink(kc_log_sink sink, void *data);

#define KC_ERROR(...) kc_log(KC_LOG_ERROR, __func__, __VA_ARGS__)
#define KC_WARN(...) kc_log(KC_LOG_WARNING, __func__, __VA_ARGS__)
#define KC_INFO(...) kc_log(KC_LOG_INFO, __func__, __VA_ARGS__)
#define KC_DEBUG(...) kc_log(KC_LOG_DEBUG, __func__, __VA_ARGS__)

#endif
