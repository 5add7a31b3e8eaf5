/*
 * IEEE 754 half-precision conversions. Java 17 has no float16 type (Float.float16ToFloat arrived
 * in Java 20), and float16 .npy files are common for large activations, so the reader widens
 * them here; the rounding direction matches NumPy's astype('<f2') (round to nearest, ties to even).
 */
package io.github.softmaxcl.reference;

/** Conversions between IEEE 754 binary16 bit patterns and {@code float}. */
public final class Float16 {
    private Float16() {
    }

    /**
     * Widens a half-precision value. Exact: every float16 value, including subnormals, infinities
     * and NaN, is representable as a float.
     *
     * @param bits the binary16 bit pattern
     * @return the same value as a float
     */
    public static float toFloat(short bits) {
        int h = bits & 0xffff;
        int sign = (h & 0x8000) << 16;
        int exponent = (h >>> 10) & 0x1f;
        int mantissa = h & 0x3ff;
        if (exponent == 0x1f) {
            // Infinity or NaN; keep the NaN payload in the top mantissa bits.
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            // Zero or subnormal: mantissa * 2^-24, exact in float arithmetic.
            float magnitude = mantissa * 0x1p-24f;
            return sign == 0 ? magnitude : -magnitude;
        }
        return Float.intBitsToFloat(sign | ((exponent - 15 + 127) << 23) | (mantissa << 13));
    }

    /**
     * Narrows a float to half precision, rounding to nearest with ties to even; values beyond
     * the largest half (65504) round to infinity, tiny ones to subnormals or signed zero, and
     * NaN stays NaN.
     *
     * @param value the float to convert
     * @return the binary16 bit pattern
     */
    public static short fromFloat(float value) {
        int f = Float.floatToRawIntBits(value);
        int sign = (f >>> 16) & 0x8000;
        int exponent = (f >>> 23) & 0xff;
        int mantissa = f & 0x7fffff;
        if (exponent == 0xff) {
            if (mantissa == 0) {
                return (short) (sign | 0x7c00);
            }
            // Quiet NaN, keeping what fits of the payload.
            return (short) (sign | 0x7e00 | (mantissa >>> 13));
        }
        int halfExponent = exponent - 127 + 15;
        if (halfExponent >= 0x1f) {
            return (short) (sign | 0x7c00);
        }
        if (halfExponent <= 0) {
            // Subnormal (or zero) result: shift the significand, with its implicit 1, into place.
            if (halfExponent < -10) {
                return (short) sign; // below half the smallest subnormal: rounds to zero
            }
            int significand = mantissa | 0x800000;
            int shift = 14 - halfExponent;
            return (short) (sign | roundShift(significand, shift));
        }
        // Normal: round the 23-bit mantissa to 10 bits; a carry into the exponent is correct,
        // including the carry from 65504+ up to infinity.
        int rounded = roundShift((halfExponent << 23) | mantissa, 13);
        return (short) (sign | rounded);
    }

    /** {@code value >>> shift}, rounded to nearest with ties to even. */
    private static int roundShift(int value, int shift) {
        int result = value >>> shift;
        int remainder = value & ((1 << shift) - 1);
        int half = 1 << (shift - 1);
        if (remainder > half || (remainder == half && (result & 1) != 0)) {
            result++;
        }
        return result;
    }
}
