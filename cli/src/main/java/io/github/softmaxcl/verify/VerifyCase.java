/*
 * One verification case: a named input of a given shape and precision. The built-in suite lists the
 * inputs that break softmax implementations (overflowing spreads, masks, NaN/inf rows, near-uniform
 * rows) at the shapes that break kernels (row lengths either side of work-group sizes, very long
 * rows, many short rows, single-element rows), in both precisions.
 */
package io.github.softmaxcl.verify;

import io.github.softmaxcl.ElementType;
import io.github.softmaxcl.reference.Inputs;
import io.github.softmaxcl.reference.Inputs.Pattern;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * A case to verify.
 *
 * @param name label shown in the table, e.g. {@code adversarial 33x257}
 * @param rows rows
 * @param cols row length
 * @param precision the precision the backend computes in
 * @param logits supplies the row-major logits as doubles (for float32 cases every value must be a
 *     float, so that narrowing is exact, or the rounding is the intended input); called once per run
 */
public record VerifyCase(String name, int rows, int cols, ElementType precision, Supplier<double[]> logits) {
    /** Seed of the built-in suite: fixed, so a failure can be re-run exactly. */
    public static final long SEED = io.github.softmaxcl.reference.FamilyCase.SEED;

    /**
     * @param pattern input pattern
     * @param rows rows
     * @param cols row length
     * @param precision precision
     * @return a generated case named after its pattern and shape
     */
    public static VerifyCase generated(Pattern pattern, int rows, int cols, ElementType precision) {
        String name = pattern.name().toLowerCase(Locale.ROOT) + " " + rows + "x" + cols;
        long seed = SEED ^ ((long) pattern.ordinal() << 40) ^ ((long) rows << 20) ^ cols;
        return new VerifyCase(name, rows, cols, precision, () -> Inputs.doubles(pattern, rows, cols, seed));
    }

    /**
     * The built-in suite.
     *
     * @param quick a subset that runs in a few seconds instead of the full list
     * @return the cases, float32 and float64 for every input
     */
    public static List<VerifyCase> suite(boolean quick) {
        List<VerifyCase> out = new ArrayList<>();
        for (ElementType p : List.of(ElementType.FLOAT32, ElementType.FLOAT64)) {
            for (Pattern pattern : Pattern.values()) {
                out.add(generated(pattern, quick ? 16 : 64, quick ? 1000 : 3000, p));
            }
            // Shapes: ADVERSARIAL puts every kind of row (NaN, +inf, all -inf, ...) next to the others.
            int[][] shapes = quick
                    ? new int[][] {{64, 1}, {2000, 10}, {16, 33}, {16, 257}, {8, 4097}}
                    : new int[][] {{1000, 1}, {100_000, 10}, {64, 31}, {64, 32}, {64, 33}, {33, 255}, {33, 256},
                        {33, 257}, {33, 1023}, {17, 4095}, {17, 4096}, {17, 4097}, {9, 65_537}, {1, 1_048_583}};
            for (int[] s : shapes) {
                Pattern pattern = s[1] >= 65_536 ? Pattern.RANDOM : Pattern.ADVERSARIAL;
                out.add(generated(pattern, s[0], s[1], p));
            }
        }
        return out;
    }
}
