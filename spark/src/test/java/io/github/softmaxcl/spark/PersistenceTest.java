/*
 * Save and load: every param and the uid come back, alone and inside a saved PipelineModel, and the
 * loaded transformer gives the same bits as the one saved.
 */
package io.github.softmaxcl.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.softmaxcl.MaskedRows;
import java.io.IOException;
import java.nio.file.Path;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PersistenceTest {
    private final SparkSession spark = LocalSpark.session();

    @Test
    void everyParamSurvivesSaveAndLoad(@TempDir Path dir) throws IOException {
        SoftmaxTransformer t = new SoftmaxTransformer().setInputCol("logits").setOutputCol("logp").setLogSoftmax(true)
                .setTemperature(0.7).setMaskCol("keep").setMaskedRows(MaskedRows.ZERO).setBatchSize(1234);
        String path = dir.resolve("softmax").toString();
        t.save(path);
        SoftmaxTransformer back = SoftmaxTransformer.load(path);
        assertEquals(t.uid(), back.uid());
        assertEquals("logits", back.getInputCol());
        assertEquals("logp", back.getOutputCol());
        assertTrue(back.getLogSoftmax());
        assertEquals(0.7, back.getTemperature());
        assertEquals("keep", back.getMaskCol());
        assertEquals(MaskedRows.ZERO, back.getMaskedRows());
        assertEquals(1234, back.getBatchSize());

        Dataset<Row> df = ExampleData.generate(spark, 1_000, 2, 21);
        assertEquals(0, t.transform(df).exceptAll(back.transform(df)).count(), "the loaded transformer's bits differ");
        assertTrue(SoftmaxVerification.verify(back, df, Integer.MAX_VALUE, 1).passed());
    }

    @Test
    void defaultsSurviveAndAnUnsetMaskStaysUnset(@TempDir Path dir) throws IOException {
        String path = dir.resolve("plain").toString();
        new SoftmaxTransformer().save(path);
        SoftmaxTransformer back = SoftmaxTransformer.load(path);
        assertNull(back.getMaskCol());
        assertEquals(1.0, back.getTemperature());
        assertEquals(MaskedRows.NAN, back.getMaskedRows());
        assertEquals(8192, back.getBatchSize());
    }

    @Test
    void aPipelineWithTheTransformerSavesAndLoads(@TempDir Path dir) throws IOException {
        Dataset<Row> df = ExampleData.generate(spark, 2_000, 2, 22);
        SoftmaxTransformer t = new SoftmaxTransformer().setMaskCol("keep").setTemperature(1.5);
        PipelineModel model = new Pipeline().setStages(new PipelineStage[] {t}).fit(df);
        String path = dir.resolve("pipeline").toString();
        model.save(path);
        PipelineModel back = PipelineModel.load(path);
        SoftmaxTransformer stage = (SoftmaxTransformer) back.stages()[0];
        assertEquals(1.5, stage.getTemperature());
        assertEquals(0, model.transform(df).exceptAll(back.transform(df)).count());
    }
}
