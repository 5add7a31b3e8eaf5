/*
 * Shared helpers for the .npy tests: where the NumPy-written fixtures live, the value formula
 * make_fixtures.py uses, and a builder for hand-made (often deliberately broken) files.
 */
package io.github.softmaxcl.npy;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

final class NpyTestSupport {
    private NpyTestSupport() {
    }

    /** The value make_fixtures.py stores at flat index i. */
    static double value(long i) {
        return i * 0.5 - 1.25;
    }

    /** A fixture written by NumPy, from src/test/resources/npy. */
    static Path fixture(String name) {
        URL url = NpyTestSupport.class.getResource("/npy/" + name);
        if (url == null) {
            throw new IllegalStateException("missing fixture " + name
                    + "; run make_fixtures.py in src/test/resources/npy");
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The header prefix (magic, version, length) plus the header text, unpadded. */
    static byte[] header(int major, int minor, String text) {
        byte[] t = text.getBytes(major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        int lengthBytes = major == 1 ? 2 : 4;
        ByteBuffer b = ByteBuffer.allocate(8 + lengthBytes + t.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(NpyHeaderCodec.MAGIC).put((byte) major).put((byte) minor);
        if (major == 1) {
            b.putShort((short) t.length);
        } else {
            b.putInt(t.length);
        }
        return b.put(t).array();
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        ByteBuffer b = ByteBuffer.allocate(n);
        for (byte[] p : parts) {
            b.put(p);
        }
        return b.array();
    }

    static Path writeFile(Path dir, String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    /** The dict NumPy would write for a little-endian float32 array of this shape. */
    static String dict(String descr, String shape) {
        return "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }\n";
    }
}
