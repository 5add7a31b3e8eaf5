/*
 * What a row with no finite unmasked entry (every entry masked, or -inf) turns into. NaN is the
 * mathematical answer (0/0) and the NumPy/PyTorch default; zeros are what attention code wants
 * (oneDNN's inf_as_zero, PyTorch's safe softmax).
 */
package io.github.softmaxcl;

/** The result for rows with no finite unmasked entry. */
public enum MaskedRows {
    /** All NaN (the default, like an all -inf row). */
    NAN,
    /** All zeros; -inf for log-softmax. */
    ZERO
}
