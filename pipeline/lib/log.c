/* kinechain — logging through one replaceable sink.
 *
 * The state here (program name, level, error count, sink) is the one piece of process-wide
 * mutable state in the library: it is set once from main before any parallel region and only
 * read afterwards, except the error count, which is atomic.
 */
#include "kinechain/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char log_program[64] = "kinechain";
static int log_level = KC_LOG_WARNING;
static atomic_uint log_errors;
static kc_log_sink log_sink;
static void *log_sink_data;

void kc_log_init(const char *program, enum kc_log_level level)
{
    if (program) {
        /* Keep the base name: "kc-synth", not "/usr/local/bin/kc-synth". */
        const char *slash = strrchr(program, '/');
        snprintf(log_program, sizeof log_program, "%s", slash ? slash + 1 : program);
    }
    log_level = (int)level;
}

enum kc_log_level kc_log_get_level(void)
{
    return (enum kc_log_level)log_level;
}

const char *kc_log_program(void)
{
    return log_program;
}

unsigned kc_log_error_count(void)
{
    return atomic_load(&log_errors);
}

void kc_log_set_sink(kc_log_sink sink, void *data)
{
    log_sink = sink;
    log_sink_data = data;
}

void kc_vlog(enum kc_log_level level, const char *func, const char *fmt, va_list ap)
{
    if (level == KC_LOG_ERROR)
        atomic_fetch_add(&log_errors, 1u);
    if ((int)level > log_level)
        return;

    char buf[1024];
    char *msg = buf;
    va_list aq;
    va_copy(aq, ap);
    int n = vsnprintf(buf, sizeof buf, fmt, aq);
    va_end(aq);
    if (n < 0) {
        snprintf(buf, sizeof buf, "(unformattable message)");
    } else if ((size_t)n >= sizeof buf) {
        char *big = malloc((size_t)n + 1);
        if (big) {
            vsnprintf(big, (size_t)n + 1, fmt, ap);
            msg = big;
        } /* else: the truncated message in buf is better than none */
    }

    if (log_sink) {
        log_sink(level, func, msg, log_sink_data);
    } else {
        /* One fprintf per message, so that lines from several threads do not interleave. */
        const char *tag = level == KC_LOG_WARNING ? "warning: " : "";
        if (log_level >= KC_LOG_DEBUG && func)
            fprintf(stderr, "%s: %s[%s] %s\n", log_program, tag, func, msg);
        else
            fprintf(stderr, "%s: %s%s\n", log_program, tag, msg);
    }
    if (msg != buf)
        free(msg);
}

void kc_log(enum kc_log_level level, const char *func, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kc_vlog(level, func, fmt, ap);
    va_end(ap);
}
