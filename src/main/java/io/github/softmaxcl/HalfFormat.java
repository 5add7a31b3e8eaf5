/*
 * 16-bit storage formats. Values travel as raw bits in Java short arrays (Java 17 has no half
 * type); the device converts on load and store and computes in float32.
 */
package io.github.softmaxcl;

/** A 16-bit floating-point storage format. */
public enum HalfFormat {
    /** IEEE 754 binary16 (NumPy {@code <f2}): 11-bit significand, range up to 65504. */
    FLOAT16,
    /** bfloat16: the upper half of a float32, 8-bit significand, float32's range. */
    BFLOAT16
}
