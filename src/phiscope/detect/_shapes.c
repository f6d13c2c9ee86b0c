/* Compiled column shapes: detect/vector.py's whole-column fast passes, one C loop per column.
 *
 * normalise(values, shape, arg=0) -> list[str]
 *     one item per value of the sequence `values` (str items): the normalised value when the whole
 *     value has the shape's common layout, else "". Exactly what vector.py's regex pass for the same
 *     shape gives (tests/detect/test_vector.py compares both on random cells); like it, a *sufficient*
 *     check: a value it rejects goes to the exact per-value check in engine.py.
 *
 * Shapes (vector.SHAPE_*): SSN/ITIN digits, phone digits, ZIP digits, record ids upper-cased, plain
 * ASCII person names lower-cased, dates of birth as YYYY-MM-DD (arg: latest plausible birth year,
 * times -1 when day-first), e-mail addresses and postal addresses as the engine normalises them, and
 * organisation names (engine.normalise_org). Only ASCII values up to IN_MAX characters are read; any
 * other value is "" (the exact check then reads it).
 *
 * Why: the regex passes cost ~150-900 ns per cell (a `sub` and string passes per column, and for dates
 * three `findall`s building a tuple per line); a value read once in C costs ~20-40 ns.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

enum { SSN = 1, PHONE = 2, ZIP = 3, RECORD = 4, NAME = 5, DATE = 6, EMAIL = 7, ADDRESS = 8, ORG = 9 };
#define IN_MAX 400   /* longer values go to the exact check */
#define OUT_MAX 2048 /* an organisation's "&" becomes " and ": at most 5 x IN_MAX */

static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_alpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
static char lower(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c; }
static char upper(char c) { return (c >= 'a' && c <= 'z') ? (char)(c - 32) : c; }
static int num(const char *s, int n) {
    int v = 0;
    for (int i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}
static int all_digits(const char *s, int n) {
    for (int i = 0; i < n; i++)
        if (!is_digit(s[i]))
            return 0;
    return 1;
}

/* [ \t]*(?:(?!000|666)[0-8]DD[- ]?(?!00)DD[- ]?(?!0000)DDDD
 *        |9DD[- ]?(?:5D|6[0-5]|7D|8[0-8]|9[0-2]|9[4-9])[- ]?DDDD)[ \t]*  -> the 9 digits,
 * minus the numbers the SSA or the press made public. */
static Py_ssize_t ssn(const char *s, Py_ssize_t n, char *o) {
    Py_ssize_t i = 0, k = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    static const int parts[3] = {3, 2, 4};
    for (int p = 0; p < 3; p++) {
        if (p > 0 && i < n && (s[i] == '-' || s[i] == ' '))
            i++;
        if (i + parts[p] > n || !all_digits(s + i, parts[p]))
            return 0;
        memcpy(o + k, s + i, (size_t)parts[p]);
        i += parts[p];
        k += parts[p];
    }
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (i != n)
        return 0;
    int area = num(o, 3), group = num(o + 3, 2), serial = num(o + 5, 4);
    if (o[0] == '9') {
        if (!((group >= 50 && group <= 65) || (group >= 70 && group <= 88) || (group >= 90 && group <= 92) ||
              group >= 94))
            return 0;
    } else if (area == 0 || area == 666 || group == 0 || serial == 0) {
        return 0;
    }
    if (!memcmp(o, "078051120", 9) || !memcmp(o, "219099999", 9) || !memcmp(o, "457555462", 9))
        return 0;
    return 9;
}

/* [0-9 ()+./-]+ holding 7-15 digits -> the digits */
static Py_ssize_t phone(const char *s, Py_ssize_t n, char *o) {
    Py_ssize_t k = 0;
    if (n == 0)
        return 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        char c = s[i];
        if (is_digit(c)) {
            if (k >= 15)
                return 0;
            o[k++] = c;
        } else if (!strchr(" ()+./-", c) || c == 0) {
            return 0;
        }
    }
    return k >= 7 ? k : 0;
}

