/*
 * Byte-order conversion shared by the reader (big-endian files into native buffers) and the
 * writer (native buffers into little-endian files on a big-endian machine).
 */
package io.github.softmaxcl.npy;

import java.nio.ByteBuffer;

final class ByteSwap {
    private ByteSwap() {
    }

    /** Reverses the bytes of each {@code itemSize}-byte element in {@code buf[from, to)}. */
    static void swapInPlace(ByteBuffer buf, int from, int to, int itemSize) {
        // Absolute get/put in the buffer's own order; reversing is the same in either order.
        switch (itemSize) {
            case 1:
                break;
            case 2:
                for (int i = from; i < to; i += 2) {
                    buf.putShort(i, Short.reverseBytes(buf.getShort(i)));
                }
                break;
            case 4:
                for (int i = from; i < to; i += 4) {
                    buf.putInt(i, Integer.reverseBytes(buf.getInt(i)));
                }
                break;
            case 8:
                for (int i = from; i < to; i += 8) {
                    buf.putLong(i, Long.reverseBytes(buf.getLong(i)));
                }
                break;
            default:
                throw new IllegalArgumentException("no byte swap for item size " + itemSize);
        }
    }
}
