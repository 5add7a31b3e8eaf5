/*
 * The example job as ./softmax spark-example runs it (generated Parquet in, Parquet out, every row
 * checked), its verification option, and its argument errors.
 */
package io.github.softmaxcl.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExampleTest {
    private final SparkSession spark = LocalSpark.session();

    @Test
    void theLocalExamplePassesOnGeneratedData(@TempDir Path dir) throws IOException {
        assertTrue(LocalExample.run(spark, dir, 20_000, 3, List.of("--temperature", "0.5")));
        assertTrue(Files.isDirectory(dir.resolve("softmax.parquet")));
    }

    @Test
    void theJobVerifiesItsOutputAndSavesItsModel(@TempDir Path dir) throws IOException {
        String in = dir.resolve("in.parquet").toString();
        ExampleData.generate(spark, 5_000, 2, 41).write().parquet(in);
        SoftmaxExample.Options o = SoftmaxExample.parse(new String[] {"--input", in, "--output",
                dir.resolve("out.parquet").toString(), "--log", "--mask-col", "keep", "--masked-rows", "zero",
                "--verify-rows", "100", "--save-model", dir.resolve("model").toString()});
        assertTrue(SoftmaxExample.run(spark, o));
        SoftmaxTransformer saved = SoftmaxTransformer.load(dir.resolve("model").toString());
        assertTrue(saved.getLogSoftmax());
        assertEquals("keep", saved.getMaskCol());
        // The output exists now: without --overwrite the job refuses to replace it.
        assertThrows(Exception.class, () -> SoftmaxExample.run(spark, o));
    }

    @Test
    void badArgumentsAreNamed() {
        assertEquals("--input and --output are required",
                assertThrows(IllegalArgumentException.class, () -> SoftmaxExample.parse(new String[] {"--log"})).getMessage());
        assertEquals("--temperature needs a number, got 'hot'", assertThrows(IllegalArgumentException.class,
                () -> SoftmaxExample.parse(new String[] {"--temperature", "hot"})).getMessage());
        assertEquals("--masked-rows must be nan or zero, got 'one'", assertThrows(IllegalArgumentException.class,
                () -> SoftmaxExample.parse(new String[] {"--masked-rows", "one"})).getMessage());
        assertEquals("unknown argument '--gpu'", assertThrows(IllegalArgumentException.class,
                () -> SoftmaxExample.parse(new String[] {"--gpu"})).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> SoftmaxExample.parse(new String[] {"--temperature", "-1"})).getMessage().contains("-1"));
    }
}
