/* Batch HMAC-SHA256 fingerprints: detect/fingerprint.py's per-value loops in C.
 *
 * A fingerprint is HMAC-SHA256(key, prefix + value), first 16 bytes as lower-case hex; `cache` maps
 * value -> fingerprint and is filled as values come.
 *
 * fill(cache, values, key, prefix, into=None) -> int
 *     fingerprints every str of `values` not yet in `cache` (returns how many it added) and, with a
 *     set `into`, adds every value's fingerprint to it.
 * person_keys(cache, keys, values, key, prefix, key_prefix) -> int
 *     keys[value] = key_prefix + fingerprint for every value not yet in `keys` (returns how many
 *     entries it added to both dicts).
 * key_list(cache, keys, values, key, prefix, key_prefix, combo) -> (list, int)
 *     one item per value of the list `values`: None for a value it skips ("" or, with `combo`, a
 *     value starting or ending with "|" instead), else keys[value], added as person_keys would when
 *     missing; and how many entries it added to the dicts. With `keys` None, key_prefix + cache[value]
 *     (filled when missing) and no key dict. One or two dict look-ups per row.
 *
 * Same output as Fingerprinter.__call__ (tested value by value); about 3x faster, because a value
 * costs two SHA-256 state copies and no Python calls. Optional: without a C compiler the package
 * uses the Python loops in fingerprint.py.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>
#define OPENSSL_SUPPRESS_DEPRECATED /* SHA256_CTX copies are the point: EVP contexts cost a malloc */
#include <openssl/sha.h>

static const char HEX[] = "0123456789abcdef";

typedef struct {
    SHA256_CTX inner, outer; /* key pads (and the prefix) absorbed once, RFC 2104 */
} Keyed;

static void keyed_init(Keyed *k, Py_buffer *key, const char *prefix, Py_ssize_t plen) {
    unsigned char raw[64] = {0}, ipad[64], opad[64];
    if (key->len > 64)
        SHA256(key->buf, (size_t)key->len, raw);
    else
        memcpy(raw, key->buf, (size_t)key->len);
    for (int i = 0; i < 64; i++) {
        ipad[i] = raw[i] ^ 0x36;
        opad[i] = raw[i] ^ 0x5c;
    }
    SHA256_Init(&k->inner);
    SHA256_Update(&k->inner, ipad, 64);
    SHA256_Update(&k->inner, prefix, (size_t)plen);
    SHA256_Init(&k->outer);
    SHA256_Update(&k->outer, opad, 64);
    memset(raw, 0, sizeof raw);
    memset(ipad, 0, sizeof ipad);
    memset(opad, 0, sizeof opad);
}

/* cache[item] as a new reference, computed and stored when missing (then *added += 1). */
static PyObject *fingerprint_of(const Keyed *k, PyObject *cache, PyObject *item, Py_ssize_t *added) {
    PyObject *fp = PyDict_GetItemWithError(cache, item);
    if (fp != NULL) {
        Py_INCREF(fp);
        return fp;
    }
    if (PyErr_Occurred())
        return NULL;
    Py_ssize_t n;
    const char *s = PyUnicode_AsUTF8AndSize(item, &n);
    if (s == NULL)
        return NULL;
    unsigned char d[32];
    SHA256_CTX c = k->inner;
    SHA256_Update(&c, s, (size_t)n);
    SHA256_Final(d, &c);
    c = k->outer;
    SHA256_Update(&c, d, 32);
    SHA256_Final(d, &c);
    fp = PyUnicode_New(32, 127);
    if (fp == NULL)
        return NULL;
    Py_UCS1 *h = PyUnicode_1BYTE_DATA(fp);
    for (int i = 0; i < 16; i++) {
        h[2 * i] = (Py_UCS1)HEX[d[i] >> 4];
        h[2 * i + 1] = (Py_UCS1)HEX[d[i] & 15];
    }
    if (PyDict_SetItem(cache, item, fp) < 0) {
        Py_DECREF(fp);
        return NULL;
    }
    (*added)++;
    return fp;
}

static PyObject *fill(PyObject *self, PyObject *args) {
    PyObject *cache, *values, *into = Py_None, *it, *item;
    Py_buffer key;
    const char *prefix;
    Py_ssize_t plen, added = 0;
    Keyed k;

    if (!PyArg_ParseTuple(args, "O!Oy*s#|O", &PyDict_Type, &cache, &values, &key, &prefix, &plen, &into))
        return NULL;
    keyed_init(&k, &key, prefix, plen);
    PyBuffer_Release(&key);
    if (into != Py_None && !PySet_Check(into)) {
        PyErr_SetString(PyExc_TypeError, "into must be a set or None");
        return NULL;
    }
    it = PyObject_GetIter(values);
    if (it == NULL)
        return NULL;
    while ((item = PyIter_Next(it)) != NULL) {
        PyObject *fp;
        if (into == Py_None) {
            int has = PyDict_Contains(cache, item);
            if (has != 0) {
                Py_DECREF(item);
                if (has < 0)
                    goto fail;
                continue;
            }
        }
        fp = fingerprint_of(&k, cache, item, &added);
        Py_DECREF(item);
        if (fp == NULL)
            goto fail;
        int rc = into == Py_None ? 0 : PySet_Add(into, fp);
        Py_DECREF(fp);
        if (rc < 0)
            goto fail;
    }
    Py_DECREF(it);
    if (PyErr_Occurred())
        return NULL;
    return PyLong_FromSsize_t(added);
fail:
    Py_DECREF(it);
    return NULL;
}

