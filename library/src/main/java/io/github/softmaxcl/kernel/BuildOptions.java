/*
 * Build options from their parts: the element type's define, a kernel's tunables, the features.
 * The option string is part of the program cache key, so every piece of it changes the program.
 */
package io.github.softmaxcl.kernel;

import io.github.softmaxcl.ElementType;
import java.util.StringJoiner;

final class BuildOptions {
    private BuildOptions() {}

    /** @return the define selecting the element type's storage and arithmetic (softmax_storage.clh) */
    static String type(ElementType type) {
        return switch (type) {
            case FLOAT32 -> "";
            case FLOAT64 -> "-DUSE_DOUBLE";
            case FLOAT16 -> "-DSTORAGE_HALF";
            case BFLOAT16 -> "-DSTORAGE_BF16";
        };
    }

    /** @return the non-empty parts, space-separated */
    static String join(String... parts) {
        StringJoiner j = new StringJoiner(" ");
        for (String p : parts) {
            if (!p.isEmpty()) {
                j.add(p);
            }
        }
        return j.toString();
    }
}
