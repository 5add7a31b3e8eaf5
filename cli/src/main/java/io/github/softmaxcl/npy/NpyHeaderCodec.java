/*
 * Reads and writes the header of a .npy file (NumPy's numpy/lib/format.py, versions 1.0 to 3.0).
 * The header is a Python dict literal; NumPy reads it with ast.literal_eval, but all we need is
 * the tiny subset NumPy writes, so this parser accepts exactly that and refuses the rest with a
 * message saying what it found. It never evaluates or unpickles anything.
 */
package io.github.softmaxcl.npy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

final class NpyHeaderCodec {
    static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** NumPy pads the header so the data starts on this boundary, for memory mapping. */
    private static final int ARRAY_ALIGN = 64;
    /** NumPy leaves room to grow the first axis in place; matching it makes our bytes identical. */
    private static final int GROWTH_AXIS_MAX_DIGITS = 21;
    /**
     * Real headers are a few hundred bytes; the cap stops a damaged length field (up to 4 GiB in
     * version 2.0) from making us allocate a huge buffer.
     */
    static final int MAX_HEADER_BYTES = 1 << 20;

    private NpyHeaderCodec() {
    }

    /** Reads and validates the header at the start of {@code ch}, whose size is {@code fileSize}. */
    static NpyHeader read(Path file, FileChannel ch, long fileSize) throws IOException {
        if (fileSize < MAGIC.length + 2) {
            throw new NpyFormatException(file,
                    "file is too short to be a .npy file (" + fileSize + " bytes)");
        }
        ByteBuffer prefix = readFully(file, ch, 0, (int) Math.min(fileSize, 12));
        for (int i = 0; i < MAGIC.length; i++) {
            if (prefix.get(i) != MAGIC[i]) {
                throw new NpyFormatException(file,
                        "not a .npy file: bad magic (expected \\x93NUMPY at the start)");
            }
        }
        int major = prefix.get(6) & 0xff;
        int minor = prefix.get(7) & 0xff;
        if (minor != 0 || major < 1 || major > 3) {
            throw new NpyFormatException(file, "unsupported .npy format version " + major + "."
                    + minor + " (supported: 1.0, 2.0, 3.0)");
        }
        int lengthBytes = major == 1 ? 2 : 4;
        int prefixLength = 8 + lengthBytes;
        if (fileSize < prefixLength) {
            throw new NpyFormatException(file, "header is truncated: the file ends after "
                    + fileSize + " bytes, inside the header length field");
        }
        prefix.order(ByteOrder.LITTLE_ENDIAN);
        long headerLength = major == 1 ? prefix.getShort(8) & 0xffffL : prefix.getInt(8) & 0xffffffffL;
        long dataOffset = prefixLength + headerLength;
        if (dataOffset > fileSize) {
            throw new NpyFormatException(file, "header is truncated: header length " + headerLength
                    + " runs past the end of the file (" + fileSize + " bytes)");
        }
        if (headerLength > MAX_HEADER_BYTES) {
            throw new NpyFormatException(file, "header length " + headerLength
                    + " exceeds the limit of " + MAX_HEADER_BYTES + " bytes");
        }
        ByteBuffer raw = readFully(file, ch, prefixLength, (int) headerLength);
        String text = decode(file, raw, major == 3);
        Map<String, Object> dict = new NpyHeaderParser(file, text).parseDict();

        Object descr = dict.get("descr");
        Object fortran = dict.get("fortran_order");
        Object shapeValue = dict.get("shape");
        if (!(descr instanceof String)) {
            throw new NpyFormatException(file, "'descr' must be a string, found " + show(descr));
        }
        if (!(fortran instanceof Boolean)) {
            throw new NpyFormatException(file,
                    "'fortran_order' must be True or False, found " + show(fortran));
        }
        if (!(shapeValue instanceof long[])) {
            throw new NpyFormatException(file,
                    "'shape' must be a tuple of integers, found " + show(shapeValue));
        }
        long[] shape = (long[]) shapeValue;
        Descr d = parseDescr(file, (String) descr);
        NpyHeader header;
        try {
            header = new NpyHeader(d.dtype, d.order, (Boolean) fortran, shape, dataOffset);
        } catch (IllegalArgumentException e) {
            throw new NpyFormatException(file, e.getMessage());
        }
        if (header.fortranOrder() && !layoutIndependent(shape)) {
            throw new NpyFormatException(file, "Fortran-order (column-major) arrays are not "
                    + "supported (shape " + header.shapeString()
                    + "); save with np.ascontiguousarray");
        }
        long available = fileSize - dataOffset;
        if (available < header.dataBytes()) {
            throw new NpyFormatException(file, "data is truncated: expected "
                    + header.dataBytes() + " bytes after the header, file has " + available);
        }
        if (available > header.dataBytes()) {
            throw new NpyFormatException(file, "file has " + (available - header.dataBytes())
                    + " extra bytes: expected " + header.dataBytes()
                    + " bytes after the header, file has " + available);
        }
        return header;
    }

    /** With at most one axis longer than 1 (or no elements) C and Fortran order store the same bytes. */
    private static boolean layoutIndependent(long[] shape) {
        int longAxes = 0;
        for (long d : shape) {
            if (d == 0) {
                return true;
            }
            if (d > 1) {
                longAxes++;
            }
        }
        return longAxes <= 1;
    }

