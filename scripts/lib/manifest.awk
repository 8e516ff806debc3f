# kinechain — reading a cohort manifest (DESIGN.md: one CSV row per trial) for scripts/kinechain.
# POSIX awk. Fields may be quoted ("a, b", "" for a quote); a quoted field may not span lines.
# Data rows are numbered 1.. in file order, blank lines not counted.
#
#   awk -v mode=check  -f manifest.awk MANIFEST   number of rows, or one error line (exit 2)
#   awk -v mode=phase -v phase=P -f ...           row numbers of phase P, one a line: phase 1 the
#                                                 static and functional_knee rows, phase 2 the
#                                                 others; excluded rows in neither
#   awk -v mode=stats -v failed=FILE -f ...       the manifest for kc-stats: the same rows plus a
#                                                 "kinematics" column (kin/KEY.kin.h5, relative
#                                                 to the output folder); rows listed in FILE
#                                                 (row numbers) are excluded with a note
#   awk -v mode=kinpaths -f ... OUTDIR/manifest.csv   the kinematics column's non-empty values
#   awk -v mode=levels -v column=C -f ...         the distinct non-empty values of column C among
#                                                 the analysed (phase 2, not excluded) rows, sorted
#   awk -v mode=plan -v phase=P -v mdir=D -v smap=F [-v rows="R ..."] -f ... MANIFEST
#                                                 the work of phase P (0: both), one row a line,
#                                                 fields separated by \037 (US): row, subject,
#                                                 session, trial, task, input, static,
#                                                 calibration (paths relative to the manifest
#                                                 prefixed with D), key, static key, their
#                                                 escaped forms (file names: % -> %25, / -> %2F),
#                                                 the subject's functional_knee input in the same
#                                                 session, its key and escaped key (empty when
#                                                 none), and the subject's file from F (lines
#                                                 "ID<tab>PATH"; empty when absent). With rows,
#                                                 only those row numbers.
#   awk -v mode=subjsplit -v dir=D -f ... SUBJECTS   each subject's header and row(s) written to
#                                                 D/N.csv (N = 1, 2, ... in order of first
#                                                 appearance); prints "N<tab>ID" lines
#   awk -v mode=rebase -v prefix=P -v calib=C -f ...  the manifest with relative input and static
#                                                 paths prefixed with P, and the calibration of
#                                                 .obs.h5 rows set to C (scripts/kinechain session)
#
# A row's key names its outputs: the input path as written in the manifest without its
# extension (.obs.h5, .traj.h5, .c3d) and without leading "/", "./" or "../" components, so
# that traj/KEY.traj.h5 and kin/KEY.kin.h5 mirror the layout of the inputs.

function parse(line, f,    n, i, c, cur, inq, len) {
    n = 0; cur = ""; inq = 0; len = length(line)
    for (i = 1; i <= len; i++) {
        c = substr(line, i, 1)
        if (inq) {
            if (c == "\"") {
                if (substr(line, i + 1, 1) == "\"") { cur = cur "\""; i++ }
                else inq = 0
            } else cur = cur c
        } else if (c == "\"") inq = 1
        else if (c == ",") { f[++n] = cur; cur = "" }
        else cur = cur c
    }
    f[++n] = cur
    return n
}

function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); return s }

function key(p) {
    sub(/\.(obs\.h5|traj\.h5|c3d|C3D)$/, "", p)
    while (p ~ /^(\/|\.\/|\.\.\/)/) sub(/^(\/|\.\/|\.\.\/)/, "", p)
    return p
}

function col(name) { return (name in idx) ? trim(F[idx[name]]) : "" }