/* (?!00000)DDDDD(?:-DDDD)? -> the digits */
static Py_ssize_t zip_code(const char *s, Py_ssize_t n, char *o) {
    if ((n != 5 && n != 10) || !all_digits(s, 5) || !memcmp(s, "00000", 5))
        return 0;
    memcpy(o, s, 5);
    if (n == 5)
        return 5;
    if (s[5] != '-' || !all_digits(s + 6, 4))
        return 0;
    memcpy(o + 5, s + 6, 4);
    return 9;
}

/* [A-Za-z0-9]{5,20} with at least 4 digits -> upper-cased */
static Py_ssize_t record(const char *s, Py_ssize_t n, char *o) {
    int d = 0;
    if (n < 5 || n > 20)
        return 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (is_digit(s[i]))
            d++;
        else if (!is_alpha(s[i]))
            return 0;
        o[i] = upper(s[i]);
    }
    return d >= 4 ? n : 0;
}

/* (?=.{2,80}$)W(?: W){0,4} with W = [A-Za-z]+(?:[-'][A-Za-z]+)* -> lower-cased, ' as a space */
static Py_ssize_t person_name(const char *s, Py_ssize_t n, char *o) {
    int words = 1;
    if (n < 2 || n > 80)
        return 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        char c = s[i];
        if (is_alpha(c)) {
            o[i] = lower(c);
            continue;
        }
        /* a separator needs a letter on both sides */
        if (i == 0 || i == n - 1 || !is_alpha(s[i - 1]) || !is_alpha(s[i + 1]))
            return 0;
        if (c == ' ') {
            if (++words > 5)
                return 0;
            o[i] = ' ';
        } else if (c == '-') {
            o[i] = '-';
        } else if (c == '\'') {
            o[i] = ' ';
        } else {
            return 0;
        }
    }
    return n;
}

static int date_ok(int y, int m, int d, int ymax) {
    static const int mdays[13] = {0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return y >= 1890 && y <= ymax && m >= 1 && m <= 12 && d >= 1 && d <= mdays[m]; /* Feb 29: exact check */
}

static const char *MONTHS[] = {"january", "jan", "february", "feb", "march", "mar", "april", "apr", "may",
                               "june",    "jun", "july",     "jul", "august", "aug", "september", "sept",
                               "sep",     "october", "oct",  "november", "nov", "december", "dec"};
static const int MONTH_NUM[] = {1, 1, 2, 2, 3, 3, 4, 4, 5, 6, 6, 7, 7, 8, 8, 9, 9, 9, 10, 10, 11, 11, 12, 12};

static int month_of(const char *s, Py_ssize_t n) {
    char low[10];
    for (Py_ssize_t i = 0; i < n; i++)
        low[i] = lower(s[i]);
    for (size_t i = 0; i < sizeof MONTH_NUM / sizeof MONTH_NUM[0]; i++)
        if ((Py_ssize_t)strlen(MONTHS[i]) == n && !memcmp(low, MONTHS[i], (size_t)n))
            return MONTH_NUM[i];
    return 0;
}

/* Python's str.split() whitespace, ASCII part */
static int is_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f); }

/* [A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24} -> lower-cased */
static Py_ssize_t email(const char *s, Py_ssize_t n, char *o) {
    Py_ssize_t at = 0;
    while (at < n && (is_alpha(s[at]) || is_digit(s[at]) || (s[at] && strchr("._%+-", s[at]))))
        at++;
    if (at < 1 || at > 64 || at >= n || s[at] != '@')
        return 0;
    Py_ssize_t label = 0, labels = 0, alpha_tail = 0; /* current label's length, labels, letters-only run */
    for (Py_ssize_t i = at + 1; i <= n; i++) {
        if (i == n || s[i] == '.') {
            if (label == 0)
                return 0;
            labels++;
            if (i == n && (labels < 2 || alpha_tail != label || label < 2 || label > 24))
                return 0;
            label = alpha_tail = 0;
        } else if (is_alpha(s[i])) {
            label++;
            alpha_tail++;
        } else if (is_digit(s[i]) || s[i] == '-') {
            label++;
        } else {
            return 0;
        }
    }
    for (Py_ssize_t i = 0; i < n; i++)
        o[i] = lower(s[i]);
    return n;
}