/* keys[item] as a new reference, added (key_prefix + fingerprint) when missing. */
static PyObject *person_key_of(const Keyed *k, PyObject *cache, PyObject *keys, PyObject *item,
                               PyObject *key_prefix, Py_ssize_t *added) {
    if (keys == Py_None) { /* no key cache: the key is built from the cached fingerprint */
        PyObject *fp = fingerprint_of(k, cache, item, added);
        if (fp == NULL)
            return NULL;
        PyObject *key = PyUnicode_Concat(key_prefix, fp);
        Py_DECREF(fp);
        return key;
    }
    PyObject *pk = PyDict_GetItemWithError(keys, item);
    if (pk != NULL) {
        Py_INCREF(pk);
        return pk;
    }
    if (PyErr_Occurred())
        return NULL;
    PyObject *fp = fingerprint_of(k, cache, item, added);
    if (fp == NULL)
        return NULL;
    pk = PyUnicode_Concat(key_prefix, fp);
    Py_DECREF(fp);
    if (pk == NULL)
        return NULL;
    if (PyDict_SetItem(keys, item, pk) < 0) {
        Py_DECREF(pk);
        return NULL;
    }
    (*added)++;
    return pk;
}

static PyObject *person_keys(PyObject *self, PyObject *args) {
    PyObject *cache, *keys, *values, *key_prefix, *it, *item;
    Py_buffer key;
    const char *prefix;
    Py_ssize_t plen, added = 0;
    Keyed k;

    if (!PyArg_ParseTuple(args, "O!O!Oy*s#U", &PyDict_Type, &cache, &PyDict_Type, &keys, &values, &key,
                          &prefix, &plen, &key_prefix))
        return NULL;
    keyed_init(&k, &key, prefix, plen);
    PyBuffer_Release(&key);
    it = PyObject_GetIter(values);
    if (it == NULL)
        return NULL;
    while ((item = PyIter_Next(it)) != NULL) {
        PyObject *pk = person_key_of(&k, cache, keys, item, key_prefix, &added);
        Py_DECREF(item);
        if (pk == NULL)
            goto fail;
        Py_DECREF(pk);
    }
    Py_DECREF(it);
    if (PyErr_Occurred())
        return NULL;
    return PyLong_FromSsize_t(added);
fail:
    Py_DECREF(it);
    return NULL;
}

static PyObject *key_list(PyObject *self, PyObject *args) {
    PyObject *cache, *keys, *values, *key_prefix, *out;
    Py_buffer key;
    const char *prefix;
    Py_ssize_t plen, added = 0;
    int combo;
    Keyed k;

    if (!PyArg_ParseTuple(args, "O!OO!y*s#Up", &PyDict_Type, &cache, &keys, &PyList_Type, &values, &key,
                          &prefix, &plen, &key_prefix, &combo))
        return NULL;
    if (keys != Py_None && !PyDict_Check(keys)) {
        PyBuffer_Release(&key);
        PyErr_SetString(PyExc_TypeError, "keys must be a dict or None");
        return NULL;
    }
    keyed_init(&k, &key, prefix, plen);
    PyBuffer_Release(&key);
    Py_ssize_t n = PyList_GET_SIZE(values);
    out = PyList_New(n);
    if (out == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (i >= PyList_GET_SIZE(values)) {
            PyErr_SetString(PyExc_RuntimeError, "values changed size");
            goto fail;
        }
        PyObject *item = PyList_GET_ITEM(values, i), *pk;
        if (!PyUnicode_Check(item)) {
            PyErr_SetString(PyExc_TypeError, "values must be str");
            goto fail;
        }
        Py_ssize_t len = PyUnicode_GET_LENGTH(item);
        int skip = combo ? len > 0 && (PyUnicode_READ_CHAR(item, 0) == '|' ||
                                       PyUnicode_READ_CHAR(item, len - 1) == '|')
                         : len == 0;
        if (skip) {
            Py_INCREF(Py_None);
            pk = Py_None;
        } else {
            Py_INCREF(item); /* the list may drop it while the dicts run Python code */
            pk = person_key_of(&k, cache, keys, item, key_prefix, &added);
            Py_DECREF(item);
            if (pk == NULL)
                goto fail;
        }
        PyList_SET_ITEM(out, i, pk);
    }
    return Py_BuildValue("(Nn)", out, added);
fail:
    Py_DECREF(out);
    return NULL;
}

static PyMethodDef methods[] = {
    {"fill", fill, METH_VARARGS,
     "fill(cache, values, key, prefix, into=None) -> int: fingerprint the values not yet in cache"},
    {"person_keys", person_keys, METH_VARARGS,
     "person_keys(cache, keys, values, key, prefix, key_prefix) -> int: keys[v] = key_prefix + fp"},
    {"key_list", key_list, METH_VARARGS,
     "key_list(cache, keys, values, key, prefix, key_prefix, combo) -> (list, int): keys per value"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_hmac_batch", NULL, -1, methods};

PyMODINIT_FUNC PyInit__hmac_batch(void) { return PyModule_Create(&module); }
