/* Batch HMAC-SHA256 fingerprints: detect/fingerprint.py's per-value loop in C.
 *
 * fill(cache, values, key, prefix) puts HMAC-SHA256(key, prefix + value) (first 16 bytes, lower-case
 * hex) into the dict `cache` for every str in `values` not already a key of it, and returns how many
 * it added. Same output as Fingerprinter.__call__ (tested value by value); about 3x faster, because
 * a value costs two SHA-256 state copies and no Python calls. Optional: without a C compiler the
 * package falls back to the Python loop.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>
#define OPENSSL_SUPPRESS_DEPRECATED /* SHA256_CTX copies are the point: EVP contexts cost a malloc */
#include <openssl/sha.h>

static const char HEX[] = "0123456789abcdef";

static PyObject *fill(PyObject *self, PyObject *args) {
    PyObject *cache, *values, *it, *item;
    Py_buffer key;
    const char *prefix;
    Py_ssize_t plen, added = 0;
    unsigned char k[64] = {0}, ipad[64], opad[64], d[32];
    SHA256_CTX inner, outer, c;

    if (!PyArg_ParseTuple(args, "O!Oy*s#", &PyDict_Type, &cache, &values, &key, &prefix, &plen))
        return NULL;
    if (key.len > 64)
        SHA256(key.buf, (size_t)key.len, k);
    else
        memcpy(k, key.buf, (size_t)key.len);
    PyBuffer_Release(&key);
    for (int i = 0; i < 64; i++) {
        ipad[i] = k[i] ^ 0x36;
        opad[i] = k[i] ^ 0x5c;
    }
    SHA256_Init(&inner);
    SHA256_Update(&inner, ipad, 64);
    SHA256_Update(&inner, prefix, (size_t)plen);
    SHA256_Init(&outer);
    SHA256_Update(&outer, opad, 64);
    memset(k, 0, sizeof k);

    it = PyObject_GetIter(values);
    if (it == NULL)
        return NULL;
    while ((item = PyIter_Next(it)) != NULL) {
        Py_ssize_t n;
        const char *s;
        PyObject *hex;
        int has = PyDict_Contains(cache, item);
        if (has != 0) {
            Py_DECREF(item);
            if (has < 0)
                goto fail;
            continue;
        }
        s = PyUnicode_AsUTF8AndSize(item, &n);
        if (s == NULL) {
            Py_DECREF(item);
            goto fail;
        }
        c = inner;
        SHA256_Update(&c, s, (size_t)n);
        SHA256_Final(d, &c);
        c = outer;
        SHA256_Update(&c, d, 32);
        SHA256_Final(d, &c);
        hex = PyUnicode_New(32, 127);
        if (hex == NULL) {
            Py_DECREF(item);
            goto fail;
        }
        Py_UCS1 *h = PyUnicode_1BYTE_DATA(hex);
        for (int i = 0; i < 16; i++) {
            h[2 * i] = (Py_UCS1)HEX[d[i] >> 4];
            h[2 * i + 1] = (Py_UCS1)HEX[d[i] & 15];
        }
        int rc = PyDict_SetItem(cache, item, hex);
        Py_DECREF(hex);
        Py_DECREF(item);
        if (rc < 0)
            goto fail;
        added++;
    }
    Py_DECREF(it);
    if (PyErr_Occurred())
        return NULL;
    return PyLong_FromSsize_t(added);
fail:
    Py_DECREF(it);
    return NULL;
}

static PyMethodDef methods[] = {
    {"fill", fill, METH_VARARGS,
     "fill(cache, values, key, prefix) -> int: fingerprint the values not yet in cache into it"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_hmac_batch", NULL, -1, methods};

PyMODINIT_FUNC PyInit__hmac_batch(void) { return PyModule_Create(&module); }