/* whitespace collapsed; >= 6 chars with a digit and a letter -> lower-cased, commas as spaces,
 * whitespace collapsed again (engine._v_address on ASCII text) */
static Py_ssize_t address(const char *s, Py_ssize_t n, char *o) {
    Py_ssize_t len = 0, k = 0;
    int digit = 0, letter = 0, gap = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (is_space(s[i])) {
            gap = len > 0;
            continue;
        }
        len += 1 + gap;
        gap = 0;
        digit |= is_digit(s[i]);
        letter |= is_alpha(s[i]);
    }
    if (len < 6 || !digit || !letter)
        return 0;
    gap = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (is_space(s[i]) || s[i] == ',') {
            gap = k > 0;
            continue;
        }
        if (gap)
            o[k++] = ' ';
        gap = 0;
        o[k++] = lower(s[i]);
    }
    return k;
}

static const char *ORG_SUFFIXES[] = {"inc", "incorporated", "llc", "ltd",  "limited", "corp", "corporation",
                                     "co",  "company",      "plc", "sa",   "sas",     "sarl", "gmbh",
                                     "ag",  "lp",           "llp", NULL};

/* engine.normalise_org on ASCII text with a letter: lower-cased, "&" as " and ", punctuation as
 * spaces, the words of legal forms (inc, llc, gmbh, ...) dropped, whitespace collapsed. */
static Py_ssize_t org(const char *s, Py_ssize_t n, char *o) {
    char w[IN_MAX * 5];
    Py_ssize_t m = 0, k = 0;
    int letter = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        char c = lower(s[i]);
        letter |= is_alpha(c);
        if (c == '&') {
            memcpy(w + m, " and ", 5);
            m += 5;
        } else {
            w[m++] = (is_alpha(c) || is_digit(c) || c == '_' || is_space(c)) ? c : ' ';
        }
    }
    if (!letter)
        return 0;
    for (Py_ssize_t i = 0; i < m;) {
        if (is_space(w[i])) {
            i++;
            continue;
        }
        Py_ssize_t j = i;
        while (j < m && !is_space(w[j]))
            j++;
        int suffix = 0;
        for (const char **x = ORG_SUFFIXES; *x && !suffix; x++)
            suffix = (Py_ssize_t)strlen(*x) == j - i && !memcmp(w + i, *x, (size_t)(j - i));
        if (!suffix) {
            if (k > 0)
                o[k++] = ' ';
            memcpy(o + k, w + i, (size_t)(j - i));
            k += j - i;
        }
        i = j;
    }
    return k;
}

static int is_sep(char c) { return c == '-' || c == '/' || c == '.'; }

/* YYYY?MM?DD, MM?DD?YYYY (DD?MM?YYYY day-first), with ? any of - / . ; or "March 4, 1972"
 * ([A-Za-z]{3,9}\.? day(1-31, no leading 0),? YYYY) -> YYYY-MM-DD when a calendar day (not Feb 29)
 * of a year 1890..ymax. */
static Py_ssize_t date(const char *s, Py_ssize_t n, char *o, int ymax, int dayfirst) {
    int y, m, d;
    if (n == 10 && is_digit(s[0]) && is_digit(s[1])) {
        if (is_sep(s[4]) && is_sep(s[7]) && all_digits(s, 4) && all_digits(s + 5, 2) && all_digits(s + 8, 2)) {
            y = num(s, 4), m = num(s + 5, 2), d = num(s + 8, 2);
        } else if (is_sep(s[2]) && is_sep(s[5]) && all_digits(s + 3, 2) && all_digits(s + 6, 4)) {
            int a = num(s, 2), b = num(s + 3, 2);
            y = num(s + 6, 4);
            m = dayfirst ? b : a;
            d = dayfirst ? a : b;
        } else {
            return 0;
        }
    } else {
        Py_ssize_t i = 0;
        while (i < n && i < 10 && is_alpha(s[i]))
            i++;
        if (i < 3 || i > 9)
            return 0;
        m = month_of(s, i);
        if (m == 0)
            return 0;
        if (i < n && s[i] == '.')
            i++;
        if (i >= n || s[i++] != ' ' || i >= n || s[i] < '1' || s[i] > '9')
            return 0;
        d = s[i++] - '0';
        if (i < n && is_digit(s[i])) {
            if (d > 3 || (d == 3 && s[i] > '1'))
                return 0;
            d = d * 10 + (s[i++] - '0');
        }
        if (i < n && s[i] == ',')
            i++;
        if (i + 5 != n || s[i] != ' ' || !all_digits(s + i + 1, 4))
            return 0;
        y = num(s + i + 1, 4);
    }
    if (!date_ok(y, m, d, ymax))
        return 0;
    for (int i = 3; i >= 0; i--, y /= 10)
        o[i] = (char)('0' + y % 10);
    o[4] = o[7] = '-';
    o[5] = (char)('0' + m / 10), o[6] = (char)('0' + m % 10);
    o[8] = (char)('0' + d / 10), o[9] = (char)('0' + d % 10);
    return 10;
}