function esc(s) { gsub(/%/, "%25", s); gsub(/\//, "%2F", s); return s }

function res(p) { return (p == "" || p ~ /^\//) ? p : mdir "/" p }

function csvq(s) {
    if (s ~ /[",\r\n]/ || s ~ /^ | $/) { gsub(/"/, "\"\"", s); return "\"" s "\"" }
    return s
}

function excluded(v) { return !(v == "" || v == "0" || tolower(v) == "false" || tolower(v) == "no") }

function phase_of(task) { return (task == "static" || task == "functional_knee") ? 1 : 2 }

BEGIN {
    n_rows = 0
    US = "\037"
    if (mode == "plan") {
        if (smap != "") {
            while ((getline l < smap) > 0) {
                t = index(l, "\t")
                if (t > 0) sfile[substr(l, 1, t - 1)] = substr(l, t + 1)
            }
            close(smap)
        }
        if (rows != "") { nr = split(rows, ra, " "); for (i = 1; i <= nr; i++) want_row[ra[i]] = 1 }
    }
    if (mode == "stats" && failed != "") {
        while ((getline l < failed) > 0) {
            split(l, a, "\t")
            fail_stage[a[1]] = a[2]
        }
        close(failed)
    }
}

{ sub(/\r$/, "") }

NR == 1 {
    header = $0
    if (mode == "rebase") { print header; printed_header = 1 }
    nh = parse($0, H)
    for (i = 1; i <= nh; i++) idx[trim(H[i])] = i
    if (mode == "check") {
        miss = ""
        split("subject trial task input", req, " ")
        for (i = 1; i <= 4; i++) if (!(req[i] in idx)) miss = miss (miss == "" ? "" : ", ") req[i]
        if (miss != "") { bad = "has no column " miss; exit 2 }
    }
    if (mode == "stats") {
        if ("kinematics" in idx) { bad = "already has a kinematics column"; exit 2 }
        noex = !("exclude" in idx)
        print header (noex ? ",exclude" : "") ",kinematics"
    }
    next
}

/^[ \t,]*$/ { next }

{
    n_rows++
    for (k in F) delete F[k]
    nf = parse($0, F)
    if (mode == "check") {
        if (nf != nh) { bad = "row " n_rows " has " nf " fields, the header " nh; exit 2 }
        if (col("subject") == "" || col("trial") == "" || col("input") == "") {
            bad = "row " n_rows " lacks a subject, trial or input"; exit 2
        }
        if (col("input") ~ /\t/ || col("static") ~ /\t/) { bad = "row " n_rows " has a tab in a path"; exit 2 }
        if ($0 ~ /\037/) { bad = "row " n_rows " has a control character (\\037)"; exit 2 }
        t = col("task")
        if (phase_of(t) == 2 && !excluded(col("exclude")) && col("input") !~ /\.traj\.h5$/ && col("static") == "") {
            bad = "row " n_rows " (" col("subject") "/" col("trial") ") has no static"; exit 2
        }
        seen_key = key(col("input"))
        if (seen_key in keys) { bad = "rows " keys[seen_key] " and " n_rows " have the same input"; exit 2 }
        keys[seen_key] = n_rows
    } else if (mode == "phase") {
        if (!excluded(col("exclude")) && phase_of(col("task")) == phase) print n_rows
    } else if (mode == "stats") {
        kin = ""
        if (phase_of(col("task")) == 2) kin = "kin/" key(col("input")) ".kin.h5"
        ex = col("exclude")
        if ((n_rows in fail_stage) && !excluded(ex)) {
            ex = "1"
            if (!noex) F[idx["exclude"]] = "1"
            if ("notes" in idx) F[idx["notes"]] = "failed at " fail_stage[n_rows]
        }
        line = csvq(F[1])
        for (i = 2; i <= nf; i++) line = line "," csvq(F[i])
        print line (noex ? "," ex : "") "," csvq(kin)
    } else if (mode == "kinpaths") {
        if (col("kinematics") != "") print col("kinematics")
    } else if (mode == "levels") {
        v = col(column)
        if (v != "" && !excluded(col("exclude")) && phase_of(col("task")) == 2) lev[v] = 1
    } else if (mode == "plan") {
        if (col("task") == "functional_knee" && !excluded(col("exclude"))) {
            fk = col("subject") US col("session")
            if (!(fk in func_in)) func_in[fk] = col("input")
        }
        if (excluded(col("exclude")) || (phase != 0 && phase_of(col("task")) != phase)) next
        if (rows != "" && !(n_rows in want_row)) next
        np++
        prow[np] = n_rows; pfk[np] = col("subject") US col("session")
        pline[np] = n_rows US col("subject") US col("session") US col("trial") US col("task") US \
            res(col("input")) US res(col("static")) US res(col("calibration")) US \
            key(col("input")) US key(col("static")) US esc(key(col("input"))) US esc(key(col("static")))
        psf[np] = (col("subject") in sfile) ? sfile[col("subject")] : ""
    } else if (mode == "subjsplit") {
        id = col("subject")
        if (id == "") next
        if (!(id in sn)) {
            sn[id] = ++n_subj
            print header > (dir "/" n_subj ".csv")
            close(dir "/" n_subj ".csv")
            printf "%d\t%s\n", n_subj, id
        }
        print $0 >> (dir "/" sn[id] ".csv")
        close(dir "/" sn[id] ".csv")
    } else if (mode == "rebase") {
        if (!printed_header) { print header; printed_header = 1 }
        for (c in rb) delete rb[c]
        rb["input"] = 1; rb["static"] = 1
        for (c in rb) if ((c in idx) && F[idx[c]] != "" && F[idx[c]] !~ /^\//) F[idx[c]] = prefix F[idx[c]]
        if (("calibration" in idx) && col("input") ~ /\.obs\.h5$/) F[idx["calibration"]] = calib
        else if (("calibration" in idx) && F[idx["calibration"]] != "" && F[idx["calibration"]] !~ /^\//)
            F[idx["calibration"]] = prefix F[idx["calibration"]]
        line = csvq(F[1])
        for (i = 2; i <= nf; i++) line = line "," csvq(F[i])
        print line
    }
}

END {
    if (bad != "") { print bad; exit 2 }
    if (mode == "check") print n_rows
    if (mode == "plan")
        for (i = 1; i <= np; i++) {
            f = (pfk[i] in func_in) ? func_in[pfk[i]] : ""
            fkey = (f == "") ? "" : key(f)
            print pline[i] US res(f) US fkey US esc(fkey) US psf[i]
        }
    if (mode == "levels") {
        n = 0
        for (v in lev) L[++n] = v
        for (i = 2; i <= n; i++) { v = L[i]; for (j = i - 1; j >= 1 && L[j] > v; j--) L[j + 1] = L[j]; L[j + 1] = v }
        for (i = 1; i <= n; i++) print L[i]
    }
}
