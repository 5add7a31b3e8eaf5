/*
 * The one local Spark session the tests share (local[2]: two task threads, as two executor cores),
 * created on first use and stopped when the test JVM exits. Partitions are spread over the first two
 * OpenCL devices (POCL_DEVICES="pthread pthread" gives two PoCL devices; see the surefire settings).
 */
package io.github.softmaxcl.spark;

import org.apache.spark.sql.SparkSession;

final class LocalSpark {
    private static SparkSession spark;

    private LocalSpark() {}

    /** @return the shared session */
    static synchronized SparkSession session() {
        if (spark == null) {
            spark = SparkSession.builder().master("local[2]").appName("softmax-cl-spark-tests")
                    .config("spark.ui.enabled", "false")
                    .config("spark.sql.shuffle.partitions", "4")
                    .config(DeviceMapping.DEVICES_CONF, "0:0,0:1")
                    .getOrCreate();
            Runtime.getRuntime().addShutdownHook(new Thread(spark::stop));
        }
        return spark;
    }
}