static PyObject *normalise(PyObject *self, PyObject *args) {
    PyObject *values, *seq, *out, *empty;
    int shape, arg = 0;
    if (!PyArg_ParseTuple(args, "Oi|i", &values, &shape, &arg))
        return NULL;
    if (shape < SSN || shape > ORG) {
        PyErr_SetString(PyExc_ValueError, "unknown shape");
        return NULL;
    }
    seq = PySequence_Fast(values, "values must be a sequence");
    if (seq == NULL)
        return NULL;
    Py_ssize_t count = PySequence_Fast_GET_SIZE(seq);
    PyObject **items = PySequence_Fast_ITEMS(seq);
    out = PyList_New(count);
    empty = PyUnicode_New(0, 0);
    if (out == NULL || empty == NULL)
        goto fail;
    int ymax = arg < 0 ? -arg : arg, dayfirst = arg < 0;
    char o[OUT_MAX + 16];
    for (Py_ssize_t j = 0; j < count; j++) {
        PyObject *v = items[j], *r;
        if (!PyUnicode_Check(v)) {
            PyErr_SetString(PyExc_TypeError, "values must be str");
            goto fail;
        }
        Py_ssize_t k = 0;
#if PY_VERSION_HEX < 0x030C0000
        if (PyUnicode_READY(v) < 0) /* a legacy string built by an old C API: make it compact */
            goto fail;
#endif
        if (PyUnicode_IS_ASCII(v)) {
            const char *s = (const char *)PyUnicode_1BYTE_DATA(v);
            Py_ssize_t n = PyUnicode_GET_LENGTH(v);
            if (n > IN_MAX)
                n = -1; /* the exact check */
            switch (n < 0 ? 0 : shape) {
            case 0: break;
            case SSN: k = ssn(s, n, o); break;
            case PHONE: k = phone(s, n, o); break;
            case ZIP: k = zip_code(s, n, o); break;
            case RECORD: k = record(s, n, o); break;
            case NAME: k = person_name(s, n, o); break;
            case DATE: k = date(s, n, o, ymax, dayfirst); break;
            case EMAIL: k = email(s, n, o); break;
            case ADDRESS: k = address(s, n, o); break;
            default: k = org(s, n, o); break;
            }
        }
        if (k == 0) {
            Py_INCREF(empty);
            r = empty;
        } else {
            r = PyUnicode_New(k, 127);
            if (r == NULL)
                goto fail;
            memcpy(PyUnicode_1BYTE_DATA(r), o, (size_t)k);
        }
        PyList_SET_ITEM(out, j, r);
    }
    Py_DECREF(empty);
    Py_DECREF(seq);
    return out;
fail:
    Py_XDECREF(empty);
    Py_XDECREF(out);
    Py_DECREF(seq);
    return NULL;
}

static PyMethodDef methods[] = {
    {"normalise", normalise, METH_VARARGS,
     "normalise(values, shape, arg=0) -> list[str]: each value's normalised form, or '' off the shape"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_shapes", NULL, -1, methods};

PyMODINIT_FUNC PyInit__shapes(void) { return PyModule_Create(&module); }