    private static ByteBuffer readFully(Path file, FileChannel ch, long position, int length)
            throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length);
        while (buf.hasRemaining()) {
            int n = ch.read(buf, position + buf.position());
            if (n < 0) {
                throw new NpyFormatException(file, "file ended while reading the header "
                        + "(was it truncated while being read?)");
            }
        }
        return buf.flip();
    }

    private static String decode(Path file, ByteBuffer raw, boolean utf8) throws NpyFormatException {
        if (!utf8) {
            return StandardCharsets.ISO_8859_1.decode(raw).toString();
        }
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(raw);
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw new NpyFormatException(file, "version 3.0 header is not valid UTF-8");
        }
    }

    private record Descr(NpyDType dtype, ByteOrder order) {
    }

    /** Maps a NumPy type descriptor such as {@code <f4} to a supported type, or says why not. */
    private static Descr parseDescr(Path file, String descr) throws NpyFormatException {
        if (descr.isEmpty()) {
            throw new NpyFormatException(file, "empty dtype descriptor ''");
        }
        char orderChar = descr.charAt(0);
        String body = "<>=|".indexOf(orderChar) >= 0 ? descr.substring(1) : descr;
        if (body.isEmpty()) {
            throw new NpyFormatException(file, "unrecognised dtype descriptor '" + descr + "'");
        }
        char kind = body.charAt(0);
        String size = body.substring(1);
        switch (kind) {
            case 'O':
                throw new NpyFormatException(file,
                        "object arrays are not supported; this reader never unpickles");
            case 'i':
            case 'u':
                throw new NpyFormatException(file, "integer dtype " + descr
                        + " is not supported; convert to float32 or float64");
            case 'c':
                throw new NpyFormatException(file, "complex dtype " + descr
                        + " is not supported; only float16, float32, float64 and bool are");
            case 'S':
            case 'U':
            case 'a':
                throw new NpyFormatException(file, "string dtype " + descr
                        + " is not supported; only float16, float32, float64 and bool are");
            case 'M':
            case 'm':
                throw new NpyFormatException(file, "datetime/timedelta dtype " + descr
                        + " is not supported; only float16, float32, float64 and bool are");
            case 'V':
                throw new NpyFormatException(file, "void/structured dtype " + descr
                        + " is not supported; only float16, float32, float64 and bool are");
            default:
                break;
        }
        NpyDType dtype = null;
        if ((kind == 'f' || kind == 'b') && size.matches("[0-9]{1,2}")) {
            dtype = NpyDType.find(kind, Integer.parseInt(size));
        }
        if (dtype == null) {
            throw new NpyFormatException(file, "dtype " + descr
                    + " is not supported; only float16, float32, float64 and bool are");
        }
        ByteOrder order;
        switch (orderChar) {
            case '<':
                order = ByteOrder.LITTLE_ENDIAN;
                break;
            case '>':
                order = ByteOrder.BIG_ENDIAN;
                break;
            case '|':
                if (dtype.itemSize() != 1) {
                    throw new NpyFormatException(file, "dtype " + descr + " has byte order '|' "
                            + "(not applicable), which is only valid for one-byte types");
                }
                order = ByteOrder.LITTLE_ENDIAN;
                break;
            default:
                // '=' or no order character: NumPy reads these as the reading machine's order.
                order = ByteOrder.nativeOrder();
                break;
        }
        if (dtype.itemSize() == 1) {
            order = ByteOrder.LITTLE_ENDIAN; // meaningless for bytes; one value keeps equals() simple
        }
        return new Descr(dtype, order);
    }

    private static String show(Object value) {
        if (value == null) {
            return "nothing";
        }
        if (value instanceof long[]) {
            return NpyHeader.formatShape((long[]) value);
        }
        if (value instanceof String) {
            return "'" + value + "'";
        }
        if (value instanceof Boolean) {
            return (Boolean) value ? "True" : "False";
        }
        return value.toString();
    }

    /**
     * Builds the complete header, magic to final newline, exactly as NumPy 1.24 writes it for a
     * C-order little-endian array: sorted keys, room to grow the first axis, spaces up to a
     * 64-byte boundary. Version 1.0 unless the header needs more than 65535 bytes.
     */
    static byte[] encode(NpyDType dtype, long[] shape) {
        StringBuilder dict = new StringBuilder()
                .append("{'descr': '").append(dtype.descr(ByteOrder.LITTLE_ENDIAN))
                .append("', 'fortran_order': False, 'shape': ")
                .append(NpyHeader.formatShape(shape)).append(", }");
        if (shape.length > 0) {
            dict.append(" ".repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS
                    - Long.toString(shape[0]).length())));
        }
        byte[] text = dict.toString().getBytes(StandardCharsets.ISO_8859_1);
        int major = 1;
        int prefixLength = 10;
        int padded = paddedLength(prefixLength, text.length);
        if (padded > 0xffff) {
            major = 2;
            prefixLength = 12;
            padded = paddedLength(prefixLength, text.length);
        }
        ByteBuffer out = ByteBuffer.allocate(prefixLength + padded).order(ByteOrder.LITTLE_ENDIAN);
        out.put(MAGIC).put((byte) major).put((byte) 0);
        if (major == 1) {
            out.putShort((short) padded);
        } else {
            out.putInt(padded);
        }
        out.put(text);
        while (out.position() < out.capacity() - 1) {
            out.put((byte) ' ');
        }
        out.put((byte) '\n');
        return out.array();
    }

    /** Header length after padding; like NumPy, an already aligned header still gets 64 bytes. */
    private static int paddedLength(int prefixLength, int textLength) {
        int withNewline = textLength + 1;
        int pad = ARRAY_ALIGN - (prefixLength + withNewline) % ARRAY_ALIGN;
        return withNewline + pad;
    }
}
